import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  insertItem,
  insertWarehouses,
  SEED002_WAREHOUSES,
  stock,
} from '../factories/catalog.factory.ts';
import { get, post } from '../helpers/http-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/**
 * Multi-line carts racing over real HTTP for the same items in several warehouses: no oversell,
 * every cart all-or-nothing, and the books balance.
 */
let baseUrl = '';
const t = useTestService({}, async (service) => {
  await insertWarehouses(service.db, SEED002_WAREHOUSES);
  baseUrl = await service.service.start();
});

const PARALLEL = 64;

async function availableOf(productId: string): Promise<number> {
  const response = await get(baseUrl, `/api/inventory/products/${productId}/availability`);
  return response.body.data.available;
}

describe('carts racing for shared items', () => {
  test(`${PARALLEL} carts of [A x1, B x2] against 30 A and 45 B: never more than 22 held`, async () => {
    await insertItem(t.db, { productId: 'race-a' });
    await insertItem(t.db, { productId: 'race-b' });
    await stock(t.db, 'race-a', { 'wh-sp-001': 20, 'wh-rj-001': 10 });
    await stock(t.db, 'race-b', { 'wh-sp-001': 30, 'wh-pr-001': 15 });
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(baseUrl, '/api/inventory/reservations', {
          order_id: `race-${i}`,
          // Half name B first, so carts take their rows in different orders.
          items:
            i % 2 === 0
              ? [
                  { product_id: 'race-a', quantity: 1 },
                  { product_id: 'race-b', quantity: 2 },
                ]
              : [
                  { product_id: 'race-b', quantity: 2 },
                  { product_id: 'race-a', quantity: 1 },
                ],
        }),
      ),
    );
    const held = results.filter((r) => r.status === 201);
    assert.ok(
      results.every((r) => r.status === 201 || r.status === 409),
      JSON.stringify(results.find((r) => r.status >= 500)?.body),
    );
    assert.ok(held.length <= 22, `${held.length} carts held`);
    // Refusals under contention are allowed only when stock really ran short.
    assert.equal(held.length, 22);
    assert.equal(await availableOf('race-a'), 30 - held.length);
    assert.equal(await availableOf('race-b'), 45 - 2 * held.length);
  });

  test('carts with kits and plain lines sharing a component never oversell it', async () => {
    await insertItem(t.db, { productId: 'race-part' });
    await insertItem(t.db, { productId: 'race-kit', components: { 'race-part': 3 } });
    await stock(t.db, 'race-part', { 'wh-sp-001': 25, 'wh-rj-001': 25 });
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(baseUrl, '/api/inventory/reservations', {
          order_id: `kit-race-${i}`,
          items:
            i % 3 === 0
              ? [{ product_id: 'race-kit', quantity: 1 }]
              : [
                  { product_id: 'race-part', quantity: 1 },
                  { product_id: 'race-kit', quantity: 1 },
                ],
        }),
      ),
    );
    let partsUsed = 0;
    results.forEach((result, i) => {
      assert.ok(result.status === 201 || result.status === 409, JSON.stringify(result));
      if (result.status === 201) {
        partsUsed += i % 3 === 0 ? 3 : 4;
      }
    });
    assert.ok(partsUsed <= 50);
    assert.equal(await availableOf('race-part'), 50 - partsUsed);
    // Whatever is left is too little for the smallest refused cart (3 parts).
    assert.ok(50 - partsUsed < 3 || results.every((r) => r.status === 201));
  });
});

describe('availability reads in parallel', () => {
  // Concurrent reads share their queries (src/app/availability-reader.ts): each answer must still
  // be its own product's, whatever else was read with it.
  test(`${PARALLEL} reads of 8 products, a kit and an unknown one: each answers its own`, async () => {
    const onHand = (n: number) => ({ 'wh-sp-001': 10 * n, 'wh-rj-001': n });
    for (let n = 1; n <= 8; n++) {
      await insertItem(t.db, { productId: `read-${n}` });
      await stock(t.db, `read-${n}`, onHand(n));
    }
    await insertItem(t.db, { productId: 'read-kit', components: { 'read-2': 2, 'read-3': 1 } });
    const asked = Array.from({ length: PARALLEL }, (_, i) =>
      i % 10 === 9 ? 'read-kit' : i % 10 === 8 ? 'read-none' : `read-${1 + (i % 8)}`,
    );
    const answers = await Promise.all(
      asked.map((productId) => get(baseUrl, `/api/inventory/products/${productId}/availability`)),
    );
    answers.forEach((answer, i) => {
      const productId = asked[i] ?? '';
      if (productId === 'read-none') {
        assert.equal(answer.status, 404, JSON.stringify(answer.body));
        assert.equal(answer.body.error.code, 'PRODUCT_NOT_FOUND');
        return;
      }
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.data.product_id, productId);
      if (productId === 'read-kit') {
        // 20 + 2 of read-2 (11 kits' worth), 30 + 3 of read-3: 11 whole kits.
        assert.equal(answer.body.data.available, 11);
        return;
      }
      const n = Number(productId.slice('read-'.length));
      assert.equal(answer.body.data.available, 11 * n);
      const byWarehouse = Object.fromEntries(
        answer.body.data.warehouses.map((w: { warehouse_id: string; available: number }) => [
          w.warehouse_id,
          w.available,
        ]),
      );
      assert.deepEqual(byWarehouse, onHand(n));
    });
  });
});
