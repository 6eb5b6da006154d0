import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCartItemCache } from '../../src/app/cart-item-cache.ts';
import type { ItemRef } from '../../src/app/ports.ts';
import { cartItemRecord } from '../factories/item-record.factory.ts';

function fakeReads(known: Set<string>) {
  const calls: ItemRef[][] = [];
  return {
    calls,
    async findCartItems(refs: readonly ItemRef[]) {
      calls.push([...refs]);
      return refs.map((ref) =>
        known.has(ref.productId ?? '') ? cartItemRecord(ref.productId ?? '') : undefined,
      );
    },
  };
}

test('hits are reused until they expire; only misses are read', async () => {
  let clock = 0;
  const reads = fakeReads(new Set(['a', 'b']));
  const cache = createCartItemCache(reads, { ttlMs: 1000, entriesMax: 10, now: () => clock });
  await cache.resolve([{ productId: 'a' }]);
  const both = await cache.resolve([{ productId: 'a' }, { productId: 'b' }]);
  assert.deepEqual(
    both.map((i) => i?.productId),
    ['a', 'b'],
  );
  assert.deepEqual(
    reads.calls.map((c) => c.map((r) => r.productId)),
    [['a'], ['b']],
  );
  clock = 1001;
  await cache.resolve([{ productId: 'a' }]);
  assert.equal(reads.calls.length, 3, 'an expired entry is read again');
});

test('a miss is never cached: an item created a moment later is found at once', async () => {
  const known = new Set<string>();
  const reads = fakeReads(known);
  const cache = createCartItemCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  assert.deepEqual(await cache.resolve([{ productId: 'new' }]), [undefined]);
  known.add('new');
  assert.equal((await cache.resolve([{ productId: 'new' }]))[0]?.productId, 'new');
});

test('a TTL of 0 turns the cache off, and the size bound holds', async () => {
  const reads = fakeReads(new Set(['a', 'b', 'c']));
  const off = createCartItemCache(reads, { ttlMs: 0, entriesMax: 10 });
  await off.resolve([{ productId: 'a' }]);
  await off.resolve([{ productId: 'a' }]);
  assert.equal(reads.calls.length, 2);
  const small = fakeReads(new Set(['a', 'b', 'c']));
  const bounded = createCartItemCache(small, { ttlMs: 60_000, entriesMax: 2 });
  await bounded.resolve([{ productId: 'a' }, { productId: 'b' }]);
  await bounded.resolve([{ productId: 'c' }]);
  await bounded.resolve([{ productId: 'a' }]);
  assert.equal(small.calls.length, 3, 'the full cache was cleared to admit c, so a was read again');
});

test('reload reads every ref, cached or not, and keeps the fresh copy', async () => {
  const reads = fakeReads(new Set(['a']));
  const cache = createCartItemCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  const stale = await cache.resolve([{ productId: 'a' }]);
  const fresh = await cache.reload([{ productId: 'a' }, { productId: 'missing' }]);
  assert.equal(reads.calls.length, 2, 'the cached a was read again');
  assert.notEqual(fresh[0], stale[0]);
  assert.equal(fresh[1], undefined);
  assert.equal((await cache.resolve([{ productId: 'a' }]))[0], fresh[0], 'the fresh copy is kept');
  assert.equal(reads.calls.length, 2);
});

test('the misses of concurrent requests are read together, each ref once', async () => {
  const reads = fakeReads(new Set(['a', 'b']));
  const cache = createCartItemCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  const carts = await Promise.all([
    cache.resolve([{ productId: 'a' }]),
    cache.resolve([{ productId: 'b' }]),
    cache.resolve([{ productId: 'b' }, { productId: 'gone' }, { productId: 'a' }]),
  ]);
  // The first read left at once; the rest waited for it and went as one ('a' again: a read
  // already in flight is not joined).
  assert.deepEqual(
    reads.calls.map((c) => c.map((r) => r.productId)),
    [['a'], ['b', 'gone', 'a']],
  );
  assert.deepEqual(
    carts.map((items) => items.map((i) => i?.productId)),
    [['a'], ['b'], ['b', undefined, 'a']],
  );
});

test('concurrent reloads share reads, each started after its callers asked', async () => {
  const known = new Set(['a']);
  const reads = fakeReads(known);
  const cache = createCartItemCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  const first = cache.reload([{ productId: 'a' }]);
  // Asked while the first read is in flight: they wait for it and go together as the next read,
  // which sees what changed meanwhile ('b' was created after the first read left).
  known.add('b');
  const rest = await Promise.all([
    cache.reload([{ productId: 'a' }]),
    cache.reload([{ productId: 'b' }]),
    cache.reload([{ productId: 'a' }, { productId: 'b' }]),
  ]);
  await first;
  assert.deepEqual(
    reads.calls.map((c) => c.map((r) => r.productId)),
    [['a'], ['a', 'b']],
  );
  assert.deepEqual(
    rest.map((items) => items.map((i) => i?.productId)),
    [['a'], ['b'], ['a', 'b']],
  );
});
