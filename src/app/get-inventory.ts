import { DomainError } from '../domain/errors.ts';
import { EMPTY_BUCKETS } from '../domain/stock.ts';
import type { AppDeps, ItemRecord, StockTotals, UnitOfWork } from './ports.ts';
import type { ProductStock } from './product-stock.ts';

export async function getInventory(deps: AppDeps, productId: string): Promise<ProductStock> {
  const item = await deps.productStock.item(productId);
  if (item === undefined) {
    throw productNotFound(productId);
  }
  // An item created through the catalog API has no stock level until stock arrives: all zeros.
  const totals = (await deps.productStock.totals(item.id)) ?? emptyTotals(item.updatedAt);
  return { item, totals };
}

function emptyTotals(updatedAt: Date): StockTotals {
  return { ...EMPTY_BUCKETS, available: 0, updatedAt };
}

/** The product's own item (no variant); PRODUCT_NOT_FOUND when inventory was never initialised. */
export async function getItemOfProduct(uow: UnitOfWork, productId: string): Promise<ItemRecord> {
  const item = await uow.items.findByProduct(productId, '');
  if (item === undefined) {
    throw productNotFound(productId);
  }
  return item;
}

function productNotFound(productId: string): DomainError {
  return new DomainError('PRODUCT_NOT_FOUND', `no inventory for product ${productId}`, {
    productId,
  });
}
