import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import type { Database } from '../../src/db/database.ts';
import { findLedgerMismatches } from '../../src/db/ledger.repository.ts';
import { migrate } from '../../src/db/migrator.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';

/**
 * A fresh database per benchmark run, loaded with plain SQL (generate_series) so that a million
 * items take seconds, not an hour of API calls. Every loader keeps the books balanced: stock comes
 * with INIT ledger rows, held stock with RESERVE rows, ended history with matching pairs.
 */
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const silent = pino({ level: 'silent' });

export interface BenchDatabase {
  readonly url: string;
  readonly db: Database;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `inventory_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres({ url: url.toString(), poolMax: 4, logger: silent });
  await migrate(db, silent);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      const again = new pg.Client({ connectionString: ADMIN_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await again.end();
    },
  };
}

export const SEED002_WAREHOUSES = ['wh-sp-001', 'wh-rj-001', 'wh-pr-001'];

export async function loadWarehouses(db: Database): Promise<void> {
  await db.exec(`
    INSERT INTO warehouses (id, name, region, priority, latitude, longitude, postal_prefixes) VALUES
      ('wh-sp-001', 'DC Sao Paulo', 'southeast', 1, -23.55, -46.63, '{0}'),
      ('wh-rj-001', 'DC Rio de Janeiro', 'southeast', 2, -22.91, -43.17, '{2}'),
      ('wh-pr-001', 'DC Curitiba', 'south', 1, -25.43, -49.27, '{8}')
    ON CONFLICT (id) DO NOTHING`);
}

/** `count` products named `${prefix}000001`..., each with `onHand` units in every listed warehouse. */
export async function loadProducts(
  db: Database,
  options: { prefix: string; count: number; onHand: number; warehouses: readonly string[] },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO items (id, product_id)
       SELECT gen_random_uuid(), $1 || lpad(g::text, 7, '0') FROM generate_series(1, $2) g`,
      [options.prefix, options.count],
    );
    await tx.query(
      `INSERT INTO stock_levels (item_id, warehouse_id, on_hand)
       SELECT i.id, w.id, $2 FROM items i CROSS JOIN unnest($3::text[]) AS w(id)
       WHERE i.product_id LIKE $1 || '%'`,
      [options.prefix, options.onHand, options.warehouses],
    );
    await tx.query(
      `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor, reason)
       SELECT s.item_id, s.warehouse_id, 'INIT', s.on_hand, 'bench', 'bench load'
       FROM stock_levels s JOIN items i ON i.id = s.item_id WHERE i.product_id LIKE $1 || '%'`,
      [options.prefix],
    );
  });
  // Planner statistics for what was loaded, as autovacuum would have them on a live system.
  // Not the still-empty reservation tables: statistics saying "empty" make the planner choose
  // sequential scans for the foreign-key checks of every inserted line, and those cached plans
  // grow linear in the table while the run fills it (autovacuum would re-analyze only later).
  await db.exec('ANALYZE items, stock_levels, warehouses, stock_movements');
}

/**
 * `count` reservations of one unit each over the products with `prefix` (default warehouse), in
 * state `status`: PENDING ones hold stock (past their expiry when `expired`), RELEASED ones are
 * history (their RESERVE and RELEASE ledger rows cancel out).
 */
export async function loadReservations(
  db: Database,
  options: { prefix: string; count: number; status: 'PENDING' | 'RELEASED'; expired: boolean },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec("SET LOCAL work_mem = '256MB'");
    // Ids shaped like the service's own (src/main/new-id.ts: UUIDv7, time first), as if the
    // reservations had been made one after another over the past 30 days: the first 48 bits of a
    // random UUID are overwritten with that moment in Unix milliseconds and its version nibble set
    // to 7. Random (v4) ids would spread the history over the whole key space, and every new
    // reservation would then be inserted in the middle of the reservation-keyed indexes instead
    // of at their right edge, which no database the service filled looks like.
    await tx.query(
      `CREATE TEMP TABLE bench_r ON COMMIT DROP AS
       WITH products AS (
         SELECT id, row_number() OVER (ORDER BY product_id) AS n FROM items
         WHERE product_id LIKE $1 || '%'
       ), total AS (SELECT count(*) AS c FROM products)
       SELECT encode(set_byte(overlay(x.b PLACING substring(int8send(x.ms) FROM 3) FROM 1 FOR 6),
           6, (get_byte(x.b, 6) & 15) | 112), 'hex')::uuid AS id, x.g, x.item_id
       FROM (
         SELECT g, p.id AS item_id, uuid_send(gen_random_uuid()) AS b,
           (extract(epoch FROM now() - interval '30 days' + (g::float8 / $2) * interval '30 days')
             * 1000)::bigint AS ms
         FROM generate_series(1, $2) g CROSS JOIN total
         JOIN products p ON p.n = 1 + (g % total.c)
         OFFSET 0 -- not flattened: each row's b is one random UUID, read twice above
       ) x`,
      [options.prefix, options.count],
    );
    const ended = options.status === 'RELEASED';
    await tx.query(
      `INSERT INTO reservations (id, order_id, status, expires_at, actor, ended_at)
       SELECT id, 'bench-' || g, $1,
         CASE WHEN $2 THEN now() - interval '1 minute' ELSE now() + interval '1 hour' END,
         'bench', CASE WHEN $3 THEN now() ELSE NULL END
       FROM bench_r`,
      [options.status, options.expired, ended],
    );
    await tx.query(
      `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity,
         request_line, request_quantity)
       SELECT id, 1, item_id, 'default', 1, 1, 1 FROM bench_r`,
    );
    await tx.query(
      `INSERT INTO stock_movements (item_id, warehouse_id, kind, reserved_delta, reservation_id,
         actor, reason)
       SELECT item_id, 'default', 'RESERVE', 1, id, 'bench', 'bench load' FROM bench_r
       UNION ALL
       SELECT item_id, 'default', 'RELEASE', -1, id, 'bench', 'bench load' FROM bench_r WHERE $1`,
      [ended],
    );
    if (!ended) {
      await tx.query(
        `UPDATE stock_levels s SET reserved = s.reserved + c.n
         FROM (SELECT item_id, count(*) AS n FROM bench_r GROUP BY item_id) c
         WHERE s.item_id = c.item_id AND s.warehouse_id = 'default'`,
      );
    }
  });
  await db.exec('ANALYZE');
}

export interface BooksReport {
  readonly balanced: boolean;
  readonly mismatches: number;
  readonly oversold: number;
}

/** Counters equal the ledger, and no stock level holds more than it has (no oversell). */
export async function checkBooks(db: Database): Promise<BooksReport> {
  const mismatches = await findLedgerMismatches(db);
  const oversold = await db.query<{ n: number }>(
    `SELECT count(*)::bigint AS n FROM stock_levels
     WHERE reserved + committed + damaged > on_hand OR on_hand < 0 OR reserved < 0`,
  );
  const n = oversold[0]?.n ?? 0;
  return {
    balanced: mismatches.length === 0 && n === 0,
    mismatches: mismatches.length,
    oversold: n,
  };
}
