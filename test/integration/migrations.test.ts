import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { type Database, isSqlError } from '../../src/db/database.ts';
import { loadMigrations, type Migration, migrate } from '../../src/db/migrator.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { reserveBatchPayload } from '../../src/db/reservation-batcher.ts';
import { plannedLine, plannedReservation } from '../factories/reservation.factory.ts';
import { insertStockLevel } from '../factories/stock.factory.ts';
import { gate, untilALockIsAwaited } from '../helpers/lock-waits.ts';
import {
  createEmptyDatabase,
  createTestDatabase,
  type TestDatabase,
} from '../helpers/test-database.ts';

/** The migrator (ordering, checksums, concurrent starts) and the constraints the schema enforces. */
const logger = pino({ level: 'silent' });
const CHECK_VIOLATION = '23514';
const INSUFFICIENT_PRIVILEGE = '42501';
const FOREIGN_KEY_VIOLATION = '23503';

const databases: TestDatabase[] = [];
const openDbs: Database[] = [];
const tempDirs: string[] = [];

async function open(database: TestDatabase, poolMax = 2): Promise<Database> {
  const db = await openPostgres({ url: database.url, poolMax, logger });
  openDbs.push(db);
  return db;
}

/** Which batch functions run with `setting` ('name=value') among their function settings. */
async function batchFunctionsWith(db: Database, setting: string): Promise<string[]> {
  const rows = await db.query<{ proname: string }>(
    `SELECT proname FROM pg_proc
     WHERE proname IN ('inventory_reserve_batch', 'inventory_reserve_batch_arrays',
       'inventory_reserve_batch_keyed', 'inventory_end_batch', 'inventory_end_batch_arrays')
       AND $1 = ANY(proconfig)
     ORDER BY proname`,
    [setting],
  );
  return rows.map((row) => row.proname);
}

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createEmptyDatabase();
  databases.push(database);
  return database;
}

function tempMigrationsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-migrations-'));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), sql);
  }
  return dir;
}

/** Asserts `work` rejects with a PostgreSQL error of the given SQLSTATE; returns its message. */
async function rejectsWithSqlState(work: Promise<unknown>, sqlState: string): Promise<string> {
  let caught: unknown;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  assert.ok(isSqlError(caught), `expected SQLSTATE ${sqlState}, got ${String(caught)}`);
  assert.equal(caught.code, sqlState, caught.message);
  return caught.message;
}

