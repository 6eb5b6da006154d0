import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransactionRunner } from '../../src/app/ports.ts';
import {
  backdateExpiry,
  backdateProductReservations,
  initProduct,
  reserve,
  stockOf,
} from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/** Reservations past their TTL stop counting, with a real short TTL and a running worker. */
describe('with RESERVATION_TTL=1s and the worker polling every 100ms', () => {
  const t = useTestService({ RESERVATION_TTL: '1s', EXPIRATION_POLL_INTERVAL: '100ms' });
  before(() => {
    t.service.expiryWorker.start();
  });

  test('the worker returns the stock of an expired reservation on its own', async () => {
    await initProduct(t, 'ttl-1', 10);
    const id = await reserve(t, 'ttl-1', 4);
    assert.equal((await stockOf(t, 'ttl-1')).availableQuantity, 6);
    const deadline = Date.now() + 10_000;
    while ((await stockOf(t, 'ttl-1')).reservedQuantity !== 0) {
      assert.ok(Date.now() < deadline, 'the reservation was not expired within 10 s');
      await sleep(100);
    }
    assert.equal((await stockOf(t, 'ttl-1')).availableQuantity, 10);
    const rows = await t.db.query<{ status: string }>(
      'SELECT status FROM reservations WHERE id = $1',
      [id],
    );
    assert.equal(rows[0]?.status, 'EXPIRED');
    const deduct = await t.request('POST', '/inventory/deduct', { reservationId: id });
    assert.equal(deduct.status, 409);
    assert.equal(deduct.body.error?.code, 'RESERVATION_EXPIRED');
    const release = await t.request('POST', '/inventory/release', { reservationId: id });
    assert.equal(release.status, 409);
    assert.equal(release.body.error?.code, 'RESERVATION_EXPIRED');
  });

  test('expiresAt is createdAt plus the configured TTL', async () => {
    await initProduct(t, 'ttl-2', 10);
    const response = await t.request('POST', '/inventory/reserve', {
      productId: 'ttl-2',
      orderId: 'o',
      quantity: 1,
    });
    const data = response.body.data;
    assert.equal(Date.parse(data.expiresAt) - Date.parse(data.createdAt), 1_000);
  });
});

describe('the sweep', () => {
  const t = useTestService({ EXPIRATION_BATCH_SIZE: '100' });

  test('leaves reservations that are not yet due', async () => {
    await initProduct(t, 'sweep-1', 10);
    await reserve(t, 'sweep-1', 3);
    assert.equal(await t.service.expiryWorker.sweep(), 0);
    assert.equal((await stockOf(t, 'sweep-1')).reservedQuantity, 3);
  });

  test('works through many batches in one sweep', async () => {
    await initProduct(t, 'sweep-2', 1_000);
    for (let i = 0; i < 250; i++) {
      await reserve(t, 'sweep-2', 2, `o-${i}`);
    }
    await backdateProductReservations(t, 'sweep-2');
    assert.equal(await t.service.expiryWorker.sweep(), 250);
    const stock = await stockOf(t, 'sweep-2');
    assert.equal(stock.availableQuantity, 1_000);
    assert.equal(stock.reservedQuantity, 0);
    const rows = await t.db.query<{ n: number }>(
      "SELECT count(*)::bigint AS n FROM stock_movements WHERE kind = 'EXPIRE' AND actor = 'system:expiry-worker'",
    );
    assert.equal(rows[0]?.n, 250);
  });

  test('does not touch committed or released reservations', async () => {
    await initProduct(t, 'sweep-3', 10);
    const kept = await reserve(t, 'sweep-3', 2);
    const deducted = await reserve(t, 'sweep-3', 3);
    const released = await reserve(t, 'sweep-3', 4);
    await t.request('POST', '/inventory/deduct', { reservationId: deducted });
    await t.request('POST', '/inventory/release', { reservationId: released });
    for (const id of [kept, deducted, released]) {
      await backdateExpiry(t, id);
    }
    assert.equal(await t.service.expiryWorker.sweep(), 1);
    const stock = await stockOf(t, 'sweep-3');
    assert.equal(stock.availableQuantity, 7);
    assert.equal(stock.reservedQuantity, 0);
  });
});

describe('the sweep with EXPIRATION_CONCURRENCY=2', () => {
  const t = useTestService({ EXPIRATION_BATCH_SIZE: '20', EXPIRATION_CONCURRENCY: '2' });

  test('two lanes expire every due reservation exactly once, side by side', async () => {
    const products = ['lanes-1', 'lanes-2', 'lanes-3'];
    for (const productId of products) {
      await initProduct(t, productId, 500);
      for (let i = 0; i < 70; i++) {
        await reserve(t, productId, 1 + (i % 3), `${productId}-${i}`);
      }
      await backdateProductReservations(t, productId);
    }
    // Counts the sweep's transactions open at once.
    const tx = t.service.deps.tx as { run: TransactionRunner['run'] };
    const run = tx.run;
    let open = 0;
    let mostOpen = 0;
    tx.run = async <T>(work: Parameters<TransactionRunner['run']>[0]): Promise<T> => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      try {
        return (await run.call(tx, work)) as T;
      } finally {
        open--;
      }
    };
    try {
      assert.equal(await t.service.expiryWorker.sweep(), 210);
    } finally {
      tx.run = run;
    }
    assert.equal(mostOpen, 2, 'the two lanes never overlapped');
    for (const productId of products) {
      const stock = await stockOf(t, productId);
      assert.deepEqual([stock.availableQuantity, stock.reservedQuantity], [500, 0], productId);
    }
    const rows = await t.db.query<{ n: number; reservations: number }>(
      `SELECT count(*)::bigint AS n, count(DISTINCT reservation_id)::bigint AS reservations
       FROM stock_movements WHERE kind = 'EXPIRE'`,
    );
    assert.deepEqual(rows, [{ n: 210, reservations: 210 }]);
    assert.equal(await t.service.expiryWorker.sweep(), 0);
  });
});
