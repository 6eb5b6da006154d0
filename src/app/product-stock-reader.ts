import type { ItemRecord, ItemRepository, StockLevelRepository, StockTotals } from './ports.ts';
import { createReadCoalescer } from './read-coalescer.ts';

/**
 * The two reads behind seed 000's GET /inventory/:productId (the product's item, then its stock
 * summed over warehouses), shared by concurrent requests as availability-reader.ts shares seed
 * 002's: keys asked for while a read is in the database leave together as the next read. Nothing
 * is cached, and every answer comes from a read that started after its request asked.
 */
export interface ProductStockReader {
  /** The product's own item (no variant); undefined when there is none. */
  item(productId: string): Promise<ItemRecord | undefined>;
  /** The item's stock over all its warehouses; undefined when it has no stock level yet. */
  totals(itemId: string): Promise<StockTotals | undefined>;
}

export function createProductStockReader(reads: {
  readonly items: Pick<ItemRepository, 'findOfProducts'>;
  readonly stock: Pick<StockLevelRepository, 'sumForItems'>;
}): ProductStockReader {
  const items = createReadCoalescer<string, ItemRecord>({
    fetch: (productIds) => reads.items.findOfProducts(productIds),
    keyOf: (productId) => productId,
  });
  const totals = createReadCoalescer<string, StockTotals>({
    fetch: (itemIds) => reads.stock.sumForItems(itemIds),
    keyOf: (itemId) => itemId,
  });
  return {
    async item(productId) {
      const [item] = await items.read([productId]);
      return item;
    },
    async totals(itemId) {
      const [sums] = await totals.read([itemId]);
      return sums;
    },
  };
}
