import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { EXPIRE_DUE_SQL } from '../../src/db/reservation.repository.ts';
import { insertStockLevel } from '../factories/stock.factory.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * The expiry sweep's statement finds the reservations it claimed by key, whatever the table's
 * size. Joining the claim to the table was planned as a hash join over a sequential scan of every
 * reservation at tens of thousands of rows: 16 ms a sweep of 500 at 50,000 (docs/PERFORMANCE.md,
 * eleventh sitting).
 */
const RESERVATIONS = 50_000;

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
  await db.exec('ANALYZE reservations, reservation_lines');
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

test('a sweep of 500 reads no reservation it did not claim, at 50,000 reservations', async () => {
  const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${EXPIRE_DUE_SQL}`,
    [500],
  );
  const plan = row?.['QUERY PLAN'][0].Plan;
  assert.ok(plan !== undefined);
  const scans = nodes(plan)
    .filter((node) => node['Relation Name'] === 'reservations')
    .map((node) => node['Node Type']);
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
