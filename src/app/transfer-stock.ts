import { DomainError } from '../domain/errors.ts';
import { ON_HAND_MAX } from '../domain/limits.ts';
import { availableOf } from '../domain/stock.ts';
import { withNote } from './adjust-stock.ts';
import { assertStocked, checkWarehouse, getItemByRef } from './item-ref.ts';
import type {
  AppDeps,
  ItemRecord,
  ItemRef,
  RequestContext,
  StockLevelRecord,
  TransferRecord,
  UnitOfWork,
} from './ports.ts';
import { stockMovement } from './stock-movement.ts';

export interface TransferStockCommand {
  readonly item: ItemRef;
  readonly fromWarehouseId: string;
  readonly toWarehouseId: string;
  readonly quantity: number;
  /** true: the units travel as `incoming` at the destination until the transfer is received. */
  readonly receiveStep: boolean;
  readonly expectedAt?: Date | undefined;
  readonly note?: string | undefined;
}

export interface TransferOutcome {
  readonly transfer: TransferRecord;
  readonly item: ItemRecord;
}

const REFERENCE_TYPE = 'transfer';

/**
 * Moves available units from one warehouse to another (seed 004's "inventory can be transferred
 * between warehouses"). The source gives them up now, conditional on availability; the destination
 * gets them on hand at once, or as incoming until POST /transfers/:id/receive. The item's total
 * (on hand + incoming over all warehouses) is the same before and after.
 */
export async function transferStock(
  deps: AppDeps,
  command: TransferStockCommand,
  context: RequestContext,
): Promise<TransferOutcome> {
  if (command.fromWarehouseId === command.toWarehouseId) {
    throw new DomainError(
      'VALIDATION_ERROR',
      'to_warehouse_id must differ from from_warehouse_id',
      { field: 'to_warehouse_id' },
    );
  }
  if (command.expectedAt !== undefined && !command.receiveStep) {
    throw new DomainError(
      'VALIDATION_ERROR',
      'expected_at applies only with receive_step: true (otherwise the units arrive at once)',
      { field: 'expected_at' },
    );
  }
  return deps.tx.run(async (uow) => {
    const item = await getItemByRef(uow, command.item);
    assertStocked(item);
    await checkWarehouse(uow, command.fromWarehouseId, 'from_warehouse_id');
    await checkWarehouse(uow, command.toWarehouseId, 'to_warehouse_id');
    await uow.adjustments.ensureLevel(item.id, command.toWarehouseId);
    await uow.adjustments.lockLevels(item.id, [command.fromWarehouseId, command.toWarehouseId]);
    await takeFromSource(uow, item, command);
    const arrived = command.receiveStep
      ? await uow.adjustments.addIncoming({
          itemId: item.id,
          warehouseId: command.toWarehouseId,
          quantity: command.quantity,
          expectedAt: command.expectedAt ?? null,
          incomingMax: ON_HAND_MAX,
        })
      : await uow.adjustments.putOnHand({
          itemId: item.id,
          warehouseId: command.toWarehouseId,
          quantity: command.quantity,
          onHandMax: ON_HAND_MAX,
        });
    if (arrived === undefined) {
      throw limitExceeded(
        item,
        command.toWarehouseId,
        command.receiveStep ? 'incoming' : 'on_hand',
      );
    }
    const transfer = await uow.transfers.insert({
      id: deps.newId(),
      itemId: item.id,
      fromWarehouseId: command.fromWarehouseId,
      toWarehouseId: command.toWarehouseId,
      quantity: command.quantity,
      status: command.receiveStep ? 'IN_TRANSIT' : 'RECEIVED',
      reason: command.note ?? null,
      actor: context.actor,
      correlationId: context.correlationId ?? null,
    });
    const common = {
      itemId: item.id,
      reason: withNote('transfer', command.note),
      referenceType: REFERENCE_TYPE,
      referenceId: transfer.id,
      reservationId: null,
      actor: context.actor,
      correlationId: context.correlationId ?? null,
    };
    await uow.movements.append([
      {
        ...common,
        warehouseId: command.fromWarehouseId,
        kind: 'TRANSFER_OUT',
        deltas: { onHand: -command.quantity },
      },
      {
        ...common,
        warehouseId: command.toWarehouseId,
        kind: 'TRANSFER_IN',
        deltas: command.receiveStep ? { incoming: command.quantity } : { onHand: command.quantity },
      },
    ]);
    return { transfer, item };
  });
}

