import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * UUIDv7 ids (time-ordered, so new rows land at the right edge of their B-tree indexes) whose
 * random bits come from a 4 KiB pool. uuid's own v7() asks crypto.getRandomValues for 16 bytes at
 * every call: 2.6 µs an id on the bench machine, several percent of a core at 15,000 reservations
 * a second; from the pool 0.13 µs, one refill every 256 ids. Every pool byte is used once.
 *
 * Given its random bytes, v7() keeps no sequence counter, so ids made within one millisecond are
 * unique (74 random bits) but not ordered among themselves, which RFC 9562 allows; ids of
 * different milliseconds stay in time order.
 */
const POOL_BYTES = 4096;
const ID_RANDOM_BYTES = 16;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;

export function newId(): string {
  if (next === POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(next, next + ID_RANDOM_BYTES);
  next += ID_RANDOM_BYTES;
  return v7({ random });
}
