import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { PURGE_EXPIRED_KEYS_SQL } from '../../src/db/idempotency.repository.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { EXPIRE_DUE_SQL } from '../../src/db/reservation.repository.ts';
import { insertStockLevel } from '../factories/stock.factory.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * The expiry worker's two sweeps find the rows they claimed without reading the whole table,
 * whatever its size. Joining the claim to the table was planned as a hash join over a sequential
 * scan of every row at tens of thousands of rows: 16 ms a sweep of 500 reservations at 50,000,
 * 8 ms a purge of 500 keys at 50,000 (docs/PERFORMANCE.md, eleventh sitting).
 */
const RESERVATIONS = 50_000;
const KEYS = 50_000;

let database: TestDatabase;
let db: Database;
before(async () => {
  database = await createTestDatabase();
  db = await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger });
  const itemId = await insertStockLevel(db, { productId: 'plan-1', onHand: RESERVATIONS });
  await db.query(
    `INSERT INTO reservations (id, order_id, status, expires_at, actor)
     SELECT gen_random_uuid(), 'plan-' || g, 'PENDING', now() - interval '1 minute', 'test'
     FROM generate_series(1, $1) g`,
    [RESERVATIONS],
  );
  await db.query(
    `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity,
       request_line, request_quantity)
     SELECT id, 1, $1, 'default', 1, 1, 1 FROM reservations`,
    [itemId],
  );
  // One key in ten is past its retention.
  await db.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
     SELECT 'reserve', 'plan-' || g, 'h',
       now() + CASE WHEN g % 10 = 0 THEN interval '-1 minute' ELSE interval '1 day' END
     FROM generate_series(1, $1) g`,
    [KEYS],
  );
  await db.exec('ANALYZE reservations, reservation_lines, idempotency_keys');
});
after(async () => {
  await db.close();
  await database.drop();
});

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The node types of the plan's nodes on `table`, for 500 rows. */
async function nodesOn(sql: string, table: string): Promise<string[]> {
  const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    [500],
  );
  const plan = row?.['QUERY PLAN'][0].Plan;
  assert.ok(plan !== undefined);
  return nodes(plan)
    .filter((node) => node['Relation Name'] === table)
    .map((node) => node['Node Type']);
}

test('a sweep of 500 reads no reservation it did not claim, at 50,000 reservations', async () => {
  const scans = await nodesOn(EXPIRE_DUE_SQL, 'reservations');
  // The claim's scan of the expiry index, the update's lookups of the claimed keys (an index or
  // bitmap scan, as the planner likes), and the update itself: no scan of the whole table.
  assert.equal(scans.length, 3, scans.join(', '));
  assert.ok(!scans.includes('Seq Scan'), scans.join(', '));
});

test('and expires them: 500 lines answered, 500 reservations EXPIRED', async () => {
  const lines = await db.transaction((tx) => tx.query(EXPIRE_DUE_SQL, [500]));
  assert.equal(lines.length, 500);
  const [counts] = await db.query<{ expired: string }>(
    `SELECT count(*) FILTER (WHERE status = 'EXPIRED') AS expired FROM reservations`,
  );
  assert.equal(Number(counts?.expired), 500);
});

test('a purge of 500 keys reads only the keys it claimed, at 50,000 keys', async () => {
  const scans = await nodesOn(PURGE_EXPIRED_KEYS_SQL, 'idempotency_keys');
  // The claim's scan of the expiry index, the delete's fetch of the claimed rows by address, and
  // the delete itself.
  assert.deepEqual(scans.sort(), ['Index Scan', 'ModifyTable', 'Tid Scan']);
});

test('and deletes 500 past their retention, none of the others', async () => {
  const deleted = await db.query<{ key: string }>(PURGE_EXPIRED_KEYS_SQL, [500]);
  assert.equal(deleted.length, 500);
  const [left] = await db.query<{ expired: string; kept: string }>(
    `SELECT count(*) FILTER (WHERE expires_at <= now()) AS expired,
       count(*) FILTER (WHERE expires_at > now()) AS kept
     FROM idempotency_keys`,
  );
  assert.equal(Number(left?.expired), KEYS / 10 - 500);
  assert.equal(Number(left?.kept), KEYS - KEYS / 10);
});
