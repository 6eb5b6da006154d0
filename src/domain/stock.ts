/**
 * Quantity buckets of one item in one warehouse. `onHand` counts every unit physically present;
 * reserved, committed and damaged units are part of it. Safety stock is a floor kept back from sale.
 * `backordered` counts units promised to reservations that stock does not cover yet; new stock
 * covers them before anyone else. `available` is derived, never stored, so it cannot drift.
 */
export interface StockBuckets {
  readonly onHand: number;
  readonly reserved: number;
  readonly committed: number;
  readonly incoming: number;
  readonly damaged: number;
  readonly safetyStock: number;
  readonly backordered: number;
}

/** Every bucket at zero: a stock level before any stock arrives. */
export const EMPTY_BUCKETS: StockBuckets = Object.freeze({
  onHand: 0,
  reserved: 0,
  committed: 0,
  incoming: 0,
  damaged: 0,
  safetyStock: 0,
  backordered: 0,
});

export function availableOf(stock: Omit<StockBuckets, 'incoming'>): number {
  return Math.max(
    0,
    stock.onHand -
      stock.reserved -
      stock.committed -
      stock.damaged -
      stock.safetyStock -
      stock.backordered,
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
  'COMMIT',
  'FULFIL',
  'ADJUST',
  'TRANSFER_OUT',
  'TRANSFER_IN',
  'INCOMING',
  'RECEIVE',
] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** Buckets a ledger row can change, as named in the API and the ledger's `<bucket>_delta` columns. */
export const BUCKETS = [
  'onHand',
  'reserved',
  'committed',
  'incoming',
  'damaged',
  'safetyStock',
  'backordered',
] as const;
export type Bucket = (typeof BUCKETS)[number];
