import type { Bucket, MovementKind } from './stock.ts';

/**
 * What each step of a reservation's life does to the stock buckets of one of its lines. Every use
 * case that moves a reservation takes its counter changes and its ledger rows from here, so the two
 * cannot disagree, and the books check (db/ledger.repository.ts) can recompute the held buckets
 * from the reservation rows alone.
 *
 * A line holds `quantity` units: `quantity - backordered` from stock, the rest promised from future
 * stock. Commit keeps `committedQuantity` of them (held units first), of which
 * `committedBackordered` were backordered; the others return at once.
 */
export interface LineQuantities {
  readonly quantity: number;
  readonly backordered: number;
  readonly committedQuantity: number;
  readonly committedBackordered: number;
}

export type LineStep =
  | 'reserve'
  | 'release-pending'
  | 'expire'
  | 'commit'
  | 'release-committed'
  | 'fulfil'
  | 'deduct';

export const MOVEMENT_KIND_OF: Readonly<Record<LineStep, MovementKind>> = {
  reserve: 'RESERVE',
  'release-pending': 'RELEASE',
  expire: 'EXPIRE',
  commit: 'COMMIT',
  'release-committed': 'RELEASE',
  fulfil: 'FULFIL',
  deduct: 'DEDUCT',
};

export type BucketDeltas = Readonly<Partial<Record<Bucket, number>>>;

export function lineEffect(step: LineStep, line: LineQuantities): BucketDeltas {
  const held = line.quantity - line.backordered;
  const committedHeld = line.committedQuantity - line.committedBackordered;
  switch (step) {
    case 'reserve':
      return { reserved: held, backordered: line.backordered };
    case 'release-pending':
    case 'expire':
      return { reserved: -held, backordered: -line.backordered };
    case 'commit':
      return {
        reserved: -held,
        committed: committedHeld,
        backordered: -(line.backordered - line.committedBackordered),
      };
    case 'release-committed':
      return { committed: -committedHeld, backordered: -line.committedBackordered };
    case 'fulfil':
      // Backordered units can only ship once stock arrived: on_hand must still cover what is held.
      return {
        committed: -committedHeld,
        backordered: -line.committedBackordered,
        onHand: -line.committedQuantity,
      };
    case 'deduct':
      // Seed 000: confirm and ship in one step.
      return { reserved: -held, backordered: -line.backordered, onHand: -line.quantity };
  }
}

/**
 * Splits `commit` units of a request line over its allocation rows in row order, held units before
 * backordered ones within each row. Returns per-row committed quantities; throws if `commit`
 * exceeds the rows' total (the caller validates first).
 */
export function distributeCommit(
  rows: readonly Pick<LineQuantities, 'quantity' | 'backordered'>[],
  commit: number,
): { committedQuantity: number; committedBackordered: number }[] {
  let left = commit;
  const result = rows.map((row) => {
    const take = Math.min(left, row.quantity);
    left -= take;
    const held = row.quantity - row.backordered;
    return { committedQuantity: take, committedBackordered: Math.max(0, take - held) };
  });
  if (left > 0) {
    throw new Error(`assertion failed: committing ${commit} exceeds the line's units`);
  }
  return result;
}