after(async () => {
  await Promise.all(openDbs.map((db) => db.close().catch(() => undefined)));
  await Promise.all(databases.map((database) => database.drop()));
  for (const dir of tempDirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('migrate', () => {
  const ROUNDS = 3;
  test(`two instances migrating one empty database at once both succeed (${ROUNDS} rounds)`, async () => {
    const migrations = loadMigrations();
    const names = migrations.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
    for (let round = 0; round < ROUNDS; round++) {
      const database = await emptyDatabase();
      const [a, b] = await Promise.all([open(database), open(database)]);
      const results = await Promise.all([migrate(a, logger), migrate(b, logger)]);

      // Exactly one applied the files; the other found them applied.
      const appliedBy = results.map((result) => result.applied);
      assert.deepEqual(
        appliedBy.filter((applied) => applied.length > 0),
        [names],
        `round ${round}: ${JSON.stringify(results)}`,
      );
      assert.deepEqual(results.map((result) => result.alreadyApplied).sort(), [
        0,
        migrations.length,
      ]);

      const versions = await a.query<{ version: number; n: number }>(
        'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      assert.deepEqual(
        versions,
        migrations.map((m) => ({ version: m.version, n: 1 })),
      );
      const tables = await a.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      assert.deepEqual(
        tables.map((row) => row.tablename),
        [
          'idempotency_keys',
          'items',
          'kit_components',
          'reservation_lines',
          'reservations',
          'schema_migration_lock',
          'schema_migrations',
          'stock_levels',
          'stock_movements',
          'transfers',
          'warehouses',
        ],
      );
      // A third run applies nothing.
      assert.deepEqual(await migrate(b, logger), {
        applied: [],
        alreadyApplied: migrations.length,
      });
    }
  });

  test('refuses to run when an applied migration was edited', async () => {
    const database = await emptyDatabase();
    const db = await open(database);
    const migrations = loadMigrations();
    await migrate(db, logger, migrations);
    const first = migrations[0];
    assert.ok(first !== undefined);
    const sql = `${first.sql}\n-- edited after it was applied\n`;
    const edited: Migration[] = [
      { ...first, sql, checksum: createHash('sha256').update(sql).digest('hex') },
      ...migrations.slice(1),
    ];
    await assert.rejects(
      migrate(db, logger, edited),
      new RegExp(`migration ${first.version}_${first.name} was changed after it was applied`),
    );
    // The recorded checksum is still the original one.
    const rows = await db.query<{ checksum: string }>(
      'SELECT checksum FROM schema_migrations WHERE version = $1',
      [first.version],
    );
    assert.deepEqual(rows, [{ checksum: first.checksum }]);
  });

  test('applies a new migration after the applied ones, once', async () => {
    const database = await emptyDatabase();
    const db = await open(database);
    const migrations = loadMigrations();
    await migrate(db, logger, migrations);
    const sql = 'CREATE TABLE migration_probe (id integer PRIMARY KEY);';
    const next: Migration = {
      version: migrations.length + 1,
      name: 'probe',
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    };
    const result = await migrate(db, logger, [...migrations, next]);
    assert.deepEqual(result, {
      applied: [`${String(next.version).padStart(4, '0')}_probe`],
      alreadyApplied: migrations.length,
    });
    assert.deepEqual((await migrate(db, logger, [...migrations, next])).applied, []);
    assert.deepEqual(await db.query('SELECT id FROM migration_probe'), []);
  });
});

describe('loadMigrations', () => {
  test('reads NNNN_name.sql files in version order with their checksums', () => {
    const dir = tempMigrationsDir({
      '0002_second.sql': 'SELECT 2;',
      '0001_first.sql': 'SELECT 1;',
      'README.md': 'not a migration',
    });
    assert.deepEqual(loadMigrations(dir), [
      {
        version: 1,
        name: 'first',
        sql: 'SELECT 1;',
        checksum: createHash('sha256').update('SELECT 1;').digest('hex'),
      },
      {
        version: 2,
        name: 'second',
        sql: 'SELECT 2;',
        checksum: createHash('sha256').update('SELECT 2;').digest('hex'),
      },
    ]);
  });

  test('the shipped migrations start at 0001_core', () => {
    const first = loadMigrations()[0];
    assert.equal(first?.version, 1);
    assert.equal(first?.name, 'core');
  });

  for (const badName of ['1_core.sql', '0001-core.sql', '0001_Core.sql', '0001_.sql']) {
    test(`refuses a badly named file (${badName})`, () => {
      const dir = tempMigrationsDir({ [badName]: 'SELECT 1;' });
      assert.throws(
        () => loadMigrations(dir),
        new RegExp(`migration file ${badName.replace('.', '\\.')} does not match NNNN_name\\.sql`),
      );
    });
  }

  test('refuses a gap in the numbering (0001, 0003)', () => {
    const dir = tempMigrationsDir({ '0001_a.sql': 'SELECT 1;', '0003_c.sql': 'SELECT 3;' });
    assert.throws(() => loadMigrations(dir), /without gaps; found 3/);
  });

  test('refuses numbering that does not start at 0001', () => {
    const dir = tempMigrationsDir({ '0002_b.sql': 'SELECT 2;' });
    assert.throws(() => loadMigrations(dir), /without gaps; found 2/);
  });

  test('refuses two files with one version', () => {
    const dir = tempMigrationsDir({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' });
    assert.throws(() => loadMigrations(dir), /without gaps/);
  });
});

describe('the schema refuses impossible stock', () => {
  let database: TestDatabase;
  let db: Database;
  let itemId: string;

  before(async () => {
    database = await createTestDatabase();
    databases.push(database);
    db = await open(database);
    itemId = await insertStockLevel(db, { productId: 'constraint-1', onHand: 5, reserved: 2 });
  });

  async function stockRow() {
    return db.query<{ on_hand: number; reserved: number; committed: number }>(
      'SELECT on_hand, reserved, committed FROM stock_levels WHERE item_id = $1',
      [itemId],
    );
  }

  test('accepts holding exactly what is on hand', async () => {
    await db.query('UPDATE stock_levels SET reserved = 3, committed = 2 WHERE item_id = $1', [
      itemId,
    ]);
    assert.deepEqual(await stockRow(), [{ on_hand: 5, reserved: 3, committed: 2 }]);
    await db.query('UPDATE stock_levels SET reserved = 2, committed = 0 WHERE item_id = $1', [
      itemId,
    ]);
  });

  test('refuses reserved above on hand (23514)', async () => {
    const message = await rejectsWithSqlState(
      db.query('UPDATE stock_levels SET reserved = on_hand + 1 WHERE item_id = $1', [itemId]),
      CHECK_VIOLATION,
    );
    assert.match(message, /stock_levels_held_within_on_hand/);
    assert.deepEqual(await stockRow(), [{ on_hand: 5, reserved: 2, committed: 0 }]);
  });

  test('refuses reserved + committed above on hand (23514)', async () => {
    await rejectsWithSqlState(
      db.query('UPDATE stock_levels SET committed = 4 WHERE item_id = $1', [itemId]),
      CHECK_VIOLATION,
    );
  });

  test('refuses negative on hand and negative reserved (23514)', async () => {
    for (const assignment of ['on_hand = -1, reserved = 0', 'reserved = -1']) {
      const message = await rejectsWithSqlState(
        db.query(`UPDATE stock_levels SET ${assignment} WHERE item_id = $1`, [itemId]),
        CHECK_VIOLATION,
      );
      assert.match(message, /stock_levels_(non_negative|held_within_on_hand)/);
    }
    assert.deepEqual(await stockRow(), [{ on_hand: 5, reserved: 2, committed: 0 }]);
  });

  test('refuses a new stock level that holds more than is on hand (23514)', async () => {
    const other = randomUUID();
    await db.query("INSERT INTO items (id, product_id) VALUES ($1, 'constraint-2')", [other]);
    await rejectsWithSqlState(
      db.query(
        "INSERT INTO stock_levels (item_id, warehouse_id, on_hand, reserved) VALUES ($1, 'default', 1, 2)",
        [other],
      ),
      CHECK_VIOLATION,
    );
  });

  test('stock_movements refuses UPDATE (append-only)', async () => {
    const message = await rejectsWithSqlState(
      db.query('UPDATE stock_movements SET on_hand_delta = 6 WHERE item_id = $1', [itemId]),
      INSUFFICIENT_PRIVILEGE,
    );
    assert.match(message, /append-only \(UPDATE refused\)/);
  });

  test('stock_movements refuses DELETE (append-only)', async () => {
    const message = await rejectsWithSqlState(
      db.query('DELETE FROM stock_movements WHERE item_id = $1', [itemId]),
      INSUFFICIENT_PRIVILEGE,
    );
    assert.match(message, /append-only \(DELETE refused\)/);
    const rows = await db.query<{ on_hand_delta: number }>(
      'SELECT on_hand_delta FROM stock_movements WHERE item_id = $1',
      [itemId],
    );
    assert.deepEqual(rows, [{ on_hand_delta: 5 }]);
  });
});

/** A pending reservation with no lines, straight into the table; returns its id. */
async function insertReservation(db: Database, orderId: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    "INSERT INTO reservations (id, order_id, expires_at, actor) VALUES ($1, $2, now() + interval '1 hour', 'test')",
    [id, orderId],
  );
  return id;
}

describe('lines and ledger rows name a stock level that exists (checked per statement)', () => {
  let database: TestDatabase;
  let db: Database;
  let itemId: string;
  let reservationId: string;

  before(async () => {
    database = await createTestDatabase();
    databases.push(database);
    db = await open(database);
    itemId = await insertStockLevel(db, { productId: 'reference-1', onHand: 5 });
    reservationId = await insertReservation(db, 'order-ref');
  });

  async function count(table: 'stock_movements' | 'reservation_lines'): Promise<number> {
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM ${table} WHERE item_id = $1`,
      [itemId],
    );
    return rows[0]?.n ?? -1;
  }

  test('a ledger statement with one row for a missing stock level is refused whole (23503)', async () => {
    const before = await count('stock_movements');
    const message = await rejectsWithSqlState(
      db.query(
        `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor)
         VALUES ($1, 'default', 'RECEIPT', 1, 'test'), ($1, 'nowhere', 'RECEIPT', 1, 'test')`,
        [itemId],
      ),
      FOREIGN_KEY_VIOLATION,
    );
    assert.match(
      message,
      new RegExp(`stock_movements row names stock level \\(${itemId}, nowhere\\)`),
    );
    assert.equal(await count('stock_movements'), before);
  });

  test('a reservation line for a missing stock level is refused (23503); a real one is kept', async () => {
    await rejectsWithSqlState(
      db.query(
        `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity)
         VALUES ($1, 1, $2, 'nowhere', 1)`,
        [reservationId, itemId],
      ),
      FOREIGN_KEY_VIOLATION,
    );
    assert.equal(await count('reservation_lines'), 0);
    await db.query(
      `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity)
       VALUES ($1, 1, $2, 'default', 1)`,
      [reservationId, itemId],
    );
    assert.equal(await count('reservation_lines'), 1);
  });

  test('a reservation line keeps its stock level; other columns still change', async () => {
    await db.query(
      `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity)
       VALUES ($1, 2, $2, 'default', 1)`,
      [reservationId, itemId],
    );
    const message = await rejectsWithSqlState(
      db.query(
        "UPDATE reservation_lines SET warehouse_id = 'nowhere' WHERE reservation_id = $1 AND line_no = 2",
        [reservationId],
      ),
      INSUFFICIENT_PRIVILEGE,
    );
    assert.match(message, /keeps its stock level/);
    await db.query(
      'UPDATE reservation_lines SET committed_quantity = 1 WHERE reservation_id = $1 AND line_no = 2',
      [reservationId],
    );
  });

  test('stock levels are never deleted or truncated (42501)', async () => {
    for (const statement of [
      'DELETE FROM stock_levels WHERE item_id = $1',
      'TRUNCATE stock_levels CASCADE',
    ]) {
      const message = await rejectsWithSqlState(
        db.query(statement, statement.includes('$1') ? [itemId] : []),
        INSUFFICIENT_PRIVILEGE,
      );
      assert.match(message, /stock levels are never removed \((DELETE|TRUNCATE) refused\)/);
    }
    const rows = await db.query('SELECT 1 FROM stock_levels WHERE item_id = $1', [itemId]);
    assert.equal(rows.length, 1);
  });

  test('the batch functions skip the checks (0009); the next statement in their session is checked', async () => {
    // The document forms only unpack and call the arrays forms (0011, 0013), and the reserve
    // arrays form calls the keyed one (0014).
    assert.deepEqual(await batchFunctionsWith(db, 'inventory.references_checked=on'), [
      'inventory_end_batch_arrays',
      'inventory_reserve_batch_keyed',
    ]);
    // One connection, so every statement below runs in the session the batch ran in.
    const session = await open(database, 1);
    const request = reserveBatchPayload(
      plannedReservation([plannedLine(itemId, 1)], 'order-batch-ref'),
    );
    const results = await session.query<{ ok: boolean }>(
      'SELECT ok FROM inventory_reserve_batch($1::jsonb)',
      [JSON.stringify([request])],
    );
    assert.deepEqual(results, [{ ok: true }]);
    const setting = await session.query<{ value: string | null }>(
      "SELECT current_setting('inventory.references_checked', true) AS value",
    );
    assert.notEqual(setting[0]?.value, 'on');
    await rejectsWithSqlState(
      session.query(
        `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor)
         VALUES ($1, 'no-such-warehouse', 'INIT', 1, 'test')`,
        [itemId],
      ),
      FOREIGN_KEY_VIOLATION,
    );
  });

  test('the batch functions never compile a statement with JIT (0010), however it is costed', async () => {
    assert.deepEqual(await batchFunctionsWith(db, 'jit=off'), [
      'inventory_end_batch',
      'inventory_end_batch_arrays',
      'inventory_reserve_batch',
      'inventory_reserve_batch_arrays',
      'inventory_reserve_batch_keyed',
    ]);
    // A session of its own, not the service's pool (which turns JIT off for every connection),
    // that compiles every statement (every JIT threshold at 0) and sends itself the plan of every
    // statement, nested ones included, as a notice (auto_explain).
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const jit = await client.query<{ available: boolean }>(
        'SELECT pg_jit_available() AS available',
      );
      if (jit.rows[0]?.available !== true) {
        return; // a server built without LLVM compiles nothing; the settings above are all there is
      }
      const plans: string[] = [];
      client.on('notice', (notice) => plans.push(notice.message ?? ''));
      await client.query("LOAD 'auto_explain'");
      await client.query(`SET auto_explain.log_min_duration = 0;
        SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice;
        SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0`);
      await client.query('SELECT count(*) FROM stock_levels');
      assert.ok(
        plans.some((plan) => plan.includes('JIT:')),
        'control: this session compiles a plain statement',
      );
      const reservation = plannedReservation([plannedLine(itemId, 1)], 'order-no-jit');
      const reserve = 'SELECT ok FROM inventory_reserve_batch($1::jsonb)';
      const end = 'SELECT ok FROM inventory_end_batch($1::jsonb)';
      plans.length = 0;
      const reserved = await client.query(reserve, [
        JSON.stringify([reserveBatchPayload(reservation)]),
      ]);
      const ended = await client.query(end, [
        JSON.stringify([{ id: reservation.id, move: 'release', actor: 'test' }]),
      ]);
      assert.deepEqual([...reserved.rows, ...ended.rows], [{ ok: true }, { ok: true }]);
      // The two calls themselves run in this session and are compiled; what they run is not.
      const nested = plans.filter(
        (plan) => !plan.includes(`Query Text: ${reserve}`) && !plan.includes(`Query Text: ${end}`),
      );
      assert.ok(nested.length >= 6, `the functions' statements were explained: ${nested.length}`);
      assert.deepEqual(
        nested.filter((plan) => plan.includes('JIT:')),
        [],
      );
    } finally {
      await client.end();
    }
  });

  test("the service's pooled connections run without JIT, every one of them", async () => {
    // Two queries at once take both of the pool's connections.
    const answers = await Promise.all(
      [1, 2].map(() =>
        db.query<{ jit: string; pid: number }>(
          "SELECT current_setting('jit') AS jit, pg_backend_pid() AS pid, pg_sleep(0.1)",
        ),
      ),
    );
    const rows = answers.flat();
    assert.equal(new Set(rows.map((row) => row.pid)).size, 2, 'two connections answered');
    assert.deepEqual(
      rows.map((row) => row.jit),
      ['off', 'off'],
    );
  });
});

