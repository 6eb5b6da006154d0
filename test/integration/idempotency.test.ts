import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppDeps, PlannedReservation, UnitOfWork } from '../../src/app/ports.ts';
import { type ReserveCommand, reserveStock } from '../../src/app/reserve-stock.ts';
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

/** The service's dependencies with a reservation batcher that records what it is sent. */
function recordingBatches(submitted: PlannedReservation[]): AppDeps {
  return {
    ...t.service.deps,
    reservationBatcher: {
      submit: (planned) => {
        submitted.push(planned);
        return t.service.deps.reservationBatcher.submit(planned);
      },
      idle: () => t.service.deps.reservationBatcher.idle(),
    },
  };
}

/** `recordingBatches`, also counting the transactions the use case runs of its own. */
function observed() {
  const submitted: PlannedReservation[] = [];
  const seen = { submitted, transactions: 0 };
  const deps: AppDeps = {
    ...recordingBatches(submitted),
    tx: {
      run: (work) => {
        seen.transactions++;
        return t.service.deps.tx.run(work);
      },
    },
  };
  return { deps, seen };
}

/**
 * The service's dependencies with an item cache that finds no item, so that planning refuses a
 * cart before any batch sees it (as for a product whose sales were blocked after a reservation).
 */
function refusedByThePlan(submitted: PlannedReservation[]): AppDeps {
  const nothing = async (refs: readonly unknown[]) => refs.map(() => undefined);
  return {
    ...recordingBatches(submitted),
    cartItems: { resolve: nothing, reload: nothing },
  };
}

/** The real batcher behind `busyTimes` KEY_BUSY answers. */
function busyFor(busyTimes: number, submitted: PlannedReservation[]): AppDeps {
  return {
    ...t.service.deps,
    reservationBatcher: {
      submit: (planned) => {
        submitted.push(planned);
        return submitted.length <= busyTimes
          ? Promise.resolve({ ok: false, code: 'KEY_BUSY' })
          : t.service.deps.reservationBatcher.submit(planned);
      },
      idle: () => t.service.deps.reservationBatcher.idle(),
    },
  };
}

function reserveCommand(productId: string, key: string): ReserveCommand {
  return {
    orderId: `order-${key}`,
    lines: [{ ref: { productId, variantId: '' }, warehouseId: 'default', quantity: 2 }],
    idempotencyKey: key,
  };
}

const context = { actor: 'test', correlationId: undefined };

test('a keyed reservation joins group commit: the batch claims its key, no transaction of its own', async () => {
  await initProduct(t, 'idem-batched', 10);
  const { deps, seen } = observed();
  const command = reserveCommand('idem-batched', 'key-idem-batched');
  const first = await reserveStock(deps, command, context);
  const again = await reserveStock(deps, command, context);
  assert.equal(seen.transactions, 0);
  assert.deepEqual(
    seen.submitted.map((planned) => planned.idempotency?.key),
    ['key-idem-batched', 'key-idem-batched'],
  );
  assert.equal(first.replayed, false);
  assert.equal(again.replayed, true);
  assert.deepEqual({ ...again, replayed: false }, first);
  assert.equal((await stockOf(t, 'idem-batched')).reservedQuantity, 2);
});

test('a keyed request refused before any batch saw its key asks the key, without a transaction, and replays a stored answer', async () => {
  await initProduct(t, 'idem-refused', 10);
  const command = reserveCommand('idem-refused', 'key-idem-refused');
  const first = await reserveStock(t.service.deps, command, context);
  const submitted: PlannedReservation[] = [];
  const checked: string[] = [];
  const { deps, seen } = observed();
  const refused: AppDeps = {
    ...refusedByThePlan(submitted),
    tx: deps.tx,
    keyChecker: {
      check: (scope, key) => {
        checked.push(key);
        return t.service.deps.keyChecker.check(scope, key);
      },
    },
  };
  const retried = await reserveStock(refused, command, context);
  assert.deepEqual(submitted, [], 'no batch saw it');
  assert.deepEqual(checked, ['key-idem-refused']);
  assert.equal(retried.replayed, true);
  assert.deepEqual({ ...retried, replayed: false }, first);
  // Another body with that key is refused as reused.
  await assert.rejects(
    reserveStock(refused, { ...command, orderId: 'another-order' }, context),
    (error: { code?: string }) => error.code === 'IDEMPOTENCY_KEY_REUSED',
  );
  // A key that holds no answer leaves the plan's refusal standing (here the fake cache finds no
  // item), and stays free.
  await assert.rejects(
    reserveStock(refused, reserveCommand('idem-refused', 'key-idem-refused-2'), context),
    (error: { code?: string }) => error.code === 'PRODUCT_NOT_FOUND',
  );
  assert.deepEqual(checked, ['key-idem-refused', 'key-idem-refused', 'key-idem-refused-2']);
  assert.equal(seen.transactions, 0, 'no transaction of its own');
  const keys = await t.db.query("SELECT 1 FROM idempotency_keys WHERE key = 'key-idem-refused-2'");
  assert.equal(keys.length, 0);
  assert.equal((await stockOf(t, 'idem-refused')).reservedQuantity, 2);
});

