/**
 * Quantity buckets of one item in one warehouse. `onHand` counts every unit physically present;
 * reserved, committed and damaged units are part of it. Safety stock is a floor kept back from sale.
 * `available` is derived, never stored, so it cannot drift from the buckets.
 */
export interface StockBuckets {
  readonly onHand: number;
  readonly reserved: number;
  readonly committed: number;
  readonly incoming: number;
  readonly damaged: number;
  readonly safetyStock: number;
}

export function availableOf(stock: StockBuckets): number {
  return Math.max(
    0,
    stock.onHand - stock.reserved - stock.committed - stock.damaged - stock.safetyStock,
  );
}

/** The warehouse that seed 000's APIs (which name no warehouse) read and write. */
export const DEFAULT_WAREHOUSE_ID = 'default';

/** Kinds of ledger movement. Each records signed deltas per bucket. */
export const MOVEMENT_KINDS = [
  'INIT',
  'RECEIPT',
  'RESERVE',
  'RELEASE',
  'EXPIRE',
  'DEDUCT',
] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];
