import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAvailabilityReader } from '../../src/app/availability-reader.ts';
import type { CartItemRecord, ItemRef, ItemWarehouseStockRecord } from '../../src/app/ports.ts';
import { EMPTY_BUCKETS } from '../../src/domain/stock.ts';
import { cartItemRecord } from '../factories/item-record.factory.ts';

// A reader that loses a caller leaves its promise pending forever: fail instead of hanging.
const within = { timeout: 5_000 };

const item = (id: string, productId: string, variantId = '') =>
  cartItemRecord(productId, { id, variantId });

function level(itemId: string, warehouseId: string, available: number): ItemWarehouseStockRecord {
  return {
    itemId,
    warehouseId,
    active: true,
    ...EMPTY_BUCKETS,
    onHand: available,
    available,
    incomingExpectedAt: null,
  };
}

/**
 * A fake repository over a fixed catalogue whose reads stay in the "database" until the test lets
 * them go (`answerAll`), so that the test decides what is in flight when the next request asks.
 */
function fakeReads(items: readonly CartItemRecord[], levels: readonly ItemWarehouseStockRecord[]) {
  const itemReads: ItemRef[][] = [];
  const stockReads: string[][] = [];
  const waiting: (() => void)[] = [];
  const held = <T>(answer: () => T): Promise<T> =>
    new Promise((resolve) => waiting.push(() => resolve(answer())));
  return {
    itemReads,
    stockReads,
    answerAll() {
      for (const answer of waiting.splice(0)) {
        answer();
      }
    },
    findCartItems(refs: readonly ItemRef[]) {
      itemReads.push([...refs]);
      return held(() =>
        refs.map((ref) =>
          items.find((i) => i.productId === ref.productId && i.variantId === ref.variantId),
        ),
      );
    },
    findStockByWarehouse(itemIds: readonly string[]) {
      stockReads.push([...itemIds]);
      // As the repository answers: by item id, then the item's levels in their own order.
      return held(() =>
        levels
          .filter((l) => itemIds.includes(l.itemId))
          .sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0)),
      );
    },
  };
}

/** Lets pending promise callbacks run (the reader's awaits), without any timer in the code. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test(
  'item lookups asked while one is in flight leave together, each pair once',
  within,
  async () => {
    const reads = fakeReads([item('i-a', 'a'), item('i-b', 'b'), item('i-bv', 'b', 'red')], []);
    const reader = createAvailabilityReader(reads);
    const first = reader.item('a', '');
    const second = reader.item('b', '');
    const third = reader.item('b', 'red');
    const again = reader.item('b', '');
    const missing = reader.item('nope', '');
    assert.equal(reads.itemReads.length, 1, 'the first read left at once; the others wait for it');
    reads.answerAll();
    await settle();
    assert.deepEqual(reads.itemReads, [
      [{ productId: 'a', variantId: '' }],
      [
        { productId: 'b', variantId: '' },
        { productId: 'b', variantId: 'red' },
        { productId: 'nope', variantId: '' },
      ],
    ]);
    reads.answerAll();
    assert.equal((await first)?.id, 'i-a');
    assert.equal((await second)?.id, 'i-b');
    assert.equal((await third)?.id, 'i-bv', 'a variant is its own key, not its product');
    assert.equal((await again)?.id, 'i-b');
    assert.equal(await missing, undefined);
  },
);

test(
  'stock reads are joined and each caller gets only its items, in id order',
  within,
  async () => {
    const reads = fakeReads(
      [],
      [level('i-1', 'w2', 2), level('i-1', 'w1', 1), level('i-2', 'w1', 5), level('i-3', 'w1', 7)],
    );
    const reader = createAvailabilityReader(reads);
    const busy = reader.stock(['i-9']);
    const kit = reader.stock(['i-3', 'i-1', 'i-3']);
    const plain = reader.stock(['i-2']);
    const none = reader.stock(['i-404']);
    reads.answerAll();
    await settle();
    assert.deepEqual(reads.stockReads, [['i-9'], ['i-1', 'i-3', 'i-2', 'i-404']]);
    reads.answerAll();
    assert.deepEqual(await busy, []);
    assert.deepEqual(
      (await kit).map((l) => `${l.itemId}@${l.warehouseId}`),
      ['i-1@w2', 'i-1@w1', 'i-3@w1'],
      "sorted by item, each item's levels in the order the repository gave them",
    );
    assert.deepEqual(
      (await plain).map((l) => l.available),
      [5],
    );
    assert.deepEqual(await none, [], 'an item without stock levels has none, not an error');
  },
);

test('a failed read fails its callers only; the next read is made afresh', within, async () => {
  let fail = true;
  const reader = createAvailabilityReader({
    async findCartItems(refs) {
      if (fail) {
        throw new Error('connection lost');
      }
      return refs.map((ref) => item(`i-${ref.productId}`, ref.productId ?? ''));
    },
    async findStockByWarehouse() {
      return [];
    },
  });
  await assert.rejects(reader.item('a', ''), /connection lost/);
  fail = false;
  assert.equal((await reader.item('a', ''))?.id, 'i-a');
});
