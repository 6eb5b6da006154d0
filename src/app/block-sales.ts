import { DomainError } from '../domain/errors.ts';
import type { AppDeps, ItemRecord } from './ports.ts';

/**
 * Seed 002's admin switch: blocks (or unblocks) sales of every item of a product, e.g. while its
 * stock is reconciled by hand. Reservations refuse blocked items with SALES_BLOCKED; stock
 * operations still work, since reconciling is why sales were blocked.
 */
export async function setSalesBlocked(
  deps: AppDeps,
  command: { productId: string; blocked: boolean; reason: string | null },
): Promise<ItemRecord[]> {
  // In a transaction retried on deadlock: the change also locks the items' stock levels
  // (migration 0008), which a reservation with backorders takes in the other order.
  const items = await deps.tx.run((uow) => uow.items.setSalesBlocked(command));
  if (items.length === 0) {
    throw new DomainError('PRODUCT_NOT_FOUND', `no items for product ${command.productId}`, {
      productId: command.productId,
    });
  }
  return items;
}
