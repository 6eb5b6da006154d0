import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ItemRecord, StockTotals } from '../../src/app/ports.ts';
import { createProductStockReader } from '../../src/app/product-stock-reader.ts';

const within = { timeout: 5_000 };

/** Lets pending promise callbacks run (the reader's awaits), without any timer in the code. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('concurrent reads leave together and each caller gets its own answer', within, async () => {
  const itemReads: string[][] = [];
  const totalsReads: string[][] = [];
  const waiting: (() => void)[] = [];
  const held = <T>(answer: () => T) =>
    new Promise<T>((resolve) => waiting.push(() => resolve(answer())));
  const reader = createProductStockReader({
    items: {
      findOfProducts(productIds) {
        itemReads.push([...productIds]);
        return held(() =>
          productIds.map((p) =>
            p.startsWith('none') ? undefined : ({ id: `i-${p}`, productId: p } as ItemRecord),
          ),
        );
      },
    },
    stock: {
      sumForItems(itemIds) {
        totalsReads.push([...itemIds]);
        return held(() =>
          itemIds.map((id) => ({ onHand: id.length, available: id.length }) as StockTotals),
        );
      },
    },
  });
  const a = reader.item('a');
  const b = reader.item('bb');
  const none = reader.item('none-1');
  const sums = [reader.totals('x'), reader.totals('yy'), reader.totals('yy')];
  for (const answer of waiting.splice(0)) {
    answer();
  }
  await settle();
  assert.deepEqual(itemReads, [['a'], ['bb', 'none-1']], 'the later asks waited for the first');
  assert.deepEqual(totalsReads, [['x'], ['yy']], 'one key read once for both callers');
  for (const answer of waiting.splice(0)) {
    answer();
  }
  assert.equal((await a)?.id, 'i-a');
  assert.equal((await b)?.id, 'i-bb');
  assert.equal(await none, undefined);
  assert.deepEqual(
    (await Promise.all(sums)).map((t) => t?.onHand),
    [1, 2, 2],
  );
});
