import type { AllocationRepository, CartItemRecord, ItemRef } from './ports.ts';
import { createReadCoalescer } from './read-coalescer.ts';

/**
 * A short-lived, bounded cache of item lookups for the reservation hot path, so a flash sale on one
 * SKU does not read the same item row thousands of times a second. Only hits are kept (a product
 * created a moment ago must be found at once). The flags it may hold stale for up to `ttlMs` are
 * re-checked where they matter: the reservation batch refuses blocked or discontinued items and
 * inactive warehouses at apply time. The misses of concurrent requests are read together
 * (read-coalescer.ts): when the hot SKU's entry expires, the requests that find it so share one
 * read instead of sending one each.
 */
export interface CartItemCache {
  resolve(refs: readonly ItemRef[]): Promise<(CartItemRecord | undefined)[]>;
  /**
   * Reads every ref from the table and keeps what it finds: for a decision the cache misled. The
   * read starts after the call (it may be shared with concurrent callers').
   */
  reload(refs: readonly ItemRef[]): Promise<(CartItemRecord | undefined)[]>;
}

interface Entry {
  readonly item: CartItemRecord;
  readonly expiresAt: number;
}

export function createCartItemCache(
  reads: Pick<AllocationRepository, 'findCartItems'>,
  options: { ttlMs: number; entriesMax: number; now?: () => number },
): CartItemCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const keyOf = (ref: ItemRef) =>
    `${ref.itemId ?? ''}|${ref.sku ?? ''}|${ref.productId ?? ''}|${ref.variantId ?? ''}`;
  function keep(refs: readonly ItemRef[], found: readonly (CartItemRecord | undefined)[]): void {
    if (options.ttlMs === 0) {
      return;
    }
    if (entries.size + found.length > options.entriesMax) {
      entries.clear();
    }
    const expiresAt = now() + options.ttlMs;
    refs.forEach((ref, index) => {
      const item = found[index];
      if (item !== undefined) {
        entries.set(keyOf(ref), { item, expiresAt });
      }
    });
  }

  const misses = createReadCoalescer<ItemRef, CartItemRecord>({
    async fetch(refs) {
      const found = await reads.findCartItems(refs);
      keep(refs, found);
      return found;
    },
    keyOf,
  });

  return {
    async resolve(refs) {
      if (options.ttlMs === 0) {
        return reads.findCartItems(refs);
      }
      const at = now();
      const result: (CartItemRecord | undefined)[] = refs.map((ref) => {
        const entry = entries.get(keyOf(ref));
        return entry !== undefined && entry.expiresAt > at ? entry.item : undefined;
      });
      const missing = refs.filter((_, index) => result[index] === undefined);
      if (missing.length === 0) {
        return result;
      }
      const found = await misses.read(missing);
      let next = 0;
      return result.map((cached) => cached ?? found[next++]);
    },

    // Through the coalescer too: when a sold-out item refuses every request, their reloads share
    // reads, each started after its callers asked, instead of sending one read per request.
    reload: (refs) => misses.read(refs),
  };
}
