import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WarehouseOptionRecord } from '../../src/app/ports.ts';
import { createWarehouseOptionsCache } from '../../src/app/warehouse-options-cache.ts';

function option(itemId: string, warehouseId: string, available: number): WarehouseOptionRecord {
  return {
    itemId,
    warehouseId,
    priority: 100,
    latitude: null,
    longitude: null,
    postalPrefixes: [],
    available,
    stocked: true,
  };
}

/** Stock the fake "table" holds: item -> warehouse -> available. */
function fakeReads(table: Map<string, Map<string, number>>) {
  const calls: string[][] = [];
  return {
    calls,
    async findWarehouseOptions(itemIds: readonly string[]) {
      calls.push([...itemIds]);
      return itemIds.flatMap((id) =>
        [...(table.get(id) ?? new Map<string, number>())].map(([w, n]) => option(id, w, n)),
      );
    },
  };
}

const availableOf = (rows: readonly WarehouseOptionRecord[], itemId: string, warehouseId: string) =>
  rows.find((r) => r.itemId === itemId && r.warehouseId === warehouseId)?.available;

test('cached items are not read again until they expire; only the others are read', async () => {
  let clock = 0;
  const table = new Map([
    ['a', new Map([['w1', 5]])],
    ['b', new Map([['w1', 7]])],
  ]);
  const reads = fakeReads(table);
  const cache = createWarehouseOptionsCache(reads, {
    ttlMs: 1000,
    entriesMax: 10,
    now: () => clock,
  });
  await cache.options(['a']);
  const both = await cache.options(['a', 'b', 'a']);
  assert.deepEqual(reads.calls, [['a'], ['b']]);
  assert.equal(both.length, 2, 'one row per item and warehouse, whatever the duplicates');
  table.set('a', new Map([['w1', 1]]));
  assert.equal(availableOf(await cache.options(['a']), 'a', 'w1'), 5, 'still the cached figure');
  clock = 1000;
  assert.equal(availableOf(await cache.options(['a']), 'a', 'w1'), 1, 'read again once expired');
});

test('units held are taken off the cached figure; reload reads the table again', async () => {
  const table = new Map([
    [
      'a',
      new Map([
        ['w1', 5],
        ['w2', 3],
      ]),
    ],
  ]);
  const reads = fakeReads(table);
  const cache = createWarehouseOptionsCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  await cache.options(['a']);
  cache.noteHeld([
    { itemId: 'a', warehouseId: 'w1', quantity: 2, backordered: 0 },
    { itemId: 'a', warehouseId: 'w2', quantity: 4, backordered: 0 },
    { itemId: 'a', warehouseId: 'w1', quantity: 3, backordered: 3 },
    { itemId: 'unknown', warehouseId: 'w1', quantity: 1, backordered: 0 },
  ]);
  const after = await cache.options(['a']);
  assert.equal(availableOf(after, 'a', 'w1'), 3, 'backordered units were never available');
  assert.equal(availableOf(after, 'a', 'w2'), 0, 'never below zero');
  assert.equal(reads.calls.length, 1);
  table.set('a', new Map([['w1', 9]]));
  assert.equal(availableOf(await cache.reload(['a']), 'a', 'w1'), 9);
  assert.equal(availableOf(await cache.options(['a']), 'a', 'w1'), 9, 'the fresh figures are kept');
  assert.equal(reads.calls.length, 2);
});

test('a TTL of 0 reads every time; the size bound holds', async () => {
  const table = new Map([
    ['a', new Map([['w1', 1]])],
    ['b', new Map([['w1', 1]])],
    ['c', new Map([['w1', 1]])],
  ]);
  const off = fakeReads(table);
  const uncached = createWarehouseOptionsCache(off, { ttlMs: 0, entriesMax: 10 });
  await uncached.options(['a']);
  await uncached.options(['a']);
  assert.equal(off.calls.length, 2);
  const small = fakeReads(table);
  const bounded = createWarehouseOptionsCache(small, { ttlMs: 60_000, entriesMax: 2 });
  await bounded.options(['a', 'b']);
  await bounded.options(['c']);
  await bounded.options(['a']);
  assert.equal(small.calls.length, 3, 'the full cache was cleared to admit c, so a was read again');
});