describe('lines name a reservation that exists; reservations stay (checked per statement)', () => {
  let db: Database;
  let itemId: string;
  let reservationId: string;

  before(async () => {
    const database = await createTestDatabase();
    databases.push(database);
    db = await open(database);
    itemId = await insertStockLevel(db, { productId: 'line-reference-1', onHand: 5 });
    reservationId = await insertReservation(db, 'order-line-ref');
    await db.query(
      `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity)
       VALUES ($1, 1, $2, 'default', 1)`,
      [reservationId, itemId],
    );
  });

  async function linesOf(id: string): Promise<number> {
    const rows = await db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM reservation_lines WHERE reservation_id = $1',
      [id],
    );
    return rows[0]?.n ?? -1;
  }

  test('a statement with one line for a missing reservation is refused whole (23503)', async () => {
    const missing = randomUUID();
    const message = await rejectsWithSqlState(
      db.query(
        `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity)
         VALUES ($1, 2, $3, 'default', 1), ($2, 1, $3, 'default', 1)`,
        [reservationId, missing, itemId],
      ),
      FOREIGN_KEY_VIOLATION,
    );
    assert.match(message, new RegExp(`reservation_lines row names reservation ${missing}`));
    assert.equal(await linesOf(reservationId), 1);
  });

  test('a line for a missing stock level is still refused, naming the stock level', async () => {
    const message = await rejectsWithSqlState(
      db.query(
        `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity)
         VALUES ($1, 3, $2, 'nowhere', 1)`,
        [reservationId, itemId],
      ),
      FOREIGN_KEY_VIOLATION,
    );
    assert.match(message, new RegExp(`names stock level \\(${itemId}, nowhere\\)`));
  });

  test('reservations are never deleted or truncated (42501)', async () => {
    for (const statement of [
      'DELETE FROM reservations WHERE id = $1',
      'TRUNCATE reservations CASCADE',
    ]) {
      const message = await rejectsWithSqlState(
        db.query(statement, statement.includes('$1') ? [reservationId] : []),
        INSUFFICIENT_PRIVILEGE,
      );
      assert.match(message, /reservations are never removed \((DELETE|TRUNCATE) refused\)/);
    }
    assert.equal(await linesOf(reservationId), 1);
  });

  test('a reservation keeps its id and a line its reservation; other columns still change', async () => {
    const other = await insertReservation(db, 'order-line-ref-2');
    const moved = await rejectsWithSqlState(
      db.query('UPDATE reservation_lines SET reservation_id = $2 WHERE reservation_id = $1', [
        reservationId,
        other,
      ]),
      INSUFFICIENT_PRIVILEGE,
    );
    assert.match(moved, /keeps its reservation/);
    const renamed = await rejectsWithSqlState(
      db.query('UPDATE reservations SET id = $2 WHERE id = $1', [other, randomUUID()]),
      INSUFFICIENT_PRIVILEGE,
    );
    assert.match(renamed, /keeps its id/);
    await db.query("UPDATE reservations SET order_id = 'order-renamed' WHERE id = $1", [other]);
    await db.query(
      'UPDATE reservation_lines SET committed_quantity = 1 WHERE reservation_id = $1',
      [reservationId],
    );
    assert.equal(await linesOf(reservationId), 1);
  });
});

