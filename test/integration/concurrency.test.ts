import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { createService, type Service } from '../../src/main/create-service.ts';
import { get, post } from '../helpers/http-client.ts';
import { backdateProductReservations, initProduct, stockOf } from '../helpers/inventory-client.ts';
import { startTestService, type TestService, testEnv } from '../helpers/test-service.ts';

/**
 * Real parallel HTTP requests against a listening service (and a second instance on the same
 * database): no interleaving may oversell, and every reservation ends exactly once.
 */
let t: TestService;
let baseUrl: string;
before(async () => {
  t = await startTestService();
  baseUrl = await t.service.start();
});
afterEach(async () => {
  await t.assertBooksBalance();
});
after(async () => {
  await t.close();
});

const PARALLEL = 128;

async function deductedTotal(productId: string): Promise<number> {
  const rows = await t.db.query<{ total: number }>(
    `SELECT coalesce(-sum(m.on_hand_delta), 0)::bigint AS total
     FROM stock_movements m JOIN items i ON i.id = m.item_id
     WHERE i.product_id = $1 AND m.kind = 'DEDUCT'`,
    [productId],
  );
  return rows[0]?.total ?? Number.NaN;
}

/** How many ending movements (release, deduct, expire) each reservation of a product has. */
async function endingsPerReservation(productId: string): Promise<Map<string, number>> {
  const rows = await t.db.query<{ reservationId: string; endings: number }>(
    `SELECT r.id AS "reservationId",
       count(m.id) FILTER (WHERE m.kind IN ('RELEASE', 'DEDUCT', 'EXPIRE'))::bigint AS endings
     FROM reservations r
     JOIN reservation_lines l ON l.reservation_id = r.id
     JOIN items i ON i.id = l.item_id
     LEFT JOIN stock_movements m ON m.reservation_id = r.id
     WHERE i.product_id = $1
     GROUP BY r.id`,
    [productId],
  );
  return new Map(rows.map((row) => [row.reservationId, row.endings]));
}

describe('parallel reservations', () => {
  test(`${PARALLEL} parallel reserves against 50 units: exactly 50 succeed`, async () => {
    await initProduct(t, 'hot-1', 50);
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(baseUrl, '/inventory/reserve', { productId: 'hot-1', orderId: `o-${i}`, quantity: 1 }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(created.length, 50);
    assert.equal(refused.length, PARALLEL - 50);
    assert.ok(refused.every((r) => r.body.error.code === 'INSUFFICIENT_STOCK'));
    assert.equal(new Set(created.map((r) => r.body.data.reservationId)).size, 50);
    const stock = await stockOf(t, 'hot-1');
    assert.equal(stock.availableQuantity, 0);
    assert.equal(stock.reservedQuantity, 50);
  });

  test('mixed quantities never oversell, and every refusal was justified', async () => {
    await initProduct(t, 'hot-2', 100);
    const quantities = Array.from({ length: PARALLEL }, (_, i) => (i % 5) + 1);
    const results = await Promise.all(
      quantities.map((quantity, i) =>
        post(baseUrl, '/inventory/reserve', { productId: 'hot-2', orderId: `o-${i}`, quantity }),
      ),
    );
    let reservedSum = 0;
    let smallestRefused = Number.POSITIVE_INFINITY;
    results.forEach((result, i) => {
      const quantity = quantities[i] ?? 0;
      if (result.status === 201) {
        reservedSum += quantity;
      } else {
        assert.equal(result.status, 409);
        smallestRefused = Math.min(smallestRefused, quantity);
      }
    });
    const stock = await stockOf(t, 'hot-2');
    assert.ok(reservedSum <= 100);
    assert.equal(stock.reservedQuantity, reservedSum);
    assert.equal(stock.availableQuantity, 100 - reservedSum);
    // Available only shrank during the burst, so whatever was refused is still more than remains.
    assert.ok(stock.availableQuantity < smallestRefused);
  });

  test('reserve, deduct and release racing: available + reserved + deducted = what was put in', async () => {
    await initProduct(t, 'hot-3', 60);
    await post(baseUrl, '/inventory/add-stock', { productId: 'hot-3', quantity: 40 });
    const reservations = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(baseUrl, '/inventory/reserve', { productId: 'hot-3', orderId: `o-${i}`, quantity: 1 }),
      ),
    );
    const ids = reservations
      .filter((r) => r.status === 201)
      .map((r) => r.body.data.reservationId as string);
    assert.equal(ids.length, 100);
    const endings = await Promise.all(
      ids.flatMap((reservationId, i) => [
        post(baseUrl, i % 2 === 0 ? '/inventory/deduct' : '/inventory/release', { reservationId }),
        // A second, competing ender for every reservation.
        post(baseUrl, i % 3 === 0 ? '/inventory/release' : '/inventory/deduct', { reservationId }),
        post(baseUrl, '/inventory/reserve', {
          productId: 'hot-3',
          orderId: `late-${i}`,
          quantity: 1,
        }),
      ]),
    );
    assert.ok(endings.every((r) => r.status === 200 || r.status === 201 || r.status === 409));
    const stock = await stockOf(t, 'hot-3');
    const deducted = await deductedTotal('hot-3');
    assert.equal(stock.availableQuantity + stock.reservedQuantity + deducted, 100);
    for (const count of (await endingsPerReservation('hot-3')).values()) {
      assert.ok(count <= 1, 'a reservation ended more than once');
    }
  });
});

