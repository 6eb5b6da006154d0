import { ON_HAND_MAX } from '../domain/limits.ts';
import { type StockReference, withNote } from './adjust-stock.ts';
import { assertStocked, checkWarehouse, getItemByRef } from './item-ref.ts';
import type { AppDeps, ItemRef, RequestContext } from './ports.ts';
import type { StockChangeOutcome } from './register-incoming.ts';
import { explainReceiveRefusal } from './transfer-stock.ts';

export interface ReceiveStockCommand {
  readonly item: ItemRef;
  readonly warehouseId: string;
  readonly quantity: number;
  readonly reference?: StockReference | undefined;
  readonly note?: string | undefined;
}

/**
 * Receives announced units: incoming -> on hand, only as many as are incoming (one conditional
 * UPDATE). A warehouse deactivated while goods were on their way still receives them: they are
 * there whatever its flag says.
 */
export async function receiveStock(
  deps: AppDeps,
  command: ReceiveStockCommand,
  context: RequestContext,
): Promise<StockChangeOutcome> {
  return deps.tx.run(async (uow) => {
    const item = await getItemByRef(uow, command.item);
    assertStocked(item);
    await checkWarehouse(uow, command.warehouseId, 'warehouse_id', { allowInactive: true });
    const level = await uow.adjustments.receiveIncoming({
      itemId: item.id,
      warehouseId: command.warehouseId,
      quantity: command.quantity,
      onHandMax: ON_HAND_MAX,
    });
    if (level === undefined) {
      throw await explainReceiveRefusal(uow, item, command.warehouseId, command.quantity);
    }
    await uow.movements.append([
      {
        itemId: item.id,
        warehouseId: command.warehouseId,
        kind: 'RECEIVE',
        deltas: { incoming: -command.quantity, onHand: command.quantity },
        reason: withNote('receive', command.note),
        referenceType: command.reference?.type ?? null,
        referenceId: command.reference?.id ?? null,
        reservationId: null,
        actor: context.actor,
        correlationId: context.correlationId ?? null,
      },
    ]);
    return { item, level };
  });
}