describe("stock levels carry their item's sales flags, kept by triggers (0008)", () => {
  let database: TestDatabase;
  let db: Database;

  before(async () => {
    database = await createTestDatabase();
    databases.push(database);
    db = await open(database, 4);
    await db.query("INSERT INTO warehouses (id, name) VALUES ('wh-flags', 'flags')");
  });

  async function flagsOf(itemId: string) {
    return db.query<{
      warehouse_id: string;
      item_sales_blocked: boolean;
      item_discontinued: boolean;
    }>(
      `SELECT warehouse_id, item_sales_blocked, item_discontinued FROM stock_levels
       WHERE item_id = $1 ORDER BY warehouse_id`,
      [itemId],
    );
  }

  async function itemWithStock(productId: string, flags = '') {
    const id = randomUUID();
    await db.query(
      `INSERT INTO items (id, product_id${flags === '' ? '' : `, ${flags}`})
       VALUES ($1, $2${flags === '' ? '' : ', true'})`,
      [id, productId],
    );
    // The insert claims no flags: the trigger takes the item's whatever the statement says.
    await db.query(
      `INSERT INTO stock_levels (item_id, warehouse_id, item_sales_blocked, item_discontinued)
       SELECT $1, w, false, false FROM unnest(ARRAY['default', 'wh-flags']) w`,
      [id],
    );
    return id;
  }

  test("a new stock level takes its item's flags", async () => {
    const blocked = await itemWithStock('flags-blocked', 'sales_blocked');
    const gone = await itemWithStock('flags-gone', 'discontinued');
    const open = await itemWithStock('flags-open');
    const row = (warehouse_id: string, blocked: boolean, discontinued: boolean) => ({
      warehouse_id,
      item_sales_blocked: blocked,
      item_discontinued: discontinued,
    });
    assert.deepEqual(await flagsOf(blocked), [
      row('default', true, false),
      row('wh-flags', true, false),
    ]);
    assert.deepEqual(await flagsOf(gone), [
      row('default', false, true),
      row('wh-flags', false, true),
    ]);
    assert.deepEqual(await flagsOf(open), [
      row('default', false, false),
      row('wh-flags', false, false),
    ]);
  });

  test("changing an item's flags changes every one of its stock levels and nobody else's", async () => {
    const item = await itemWithStock('flags-change');
    const other = await itemWithStock('flags-other');
    await db.query('UPDATE items SET sales_blocked = true WHERE id = $1', [item]);
    assert.deepEqual(
      (await flagsOf(item)).map((r) => [r.item_sales_blocked, r.item_discontinued]),
      [
        [true, false],
        [true, false],
      ],
    );
    await db.query('UPDATE items SET sales_blocked = false, discontinued = true WHERE id = $1', [
      item,
    ]);
    assert.deepEqual(
      (await flagsOf(item)).map((r) => [r.item_sales_blocked, r.item_discontinued]),
      [
        [false, true],
        [false, true],
      ],
    );
    assert.ok((await flagsOf(other)).every((r) => !r.item_sales_blocked && !r.item_discontinued));
  });

  test('an item edit that leaves both flags alone writes no stock level', async () => {
    const item = await itemWithStock('flags-rename');
    const versions = () =>
      db.query<{ xmin: string }>('SELECT xmin::text FROM stock_levels WHERE item_id = $1', [item]);
    const before = await versions();
    await db.query(
      "UPDATE items SET name = 'renamed', sales_blocked = false, discontinued = false WHERE id = $1",
      [item],
    );
    assert.deepEqual(await versions(), before);
  });

  test('the copies cannot be written directly (42501); other columns still change', async () => {
    const item = await itemWithStock('flags-direct', 'sales_blocked');
    for (const column of ['item_sales_blocked', 'item_discontinued']) {
      const message = await rejectsWithSqlState(
        db.query(`UPDATE stock_levels SET ${column} = false WHERE item_id = $1`, [item]),
        INSUFFICIENT_PRIVILEGE,
      );
      assert.match(message, /item flags follow its item/);
    }
    await db.query('UPDATE stock_levels SET on_hand = 3 WHERE item_id = $1', [item]);
    assert.ok((await flagsOf(item)).every((r) => r.item_sales_blocked));
  });

  test('a stock level created while its item is being blocked takes the committed flags', async () => {
    const item = randomUUID();
    await db.query("INSERT INTO items (id, product_id) VALUES ($1, 'flags-race')", [item]);
    const didBlock = gate();
    const mayCommit = gate();
    const change = db.transaction(async (tx) => {
      await tx.query('UPDATE items SET sales_blocked = true WHERE id = $1', [item]);
      didBlock.open();
      await mayCommit.reached;
    });
    await didBlock.reached;
    // The change holds the item, uncommitted. The new stock level must wait for it: had it copied
    // the flags now, it would keep "not blocked", since the change cannot see the new row.
    const insert = db.query(
      "INSERT INTO stock_levels (item_id, warehouse_id) VALUES ($1, 'wh-flags')",
      [item],
    );
    await Promise.race([insert, untilALockIsAwaited(db, 'the insert waiting for the item')]);
    mayCommit.open();
    await change;
    await insert;
    assert.deepEqual(
      (await flagsOf(item)).map((r) => r.item_sales_blocked),
      [true],
    );
  });

  test('the migration copies the flags of items blocked before it', async () => {
    const database = await emptyDatabase();
    const fresh = await open(database);
    const migrations = loadMigrations();
    await migrate(
      fresh,
      logger,
      migrations.filter((m) => m.version < 8),
    );
    const blocked = randomUUID();
    const unblocked = randomUUID();
    await fresh.query(
      `INSERT INTO items (id, product_id, sales_blocked, discontinued)
       VALUES ($1, 'early-blocked', true, true), ($2, 'early-open', false, false)`,
      [blocked, unblocked],
    );
    await fresh.query(
      "INSERT INTO stock_levels (item_id, warehouse_id) VALUES ($1, 'default'), ($2, 'default')",
      [blocked, unblocked],
    );
    const result = await migrate(fresh, logger, migrations);
    assert.ok(result.applied.includes('0008_stock_level_item_flags'), JSON.stringify(result));
    const rows = await fresh.query<{ product_id: string; b: boolean; d: boolean }>(
      `SELECT i.product_id, s.item_sales_blocked AS b, s.item_discontinued AS d
       FROM stock_levels s JOIN items i ON i.id = s.item_id ORDER BY i.product_id`,
    );
    assert.deepEqual(rows, [
      { product_id: 'early-blocked', b: true, d: true },
      { product_id: 'early-open', b: false, d: false },
    ]);
  });
});

