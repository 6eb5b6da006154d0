import type { AllocationRepository, CartItemRecord, ItemWarehouseStockRecord } from './ports.ts';
import { createReadCoalescer } from './read-coalescer.ts';

/**
 * The two reads behind an availability answer (seed 002's GET .../availability): the product's
 * item, then its stock per warehouse. Concurrent requests share them (read-coalescer.ts): keys
 * asked for while a read is in the database leave together as the next read. Nothing is cached,
 * and every answer comes from a read that started after its request asked, so a read still sees
 * every write that was answered before it arrived.
 *
 * Why: each availability request made its own two round trips, and on the bench's 2-core machine
 * those cost more than the queries themselves: a CPU profile of the availability-reads scenario
 * had the service in socket writes (its queries and its responses) for half of its samples.
 * Joined, a read carries the keys of the requests that arrived meanwhile; the scenario went from
 * about 2,000 to about 10,000 requests/s (docs/PERFORMANCE.md).
 */
export interface AvailabilityReader {
  /** The item of a product (variant '' for the product's own); undefined when there is none. */
  item(productId: string, variantId: string): Promise<CartItemRecord | undefined>;
  /**
   * Every stock level of the items with its warehouse's state, by item id, then as
   * findStockByWarehouse orders an item's levels (warehouse priority, then id).
   */
  stock(itemIds: readonly string[]): Promise<ItemWarehouseStockRecord[]>;
}

export function createAvailabilityReader(
  reads: Pick<AllocationRepository, 'findCartItems' | 'findStockByWarehouse'>,
): AvailabilityReader {
  const items = createReadCoalescer<
    { readonly productId: string; readonly variantId: string },
    CartItemRecord
  >({
    fetch: (refs) => reads.findCartItems(refs),
    // NUL cannot occur in a product or variant id (both are checked at the edge), so two
    // different pairs never share a key.
    keyOf: (ref) => `${ref.productId}\u0000${ref.variantId}`,
  });
  const levels = createReadCoalescer<string, ItemWarehouseStockRecord[]>({
    fetch: async (itemIds) => {
      const rows = await reads.findStockByWarehouse(itemIds);
      const byItem = Map.groupBy(rows, (row) => row.itemId);
      return itemIds.map((itemId) => byItem.get(itemId) ?? []);
    },
    keyOf: (itemId) => itemId,
  });
  return {
    async item(productId, variantId) {
      const [item] = await items.read([{ productId, variantId }]);
      return item;
    },
    async stock(itemIds) {
      // Item ids are lower-case UUIDs as PostgreSQL writes them, so sorting the strings sorts
      // them as the database orders uuid values (the order findStockByWarehouse answers in).
      const sorted = [...new Set(itemIds)].sort();
      const perItem = await levels.read(sorted);
      return perItem.flatMap((rows) => rows ?? []);
    },
  };
}