async function takeFromSource(
  uow: UnitOfWork,
  item: ItemRecord,
  command: TransferStockCommand,
): Promise<StockLevelRecord> {
  const taken = await uow.adjustments.takeAvailable({
    itemId: item.id,
    warehouseId: command.fromWarehouseId,
    quantity: command.quantity,
  });
  if (taken !== undefined) {
    return taken;
  }
  const level = await uow.stock.find(item.id, command.fromWarehouseId);
  const available = level === undefined ? 0 : availableOf(level);
  throw new DomainError(
    'INSUFFICIENT_STOCK',
    `cannot transfer ${command.quantity} of item ${item.sku ?? item.id} from ` +
      `${command.fromWarehouseId}: ${available} available there`,
    {
      itemId: item.id,
      warehouseId: command.fromWarehouseId,
      requested: command.quantity,
      available,
    },
  );
}

/** Completes a transfer made with receive_step: its units move from incoming to on hand. */
export async function receiveTransfer(
  deps: AppDeps,
  transferId: string,
  context: RequestContext,
): Promise<TransferOutcome> {
  return deps.tx.run(async (uow) => {
    const transfer = await uow.transfers.markReceived(transferId);
    if (transfer === undefined) {
      const current = await uow.transfers.find(transferId);
      if (current === undefined) {
        throw new DomainError('TRANSFER_NOT_FOUND', `no transfer ${transferId}`, { transferId });
      }
      throw new DomainError(
        'TRANSFER_ALREADY_RECEIVED',
        `transfer ${transferId} was received at ${current.receivedAt?.toISOString()}`,
        { transferId, receivedAt: current.receivedAt?.toISOString() },
      );
    }
    const item = await uow.items.findById(transfer.itemId);
    if (item === undefined) {
      throw new Error(`assertion failed: transfer ${transferId} names a missing item`);
    }
    await receiveIntoStock(
      uow,
      item,
      transfer.toWarehouseId,
      transfer.quantity,
      { reason: 'transfer-receive', reference: { type: REFERENCE_TYPE, id: transfer.id } },
      context,
    );
    return { transfer, item };
  });
}

/**
 * Moves `quantity` units from incoming to on hand (one conditional UPDATE: only as many as are
 * incoming) and writes the RECEIVE ledger row; shared by receipts and transfer receives.
 */
export async function receiveIntoStock(
  uow: UnitOfWork,
  item: ItemRecord,
  warehouseId: string,
  quantity: number,
  why: { readonly reason: string; readonly reference?: { type: string; id: string } | undefined },
  context: RequestContext,
): Promise<StockLevelRecord> {
  const level = await uow.adjustments.receiveIncoming({
    itemId: item.id,
    warehouseId,
    quantity,
    onHandMax: ON_HAND_MAX,
  });
  if (level === undefined) {
    throw await explainReceiveRefusal(uow, item, warehouseId, quantity);
  }
  await uow.movements.append([
    stockMovement(
      {
        itemId: item.id,
        warehouseId,
        kind: 'RECEIVE',
        deltas: { incoming: -quantity, onHand: quantity },
        reason: why.reason,
        reference: why.reference,
      },
      context,
    ),
  ]);
  return level;
}

export async function getTransfer(deps: AppDeps, transferId: string): Promise<TransferOutcome> {
  const transfer = await deps.reader.transfers.find(transferId);
  if (transfer === undefined) {
    throw new DomainError('TRANSFER_NOT_FOUND', `no transfer ${transferId}`, { transferId });
  }
  const item = await deps.reader.items.findById(transfer.itemId);
  if (item === undefined) {
    throw new Error(`assertion failed: transfer ${transferId} names a missing item`);
  }
  return { transfer, item };
}

/** Why incoming units could not be received: fewer incoming, or on hand would pass its limit. */
export async function explainReceiveRefusal(
  uow: UnitOfWork,
  item: ItemRecord,
  warehouseId: string,
  quantity: number,
): Promise<DomainError> {
  const level = await uow.stock.find(item.id, warehouseId);
  const incoming = level?.incoming ?? 0;
  if (incoming < quantity) {
    return new DomainError(
      'INSUFFICIENT_INCOMING',
      `cannot receive ${quantity} of item ${item.sku ?? item.id} at ${warehouseId}: ` +
        `${incoming} incoming`,
      { itemId: item.id, warehouseId, requested: quantity, incoming },
    );
  }
  return limitExceeded(item, warehouseId, 'on_hand');
}

export function limitExceeded(item: ItemRecord, warehouseId: string, bucket: string): DomainError {
  return new DomainError(
    'STOCK_LIMIT_EXCEEDED',
    `${bucket} of item ${item.sku ?? item.id} at ${warehouseId} would pass ${ON_HAND_MAX}`,
    { itemId: item.id, warehouseId, bucket, limit: ON_HAND_MAX },
  );
}
