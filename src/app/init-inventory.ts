import { DomainError } from '../domain/errors.ts';
import { ON_HAND_MAX } from '../domain/limits.ts';
import { availableOf, DEFAULT_WAREHOUSE_ID } from '../domain/stock.ts';
import { checkProductKnown } from './check-product.ts';
import type { AppDeps, RequestContext } from './ports.ts';
import type { ProductStock } from './product-stock.ts';
import { stockMovement } from './stock-movement.ts';

export interface InitInventoryCommand {
  readonly productId: string;
  readonly quantity: number;
}

/**
 * Creates a product's inventory with an opening quantity in the default warehouse. Never overwrites:
 * a second init of the same product is refused (use add-stock), so a replayed or duplicated init
 * cannot reset stock that has been sold since.
 */
export async function initInventory(
  deps: AppDeps,
  command: InitInventoryCommand,
  context: RequestContext,
): Promise<ProductStock> {
  if (command.quantity > ON_HAND_MAX) {
    throw new DomainError('VALIDATION_ERROR', `quantity must be at most ${ON_HAND_MAX}`, {
      field: 'quantity',
    });
  }
  // Before the transaction: the product service is a network call and must hold no rows.
  await checkProductKnown(deps, command.productId, 'productId');
  return deps.tx.run(async (uow) => {
    const item = await uow.items.insertIfAbsent({
      id: deps.newId(),
      productId: command.productId,
      variantId: '',
    });
    if (item === undefined) {
      throw new DomainError(
        'INVENTORY_ALREADY_EXISTS',
        `inventory for product ${command.productId} already exists; use add-stock to change it`,
        { productId: command.productId },
      );
    }
    const level = await uow.stock.insert({
      itemId: item.id,
      warehouseId: DEFAULT_WAREHOUSE_ID,
      onHand: command.quantity,
    });
    if (command.quantity > 0) {
      await uow.movements.append([
        stockMovement(
          {
            itemId: item.id,
            warehouseId: DEFAULT_WAREHOUSE_ID,
            kind: 'INIT',
            deltas: { onHand: command.quantity },
            reason: 'init',
            reference: { type: 'product', id: command.productId },
          },
          context,
        ),
      ]);
    }
    return { item, totals: { ...level, available: availableOf(level) } };
  });
}
