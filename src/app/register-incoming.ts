import { ON_HAND_MAX } from '../domain/limits.ts';
import { type StockReference, withNote } from './adjust-stock.ts';
import { assertStocked, checkWarehouse, getItemByRef } from './item-ref.ts';
import type { AppDeps, ItemRecord, ItemRef, RequestContext, StockLevelRecord } from './ports.ts';
import { stockMovement } from './stock-movement.ts';
import { limitExceeded } from './transfer-stock.ts';

export interface RegisterIncomingCommand {
  readonly item: ItemRef;
  readonly warehouseId: string;
  readonly quantity: number;
  readonly expectedAt?: Date | undefined;
  readonly reference?: StockReference | undefined;
  readonly note?: string | undefined;
}

export interface StockChangeOutcome {
  readonly item: ItemRecord;
  readonly level: StockLevelRecord;
}

/**
 * Announces units on their way to a warehouse (a purchase order): they count as incoming, not
 * available, until received.
 */
export async function registerIncoming(
  deps: AppDeps,
  command: RegisterIncomingCommand,
  context: RequestContext,
): Promise<StockChangeOutcome> {
  return deps.tx.run(async (uow) => {
    const item = await getItemByRef(uow, command.item);
    assertStocked(item);
    await checkWarehouse(uow, command.warehouseId, 'warehouse_id');
    await uow.adjustments.ensureLevel(item.id, command.warehouseId);
    const level = await uow.adjustments.addIncoming({
      itemId: item.id,
      warehouseId: command.warehouseId,
      quantity: command.quantity,
      expectedAt: command.expectedAt ?? null,
      incomingMax: ON_HAND_MAX,
    });
    if (level === undefined) {
      throw limitExceeded(item, command.warehouseId, 'incoming');
    }
    await uow.movements.append([
      stockMovement(
        {
          itemId: item.id,
          warehouseId: command.warehouseId,
          kind: 'INCOMING',
          deltas: { incoming: command.quantity },
          reason: withNote('incoming', command.note),
          reference: command.reference,
        },
        context,
      ),
    ]);
    return { item, level };
  });
}
