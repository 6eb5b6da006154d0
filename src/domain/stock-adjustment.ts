import { DomainError } from './errors.ts';
import { ON_HAND_MAX } from './limits.ts';
import { availableOf, type Bucket, type StockBuckets } from './stock.ts';

/**
 * Rules of a manual stock adjustment (seed 004's AddInventoryToLocation / RemoveInventoryFromLocation
 * and bulk updates): which buckets a person may change, how, and why.
 */

/** Buckets an adjustment may change; the others move only through reservations and transfers. */
export const ADJUSTABLE_BUCKETS = ['onHand', 'damaged', 'safetyStock'] as const;
export type AdjustableBucket = (typeof ADJUSTABLE_BUCKETS)[number] & Bucket;

export const ADJUSTMENT_MODES = ['add', 'remove', 'set'] as const;
export type AdjustmentMode = (typeof ADJUSTMENT_MODES)[number];

/** Why stock changed; required so that every manual change in the ledger says why. */
export const ADJUSTMENT_REASONS = ['restock', 'recount', 'damage', 'return', 'correction'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

/** A free-text note on an adjustment or transfer. */
export const NOTE_LENGTH_MAX = 500;

export interface AdjustmentChange {
  readonly bucket: AdjustableBucket;
  readonly mode: AdjustmentMode;
  readonly quantity: number;
  /** Compare-and-set: the bucket's value the caller saw; undefined applies whatever it is now. */
  readonly expected: number | undefined;
}

/** The bucket's value after the change (may be out of range: the caller checks). */
export function adjustedValue(previous: number, change: AdjustmentChange): number {
  switch (change.mode) {
    case 'add':
      return previous + change.quantity;
    case 'remove':
      return previous - change.quantity;
    case 'set':
      return change.quantity;
  }
}

/**
 * Why the database refused an adjustment, from the stock level as it is now (read in the same
 * transaction, with the row still locked, so it is the state the refusal saw). Mirrors the
 * conditions of the adjusting UPDATE (db/stock-adjustment.repository.ts) and the schema's CHECKs.
 */
export function explainAdjustmentRefusal(
  level: StockBuckets,
  change: AdjustmentChange,
  subject: Readonly<Record<string, unknown>>,
): DomainError {
  const current = level[change.bucket];
  if (change.expected !== undefined && current !== change.expected) {
    return new DomainError(
      'STOCK_VERSION_CONFLICT',
      `${bucketName(change.bucket)} is ${current}, not the expected ${change.expected}; ` +
        're-read and retry',
      { ...subject, bucket: bucketName(change.bucket), expected: change.expected, actual: current },
    );
  }
  const next = adjustedValue(current, change);
  const held = level.reserved + level.committed + level.damaged;
  if (next > ON_HAND_MAX) {
    return new DomainError(
      'STOCK_LIMIT_EXCEEDED',
      `${bucketName(change.bucket)} would be ${next}, past the limit of ${ON_HAND_MAX}`,
      { ...subject, bucket: bucketName(change.bucket), current, limit: ON_HAND_MAX },
    );
  }
  if (next < 0) {
    return new DomainError(
      'INSUFFICIENT_STOCK',
      `cannot remove ${change.quantity} from ${bucketName(change.bucket)}: it holds ${current}`,
      { ...subject, bucket: bucketName(change.bucket), requested: change.quantity, current },
    );
  }
  if (change.bucket === 'onHand' && next < held) {
    // Units held for orders, or known damaged, are still on the shelf: a count below them is wrong.
    return new DomainError(
      'INSUFFICIENT_STOCK',
      `on_hand cannot go below ${held} (reserved ${level.reserved}, committed ` +
        `${level.committed}, damaged ${level.damaged}); it is ${current}, so at most ` +
        `${current - held} can be removed`,
      {
        ...subject,
        bucket: 'on_hand',
        current,
        held,
        removable: current - held,
        available: availableOf(level),
      },
    );
  }
  if (change.bucket === 'damaged' && level.reserved + level.committed + next > level.onHand) {
    return new DomainError(
      'INSUFFICIENT_STOCK',
      `only ${level.onHand - level.reserved - level.committed} units on hand are not reserved ` +
        `or committed, so damaged cannot be ${next}`,
      {
        ...subject,
        bucket: 'damaged',
        current,
        requested: change.quantity,
        available: availableOf(level),
      },
    );
  }
  throw new Error(
    `assertion failed: adjustment of ${change.bucket} refused with no rule broken ` +
      `(${JSON.stringify({ level, change })})`,
  );
}

/** The snake_case name the API and the ledger columns use for a bucket. */
export function bucketName(bucket: Bucket): string {
  return bucket.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
