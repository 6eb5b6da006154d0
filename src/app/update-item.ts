import { DomainError } from '../domain/errors.ts';
import { checkBackorder } from './create-item.ts';
import { getItemDetail, type ItemDetail } from './get-item.ts';
import type { AppDeps, ItemChanges } from './ports.ts';

/**
 * Changes an item's catalog fields (seed 004's UpdateInventoryItem). Only the fields given change;
 * `low_stock_threshold: null` returns the item to the service default. Stock is never changed here.
 */
export async function updateItem(
  deps: AppDeps,
  itemId: string,
  changes: ItemChanges,
): Promise<ItemDetail> {
  if (Object.values(changes).every((value) => value === undefined)) {
    throw new DomainError('VALIDATION_ERROR', 'request body must change at least one field', {
      field: 'request body',
    });
  }
  if (changes.backorder !== undefined) {
    checkBackorder(changes.backorder);
  }
  return deps.tx.run(async (uow) => {
    const result = await uow.items.update(itemId, changes);
    if (result.kind === 'not-found') {
      throw new DomainError('ITEM_NOT_FOUND', `no item with id ${itemId}`, { itemId });
    }
    if (result.kind === 'sku-taken') {
      throw new DomainError('ITEM_ALREADY_EXISTS', `another item has SKU ${changes.sku}`, {
        field: 'sku',
        sku: changes.sku,
      });
    }
    return getItemDetail(uow, deps.settings, itemId);
  });
}
