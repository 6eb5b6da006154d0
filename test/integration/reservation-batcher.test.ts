import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay, setImmediate as nextTurn } from 'node:timers/promises';
import pg from 'pg';
import { commitReservation } from '../../src/app/end-reservation.ts';
import type { BatchedIdempotencyKey, EndRequest, PlannedReservation } from '../../src/app/ports.ts';
import { arrayLiteral } from '../../src/db/array-literal.ts';
import type { Database } from '../../src/db/database.ts';
import { createEndBatcher, END_BATCH_SQL, endBatchColumns } from '../../src/db/end-batcher.ts';
import { findLedgerMismatches } from '../../src/db/ledger.repository.ts';
import { migrate } from '../../src/db/migrator.ts';
import { openMemoryPglite } from '../../src/db/pglite.database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import {
  createReservationBatcher,
  RESERVE_BATCH_SQL,
  reserveBatchColumns,
  reserveBatchPayload,
} from '../../src/db/reservation-batcher.ts';
import { insertItem, stock } from '../factories/catalog.factory.ts';
import {
  plannedLine as line,
  plannedReservation as reservation,
} from '../factories/reservation.factory.ts';
import { untilALockIsAwaited } from '../helpers/lock-waits.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger, startTestService } from '../helpers/test-service.ts';

/**
 * Group commit: the reserve batch (inventory_reserve_batch_keyed, which 0011's
 * inventory_reserve_batch_arrays now wraps), the end batch and the batchers that feed them.
 */
let database: TestDatabase;
let db: Database;
let queries = 0;
before(async () => {
  database = await createTestDatabase();
  db = await openPostgres({ url: database.url, poolMax: 4, logger: silentLogger });
});
after(async () => {
  assert.deepEqual(await findLedgerMismatches(db), []);
  await db.close();
  await database.drop();
});

/** The database, counting the statements the batcher sends. */
function counted(target: Database = db): Database {
  return {
    ...target,
    query: (sql, params) => {
      queries++;
      return target.query(sql, params);
    },
    hold: async () => {
      const held = await target.hold();
      return {
        ...held,
        queryPrepared: (name, sql, params) => {
          queries++;
          return held.queryPrepared(name, sql, params);
        },
      };
    },
  };
}

async function reservedOf(itemId: string): Promise<number> {
  const rows = await db.query<{ reserved: number }>(
    "SELECT reserved FROM stock_levels WHERE item_id = $1 AND warehouse_id = 'default'",
    [itemId],
  );
  return rows[0]?.reserved ?? -1;
}

/**
 * Runs `work` with two sessions of its own on the test database, outside the pool: one to hold
 * locks, one to probe them. Ends both.
 */
async function withSessions(
  work: (holder: pg.Client, probe: pg.Client) => Promise<void>,
): Promise<void> {
  const holder = new pg.Client({ connectionString: database.url });
  const probe = new pg.Client({ connectionString: database.url });
  await Promise.all([holder.connect(), probe.connect()]);
  try {
    await work(holder, probe);
  } finally {
    await Promise.all([holder.end(), probe.end()]);
  }
}

