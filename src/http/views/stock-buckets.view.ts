import type { StockBuckets } from '../../domain/stock.ts';

/** A stock level's buckets and derived `available` in the snake_case views (STOCK_BUCKET_FIELDS). */
export function toBucketFields(buckets: StockBuckets, available: number) {
  return {
    on_hand: buckets.onHand,
    reserved: buckets.reserved,
    committed: buckets.committed,
    incoming: buckets.incoming,
    damaged: buckets.damaged,
    safety_stock: buckets.safetyStock,
    backordered: buckets.backordered,
    available,
  };
}
