import type { ItemRecord, StockTotals } from './ports.ts';

/** An item with its stock summed over warehouses: what seed 000's inventory endpoints show. */
export interface ProductStock {
  readonly item: ItemRecord;
  readonly totals: StockTotals;
}
