import { type StockReference, withNote } from './adjust-stock.ts';
import { assertStocked, checkWarehouse, getItemByRef } from './item-ref.ts';
import type { AppDeps, ItemRef, RequestContext } from './ports.ts';
import type { StockChangeOutcome } from './register-incoming.ts';
import { receiveIntoStock } from './transfer-stock.ts';

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
    const level = await receiveIntoStock(
      uow,
      item,
      command.warehouseId,
      command.quantity,
      { reason: withNote('receive', command.note), reference: command.reference },
      context,
    );
    return { item, level };
  });
}
