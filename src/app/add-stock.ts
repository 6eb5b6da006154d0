import { DomainError } from '../domain/errors.ts';
import { ON_HAND_MAX } from '../domain/limits.ts';
import { DEFAULT_WAREHOUSE_ID } from '../domain/stock.ts';
import { getItemOfProduct } from './get-inventory.ts';
import type { AppDeps, RequestContext } from './ports.ts';
import type { ProductStock } from './product-stock.ts';
import { stockMovement } from './stock-movement.ts';

export interface AddStockCommand {
  readonly productId: string;
  readonly quantity: number;
}

/** Receives units into the default warehouse's on-hand count. */
export async function addStock(
  deps: AppDeps,
  command: AddStockCommand,
  context: RequestContext,
): Promise<ProductStock> {
  return deps.tx.run(async (uow) => {
    const item = await getItemOfProduct(uow, command.productId);
    const level = await uow.stock.addOnHand({
      itemId: item.id,
      warehouseId: DEFAULT_WAREHOUSE_ID,
      quantity: command.quantity,
      onHandMax: ON_HAND_MAX,
    });
    if (level === undefined) {
      const current = await uow.stock.find(item.id, DEFAULT_WAREHOUSE_ID);
      throw new DomainError(
        'STOCK_LIMIT_EXCEEDED',
        `adding ${command.quantity} would take on-hand stock of product ${command.productId} ` +
          `past ${ON_HAND_MAX}`,
        { productId: command.productId, onHand: current?.onHand ?? 0, onHandMax: ON_HAND_MAX },
      );
    }
    await uow.movements.append([
      stockMovement(
        {
          itemId: item.id,
          warehouseId: DEFAULT_WAREHOUSE_ID,
          kind: 'RECEIPT',
          deltas: { onHand: command.quantity },
          reason: 'add-stock',
          reference: { type: 'product', id: command.productId },
        },
        context,
      ),
    ]);
    const totals = await uow.stock.sumForItem(item.id);
    if (totals === undefined) {
      throw new Error(`assertion failed: item ${item.id} has no stock level`);
    }
    return { item, totals };
  });
}