describe('racing enders on one reservation', () => {
  test('release against deduct: exactly one wins', async () => {
    await initProduct(t, 'race-1', 40);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await post(baseUrl, '/inventory/reserve', {
        productId: 'race-1',
        orderId: `o-${i}`,
        quantity: 1,
      });
      ids.push(r.body.data.reservationId);
    }
    const outcomes = await Promise.all(
      ids.map((reservationId) =>
        Promise.all([
          post(baseUrl, '/inventory/release', { reservationId }),
          post(baseUrl, '/inventory/deduct', { reservationId }),
        ]),
      ),
    );
    let deducted = 0;
    for (const [release, deduct] of outcomes) {
      const winners = [release, deduct].filter((r) => r?.status === 200);
      assert.equal(winners.length, 1);
      const loser = release?.status === 200 ? deduct : release;
      assert.equal(loser?.status, 409);
      assert.match(loser?.body.error.code, /^RESERVATION_ALREADY_(RELEASED|DEDUCTED)$/);
      if (deduct?.status === 200) {
        deducted++;
      }
    }
    const stock = await stockOf(t, 'race-1');
    assert.equal(stock.reservedQuantity, 0);
    assert.equal(stock.availableQuantity, 40 - deducted);
    assert.ok([...(await endingsPerReservation('race-1')).values()].every((n) => n === 1));
  });

  test('release and deduct against the expiry sweeper: each reservation ends exactly once', async () => {
    await initProduct(t, 'race-2', 60);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await post(baseUrl, '/inventory/reserve', {
        productId: 'race-2',
        orderId: `o-${i}`,
        quantity: 1,
      });
      ids.push(r.body.data.reservationId);
    }
    // Expiring within the race window: some enders run before the deadline, some after.
    await t.db.query(
      "UPDATE reservations SET expires_at = now() + interval '30 milliseconds' WHERE id = ANY($1::uuid[])",
      [ids],
    );
    const sweeps = (async () => {
      let expired = 0;
      for (let i = 0; i < 20; i++) {
        expired += await t.service.expiryWorker.sweep();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return expired;
    })();
    const enders = Promise.all(
      ids.map((reservationId, i) =>
        post(baseUrl, i % 2 === 0 ? '/inventory/deduct' : '/inventory/release', { reservationId }),
      ),
    );
    const [expired, results] = await Promise.all([sweeps, enders]);
    const ended = results.filter((r) => r.status === 200).length;
    assert.ok(results.every((r) => r.status === 200 || r.status === 409));
    assert.ok(
      results
        .filter((r) => r.status === 409)
        .every((r) => r.body.error.code === 'RESERVATION_EXPIRED'),
    );
    assert.equal(ended + expired, 60);
    const endings = await endingsPerReservation('race-2');
    assert.equal(endings.size, 60);
    assert.ok([...endings.values()].every((n) => n === 1));
    assert.equal((await stockOf(t, 'race-2')).reservedQuantity, 0);
  });
});

/**
 * Each key's responses (the same request sent several times with one Idempotency-Key): either the
 * key held stock once and every response answers that reservation (all but one replayed), or every
 * response is 409. Answers how many keys held stock.
 */
