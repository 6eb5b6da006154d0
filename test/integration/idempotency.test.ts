import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UnitOfWork } from '../../src/app/ports.ts';
import { reserveStock } from '../../src/app/reserve-stock.ts';
import { initProduct, stockOf } from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/** Idempotency-Key on POST /inventory/reserve makes client retries safe. */
const t = useTestService();

async function countReservations(orderId: string): Promise<number> {
  const rows = await t.db.query<{ n: number }>(
    'SELECT count(*)::bigint AS n FROM reservations WHERE order_id = $1',
    [orderId],
  );
  return rows[0]?.n ?? -1;
}

test('the same key and body return the original result once more, holding stock once', async () => {
  await initProduct(t, 'idem-1', 10);
  const body = { productId: 'idem-1', orderId: 'order-idem-1', quantity: 3 };
  const headers = { 'idempotency-key': 'key-idem-1' };
  const first = await t.request('POST', '/inventory/reserve', body, headers);
  const second = await t.request('POST', '/inventory/reserve', body, headers);
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  assert.deepEqual(second.body, first.body);
  assert.equal(first.headers['idempotent-replayed'], undefined);
  assert.equal(second.headers['idempotent-replayed'], 'true');
  assert.equal(await countReservations('order-idem-1'), 1);
  assert.equal((await stockOf(t, 'idem-1')).reservedQuantity, 3);
});

test('the replay is the original result even after the reservation changed', async () => {
  await initProduct(t, 'idem-2', 10);
  const body = { productId: 'idem-2', orderId: 'order-idem-2', quantity: 2 };
  const headers = { 'idempotency-key': 'key-idem-2' };
  const first = await t.request('POST', '/inventory/reserve', body, headers);
  await t.request('POST', '/inventory/release', { reservationId: first.body.data.reservationId });
  const replay = await t.request('POST', '/inventory/reserve', body, headers);
  assert.deepEqual(replay.body, first.body);
  assert.equal(replay.body.data.status, 'RESERVED');
  assert.equal((await stockOf(t, 'idem-2')).reservedQuantity, 0);
});

test('the same key with another body is refused with 422 and changes nothing', async () => {
  await initProduct(t, 'idem-3', 10);
  const headers = { 'idempotency-key': 'key-idem-3' };
  await t.request(
    'POST',
    '/inventory/reserve',
    { productId: 'idem-3', orderId: 'o-3', quantity: 1 },
    headers,
  );
  const other = await t.request(
    'POST',
    '/inventory/reserve',
    { productId: 'idem-3', orderId: 'o-3', quantity: 2 },
    headers,
  );
  assert.equal(other.status, 422);
  assert.equal(other.body.error?.code, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal((await stockOf(t, 'idem-3')).reservedQuantity, 1);
  assert.equal(await countReservations('o-3'), 1);
});

test('concurrent requests with one key create one reservation and all see it', async () => {
  await initProduct(t, 'idem-4', 100);
  const body = { productId: 'idem-4', orderId: 'order-idem-4', quantity: 5 };
  const headers = { 'idempotency-key': 'key-idem-4' };
  const results = await Promise.all(
    Array.from({ length: 16 }, () => t.request('POST', '/inventory/reserve', body, headers)),
  );
  assert.ok(results.every((r) => r.status === 201));
  assert.equal(new Set(results.map((r) => r.body.data.reservationId)).size, 1);
  assert.equal(await countReservations('order-idem-4'), 1);
  assert.equal((await stockOf(t, 'idem-4')).reservedQuantity, 5);
});

test('a failed request does not burn its key: the retry is evaluated afresh', async () => {
  await initProduct(t, 'idem-5', 1);
  const body = { productId: 'idem-5', orderId: 'order-idem-5', quantity: 4 };
  const headers = { 'idempotency-key': 'key-idem-5' };
  const refused = await t.request('POST', '/inventory/reserve', body, headers);
  assert.equal(refused.status, 409);
  await t.request('POST', '/inventory/add-stock', { productId: 'idem-5', quantity: 10 });
  const retried = await t.request('POST', '/inventory/reserve', body, headers);
  assert.equal(retried.status, 201);
  assert.equal(retried.headers['idempotent-replayed'], undefined);
});

test('different keys are different requests', async () => {
  await initProduct(t, 'idem-6', 10);
  const body = { productId: 'idem-6', orderId: 'order-idem-6', quantity: 1 };
  const a = await t.request('POST', '/inventory/reserve', body, { 'idempotency-key': 'a-6' });
  const b = await t.request('POST', '/inventory/reserve', body, { 'idempotency-key': 'b-6' });
  const none = await t.request('POST', '/inventory/reserve', body);
  assert.notEqual(a.body.data.reservationId, b.body.data.reservationId);
  assert.notEqual(b.body.data.reservationId, none.body.data.reservationId);
  assert.equal(await countReservations('order-idem-6'), 3);
});

test('records past their retention are purged by the sweep', async () => {
  await initProduct(t, 'idem-7', 10);
  const body = { productId: 'idem-7', orderId: 'order-idem-7', quantity: 1 };
  const headers = { 'idempotency-key': 'key-idem-7' };
  await t.request('POST', '/inventory/reserve', body, headers);
  await t.db.query(
    "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-idem-7'",
  );
  await t.service.expiryWorker.sweep();
  const rows = await t.db.query("SELECT 1 FROM idempotency_keys WHERE key = 'key-idem-7'");
  assert.equal(rows.length, 0);
  // The key is free again: the same request is now a new reservation.
  const again = await t.request('POST', '/inventory/reserve', body, headers);
  assert.equal(again.status, 201);
  assert.equal(await countReservations('order-idem-7'), 2);
});

/** A unit of work that records, in order, every repository method the use case calls on it. */
function recording(uow: UnitOfWork, calls: string[]): UnitOfWork {
  return new Proxy(uow, {
    get(target, repository) {
      const value: unknown = Reflect.get(target, repository);
      if (typeof value !== 'object' || value === null) {
        return value;
      }
      return new Proxy(value, {
        get(methods, name) {
          const method: unknown = Reflect.get(methods, name);
          if (typeof method !== 'function') {
            return method;
          }
          return (...args: unknown[]) => {
            calls.push(`${String(repository)}.${String(name)}`);
            return method.apply(methods, args);
          };
        },
      });
    },
  });
}

test('a keyed reservation takes its stock row last, so the row stays locked only until the commit', async () => {
  await initProduct(t, 'idem-order', 10);
  const calls: string[] = [];
  const deps = {
    ...t.service.deps,
    tx: {
      run: <T>(work: (uow: UnitOfWork) => Promise<T>) =>
        t.service.deps.tx.run((uow) => work(recording(uow, calls))),
    },
  };
  await reserveStock(
    deps,
    {
      orderId: 'order-idem-order',
      lines: [
        { ref: { productId: 'idem-order', variantId: '' }, warehouseId: 'default', quantity: 2 },
      ],
      idempotencyKey: 'key-idem-order',
    },
    { actor: 'test', correlationId: undefined },
  );
  const writes = calls.filter((call) =>
    /^(stock|reservations|movements|idempotency)\.(reserve|insert|insertLines|append|saveResponse|claim)$/.test(
      call,
    ),
  );
  assert.deepEqual(writes, [
    'idempotency.claim',
    'reservations.insert',
    'reservations.insertLines',
    'movements.append',
    'idempotency.saveResponse',
    'stock.reserve',
  ]);
  assert.equal((await stockOf(t, 'idem-order')).reservedQuantity, 2);
});