describe('inventory_reserve_batch_arrays', () => {
  test('decides requests in arrival order; a refused one takes nothing', async () => {
    const item = await insertItem(db, { productId: 'batch-order' });
    await stock(db, 'batch-order', { default: 5 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 100, logger: silentLogger });
    const results = await Promise.all([
      batcher.submit(reservation([line(item, 3)])),
      batcher.submit(reservation([line(item, 3)])),
      batcher.submit(reservation([line(item, 2)])),
    ]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, true],
    );
    assert.deepEqual(results[1], {
      ok: false,
      code: 'INSUFFICIENT_STOCK',
      itemId: item,
      warehouseId: 'default',
      available: 2,
    });
    assert.equal(await reservedOf(item), 5);
  });

  test('two lines of one request on one stock level count against each other', async () => {
    const item = await insertItem(db, { productId: 'batch-dup' });
    await stock(db, 'batch-dup', { default: 4 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 100, logger: silentLogger });
    const refused = await batcher.submit(reservation([line(item, 3, 1), line(item, 3, 2)]));
    assert.equal(refused.ok, false);
    assert.equal(await reservedOf(item), 0);
    const fits = await batcher.submit(reservation([line(item, 1, 1), line(item, 3, 2)]));
    assert.equal(fits.ok, true);
    assert.equal(await reservedOf(item), 4);
  });

  test('a multi-line request is all or nothing across items', async () => {
    const a = await insertItem(db, { productId: 'batch-a' });
    const b = await insertItem(db, { productId: 'batch-b' });
    await stock(db, 'batch-a', { default: 10 });
    await stock(db, 'batch-b', { default: 1 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 100, logger: silentLogger });
    const result = await batcher.submit(reservation([line(a, 2, 1), line(b, 2, 2)]));
    assert.deepEqual(result, {
      ok: false,
      code: 'INSUFFICIENT_STOCK',
      itemId: b,
      warehouseId: 'default',
      available: 1,
    });
    assert.equal(await reservedOf(a), 0);
  });

  test('the jsonb document form (inventory_reserve_batch) decides a batch as the arrays do', async () => {
    const item = await insertItem(db, { productId: 'batch-document' });
    await stock(db, 'batch-document', { default: 5 });
    const batch = [
      reservation([line(item, 3)], 'document-1'),
      reservation([line(item, 3)], 'document-2'),
      reservation([line(item, 1, 1), line(item, 1, 2)], 'document-3'),
    ];
    const rows = await db.query(
      `SELECT request_index, ok, failed_item_id, failed_warehouse_id, failed_available, failed_code
       FROM inventory_reserve_batch($1::jsonb)`,
      [JSON.stringify(batch.map(reserveBatchPayload))],
    );
    const accepted = {
      ok: true,
      failed_item_id: null,
      failed_warehouse_id: null,
      failed_available: null,
      failed_code: null,
    };
    assert.deepEqual(rows, [
      { request_index: 0, ...accepted },
      {
        request_index: 1,
        ok: false,
        failed_item_id: item,
        failed_warehouse_id: 'default',
        failed_available: 2,
        failed_code: 'INSUFFICIENT_STOCK',
      },
      { request_index: 2, ...accepted },
    ]);
    assert.equal(await reservedOf(item), 5);
    const lines = await db.query<{ line_no: number }>(
      `SELECT l.line_no FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id
       WHERE r.order_id = 'document-3' ORDER BY l.line_no`,
    );
    assert.deepEqual(
      lines.map((l) => l.line_no),
      [1, 2],
    );
  });

  test('lines out of request order and arrays of unequal length are refused; nothing changes', async () => {
    const item = await insertItem(db, { productId: 'batch-malformed' });
    await stock(db, 'batch-malformed', { default: 5 });
    const columns = () =>
      reserveBatchColumns([reservation([line(item, 1)]), reservation([line(item, 1)])], 'binary');
    const outOfOrder = columns();
    outOfOrder[7] = arrayLiteral([2, 1]);
    const shortLines = columns();
    shortLines[11] = arrayLiteral([1]);
    const shortRequests = columns();
    shortRequests[1] = arrayLiteral(['only-one']);
    for (const [params, message] of [
      [outOfOrder, /line 2 is not grouped in request order \(its request is 1\)/],
      [shortLines, /the line arrays differ in length/],
      [shortRequests, /the request arrays differ in length/],
    ] as const) {
      await assert.rejects(db.query(RESERVE_BATCH_SQL, params), (error: unknown) => {
        assert.equal((error as { code?: string }).code, '22023');
        assert.match(String(error), message);
        return true;
      });
    }
    assert.equal(await reservedOf(item), 0);
  });

  test('a stock level another transaction updated while the batch waited is updated in its new version', async () => {
    const item = await insertItem(db, { productId: 'batch-waited' });
    await stock(db, 'batch-waited', { default: 10 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 64, logger: silentLogger });
    let settled = false;
    let waiting: Promise<{ ok: boolean }> = Promise.resolve({ ok: false });
    await db.transaction(async (tx) => {
      // A new version of the row, at a new address, committed only after the batch has locked up
      // behind it: the batch must update that version, not the one it first found.
      await tx.query(
        "UPDATE stock_levels SET updated_at = now() WHERE item_id = $1 AND warehouse_id = 'default'",
        [item],
      );
      waiting = batcher.submit(reservation([line(item, 3)])).finally(() => {
        settled = true;
      });
      // Commit only once the batch is seen waiting for the row's lock.
      const deadline = Date.now() + 10_000;
      while (
        (
          await db.query(
            `SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        ).length === 0
      ) {
        assert.ok(Date.now() < deadline, 'the batch never waited for the row lock');
        await delay(10);
      }
      assert.equal(settled, false, 'the batch waits for the row lock');
    });
    assert.equal((await waiting).ok, true);
    assert.equal(await reservedOf(item), 3);
  });

  test('the batch statement is prepared once per connection and reused', async () => {
    const item = await insertItem(db, { productId: 'batch-prepared' });
    await stock(db, 'batch-prepared', { default: 10 });
    // One connection, so the statements below and the batches share it.
    const single = await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger });
    try {
      const batcher = createReservationBatcher(single, { batchSizeMax: 64, logger: silentLogger });
      for (let i = 0; i < 3; i++) {
        assert.equal((await batcher.submit(reservation([line(item, 1)]))).ok, true);
      }
      const prepared = await single.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements',
      );
      assert.deepEqual(prepared, [
        { name: 'inventory_reserve_batch_keyed', statement: RESERVE_BATCH_SQL },
      ]);
    } finally {
      await single.close();
    }
    assert.equal(await reservedOf(item), 3);
  });

  test('the next batch is in the database while the finished batch’s callers run', async () => {
    const item = await insertItem(db, { productId: 'batch-overlap' });
    await stock(db, 'batch-overlap', { default: 10 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 64, logger: silentLogger });
    let callerStarted = 0;
    const first = batcher.submit(reservation([line(item, 1)])).then((result) => {
      // A caller that keeps the thread for 400 ms, as a batch's 30-odd callers writing their
      // responses keep it for a millisecond. Through the pool's next tick the second batch would
      // have waited for it.
      callerStarted = Date.now();
      while (Date.now() - callerStarted < 400) {}
      return result;
    });
    const second = batcher.submit(reservation([line(item, 1)]));
    assert.equal((await first).ok, true);
    const next = await second;
    assert.ok(next.ok);
    const startedAfterCaller = next.createdAt.getTime() - callerStarted;
    assert.ok(
      startedAfterCaller < 200,
      `the second batch began ${startedAfterCaller} ms after the first batch's caller did`,
    );
    assert.equal(await reservedOf(item), 2);
  });

  test('a busy queue does not starve other queries of a one-connection pool', async () => {
    const item = await insertItem(db, { productId: 'batch-fair' });
    await stock(db, 'batch-fair', { default: 2000 });
    const single = await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger });
    try {
      const batcher = createReservationBatcher(single, { batchSizeMax: 16, logger: silentLogger });
      let done = 0;
      // 1,000 requests keep the queue busy for about 60 batches in a row.
      const all = Array.from({ length: 1000 }, () =>
        batcher.submit(reservation([line(item, 1)])).then((result) => {
          done++;
          return result;
        }),
      );
      await nextTurn();
      await single.query('SELECT 1');
      const doneWhenQueryRan = done;
      assert.equal((await Promise.all(all)).filter((r) => r.ok).length, 1000);
      assert.ok(
        doneWhenQueryRan < 500,
        `the query waited for ${doneWhenQueryRan} of 1000 requests to be applied`,
      );
    } finally {
      await single.close();
    }
    assert.equal(await reservedOf(item), 1000);
  });

  test('a held connection is wanted back only when holders have every pool connection', async () => {
    const two = await openPostgres({ url: database.url, poolMax: 2, logger: silentLogger });
    try {
      const first = await two.hold();
      const sleeping = two.query('SELECT pg_sleep(0.2)');
      const waiting = two.query('SELECT 1');
      await nextTurn();
      assert.equal(
        first.wantedBack(),
        false,
        'the sleeping query frees a connection for the waiter',
      );
      await Promise.all([sleeping, waiting]);
      const second = await two.hold();
      const stuck = two.query('SELECT 1');
      await nextTurn();
      assert.equal(first.wantedBack(), true, 'only a holder can serve this waiter');
      first.release();
      await stuck;
      second.release();
    } finally {
      await two.close();
    }
  });

  test('concurrent submissions leave together: 200 requests, a handful of statements', async () => {
    const item = await insertItem(db, { productId: 'batch-coalesce' });
    await stock(db, 'batch-coalesce', { default: 150 });
    queries = 0;
    const batcher = createReservationBatcher(counted(), { batchSizeMax: 64, logger: silentLogger });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => batcher.submit(reservation([line(item, 1)]))),
    );
    assert.equal(results.filter((r) => r.ok).length, 150);
    // The first goes alone (no waiting when idle); the other 199 queue behind it in batches of 64.
    assert.equal(queries, 1 + Math.ceil(199 / 64));
    assert.equal(await reservedOf(item), 150);
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::bigint AS n FROM reservations r JOIN reservation_lines l ON l.reservation_id = r.id
       WHERE l.item_id = $1`,
      [item],
    );
    assert.equal(rows[0]?.n, 150);
  });

  test('blocked or discontinued items and inactive warehouses are refused at apply time', async () => {
    const blocked = await insertItem(db, { productId: 'batch-blocked', salesBlocked: true });
    const gone = await insertItem(db, { productId: 'batch-gone', discontinued: true });
    const open = await insertItem(db, { productId: 'batch-open' });
    await stock(db, 'batch-blocked', { default: 5 });
    await stock(db, 'batch-gone', { default: 5 });
    await stock(db, 'batch-open', { default: 5 });
    await db.query(
      "INSERT INTO warehouses (id, name, active) VALUES ('wh-batch-off', 'off', false)",
    );
    await stock(db, 'batch-open', { 'wh-batch-off': 5 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 100, logger: silentLogger });
    const codes = await Promise.all([
      batcher.submit(reservation([line(blocked, 1)])),
      batcher.submit(reservation([line(gone, 1)])),
      batcher.submit(reservation([{ ...line(open, 1), warehouseId: 'wh-batch-off' }])),
      batcher.submit(reservation([line(open, 1)])),
    ]);
    assert.deepEqual(
      codes.map((r) => (r.ok ? 'ok' : r.code)),
      ['SALES_BLOCKED', 'ITEM_DISCONTINUED', 'WAREHOUSE_INACTIVE', 'ok'],
    );
    assert.equal(await reservedOf(blocked), 0);
  });

  test('an item blocked or discontinued after its stock exists is refused; cleared, it sells', async () => {
    // The batch reads the flags from the stock levels it locks (0008): this fails if the copies
    // stop following the item.
    const item = await insertItem(db, { productId: 'batch-later' });
    await db.query("INSERT INTO warehouses (id, name) VALUES ('wh-batch-later', 'later')");
    await stock(db, 'batch-later', { default: 5, 'wh-batch-later': 5 });
    const batcher = createReservationBatcher(db, { batchSizeMax: 100, logger: silentLogger });
    const codeOf = async (warehouseId: string) => {
      const result = await batcher.submit(reservation([{ ...line(item, 1), warehouseId }]));
      return result.ok ? 'ok' : result.code;
    };
    const setFlags = (blocked: boolean, discontinued: boolean) =>
      db.query('UPDATE items SET sales_blocked = $2, discontinued = $3 WHERE id = $1', [
        item,
        blocked,
        discontinued,
      ]);

    await setFlags(true, false);
    assert.deepEqual(
      [await codeOf('default'), await codeOf('wh-batch-later')],
      ['SALES_BLOCKED', 'SALES_BLOCKED'],
    );
    await setFlags(false, true);
    assert.equal(await codeOf('wh-batch-later'), 'ITEM_DISCONTINUED');
    await setFlags(false, false);
    assert.deepEqual([await codeOf('default'), await codeOf('wh-batch-later')], ['ok', 'ok']);
    assert.equal(await reservedOf(item), 1);
  });
});

describe('inventory_reserve_batch_keyed', () => {
  /** `planned` with an Idempotency-Key, the request hash `hash` and a small answer to store. */
  function keyed(planned: PlannedReservation, key: string, hash = 'hash'): PlannedReservation {
    return {
      ...planned,
      idempotency: {
        scope: 'reserve',
        key,
        requestHash: hash,
        retentionMs: 3_600_000,
        answer: { reservation: { id: planned.id, status: 'PENDING' }, lines: [] },
      },
    };
  }

  interface KeyedRow {
    ok: boolean;
    failed_code: string | null;
    created_at: Date;
    expires_at: Date;
    replay_hash: string | null;
    replay_answer: unknown;
  }

  async function storedKeys(keys: readonly string[]) {
    return db.query<{ key: string; request_hash: string; response_body: unknown }>(
      `SELECT key, request_hash, response_body FROM idempotency_keys
       WHERE scope = 'reserve' AND key = ANY($1) ORDER BY key`,
      [keys],
    );
  }

  async function reservationsOf(orderIds: readonly string[]): Promise<string[]> {
    const rows = await db.query<{ order_id: string }>(
      'SELECT order_id FROM reservations WHERE order_id = ANY($1) ORDER BY order_id',
      [orderIds],
    );
    return rows.map((row) => row.order_id);
  }

  test('a batch claims new keys and stores their answers; a refusal leaves its key free; a stored key replays and takes nothing', async () => {
    const item = await insertItem(db, { productId: 'keyed-batch' });
    await stock(db, 'keyed-batch', { default: 5 });
    const earlier = keyed(reservation([line(item, 1)], 'keyed-stored'), 'k-stored', 'h1');
    const [first] = await db.query<KeyedRow>(
      RESERVE_BATCH_SQL,
      reserveBatchColumns([earlier], 'binary'),
    );
    assert.equal(first?.ok, true);
    const batch = [
      keyed(reservation([line(item, 2)], 'keyed-new'), 'k-new'),
      keyed(reservation([line(item, 3)], 'keyed-refused'), 'k-refused'),
      reservation([line(item, 1)], 'keyed-none'),
      // The stored key again, with another request: the batch answers the stored hash and answer
      // and applies nothing; comparing the hashes is the caller's part.
      keyed(reservation([line(item, 1)], 'keyed-replay'), 'k-stored', 'h2'),
      // The key an earlier request of this batch claimed: busy, applied nothing.
      keyed(reservation([line(item, 1)], 'keyed-busy'), 'k-new'),
    ];
    const rows = await db.query<KeyedRow>(RESERVE_BATCH_SQL, reserveBatchColumns(batch, 'binary'));
    const [stored] = await storedKeys(['k-stored']);
    assert.deepEqual(stored?.response_body, {
      reservation: {
        id: earlier.id,
        status: 'PENDING',
        createdAt: first?.created_at.toISOString(),
        updatedAt: first?.created_at.toISOString(),
        expiresAt: first?.expires_at.toISOString(),
      },
      lines: [],
    });
    assert.deepEqual(
      rows.map((r) => [r.ok, r.failed_code, r.replay_hash]),
      [
        [true, null, null],
        [false, 'INSUFFICIENT_STOCK', null],
        [true, null, null],
        [false, 'REPLAY', 'h1'],
        [false, 'KEY_BUSY', null],
      ],
    );
    assert.deepEqual(rows[3]?.replay_answer, stored?.response_body);
    // The replay's and the busy request's units stayed: 1 (first batch) + 2 + 1.
    assert.equal(await reservedOf(item), 4);
    assert.deepEqual(
      await reservationsOf([
        'keyed-stored',
        'keyed-new',
        'keyed-refused',
        'keyed-none',
        'keyed-replay',
        'keyed-busy',
      ]),
      ['keyed-new', 'keyed-none', 'keyed-stored'],
    );
    const keys = await storedKeys(['k-new', 'k-refused', 'k-stored']);
    assert.deepEqual(
      keys.map((k) => [k.key, k.request_hash]),
      [
        ['k-new', 'hash'],
        ['k-stored', 'h1'],
      ],
    );
    // Timestamps as JSON.stringify writes the Date the driver reads: the replay answers the bytes
    // the original response had.
    const created = rows[0]?.created_at.toISOString();
    assert.deepEqual(keys[0]?.response_body, {
      reservation: {
        id: batch[0]?.id,
        status: 'PENDING',
        createdAt: created,
        updatedAt: created,
        expiresAt: rows[0]?.expires_at.toISOString(),
      },
      lines: [],
    });
  });

  test('a key another transaction holds is waited for: its commit makes a replay, its rollback a claim', async () => {
    const item = await insertItem(db, { productId: 'keyed-held' });
    await stock(db, 'keyed-held', { default: 5 });
    await withSessions(async (holder) => {
      for (const end of ['COMMIT', 'ROLLBACK'] as const) {
        const key = `k-held-${end}`;
        await holder.query('BEGIN');
        await holder.query(
          `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at, response_body)
           VALUES ('reserve', $1, 'held', now() + interval '1 hour', '{"held": true}')`,
          [key],
        );
        const batch = db.query<KeyedRow>(
          RESERVE_BATCH_SQL,
          reserveBatchColumns([keyed(reservation([line(item, 1)], key), key, 'held')], 'binary'),
        );
        await untilALockIsAwaited(db, `the batch waiting for ${key}`);
        await holder.query(end);
        const [row] = await batch;
        if (end === 'COMMIT') {
          assert.deepEqual([row?.failed_code, row?.replay_answer], ['REPLAY', { held: true }]);
        } else {
          assert.equal(row?.ok, true);
        }
      }
    });
    assert.equal(await reservedOf(item), 1);
    assert.deepEqual(await reservationsOf(['k-held-COMMIT', 'k-held-ROLLBACK']), [
      'k-held-ROLLBACK',
    ]);
  });

  test('keys are claimed in key order, before any stock level is locked', async () => {
    const item = await insertItem(db, { productId: 'keyed-order' });
    await stock(db, 'keyed-order', { default: 5 });
    const claim = (client: pg.Client, key: string) =>
      client.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
         VALUES ('reserve', $1, 'other', now() + interval '1 hour') ON CONFLICT DO NOTHING`,
        [key],
      );
    await withSessions(async (holder, probe) => {
      await holder.query('BEGIN');
      await claim(holder, 'k-order-b');
      // The batch names b first; in key order it claims a before it waits for b.
      const batch = db.query<KeyedRow>(
        RESERVE_BATCH_SQL,
        reserveBatchColumns(
          [
            keyed(reservation([line(item, 1)], 'order-b'), 'k-order-b'),
            keyed(reservation([line(item, 1)], 'order-a'), 'k-order-a'),
          ],
          'binary',
        ),
      );
      await untilALockIsAwaited(db, 'the batch waiting for k-order-b');
      await probe.query('BEGIN');
      await probe.query("SET LOCAL lock_timeout = '200ms'");
      // The stock level is not locked yet...
      await probe.query(
        "SELECT 1 FROM stock_levels WHERE item_id = $1 AND warehouse_id = 'default' FOR UPDATE NOWAIT",
        [item],
      );
      // ...but a is claimed: inserting it waits for the batch, until the lock timeout.
      await assert.rejects(
        claim(probe, 'k-order-a'),
        (error: { code?: string }) => error.code === '55P03',
      );
      await probe.query('ROLLBACK');
      await holder.query('ROLLBACK');
      assert.deepEqual(
        (await batch).map((r) => r.ok),
        [true, true],
      );
    });
    assert.equal(await reservedOf(item), 2);
  });

  test('key arrays of another length than the requests, keys without a scope or a key without an answer are refused; nothing changes', async () => {
    const item = await insertItem(db, { productId: 'keyed-malformed' });
    await stock(db, 'keyed-malformed', { default: 5 });
    const columns = () =>
      reserveBatchColumns(
        [
          keyed(reservation([line(item, 1)], 'malformed-1'), 'k-malformed-1'),
          keyed(reservation([line(item, 1)], 'malformed-2'), 'k-malformed-2'),
        ],
        'binary',
      );
    const noScope = columns();
    noScope[16] = null;
    const shortKeys = columns();
    shortKeys[17] = arrayLiteral(['k-malformed-1']);
    const shortAnswers = columns();
    shortAnswers[20] = JSON.stringify([{}]);
    const answersNotAnArray = columns();
    answersNotAnArray[20] = JSON.stringify({ 0: {}, 1: {} });
    const noAnswer = columns();
    noAnswer[20] = JSON.stringify([{}, null]);
    const answerNotAnObject = columns();
    answerNotAnObject[20] = JSON.stringify([{}, '{}']);
    for (const [params, message] of [
      [noScope, /the key arrays differ in length from the requests, or have no scope/],
      [shortKeys, /the key arrays differ in length from the requests/],
      [shortAnswers, /the key arrays differ in length from the requests/],
      [answersNotAnArray, /the key arrays differ in length from the requests/],
      [noAnswer, /a request with a key has no answer \(an object\) to store/],
      [answerNotAnObject, /a request with a key has no answer \(an object\) to store/],
    ] as const) {
      await assert.rejects(db.query(RESERVE_BATCH_SQL, params), (error: unknown) => {
        assert.equal((error as { code?: string }).code, '22023');
        assert.match(String(error), message);
        return true;
      });
    }
    assert.equal(await reservedOf(item), 0);
    assert.deepEqual(await storedKeys(['k-malformed-1', 'k-malformed-2']), []);
  });

  test('keys are looked up by index, however the table grew after the batch was first planned', async () => {
    const item = await insertItem(db, { productId: 'keyed-grown' });
    await stock(db, 'keyed-grown', { default: 100 });
    // One connection: the batch's plans are made at its first call, while the table is small,
    // and kept for the session (force_generic_plan).
    const single = await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger });
    const batch = (n: number) =>
      single.query(
        RESERVE_BATCH_SQL,
        reserveBatchColumns(
          Array.from({ length: 10 }, (_, i) =>
            keyed(reservation([line(item, 1)], `grown-${n}-${i}`), `k-grown-${n}-${i}`),
          ),
          'binary',
        ),
      );
    /** Rows of idempotency_keys read so far, through its indexes or by scanning. */
    const rowsRead = async () => {
      await single.query('SELECT pg_stat_force_next_flush()');
      await single.query('SELECT 1');
      const [row] = await single.query<{ n: number }>(
        `SELECT (coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0))::integer AS n
         FROM pg_stat_user_tables WHERE relname = 'idempotency_keys'`,
      );
      return row?.n ?? -1;
    };
    try {
      await batch(1);
      await single.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at, response_body)
         SELECT 'reserve', 'k-grown-filler-' || n, 'h', now() + interval '1 hour', '{}'
         FROM generate_series(1, 5000) n`,
      );
      const before = await rowsRead();
      await batch(2);
      // Ten lookups find ten rows; a plan that scanned the table would read over 5,000.
      assert.ok((await rowsRead()) - before < 100, 'the batch read the key table whole');
    } finally {
      await single.close();
    }
    assert.equal(await reservedOf(item), 20);
  });

  test('one batch never claims keys of two scopes', () => {
    const a = keyed(reservation([line(randomUUID(), 1)]), 'k-scope');
    const b = keyed(reservation([line(randomUUID(), 1)]), 'k-scope');
    const other = {
      ...b,
      idempotency: { ...(b.idempotency as BatchedIdempotencyKey), scope: 'x' },
    };
    assert.throws(
      () => reserveBatchColumns([a, other], 'binary'),
      /claims keys in scopes reserve and x/,
    );
  });
});

describe('group commit on embedded PGlite', () => {
  test('requests read in one event-loop turn leave as one batch, though PGlite blocks the thread', async () => {
    const embedded = await openMemoryPglite();
    try {
      await migrate(embedded, silentLogger);
      const item = await insertItem(embedded, { productId: 'embedded-batch' });
      await stock(embedded, 'embedded-batch', { default: 40 });
      queries = 0;
      const batcher = createReservationBatcher(counted(embedded), {
        batchSizeMax: 64,
        logger: silentLogger,
      });
      // 50 submissions from 50 separate callbacks of one turn, as 50 HTTP requests read from 50
      // sockets arrive. PGlite runs a batch synchronously between two callbacks, so without
      // gathering each request would go alone (50 statements).
      const results = await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<Awaited<ReturnType<typeof batcher.submit>>>((resolve, reject) => {
              setImmediate(() =>
                batcher.submit(reservation([line(item, 1)])).then(resolve, reject),
              );
            }),
        ),
      );
      assert.equal(queries, 1);
      assert.equal(results.filter((r) => r.ok).length, 40);
      assert.deepEqual(await findLedgerMismatches(embedded), []);
    } finally {
      await embedded.close();
    }
  });
});

describe('keyed group commit on embedded PGlite', () => {
  test('keys are claimed and replayed, with the timestamps PGlite reads for the original', async () => {
    const embedded = await openMemoryPglite();
    try {
      await migrate(embedded, silentLogger);
      const item = await insertItem(embedded, { productId: 'embedded-keyed' });
      await stock(embedded, 'embedded-keyed', { default: 100 });
      const batcher = createReservationBatcher(embedded, {
        batchSizeMax: 64,
        logger: silentLogger,
      });
      for (let i = 0; i < 20; i++) {
        const planned = reservation([line(item, 1)], `embedded-keyed-${i}`);
        const claim = {
          scope: 'reserve',
          key: `embedded-key-${i}`,
          requestHash: 'hash',
          retentionMs: 60_000,
          answer: { reservation: { id: planned.id }, lines: [] },
        };
        const first = await batcher.submit({ ...planned, idempotency: claim });
        const again = await batcher.submit({
          ...reservation([line(item, 1)], `embedded-keyed-${i}`),
          idempotency: claim,
        });
        assert.ok(first.ok);
        assert.ok(!again.ok && again.code === 'REPLAY');
        assert.deepEqual(again.stored, {
          requestHash: 'hash',
          responseBody: {
            reservation: {
              id: planned.id,
              createdAt: first.createdAt.toISOString(),
              updatedAt: first.createdAt.toISOString(),
              expiresAt: first.expiresAt.toISOString(),
            },
            lines: [],
          },
        });
      }
      const rows = await embedded.query<{ reserved: number }>(
        'SELECT reserved FROM stock_levels WHERE item_id = $1',
        [item],
      );
      assert.deepEqual(rows, [{ reserved: 20 }]);
      assert.deepEqual(await findLedgerMismatches(embedded), []);
    } finally {
      await embedded.close();
    }
  });
});

describe('inventory_end_batch', () => {
  test('two moves of one reservation in one batch: the first wins, the second is refused', async () => {
    const item = await insertItem(db, { productId: 'end-race' });
    await stock(db, 'end-race', { default: 5 });
    const reserver = createReservationBatcher(db, { batchSizeMax: 100, logger: silentLogger });
    const planned = reservation([line(item, 2)]);
    assert.equal((await reserver.submit(planned)).ok, true);
    queries = 0;
    const ender = createEndBatcher(counted(), { batchSizeMax: 100, logger: silentLogger });
    const context = { actor: 'test', correlationId: undefined };
    const [first, release, deduct] = await Promise.all([
      ender.submit({ id: randomUUID(), move: 'release', ...context }),
      ender.submit({ id: planned.id, move: 'release', ...context }),
      ender.submit({ id: planned.id, move: 'deduct', ...context }),
    ]);
    assert.equal(queries, 2, 'the first request went alone; the next two shared a batch');
    assert.deepEqual(first, { ok: false, state: undefined });
    assert.equal(release?.ok, true);
    assert.equal(release?.ok && release.reservation.status, 'RELEASED');
    assert.equal(deduct?.ok, false);
    assert.equal(!deduct?.ok && deduct?.state?.status, 'RELEASED');
    assert.equal(await reservedOf(item), 0);
  });
});

/** One end request as the batcher receives it, by the test actor. */
function end(id: string, move: 'release' | 'deduct' | 'commit') {
  return { id, move, actor: 'test', correlationId: undefined };
}

interface EndBatchRow {
  readonly request_index: number;
  readonly ok: boolean;
  readonly status: string | null;
  readonly lines: readonly { line_no: number; quantity: number; committed_quantity: number }[];
}

/** Holds every planned reservation through a batcher of its own; each must be accepted. */
async function holdAll(target: Database, planned: readonly PlannedReservation[]): Promise<void> {
  const reserver = createReservationBatcher(target, { batchSizeMax: 100, logger: silentLogger });
  for (const r of planned) {
    assert.equal((await reserver.submit(r)).ok, true, `reservation ${r.orderId} was held`);
  }
}

describe('inventory_end_batch_arrays', () => {
  test('decides every kind of move in arrival order, with the stock and ledger effects of each', async () => {
    const t = await startTestService();
    try {
      const item = await insertItem(t.db, { productId: 'end-kinds' });
      await stock(t.db, 'end-kinds', { default: 100 });
      const all = [1, 2, 3, 4, 5, 6, 7].map((quantity) =>
        reservation([line(item, quantity)], `end-kinds-${quantity}`),
      );
      const [released, deducted, committed, confirmedThenDeducted, expired, toCommit, both] = all;
      await holdAll(t.db, all);
      const context = { actor: 'test', correlationId: undefined };
      for (const r of [committed, confirmedThenDeducted]) {
        await commitReservation(t.service.deps, r?.id ?? '', [], context);
      }
      await t.db.query(
        "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
        [expired?.id],
      );
      const missing = randomUUID();
      const batch = [
        end(released?.id ?? '', 'release'),
        end(deducted?.id ?? '', 'deduct'),
        end(committed?.id ?? '', 'release'),
        end(confirmedThenDeducted?.id ?? '', 'deduct'),
        end(expired?.id ?? '', 'deduct'),
        end(expired?.id ?? '', 'commit'),
        end(expired?.id ?? '', 'release'),
        end(missing, 'release'),
        end(released?.id ?? '', 'deduct'),
        end(toCommit?.id ?? '', 'commit'),
        end(toCommit?.id ?? '', 'commit'),
        end(released?.id ?? '', 'commit'),
        end(both?.id ?? '', 'commit'),
        end(both?.id ?? '', 'release'),
      ];
      const rows = await t.db.query<EndBatchRow>(END_BATCH_SQL, endBatchColumns(batch, 'binary'));
      assert.deepEqual(
        rows.map((r) => [r.request_index, r.ok, r.status, r.lines?.map((l) => l.quantity) ?? null]),
        [
          [0, true, 'RELEASED', [1]],
          [1, true, 'FULFILLED', [2]],
          [2, true, 'RELEASED', [3]],
          [3, false, 'COMMITTED', null], // only a pending reservation is deducted
          [4, false, 'PENDING', null], // past its expiry
          [5, false, 'PENDING', null], // past its expiry
          [6, true, 'RELEASED', [5]], // the same reservation, released after the refused moves
          [7, false, null, null],
          [8, false, 'RELEASED', null], // released earlier in the batch
          [9, true, 'COMMITTED', [6]],
          [10, false, 'COMMITTED', null], // committed earlier in the batch
          [11, false, 'RELEASED', null],
          [12, true, 'COMMITTED', [7]], // confirmed, then cancelled in the same batch
          [13, true, 'RELEASED', [7]],
        ],
      );
      assert.equal(rows[1]?.lines[0]?.committed_quantity, 2, 'a deducted line is committed whole');
      assert.equal(rows[9]?.lines[0]?.committed_quantity, 6, 'a committed line keeps every unit');
      // Held: nothing. Committed: 4 (confirmed, then refused a deduct) and 6. Shipped: 2.
      const levels = await t.db.query(
        `SELECT on_hand, reserved, committed FROM stock_levels WHERE item_id = $1`,
        [item],
      );
      assert.deepEqual(levels, [{ on_hand: 98, reserved: 0, committed: 10 }]);
      const moves = await t.db.query<{ kind: string; order: string }>(
        `SELECT kind, reference_id AS order, on_hand_delta, reserved_delta, committed_delta
         FROM stock_movements
         WHERE item_id = $1 AND kind IN ('RELEASE', 'DEDUCT', 'COMMIT') ORDER BY reference_id, id`,
        [item],
      );
      const row = (
        kind: string,
        n: number,
        onHand: number,
        reserved: number,
        committed: number,
      ) => ({
        kind,
        order: `end-kinds-${n}`,
        on_hand_delta: onHand,
        reserved_delta: reserved,
        committed_delta: committed,
      });
      assert.deepEqual(moves, [
        row('RELEASE', 1, 0, -1, 0),
        row('DEDUCT', 2, -2, -2, 0),
        row('COMMIT', 3, 0, -3, 3), // confirmed before the batch, then released in it
        row('RELEASE', 3, 0, 0, -3),
        row('COMMIT', 4, 0, -4, 4),
        row('RELEASE', 5, 0, -5, 0),
        row('COMMIT', 6, 0, -6, 6),
        row('COMMIT', 7, 0, -7, 7),
        row('RELEASE', 7, 0, 0, -7),
      ]);
      const states = await t.db.query<{ order_id: string; ended: boolean; fulfilled: boolean }>(
        `SELECT order_id, ended_at IS NOT NULL AS ended, fulfilled_at IS NOT NULL AS fulfilled
         FROM reservations WHERE order_id LIKE 'end-kinds-%' ORDER BY order_id`,
      );
      assert.deepEqual(
        states.map((s) => [s.order_id, s.ended, s.fulfilled]),
        [
          ['end-kinds-1', true, false],
          ['end-kinds-2', true, true],
          ['end-kinds-3', true, false],
          ['end-kinds-4', true, false], // confirmed: ended as a hold, not shipped
          ['end-kinds-5', true, false],
          ['end-kinds-6', true, false],
          ['end-kinds-7', true, false],
        ],
      );
      await t.assertBooksBalance();
    } finally {
      await t.close();
    }
  });

  test('a confirm of every unit joins the end batches; a partial confirm runs on its own', async () => {
    const t = await startTestService();
    try {
      const item = await insertItem(t.db, { productId: 'end-confirm-route' });
      await stock(t.db, 'end-confirm-route', { default: 10 });
      const whole = reservation([line(item, 2)]);
      const partial = reservation([line(item, 3)]);
      await holdAll(t.db, [whole, partial]);
      const submitted: string[] = [];
      const deps = {
        ...t.service.deps,
        endBatcher: {
          ...t.service.deps.endBatcher,
          submit: (request: EndRequest) => {
            submitted.push(`${request.move} ${request.id}`);
            return t.service.deps.endBatcher.submit(request);
          },
        },
      };
      const context = { actor: 'test', correlationId: undefined };
      const wholeOutcome = await commitReservation(deps, whole.id, [], context);
      const partialOutcome = await commitReservation(
        deps,
        partial.id,
        [{ line: 1, quantity: 1 }],
        context,
      );
      assert.deepEqual(submitted, [`commit ${whole.id}`]);
      assert.equal(wholeOutcome.reservation.status, 'COMMITTED');
      assert.deepEqual(
        [wholeOutcome, partialOutcome].map((o) => o.lines.map((l) => l.committedQuantity)),
        [[2], [1]],
      );
      await t.assertBooksBalance();
    } finally {
      await t.close();
    }
  });

  test('an unknown move and arrays of unequal length are refused; nothing changes', async () => {
    const item = await insertItem(db, { productId: 'end-refused' });
    await stock(db, 'end-refused', { default: 5 });
    const held = reservation([line(item, 2)]);
    await holdAll(db, [held]);
    const good = end(held.id, 'release');
    const bad: unknown[][] = [
      endBatchColumns([good, { ...good, move: 'cancel' as 'release' }], 'binary'),
      [...endBatchColumns([good], 'binary').slice(0, 3), arrayLiteral([null, null])],
      [arrayLiteral([held.id]), arrayLiteral([null]), arrayLiteral(['test']), arrayLiteral([null])],
    ];
    for (const params of bad) {
      await assert.rejects(db.query(END_BATCH_SQL, params), (error: { code?: string }) => {
        assert.equal(error.code, '22023'); // invalid_parameter_value
        return true;
      });
    }
    assert.equal(await reservedOf(item), 2);
    const [row] = await db.query<EndBatchRow>(END_BATCH_SQL, endBatchColumns([good], 'binary'));
    assert.equal(row?.ok, true);
    assert.equal(await reservedOf(item), 0);
  });

  test('reservations are locked in key order, whatever order the batch names them in', async () => {
    const item = await insertItem(db, { productId: 'end-lock-order' });
    await stock(db, 'end-lock-order', { default: 5 });
    const pair = [reservation([line(item, 1)]), reservation([line(item, 1)])];
    await holdAll(db, pair);
    const [low, high] = pair.map((r) => r.id).sort();
    // Another session holds the higher id; the batch names it first.
    await withSessions(async (holder, probe) => {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM reservations WHERE id = $1 FOR UPDATE', [high]);
      const batch = db.query<EndBatchRow>(
        END_BATCH_SQL,
        endBatchColumns([end(high ?? '', 'release'), end(low ?? '', 'release')], 'binary'),
      );
      await untilALockIsAwaited(db, 'the batch waiting for the higher id');
      // Locking in key order, the batch took the lower id before it waited for the higher one.
      await probe.query('BEGIN');
      await assert.rejects(
        probe.query('SELECT 1 FROM reservations WHERE id = $1 FOR UPDATE NOWAIT', [low]),
        (error: { code?: string }) => error.code === '55P03', // lock_not_available
      );
      await probe.query('ROLLBACK');
      await holder.query('ROLLBACK');
      assert.deepEqual(
        (await batch).map((r) => r.ok),
        [true, true],
      );
    });
    assert.equal(await reservedOf(item), 0);
  });

  test('the jsonb document form (inventory_end_batch) answers as the arrays do, lines as jsonb', async () => {
    const item = await insertItem(db, { productId: 'end-document' });
    await stock(db, 'end-document', { default: 6 });
    const pair = [
      reservation([line(item, 1, 1), line(item, 2, 2)], 'end-document'),
      reservation([line(item, 1, 1), line(item, 2, 2)], 'end-document'),
    ];
    await holdAll(db, pair);
    const missing = randomUUID();
    const [viaDocument, viaArrays] = await Promise.all(
      pair.map(async (r, index) => {
        const requests = [end(r.id, 'deduct'), end(missing, 'release'), end(r.id, 'release')];
        const rows =
          index === 0
            ? await db.query<Record<string, unknown>>(
                'SELECT * FROM inventory_end_batch($1::jsonb)',
                [JSON.stringify(requests.map(({ id, move, actor }) => ({ id, move, actor })))],
              )
            : await db.query<Record<string, unknown>>(
                END_BATCH_SQL,
                endBatchColumns(requests, 'binary'),
              );
        // What differs between the two reservations: their timestamps.
        return rows.map(
          ({ created_at, updated_at, expires_at, ended_at, committed_at, fulfilled_at, ...rest }) =>
            rest,
        );
      }),
    );
    assert.deepEqual(viaDocument, viaArrays);
    assert.deepEqual(
      viaArrays?.map((r) => [r.ok, r.status]),
      [
        [true, 'FULFILLED'],
        [false, null],
        [false, 'FULFILLED'],
      ],
    );
    const types = await db.query<{ name: string; type: string }>(
      `SELECT a.name, format_type(a.type, NULL) AS type
       FROM pg_proc p, unnest(p.proallargtypes, p.proargnames, p.proargmodes) AS a(type, name, mode)
       WHERE p.proname = 'inventory_end_batch' AND a.mode = 't' AND a.name = 'lines'`,
    );
    assert.deepEqual(types, [{ name: 'lines', type: 'jsonb' }]);
    assert.equal(await reservedOf(item), 0);
  });
});

describe('shutdown', () => {
  test('stop applies every queued reservation before the database closes', async () => {
    const t = await startTestService();
    const item = await insertItem(t.db, { productId: 'batch-shutdown' });
    await stock(t.db, 'batch-shutdown', { default: 100 });
    // As if their clients had hung up: nothing holds the HTTP server open for these.
    const pending = Array.from({ length: 40 }, () =>
      t.service.deps.reservationBatcher.submit(reservation([line(item, 1)])),
    );
    const outcomes = Promise.allSettled(pending);
    await t.service.stop();
    const settled = await outcomes;
    assert.deepEqual(
      settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason)),
      [],
    );
    const after = await openPostgres({ url: t.database.url, poolMax: 1, logger: silentLogger });
    try {
      const rows = await after.query<{ reserved: number }>(
        'SELECT reserved FROM stock_levels WHERE item_id = $1',
        [item],
      );
      assert.deepEqual(rows, [{ reserved: 40 }]);
      assert.deepEqual(await findLedgerMismatches(after), []);
    } finally {
      await after.close();
      await t.database.drop();
    }
  });

  test('stop lets a request whose client hung up finish before the database closes', async () => {
    const t = await startTestService();
    try {
      await insertItem(t.db, { productId: 'shutdown-hung-up' });
      await stock(t.db, 'shutdown-hung-up', { default: 5 });
      const address = new URL(await t.service.start());
      // Every pool connection taken: the request below waits for one inside its handler.
      const held = await Promise.all(Array.from({ length: 10 }, () => t.db.hold()));
      const request = http.request({
        host: address.hostname,
        port: address.port,
        method: 'POST',
        path: '/inventory/add-stock',
        headers: { 'content-type': 'application/json' },
      });
      request.on('error', () => undefined);
      request.end(JSON.stringify({ productId: 'shutdown-hung-up', quantity: 3 }));
      await delay(300);
      request.destroy();
      const stopped = t.service.stop();
      while (t.service.app.server.listening) {
        await delay(10);
      }
      for (const connection of held) {
        connection.release();
      }
      await stopped;
    } catch (error) {
      await t.database.drop();
      throw error;
    }
    const after = await openPostgres({ url: t.database.url, poolMax: 1, logger: silentLogger });
    try {
      const rows = await after.query<{ on_hand: number }>(
        `SELECT s.on_hand FROM stock_levels s JOIN items i ON i.id = s.item_id
         WHERE i.product_id = 'shutdown-hung-up'`,
      );
      assert.deepEqual(rows, [{ on_hand: 8 }], 'the add-stock whose client hung up was applied');
      assert.deepEqual(await findLedgerMismatches(after), []);
    } finally {
      await after.close();
      await t.database.drop();
    }
  });
});