function heldOnceOrRefused(
  outcomes: readonly (readonly Awaited<ReturnType<typeof post>>[])[],
  reservationIdOf: (body: Awaited<ReturnType<typeof post>>['body']) => unknown,
): number {
  let held = 0;
  for (const responses of outcomes) {
    const statuses = [...new Set(responses.map((r) => r.status))];
    if (statuses[0] === 201) {
      assert.deepEqual(statuses, [201], JSON.stringify(responses.map((r) => r.body)));
      assert.equal(new Set(responses.map((r) => reservationIdOf(r.body))).size, 1);
      assert.equal(
        responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length,
        responses.length - 1,
      );
      held++;
    } else {
      assert.deepEqual(statuses, [409], JSON.stringify(responses.map((r) => r.body)));
    }
  }
  return held;
}

describe('two instances on one database', () => {
  let second: Service;
  let secondUrl: string;
  before(async () => {
    const logger = pino({ level: 'silent' });
    const config = loadConfig(testEnv({ DATABASE_URL: t.database.url }));
    const db = await openPostgres({ url: t.database.url, poolMax: 10, logger });
    second = await createService(config, logger, db);
    secondUrl = await second.start();
  });
  after(async () => {
    await second.stop();
  });

  /** Each key's request four times with that Idempotency-Key, alternating between the instances. */
  function eachKeyFourTimes(
    keys: readonly string[],
    path: string,
    bodyOf: (key: string) => unknown,
  ) {
    return Promise.all(
      keys.map((key, i) =>
        Promise.all(
          [0, 1, 2, 3].map((n) =>
            post((i + n) % 2 === 0 ? baseUrl : secondUrl, path, bodyOf(key), {
              'idempotency-key': key,
            }),
          ),
        ),
      ),
    );
  }

  test('reserves spread over both instances never oversell', async () => {
    await initProduct(t, 'multi-1', 70);
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(i % 2 === 0 ? baseUrl : secondUrl, '/inventory/reserve', {
          productId: 'multi-1',
          orderId: `o-${i}`,
          quantity: 1,
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 70);
    const read = await get(secondUrl, '/inventory/multi-1');
    assert.equal(read.body.data.availableQuantity, 0);
    assert.equal(read.body.data.reservedQuantity, 70);
  });

  test('confirms and cancels racing on both instances: one cancel ends each, a confirm only before it', async () => {
    await initProduct(t, 'multi-3', 60);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await post(baseUrl, '/api/inventory/reservations', {
        order_id: `multi-3-${i}`,
        items: [{ product_id: 'multi-3', quantity: 1 }],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.data.id);
    }
    const path = (id: string, move: string) => `/api/inventory/reservations/${id}/${move}`;
    // Each reservation's four moves in a different order, half of them through each instance,
    // so the end batches of both instances name the same reservations in different orders.
    const outcomes = await Promise.all(
      ids.map((id, i) => {
        const moves = [
          post(baseUrl, path(id, 'confirm'), {}),
          post(secondUrl, path(id, 'cancel'), {}),
          post(secondUrl, path(id, 'confirm'), {}),
          post(baseUrl, path(id, 'cancel'), {}),
        ];
        return Promise.all(i % 2 === 0 ? moves : moves.reverse());
      }),
    );
    for (const responses of outcomes) {
      const statuses = responses.map((r) => r.status);
      assert.ok(
        statuses.every((status) => status === 200 || status === 409),
        JSON.stringify(statuses),
      );
      const cancels = responses.filter((r) => r.body.data?.status === 'CANCELLED');
      const confirms = responses.filter((r) => r.body.data?.status === 'CONFIRMED');
      assert.equal(cancels.length, 1, 'exactly one cancel ends the reservation');
      assert.ok(confirms.length <= 1, 'at most one confirm wins');
    }
    const rows = await t.db.query<{ status: string; n: number }>(
      `SELECT r.status, count(*)::integer AS n FROM reservations r
       WHERE r.order_id LIKE 'multi-3-%' GROUP BY r.status`,
    );
    assert.deepEqual(rows, [{ status: 'RELEASED', n: 60 }]);
    const stock = await stockOf(t, 'multi-3');
    assert.equal(stock.availableQuantity, 60);
    assert.equal(stock.reservedQuantity, 0);
    const committed = await t.db.query<{ committed: number }>(
      `SELECT sum(s.committed)::integer AS committed FROM stock_levels s
       JOIN items i ON i.id = s.item_id WHERE i.product_id = 'multi-3'`,
    );
    assert.deepEqual(committed, [{ committed: 0 }]);
    assert.ok([...(await endingsPerReservation('multi-3')).values()].every((n) => n === 1));
  });

  test('one Idempotency-Key sent four times over both instances holds stock once, or never', async () => {
    await initProduct(t, 'multi-keyed', 20);
    const keys = Array.from({ length: 30 }, (_, i) => `multi-keyed-${i}`);
    // Each key's four requests alternate between the instances, so batches of both claim the
    // same keys at once; 20 units for 30 keys, so some keys are refused.
    const outcomes = await eachKeyFourTimes(keys, '/inventory/reserve', (key) => ({
      productId: 'multi-keyed',
      orderId: key,
      quantity: 1,
    }));
    assert.equal(
      heldOnceOrRefused(outcomes, (body) => body.data.reservationId),
      20,
    );
    const rows = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM reservations WHERE order_id LIKE 'multi-keyed-%'",
    );
    assert.deepEqual(rows, [{ n: 20 }]);
    const stored = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM idempotency_keys WHERE key LIKE 'multi-keyed-%'",
    );
    assert.deepEqual(stored, [{ n: 20 }]);
    assert.equal((await stockOf(t, 'multi-keyed')).reservedQuantity, 20);
  });

  test('seed 002 carts with one key sent four times over both instances: held once or refused, the refusals asking their keys', async () => {
    await initProduct(t, 'multi-cart-keyed', 20);
    const keys = Array.from({ length: 30 }, (_, i) => `multi-cart-keyed-${i}`);
    // Planned carts: a refusal from the plan (the instance's cached figures, then the tables)
    // comes before any batch sees the key, so it asks the key; one from a batch does not.
    const outcomes = await eachKeyFourTimes(keys, '/api/inventory/reservations', (key) => ({
      order_id: key,
      items: [{ product_id: 'multi-cart-keyed', quantity: 1 }],
    }));
    assert.equal(
      heldOnceOrRefused(outcomes, (body) => body.data.id),
      20,
    );
    // Once more, after the sellout: now every plan refuses before a batch sees the key, so the
    // key check alone tells a held key's retry (its reservation again) from a refused one's (409).
    const again = await Promise.all(
      keys.map((key, i) =>
        post(
          i % 2 === 0 ? secondUrl : baseUrl,
          '/api/inventory/reservations',
          { order_id: key, items: [{ product_id: 'multi-cart-keyed', quantity: 1 }] },
          { 'idempotency-key': key },
        ),
      ),
    );
    again.forEach((response, i) => {
      const first = outcomes[i]?.[0];
      assert.equal(response.status, first?.status, JSON.stringify(response.body));
      if (response.status === 201) {
        assert.equal(response.body.data.id, first?.body.data.id);
        assert.equal(response.headers['idempotent-replayed'], 'true');
      }
    });
    const stored = await t.db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM idempotency_keys WHERE key LIKE 'multi-cart-keyed-%'",
    );
    assert.deepEqual(stored, [{ n: 20 }]);
    assert.equal((await stockOf(t, 'multi-cart-keyed')).reservedQuantity, 20);
  });

  test('both sweepers at once expire each reservation exactly once', async () => {
    await initProduct(t, 'multi-2', 1_000);
    const reservations = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        post(baseUrl, '/inventory/reserve', {
          productId: 'multi-2',
          orderId: `o-${i}`,
          quantity: 2,
        }),
      ),
    );
    assert.ok(reservations.every((r) => r.status === 201));
    await backdateProductReservations(t, 'multi-2');
    const [a, b] = await Promise.all([t.service.expiryWorker.sweep(), second.expiryWorker.sweep()]);
    assert.equal(a + b, 300);
    const stock = await stockOf(t, 'multi-2');
    assert.equal(stock.availableQuantity, 1_000);
    assert.equal(stock.reservedQuantity, 0);
    assert.ok([...(await endingsPerReservation('multi-2')).values()].every((n) => n === 1));
  });
});
