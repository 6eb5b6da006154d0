import { DomainError } from '../domain/errors.ts';
import { ON_HAND_MAX, QUANTITY_MAX } from '../domain/limits.ts';
import type { Bucket } from '../domain/stock.ts';
import {
  type AdjustableBucket,
  type AdjustmentMode,
  type AdjustmentReason,
  bucketName,
  explainAdjustmentRefusal,
} from '../domain/stock-adjustment.ts';
import { assertStocked, checkWarehouse, getItemByRef } from './item-ref.ts';
import type {
  AppDeps,
  ItemRecord,
  ItemRef,
  RequestContext,
  StockLevelRecord,
  UnitOfWork,
} from './ports.ts';
import { stockMovement } from './stock-movement.ts';

/** A document a change refers to (a purchase order, a count sheet, a return): type and id. */
export interface StockReference {
  readonly type: string;
  readonly id: string;
}

export interface AdjustStockCommand {
  readonly item: ItemRef;
  readonly warehouseId: string;
  readonly bucket: AdjustableBucket;
  readonly mode: AdjustmentMode;
  /** add / remove: 1..QUANTITY_MAX units; set: the new value, 0..ON_HAND_MAX. */
  readonly quantity: number;
  readonly reason: AdjustmentReason;
  /** Compare-and-set: the bucket's current value as the caller last saw it. */
  readonly expected?: number | undefined;
  readonly note?: string | undefined;
  readonly reference?: StockReference | undefined;
}

export interface AdjustmentOutcome {
  readonly item: ItemRecord;
  readonly warehouseId: string;
  readonly bucket: AdjustableBucket;
  readonly previous: number;
  readonly value: number;
  /** Signed change, as written to the ledger. */
  readonly delta: number;
  readonly level: StockLevelRecord;
}

/** Seed 004's AddInventoryToLocation / RemoveInventoryFromLocation, with a reason and a ledger row. */
export async function adjustStock(
  deps: AppDeps,
  command: AdjustStockCommand,
  context: RequestContext,
): Promise<AdjustmentOutcome> {
  return deps.tx.run((uow) => applyAdjustment(uow, command, context));
}

/**
 * One adjustment inside the caller's transaction (the CSV import applies many in one). The bucket
 * changes in one conditional UPDATE; a refusal is explained from the level as it stands, and
 * nothing has changed when it is thrown.
 */
export async function applyAdjustment(
  uow: UnitOfWork,
  command: AdjustStockCommand,
  context: RequestContext,
): Promise<AdjustmentOutcome> {
  checkQuantity(command);
  const item = await getItemByRef(uow, command.item);
  assertStocked(item);
  await checkWarehouse(uow, command.warehouseId, 'warehouse_id');
  await uow.adjustments.ensureLevel(item.id, command.warehouseId);
  const change = {
    bucket: command.bucket,
    mode: command.mode,
    quantity: command.quantity,
    expected: command.expected,
  };
  const applied = await uow.adjustments.adjust({
    ...change,
    itemId: item.id,
    warehouseId: command.warehouseId,
    valueMax: ON_HAND_MAX,
  });
  if (applied === undefined) {
    const level = await uow.stock.find(item.id, command.warehouseId);
    if (level === undefined) {
      throw new Error(`assertion failed: stock level of ${item.id} vanished after ensureLevel`);
    }
    throw explainAdjustmentRefusal(level, change, {
      itemId: item.id,
      warehouseId: command.warehouseId,
    });
  }
  const value = applied.level[command.bucket];
  const delta = value - applied.previous;
  const deltas: Partial<Record<Bucket, number>> = { [command.bucket]: delta };
  await uow.movements.append([
    stockMovement(
      {
        itemId: item.id,
        warehouseId: command.warehouseId,
        kind: 'ADJUST',
        deltas,
        reason: withNote(command.reason, command.note),
        reference: command.reference,
      },
      context,
    ),
  ]);
  return {
    item,
    warehouseId: command.warehouseId,
    bucket: command.bucket,
    previous: applied.previous,
    value,
    delta,
    level: applied.level,
  };
}

function checkQuantity(command: AdjustStockCommand): void {
  if (command.mode === 'set') {
    if (command.quantity < 0 || command.quantity > ON_HAND_MAX) {
      throw new DomainError(
        'VALIDATION_ERROR',
        `quantity must be from 0 to ${ON_HAND_MAX} when mode is set`,
        { field: 'quantity' },
      );
    }
    return;
  }
  if (command.quantity < 1 || command.quantity > QUANTITY_MAX) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `quantity must be from 1 to ${QUANTITY_MAX} when mode is ${command.mode} ` +
        `(${bucketName(command.bucket)})`,
      { field: 'quantity' },
    );
  }
}

/** The ledger has one reason column: a note rides along after the reason code. */
export function withNote(reason: string, note: string | undefined): string {
  return note === undefined || note === '' ? reason : `${reason}: ${note}`;
}
