import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { demoQuantity } from '../../src/cli/seed.command.ts';
import type { Database } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import {
  type CliProcess,
  cliEnv,
  freePort,
  httpRequest,
  PROJECT_ROOT,
  runCli,
  startCli,
  waitForHealthy,
  withTimeout,
} from '../helpers/spawn-cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * `inventory-service seed --warehouses --products` and the warehouses file at `serve` start-up, run
 * as the real CLI in child processes against fresh databases.
 */
const EXIT_CONFIG = 2;
const SHIPPED_WAREHOUSES = ['wh-pr-001', 'wh-rj-001', 'wh-sp-001'];

const databases: TestDatabase[] = [];
const openDbs: Database[] = [];
const children: CliProcess[] = [];
const tempDirs: string[] = [];

after(async () => {
  for (const cli of children) {
    cli.kill();
  }
  await Promise.all(children.map((cli) => cli.exited(5_000).catch(() => undefined)));
  await Promise.all(openDbs.map((db) => db.close()));
  await Promise.all(databases.map((database) => database.drop()));
  for (const dir of tempDirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function freshDatabase(): Promise<{ database: TestDatabase; db: Database }> {
  const database = await createTestDatabase();
  databases.push(database);
  const db = await openPostgres({ url: database.url, poolMax: 2, logger: silentLogger });
  openDbs.push(db);
  return { database, db };
}

function tempFile(contents: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-cli-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'warehouses.yaml');
  fs.writeFileSync(file, contents);
  return file;
}

interface Counts {
  items: number;
  levels: number;
  movements: number;
  units: number;
}

async function demoCounts(db: Database): Promise<Counts> {
  const rows = await db.query<Counts>(
    `SELECT (SELECT count(*) FROM items WHERE product_id LIKE 'demo-product-%')::int AS items,
       (SELECT count(*) FROM stock_levels s JOIN items i ON i.id = s.item_id
        WHERE i.product_id LIKE 'demo-product-%')::int AS levels,
       (SELECT count(*) FROM stock_movements WHERE actor = 'system:seed')::int AS movements,
       (SELECT coalesce(sum(on_hand), 0) FROM stock_levels s JOIN items i ON i.id = s.item_id
        WHERE i.product_id LIKE 'demo-product-%')::int AS units`,
  );
  const counts = rows[0];
  assert.ok(counts !== undefined);
  return counts;
}

describe('seed --warehouses --products', () => {
  let database: TestDatabase;
  let db: Database;

  before(async () => {
    ({ database, db } = await freshDatabase());
  });

  test('creates the file’s warehouses and 50 demo products stocked in each; verify-ledger passes', async () => {
    const result = await runCli(['seed', '--warehouses', '--products', '--count', '50'], {
      DATABASE_URL: database.url,
    });
    assert.equal(result.code, 0, `stdout: ${result.stdout}; stderr: ${result.stderr}`);
    assert.equal(
      result.stdout,
      `warehouses: 3 created, 0 updated, 0 unchanged (from ${path.join(PROJECT_ROOT, 'config/warehouses.yaml')})\n` +
        `products: 50 created, 0 already present; 150 stock levels with ${(await demoCounts(db)).units} ` +
        `units in 3 warehouses (${SHIPPED_WAREHOUSES.join(', ')})\n`,
    );

    const warehouses = await db.query<{ id: string; priority: number; region: string }>(
      "SELECT id, priority, region FROM warehouses WHERE id <> 'default' ORDER BY id",
    );
    assert.deepEqual(warehouses, [
      { id: 'wh-pr-001', priority: 1, region: 'south' },
      { id: 'wh-rj-001', priority: 2, region: 'southeast' },
      { id: 'wh-sp-001', priority: 1, region: 'southeast' },
    ]);

    const counts = await demoCounts(db);
    assert.equal(counts.items, 50);
    assert.equal(counts.levels, 150, 'one stock level per product and non-default warehouse');
    assert.equal(counts.movements, 150, 'one INIT ledger row per stock level');
    assert.ok(counts.units > 0);

    const first = await db.query<{ sku: string; name: string; variant: string; levels: number }>(
      `SELECT i.sku, i.name, i.variant_id AS variant, count(s.*)::int AS levels
       FROM items i LEFT JOIN stock_levels s ON s.item_id = i.id AND s.warehouse_id = 'default'
       WHERE i.product_id = 'demo-product-00001' GROUP BY i.sku, i.name, i.variant_id`,
    );
    assert.deepEqual(first, [
      { sku: 'DEMO-00001', name: 'Demo product 00001', variant: '', levels: 0 },
    ]);
    const last = await db.query<{ sku: string }>(
      "SELECT sku FROM items WHERE product_id = 'demo-product-00050'",
    );
    assert.deepEqual(last, [{ sku: 'DEMO-00050' }]);
    // Item ids are UUIDv7 (time-ordered), as the service's own.
    const versions = await db.query<{ version: string }>(
      `SELECT DISTINCT substr(id::text, 15, 1) AS version FROM items
       WHERE product_id LIKE 'demo-product-%'`,
    );
    assert.deepEqual(versions, [{ version: '7' }]);

    // Quantities are the documented deterministic ones, and each INIT row carries its level's.
    const level = await db.query<{ onHand: number; delta: number; kind: string; reason: string }>(
      `SELECT s.on_hand AS "onHand", m.on_hand_delta AS delta, m.kind, m.reason
       FROM stock_levels s JOIN items i ON i.id = s.item_id
       JOIN stock_movements m ON m.item_id = s.item_id AND m.warehouse_id = s.warehouse_id
       WHERE i.product_id = 'demo-product-00007' AND s.warehouse_id = 'wh-rj-001'`,
    );
    const expected = demoQuantity(7, 'wh-rj-001', 500);
    assert.deepEqual(level, [{ onHand: expected, delta: expected, kind: 'INIT', reason: 'seed' }]);

    const verify = await runCli(['verify-ledger'], { DATABASE_URL: database.url });
    assert.equal(verify.code, 0, `stdout: ${verify.stdout}; stderr: ${verify.stderr}`);
    assert.match(verify.stdout, /ledger balances/);
  });

  test('a second run creates nothing new and changes no quantity', async () => {
    const before = await demoCounts(db);
    const result = await runCli(['seed', '--warehouses', '--products', '--count', '50'], {
      DATABASE_URL: database.url,
    });
    assert.equal(result.code, 0, `stderr: ${result.stderr}`);
    assert.match(result.stdout, /^warehouses: 0 created, 0 updated, 3 unchanged /m);
    assert.match(result.stdout, /^products: 0 created, 50 already present; 0 stock levels /m);
    assert.deepEqual(await demoCounts(db), before);
  });

  test('a larger --count adds only the missing products', async () => {
    const result = await runCli(['seed', '--products', '--count', '60', '--stock', '3'], {
      DATABASE_URL: database.url,
    });
    assert.equal(result.code, 0, `stderr: ${result.stderr}`);
    assert.doesNotMatch(result.stdout, /warehouses:/);
    assert.match(result.stdout, /^products: 10 created, 50 already present; 30 stock levels /m);
    const counts = await demoCounts(db);
    assert.equal(counts.items, 60);
    assert.equal(counts.movements, 180);
    const newest = await db.query<{ max: number }>(
      `SELECT max(s.on_hand)::int AS max FROM stock_levels s JOIN items i ON i.id = s.item_id
       WHERE i.product_id > 'demo-product-00050' AND i.product_id LIKE 'demo-product-%'`,
    );
    assert.ok((newest[0]?.max ?? 99) <= 3, '--stock bounds each new level');
    const verify = await runCli(['verify-ledger'], { DATABASE_URL: database.url });
    assert.equal(verify.code, 0, verify.stdout);
  });

  test('only active warehouses other than default are stocked', async () => {
    await db.query("UPDATE warehouses SET active = false WHERE id = 'wh-rj-001'");
    try {
      const result = await runCli(['seed', '--products', '--count', '61'], {
        DATABASE_URL: database.url,
      });
      assert.equal(result.code, 0, `stderr: ${result.stderr}`);
      assert.match(
        result.stdout,
        /1 created, .* 2 stock levels .* in 2 warehouses \(wh-pr-001, wh-sp-001\)/,
      );
      const levels = await db.query<{ warehouseId: string }>(
        `SELECT s.warehouse_id AS "warehouseId" FROM stock_levels s JOIN items i ON i.id = s.item_id
         WHERE i.product_id = 'demo-product-00061' ORDER BY 1`,
      );
      assert.deepEqual(levels, [{ warehouseId: 'wh-pr-001' }, { warehouseId: 'wh-sp-001' }]);
    } finally {
      await db.query("UPDATE warehouses SET active = true WHERE id = 'wh-rj-001'");
    }
  });
});

describe('seed refusals', () => {
  let database: TestDatabase;
  let db: Database;

  before(async () => {
    ({ database, db } = await freshDatabase());
  });

  test('no flag: exit 1, nothing to seed', async () => {
    const result = await runCli(['seed'], { DATABASE_URL: database.url });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /nothing to seed: pass --warehouses, --products or both/);
  });

  for (const value of ['0', '100001', 'ten', '-5', '1.5']) {
    test(`--count ${value}: exit 1 naming --count`, async () => {
      const result = await runCli(['seed', '--products', '--count', value], {
        DATABASE_URL: database.url,
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /--count/);
      assert.match(result.stderr, /must be a whole number from 1 to 100000/);
    });
  }

  test('--stock above the limit: exit 1 naming --stock', async () => {
    const result = await runCli(['seed', '--products', '--stock', '1000001'], {
      DATABASE_URL: database.url,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /--stock.*must be a whole number from 0 to 1000000/s);
  });

  test('--products with no warehouse to stock: exit 1 and nothing created', async () => {
    const result = await runCli(['seed', '--products', '--count', '5'], {
      DATABASE_URL: database.url,
    });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /no active warehouse to stock besides "default"/);
    assert.equal((await demoCounts(db)).items, 0);
  });

  test('--warehouses with a missing file: exit 2 naming WAREHOUSES_FILE', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-seed-dir', 'warehouses.yaml');
    const result = await runCli(['seed', '--warehouses'], {
      DATABASE_URL: database.url,
      WAREHOUSES_FILE: missing,
    });
    assert.equal(result.code, EXIT_CONFIG, result.stderr);
    assert.equal(
      result.stderr,
      `inventory-service: invalid configuration: WAREHOUSES_FILE ${missing}: file does not exist\n`,
    );
  });

  test('--warehouses with an invalid file: exit 2 naming the entry and field, nothing written', async () => {
    const file = tempFile(
      'warehouses:\n  - {id: wh-ok, name: OK, region: r, priority: 1}\n' +
        '  - {id: wh-bad, name: Bad, region: r, priority: -3}\n',
    );
    const result = await runCli(['seed', '--warehouses', '--products'], {
      DATABASE_URL: database.url,
      WAREHOUSES_FILE: file,
    });
    assert.equal(result.code, EXIT_CONFIG, result.stderr);
    assert.match(result.stderr, /WAREHOUSES_FILE .*warehouses\.yaml: warehouses\[1\]: priority/);
    const rows = await db.query("SELECT id FROM warehouses WHERE id IN ('wh-ok', 'wh-bad')");
    assert.deepEqual(rows, []);
  });
});

describe('the progress bar', () => {
  let database: TestDatabase;

  before(async () => {
    ({ database } = await freshDatabase());
  });

  test('is drawn on a terminal (under script(1)) and not on a pipe', async () => {
    // script(1) gives the child a pseudo-terminal, so process.stdout.isTTY is true there.
    const node = path.join(PROJECT_ROOT, 'node_modules/.bin/node');
    const command = `${node} src/cli/main.ts seed --warehouses --products --count 20`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: PROJECT_ROOT,
      env: cliEnv({ DATABASE_URL: database.url }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const code = await withTimeout(
      new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', resolve);
      }),
      30_000,
      () => `seed under script(1) did not finish: ${out}`,
    );
    assert.equal(code, 0, out);
    assert.match(out, /products \[[█░]+\] 100% \| 20\/20/);
    assert.match(out, /products: 20 created/);

    const piped = await runCli(['seed', '--products', '--count', '20'], {
      DATABASE_URL: database.url,
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stdout, /\[[█░]+\]/);
    assert.equal(piped.stdout.split('\n').filter(Boolean).length, 1, piped.stdout);
  });
});

describe('serve syncs WAREHOUSES_FILE at start-up', () => {
  function spawnServe(port: number, vars: Record<string, string>): CliProcess {
    const cli = startCli(['serve'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      EXPIRATION_POLL_INTERVAL: '1h',
      ...vars,
    });
    children.push(cli);
    return cli;
  }

  async function stop(cli: CliProcess) {
    assert.ok(cli.child.kill('SIGTERM'));
    const result = await cli.exited(10_000);
    assert.equal(result.code, 0, result.stderr);
  }

  test('the shipped file’s warehouses are there once the service answers', async () => {
    const { database } = await freshDatabase();
    const port = await freePort();
    const cli = spawnServe(port, { DATABASE_URL: database.url });
    await waitForHealthy(cli, port);
    const list = await httpRequest(port, 'GET', '/api/inventory/warehouses?limit=500');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(
      list.body.data.warehouses.map((w: { id: string }) => w.id),
      ['default', ...SHIPPED_WAREHOUSES],
    );
    await stop(cli);
  });

  test('a missing file is fine: the service starts with the warehouses it has', async () => {
    const { database } = await freshDatabase();
    const port = await freePort();
    const cli = spawnServe(port, {
      DATABASE_URL: database.url,
      WAREHOUSES_FILE: path.join(os.tmpdir(), 'no-such-serve-dir', 'warehouses.yaml'),
    });
    await waitForHealthy(cli, port);
    const list = await httpRequest(port, 'GET', '/api/inventory/warehouses');
    assert.deepEqual(
      list.body.data.warehouses.map((w: { id: string }) => w.id),
      ['default'],
    );
    await stop(cli);
  });

  test('an invalid file stops start-up with exit code 2 and one line naming it', async () => {
    const { database, db } = await freshDatabase();
    const file = tempFile(
      'warehouses:\n  - {id: wh-x, name: X, region: r, priority: 1, latitude: 10}\n',
    );
    const port = await freePort();
    const cli = spawnServe(port, { DATABASE_URL: database.url, WAREHOUSES_FILE: file });
    const result = await cli.exited(20_000);
    assert.equal(result.code, EXIT_CONFIG, result.stderr);
    assert.equal(
      result.stderr,
      `inventory-service: invalid configuration: WAREHOUSES_FILE ${file}: warehouses[0]: ` +
        'latitude and longitude must be given together\n',
    );
    assert.deepEqual(await db.query("SELECT id FROM warehouses WHERE id = 'wh-x'"), []);
  });
});
