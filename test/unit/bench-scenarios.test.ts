import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SEED002_WAREHOUSES } from '../../bench/lib/database.ts';
import type { LoadRequest } from '../../bench/lib/load.ts';
import {
  blockedReserve,
  cartChecks,
  cartReserve,
  hotCheckout,
  hotReserve,
  hotReserveIdempotent,
  soldOutCart,
  soldOutCartIdempotent,
  soldOutReserve,
} from '../../bench/scenarios.ts';
import type { Database } from '../../src/db/database.ts';

for (const scenario of [hotReserveIdempotent, soldOutCartIdempotent]) {
  test(`${scenario.name} sends a key once, though every run counts its iterations from 0`, async () => {
    const keys: string[] = [];
    const send = async (request: LoadRequest) => {
      keys.push(request.headers?.['idempotency-key'] ?? '');
      return { status: 201, body: {} };
    };
    // Two runs (the warm-up, then the measured one), each of two workers' first two iterations.
    for (let run = 0; run < 2; run++) {
      for (const worker of [0, 1]) {
        for (const iteration of [0, 1]) {
          await scenario.step(send, worker, iteration);
        }
      }
    }
    assert.equal(keys.length, 8);
    assert.equal(new Set(keys).size, 8);
    assert.ok(keys.every((key) => key.length > 0));
  });
}

test('the one-SKU reserve scenarios send seed 000 reserves of their own product, a new order each', async () => {
  for (const [scenario, product] of [
    [hotReserve, 'hot0000001'],
    [soldOutReserve, 'sold0000001'],
    [blockedReserve, 'blk0000001'],
  ] as const) {
    const sent: LoadRequest[] = [];
    const send = async (request: LoadRequest) => {
      sent.push(request);
      return { status: 201, body: {} };
    };
    await scenario.step(send, 0, 0);
    await scenario.step(send, 1, 0);
    assert.deepEqual(
      sent.map((r) => [r.path, (r.body as { productId: string }).productId]),
      [
        ['/inventory/reserve', product],
        ['/inventory/reserve', product],
      ],
    );
    const orders = sent.map((r) => (r.body as { orderId: string }).orderId);
    assert.equal(new Set(orders).size, 2, scenario.name);
    assert.equal(scenario.wrk?.PREFIX, product.slice(0, -7));
  }
});

test('the 5-line cart scenarios send five distinct products of their own', async () => {
  for (const [scenario, prefix] of [
    [cartReserve, 'cart'],
    [cartChecks, 'chk'],
  ] as const) {
    let body: { items: { product_id: string; quantity: number }[] } | undefined;
    await scenario.step(
      async (request) => {
        body = request.body as typeof body;
        return { status: 201, body: {} };
      },
      0,
      0,
    );
    const products = body?.items.map((item) => item.product_id) ?? [];
    assert.equal(new Set(products).size, 5, scenario.name);
    assert.ok(products.every((p) => p.startsWith(prefix)));
  }
});

test('the seed 002 scenarios load the three warehouses, then their own products with their stock', async () => {
  for (const [scenario, prefix, count, onHand, warehouses] of [
    [cartReserve, 'cart', 10_000, 1_000_000, SEED002_WAREHOUSES],
    [cartChecks, 'chk', 10_000, 1_000, SEED002_WAREHOUSES],
    [hotCheckout, 'hck', 1, 1_000_000_000, ['wh-sp-001']],
    [soldOutCart, 'socr', 1, 0, SEED002_WAREHOUSES],
  ] as const) {
    const calls: { sql: string; params?: readonly unknown[] }[] = [];
    const record = async (sql: string, params?: readonly unknown[]) => {
      calls.push({ sql, params });
      return [];
    };
    const db = {
      exec: (sql: string) => record(sql),
      query: record,
      transaction: (fn: (tx: unknown) => Promise<unknown>) => fn({ query: record }),
    } as unknown as Database;
    await scenario.setup(db);
    assert.match(calls[0]?.sql ?? '', /INSERT INTO warehouses/, scenario.name);
    assert.deepEqual(calls[1]?.params, [prefix, count], scenario.name);
    assert.deepEqual(calls[2]?.params, [prefix, onHand, warehouses], scenario.name);
  }
});
