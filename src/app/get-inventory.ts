import { DomainError } from '../domain/errors.ts';
import type { AppDeps, ItemRecord, UnitOfWork } from './ports.ts';
import type { ProductStock } from './product-stock.ts';

export async function getInventory(deps: AppDeps, productId: string): Promise<ProductStock> {
  const item = await getItemOfProduct(deps.reader, productId);
  const totals = await deps.reader.stock.sumForItem(item.id);
  if (totals === undefined) {
    // An item is only ever created together with its default stock level.
    throw new Error(`assertion failed: item ${item.id} has no stock level`);
  }
  return { item, totals };
}

/** The product's own item (no variant); PRODUCT_NOT_FOUND when inventory was never initialised. */
export async function getItemOfProduct(uow: UnitOfWork, productId: string): Promise<ItemRecord> {
  const item = await uow.items.findByProduct(productId, '');
  if (item === undefined) {
    throw new DomainError('PRODUCT_NOT_FOUND', `no inventory for product ${productId}`, {
      productId,
    });
  }
  return item;
}
