import type { IdempotencyRepository, StoredIdempotentResult } from './ports.ts';
import { createReadCoalescer, type ReadCoalescer } from './read-coalescer.ts';

/**
 * Asks what an Idempotency-Key holds, for a keyed request that was refused before any batch saw
 * its key: the request may be the retry of the one that succeeded, whose answer it must replay.
 * Concurrent requests share one statement (migration 0015's inventory_check_keys), which waits
 * for a transaction that holds one of the keys and leaves no row behind. The checks queue behind
 * the one in flight and never join it, as cache misses do (read-coalescer.ts): every answer comes
 * from a statement that started after its caller asked.
 *
 * Why: it was a transaction per request (claim, plan again, roll back), and at the end of a flash
 * sale every keyed request is such a refusal (docs/PERFORMANCE.md, tenth sitting).
 */
export interface KeyChecker {
  /** The earlier request's hash and answer stored under the key, or undefined. */
  check(scope: string, key: string): Promise<StoredIdempotentResult | undefined>;
}

export function createKeyChecker(reads: Pick<IdempotencyRepository, 'checkKeys'>): KeyChecker {
  // One statement asks for one scope; the service has a handful of scopes at most.
  const byScope = new Map<string, ReadCoalescer<string, StoredIdempotentResult>>();
  return {
    async check(scope, key) {
      let checks = byScope.get(scope);
      if (checks === undefined) {
        checks = createReadCoalescer({
          fetch: (keys) => reads.checkKeys(scope, keys),
          keyOf: (k) => k,
        });
        byScope.set(scope, checks);
      }
      const [stored] = await checks.read([key]);
      return stored;
    },
  };
}