test('a refresh updates the cached figures in place; a changed set of warehouses replaces them', async () => {
  let clock = 0;
  const table = new Map([['a', new Map([['w1', 5]])]]);
  const cache = createWarehouseOptionsCache(fakeReads(table), {
    ttlMs: 1000,
    entriesMax: 10,
    now: () => clock,
  });
  await cache.options(['a']);
  const [cached] = await cache.options(['a']);
  // Same warehouses: the very objects the cache holds carry the new figures (no garbage per
  // refresh or per held line, which under load was promoted and grew the old generation).
  table.set('a', new Map([['w1', 9]]));
  clock = 1000;
  await cache.options(['a']);
  assert.equal(cached?.available, 9);
  cache.noteHeld([{ itemId: 'a', warehouseId: 'w1', quantity: 4, backordered: 0 }]);
  assert.equal(cached?.available, 5);
  // A warehouse more: the entry is rebuilt with both.
  table.set(
    'a',
    new Map([
      ['w1', 9],
      ['w2', 3],
    ]),
  );
  clock = 2000;
  await cache.options(['a']);
  const rebuilt = await cache.options(['a']);
  assert.deepEqual(
    rebuilt.map((r) => [r.warehouseId, r.available]),
    [
      ['w1', 9],
      ['w2', 3],
    ],
  );
  assert.equal(cached?.available, 5, 'the replaced object is no longer updated');
});

test('the expired entries of concurrent plans are read together, each item once', async () => {
  const table = new Map([
    ['a', new Map([['w1', 1]])],
    ['b', new Map([['w1', 2]])],
    ['c', new Map([['w1', 3]])],
  ]);
  const reads = fakeReads(table);
  const cache = createWarehouseOptionsCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  const plans = await Promise.all([
    cache.options(['a']),
    cache.options(['b', 'c']),
    cache.options(['c', 'a']),
  ]);
  // The first read left at once; the rest waited for it and went as one. 'a' was read again: a
  // read already in flight is not joined.
  assert.deepEqual(reads.calls, [['a'], ['b', 'c', 'a']]);
  assert.deepEqual(
    plans.map((rows) => rows.map((r) => `${r.itemId}:${r.available}`)),
    [['a:1'], ['b:2', 'c:3'], ['c:3', 'a:1']],
  );
  await cache.options(['a', 'b', 'c']);
  assert.equal(reads.calls.length, 2, 'all three are cached');
});

test('concurrent reloads share reads, each started after its callers asked', async () => {
  const table = new Map([['a', new Map([['w1', 0]])]]);
  const reads = fakeReads(table);
  const cache = createWarehouseOptionsCache(reads, { ttlMs: 60_000, entriesMax: 10 });
  const first = cache.reload(['a']);
  // A release while the first read is in flight: the reloads asked now must see it.
  table.set('a', new Map([['w1', 4]]));
  const rest = await Promise.all([cache.reload(['a']), cache.reload(['a']), cache.reload(['a'])]);
  assert.equal(availableOf(await first, 'a', 'w1'), 0);
  assert.deepEqual(reads.calls, [['a'], ['a']], 'the three later reloads went as one read');
  assert.deepEqual(
    rest.map((rows) => availableOf(rows, 'a', 'w1')),
    [4, 4, 4],
  );
});

test('a stock level a read has shown stays known, expired or not; nothing else is known', async () => {
  let clock = 0;
  const reads = {
    async findWarehouseOptions(itemIds: readonly string[]) {
      return itemIds.flatMap((id) => [
        option(id, 'w1', 0),
        { ...option(id, 'w2', 0), stocked: false },
      ]);
    },
  };
  const cache = createWarehouseOptionsCache(reads, {
    ttlMs: 1000,
    entriesMax: 10,
    now: () => clock,
  });
  assert.equal(cache.knowsStockLevel('a', 'w1'), false, 'not read yet');
  await cache.options(['a']);
  assert.equal(cache.knowsStockLevel('a', 'w1'), true);
  assert.equal(cache.knowsStockLevel('a', 'w2'), false, 'the warehouse has no level for it');
  assert.equal(cache.knowsStockLevel('a', 'w3'), false, 'not among the active warehouses read');
  assert.equal(cache.knowsStockLevel('b', 'w1'), false, 'another item');
  clock = 5000;
  assert.equal(cache.knowsStockLevel('a', 'w1'), true, 'levels are never deleted');
  const uncached = createWarehouseOptionsCache(reads, { ttlMs: 0, entriesMax: 10 });
  await uncached.reload(['a']);
  assert.equal(uncached.knowsStockLevel('a', 'w1'), true, 'with the cache off too');
  assert.equal(uncached.knowsStockLevel('a', 'w2'), false);
});

test('the stock levels known are bounded like the entries', async () => {
  const reads = {
    async findWarehouseOptions(itemIds: readonly string[]) {
      return itemIds.map((id) => option(id, 'w1', 0));
    },
  };
  const cache = createWarehouseOptionsCache(reads, { ttlMs: 0, entriesMax: 2 });
  await cache.reload(['a', 'b']);
  assert.equal(cache.knowsStockLevel('a', 'w1'), true);
  await cache.reload(['c']);
  assert.equal(cache.knowsStockLevel('c', 'w1'), true);
  assert.equal(cache.knowsStockLevel('a', 'w1'), false, 'forgotten when the bound was reached');
});
