import type { AdjustmentOutcome } from '../../app/adjust-stock.ts';
import type { BulkLineResult } from '../../app/bulk-adjust.ts';
import type { MovementPage } from '../../app/list-movements.ts';
import type { ItemRecord, MovementRecord, StockLevelRecord } from '../../app/ports.ts';
import type { StockChangeOutcome } from '../../app/register-incoming.ts';
import type { TransferOutcome } from '../../app/transfer-stock.ts';
import { availableOf } from '../../domain/stock.ts';
import { bucketName } from '../../domain/stock-adjustment.ts';
import { toBucketFields } from './stock-buckets.view.ts';

/** Seed 002-style (snake_case) views of stock operations and the ledger. */
function itemIdentity(item: Pick<ItemRecord, 'id' | 'sku' | 'productId' | 'variantId'>) {
  return {
    item_id: item.id,
    sku: item.sku,
    product_id: item.productId,
    variant_id: item.variantId,
  };
}

export function toStockLevelView(level: StockLevelRecord) {
  return {
    warehouse_id: level.warehouseId,
    ...toBucketFields(level, availableOf(level)),
    updated_at: level.updatedAt.toISOString(),
  };
}

export function toAdjustmentView(outcome: AdjustmentOutcome) {
  return {
    ...itemIdentity(outcome.item),
    warehouse_id: outcome.warehouseId,
    bucket: bucketName(outcome.bucket),
    previous: outcome.previous,
    value: outcome.value,
    delta: outcome.delta,
    stock: toStockLevelView(outcome.level),
  };
}

/** A failed line's error, in the error envelope's shape (`describe` maps it at the edge). */
export interface LineError {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function toBulkAdjustmentView(
  results: readonly BulkLineResult[],
  describe: (error: unknown) => LineError,
) {
  const applied = results.filter((r) => r.status === 'applied').length;
  return {
    summary: { applied, failed: results.length - applied },
    results: results.map((result, line) =>
      result.status === 'applied'
        ? { line, status: result.status, data: toAdjustmentView(result.outcome) }
        : { line, status: result.status, error: describe(result.error) },
    ),
  };
}

export function toTransferView(outcome: TransferOutcome) {
  const transfer = outcome.transfer;
  return {
    id: transfer.id,
    ...itemIdentity(outcome.item),
    from_warehouse_id: transfer.fromWarehouseId,
    to_warehouse_id: transfer.toWarehouseId,
    quantity: transfer.quantity,
    status: transfer.status,
    note: transfer.reason,
    actor: transfer.actor,
    created_at: transfer.createdAt.toISOString(),
    received_at: transfer.receivedAt === null ? null : transfer.receivedAt.toISOString(),
  };
}

export function toStockChangeView(outcome: StockChangeOutcome) {
  return { ...itemIdentity(outcome.item), stock: toStockLevelView(outcome.level) };
}

export function toMovementView(movement: MovementRecord) {
  const hasReference = movement.referenceType !== null || movement.referenceId !== null;
  return {
    id: movement.id,
    ...itemIdentity({ ...movement, id: movement.itemId }),
    warehouse_id: movement.warehouseId,
    kind: movement.kind,
    deltas: {
      on_hand: movement.onHandDelta,
      reserved: movement.reservedDelta,
      committed: movement.committedDelta,
      incoming: movement.incomingDelta,
      damaged: movement.damagedDelta,
      safety_stock: movement.safetyStockDelta,
      backordered: movement.backorderedDelta,
    },
    reason: movement.reason,
    reference: hasReference
      ? { type: movement.referenceType ?? '', id: movement.referenceId ?? '' }
      : null,
    reservation_id: movement.reservationId,
    actor: movement.actor,
    correlation_id: movement.correlationId,
    created_at: movement.createdAt.toISOString(),
  };
}

export function toMovementListView(page: MovementPage) {
  return { movements: page.movements.map(toMovementView), next_cursor: page.nextCursor };
}