describe('the tables every reservation writes carry only indexes something reads (0016)', () => {
  let database: TestDatabase;
  let db: Database;

  before(async () => {
    database = await createTestDatabase();
    databases.push(database);
    db = await open(database);
  });

  // Each index here costs every reservation (or every line) an insert; each names its reader.
  // An index added to these tables belongs in this list with the statement that reads it.
  test('reservations, reservation_lines and stock_movements have exactly these indexes', async () => {
    const rows = await db.query<{ table: string; index: string }>(
      `SELECT tablename AS table, indexname AS index FROM pg_indexes
       WHERE schemaname = 'public'
         AND tablename IN ('reservations', 'reservation_lines', 'stock_movements')
       ORDER BY tablename, indexname`,
    );
    assert.deepEqual(
      rows.map((row) => `${row.table}.${row.index}`),
      [
        // A reservation's lines (every end of a reservation reads them).
        'reservation_lines.reservation_lines_pkey',
        // A reservation by id (release, deduct, confirm, extend). Not by order id: 0016 dropped
        // reservations_order_idx, which nothing read.
        'reservations.reservations_pkey',
        // The expiry sweep: pending reservations in expiry order.
        'reservations.reservations_pending_expiry_idx',
        // One item's movements, newest first, epoch by epoch (movement-history.repository.ts).
        'stock_movements.stock_movements_epoch_level_idx',
        // Movements since or until a time.
        'stock_movements.stock_movements_created_idx',
        // The ledger newest first, and its cursor.
        'stock_movements.stock_movements_pkey',
        // A reservation's movements.
        'stock_movements.stock_movements_reservation_idx',
      ].sort(),
    );
  });
});