test('a keyed request a batch refused is not asked again: the batch had claimed its key', async () => {
  await initProduct(t, 'idem-sold-out', 1);
  const { deps, seen } = observed();
  await assert.rejects(
    reserveStock(deps, reserveCommand('idem-sold-out', 'key-idem-sold-out'), context),
    (error: { code?: string }) => error.code === 'INSUFFICIENT_STOCK',
  );
  assert.ok(seen.submitted.length > 0);
  assert.equal(seen.transactions, 0);
  const keys = await t.db.query("SELECT 1 FROM idempotency_keys WHERE key = 'key-idem-sold-out'");
  assert.equal(keys.length, 0, 'the refused request left its key free');
});

test('a key another request of the same batch claimed is sent again; busy ten times, its own transaction decides', async () => {
  await initProduct(t, 'idem-busy', 10);
  const once: PlannedReservation[] = [];
  const sentAgain = await reserveStock(
    busyFor(1, once),
    reserveCommand('idem-busy', 'key-idem-busy-1'),
    context,
  );
  assert.equal(sentAgain.replayed, false);
  // The same plan, sent twice.
  assert.deepEqual(
    once.map((planned) => planned.id),
    [sentAgain.reservation.id, sentAgain.reservation.id],
  );
  const always: PlannedReservation[] = [];
  const decided = await reserveStock(
    busyFor(Number.POSITIVE_INFINITY, always),
    reserveCommand('idem-busy', 'key-idem-busy-2'),
    context,
  );
  assert.equal(always.length, 10);
  assert.equal(decided.replayed, false);
  assert.equal((await stockOf(t, 'idem-busy')).reservedQuantity, 4);
});

test('replays answer the bytes of the original responses, on both reserve routes', async () => {
  await initProduct(t, 'idem-bytes', 1_000);
  const requests = Array.from({ length: 40 }, (_, i) =>
    i % 2 === 0
      ? {
          url: '/inventory/reserve',
          body: { productId: 'idem-bytes', orderId: `order-bytes-${i}`, quantity: 1 },
          headers: { 'idempotency-key': `key-bytes-${i}` },
        }
      : {
          // Seed 002's cart names no warehouse: it is planned before it joins a batch.
          url: '/api/inventory/reservations',
          body: {
            order_id: `order-bytes-${i}`,
            items: [{ product_id: 'idem-bytes', quantity: 1 }],
          },
          headers: { 'idempotency-key': `key-bytes-${i}` },
        },
  );
  const send = () => Promise.all(requests.map((r) => t.request('POST', r.url, r.body, r.headers)));
  const originals = await send();
  const replays = await send();
  assert.ok(
    originals.every((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined),
  );
  assert.ok(replays.every((r) => r.headers['idempotent-replayed'] === 'true'));
  assert.deepEqual(
    replays.map((r) => [r.status, r.body]),
    originals.map((r) => [r.status, r.body]),
  );
  assert.equal((await stockOf(t, 'idem-bytes')).reservedQuantity, 40);
});

test('a keyed reservation in its own transaction takes its stock row last, so the row stays locked only until the commit', async () => {
  await initProduct(t, 'idem-order', 10);
  const calls: string[] = [];
  // Answered KEY_BUSY by every batch, the request runs in a transaction of its own (recorded here).
  const deps: AppDeps = {
    ...busyFor(Number.POSITIVE_INFINITY, []),
    tx: {
      run: <T>(work: (uow: UnitOfWork) => Promise<T>) =>
        t.service.deps.tx.run((uow) => work(recording(uow, calls))),
    },
  };
  await reserveStock(deps, reserveCommand('idem-order', 'key-idem-order'), context);
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
