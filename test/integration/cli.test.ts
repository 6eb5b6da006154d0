import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Database } from '../../src/db/database.ts';
import { findLedgerMismatches } from '../../src/db/ledger.repository.ts';
import { loadMigrations } from '../../src/db/migrator.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { insertStockLevel } from '../factories/stock.factory.ts';
import {
  type CliProcess,
  freePort,
  httpRequest,
  runCli,
  sleep,
  startCli,
  waitForHealthy,
  withTimeout,
} from '../helpers/spawn-cli.ts';
import {
  createEmptyDatabase,
  createTestDatabase,
  type TestDatabase,
} from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * The real CLI in child processes: exit codes and messages of start-up failures, the data
 * directory lock of the embedded database, graceful shutdown, `migrate` and `verify-ledger`.
 */
const EXIT_CONFIG = 2;
const EXIT_UNAVAILABLE = 3;
const LOCK_FILE = 'inventory-service.lock';

const children: CliProcess[] = [];
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

function spawnCli(args: readonly string[], vars: Record<string, string>): CliProcess {
  const cli = startCli(args, vars);
  children.push(cli);
  return cli;
}

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-cli-'));
  tempDirs.push(dir);
  return dir;
}

async function testDatabase(kind: 'migrated' | 'empty'): Promise<TestDatabase> {
  const database = kind === 'migrated' ? await createTestDatabase() : await createEmptyDatabase();
  databases.push(database);
  return database;
}

function lockFileOf(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE);
}

/** A pid no process has (pid_max is at most 2^22 on Linux). */
function deadPid(): number {
  for (let pid = 999_999; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        return pid;
      }
    }
  }
}

/** The base environment of a service a test starts: quiet, local, no expiry sweeps. */
function serveEnv(port: number, vars: Record<string, string>): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    EXPIRATION_POLL_INTERVAL: '1h',
    ...vars,
  };
}

/** SIGTERM, then the exit; the process must be gone within timeoutMs. */
async function terminate(cli: CliProcess, timeoutMs = 10_000) {
  assert.ok(cli.child.kill('SIGTERM'), 'could not signal the service');
  return cli.exited(timeoutMs);
}

after(async () => {
  for (const cli of children) {
    cli.kill();
  }
  await Promise.all(children.map((cli) => cli.exited(5_000).catch(() => undefined)));
  await Promise.all(databases.map((database) => database.drop()));
  for (const dir of tempDirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('bad configuration stops start-up', () => {
  const cases: ReadonlyArray<readonly [variable: string, value: string]> = [
    ['RESERVATION_TTL', 'abc'],
    ['PORT', '99999'],
    ['GIN_MODE', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'chatty'],
  ];
  for (const [variable, value] of cases) {
    test(`${variable}=${value} exits with code 2 and names the variable`, async () => {
      const dataDir = tempDataDir();
      const result = await runCli(['serve'], { DATA_DIR: dataDir, [variable]: value });
      assert.equal(result.code, EXIT_CONFIG, `stderr: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`invalid configuration: ${variable} `));
      // One clear line, not a stack trace.
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      // Nothing was opened: the embedded database never took its lock.
      assert.equal(fs.existsSync(lockFileOf(dataDir)), false);
    });
  }
});

describe('an unreachable PostgreSQL stops start-up', () => {
  for (const command of ['serve', 'migrate', 'verify-ledger']) {
    test(`${command} exits with code 3, says so, and does not print the password`, async () => {
      const secret = 'pw-s3cret-do-not-print';
      const result = await runCli([command], {
        DATABASE_URL: `postgres://postgres:${secret}@127.0.0.1:1/x`,
      });
      assert.equal(result.code, EXIT_UNAVAILABLE, `stderr: ${result.stderr}`);
      assert.match(result.stderr, /cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@/);
      assert.match(result.stderr, /127\.0\.0\.1:1/);
      assert.equal(result.stderr.includes(secret), false, result.stderr);
      assert.equal(result.stdout.includes(secret), false, result.stdout);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    });
  }
});

describe('serve on the embedded database (DATA_DIR, no DATABASE_URL)', () => {
  let dataDir: string;
  let port: number;
  let first: CliProcess;

  before(async () => {
    dataDir = tempDataDir();
    port = await freePort();
    first = spawnCli(['serve'], serveEnv(port, { DATA_DIR: dataDir }));
    await waitForHealthy(first, port);
  });

  test('answers /health and holds the data directory lock with its pid', async () => {
    const health = await httpRequest(port, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.data.database, 'up');
    assert.equal(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim(), String(first.child.pid));
    const init = await httpRequest(port, 'POST', '/inventory/init', {
      productId: 'embedded-1',
      quantity: 12,
    });
    assert.equal(init.status, 201, JSON.stringify(init.body));
  });

  test('a second serve on the same DATA_DIR exits with code 3: the directory is in use', async () => {
    const secondPort = await freePort();
    const second = spawnCli(['serve'], serveEnv(secondPort, { DATA_DIR: dataDir }));
    const result = await second.exited(20_000);
    assert.equal(result.code, EXIT_UNAVAILABLE, `stderr: ${result.stderr}`);
    assert.match(result.stderr, /data directory .* is in use by process (\d+)/);
    assert.ok(result.stderr.includes(`process ${first.child.pid} `), result.stderr);
    // The loser left the winner's lock alone, and the winner still serves.
    assert.equal(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim(), String(first.child.pid));
    assert.equal((await httpRequest(port, 'GET', '/health')).status, 200);
  });

  test('SIGTERM exits 0 within a few seconds and removes the lock file', async () => {
    const result = await terminate(first, 5_000);
    assert.equal(result.code, 0, `signal ${result.signal}; stderr: ${result.stderr}`);
    assert.equal(result.signal, null);
    assert.equal(fs.existsSync(lockFileOf(dataDir)), false, 'the lock file is still there');
  });

  test('a restart on the same DATA_DIR starts and finds the data written before', async () => {
    const restartPort = await freePort();
    const restarted = spawnCli(['serve'], serveEnv(restartPort, { DATA_DIR: dataDir }));
    await waitForHealthy(restarted, restartPort);
    const stock = await httpRequest(restartPort, 'GET', '/inventory/embedded-1');
    assert.equal(stock.status, 200, JSON.stringify(stock.body));
    assert.equal(stock.body.data.availableQuantity, 12);
    const result = await terminate(restarted, 5_000);
    assert.equal(result.code, 0, `stderr: ${result.stderr}`);
    assert.equal(fs.existsSync(lockFileOf(dataDir)), false);
  });

  test('on an existing data directory the service peaks under 450 MB (PGlite never tiers up)', async () => {
    // With V8 free to tier PGlite's WASM up, one function's optimizing compile took ~600 MB for
    // 0.4 s within a second or two of start-up, and the process peaked at ~770 MB; without it,
    // ~260 MB under load (src/db/pglite.database.ts).
    const memoryPort = await freePort();
    const service = spawnCli(['serve'], serveEnv(memoryPort, { DATA_DIR: dataDir }));
    // Stopped whatever happens: the tests after this one need the data directory's lock.
    try {
      await waitForHealthy(service, memoryPort);
      for (let i = 0; i < 50; i++) {
        const reserved = await httpRequest(memoryPort, 'POST', '/inventory/reserve', {
          productId: 'embedded-1',
          orderId: `memory-${i}`,
          quantity: 1,
        });
        assert.equal(reserved.status, 201, JSON.stringify(reserved.body));
        await httpRequest(memoryPort, 'POST', '/inventory/release', {
          reservationId: reserved.body.data.reservationId,
        });
      }
      await sleep(2_000);
      const status = fs.readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
      const peakMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
      assert.ok(peakMiB < 450, `peak RSS ${peakMiB.toFixed(0)} MiB`);
    } finally {
      await terminate(service, 5_000);
    }
  });

  test('what was answered before a SIGKILL is there after a restart (no fsync, no process cache)', async () => {
    const killedPort = await freePort();
    const killed = spawnCli(['serve'], serveEnv(killedPort, { DATA_DIR: dataDir }));
    await waitForHealthy(killed, killedPort);
    const reserved = await httpRequest(killedPort, 'POST', '/inventory/reserve', {
      productId: 'embedded-1',
      orderId: 'before-kill',
      quantity: 5,
    });
    assert.equal(reserved.status, 201, JSON.stringify(reserved.body));
    killed.kill();
    assert.equal((await killed.exited(5_000)).signal, 'SIGKILL');

    const againPort = await freePort();
    const again = spawnCli(['serve'], serveEnv(againPort, { DATA_DIR: dataDir }));
    await waitForHealthy(again, againPort);
    const stock = await httpRequest(againPort, 'GET', '/inventory/embedded-1');
    assert.equal(stock.status, 200, JSON.stringify(stock.body));
    assert.equal(stock.body.data.availableQuantity, 7);
    assert.equal(stock.body.data.reservedQuantity, 5);
    assert.equal((await terminate(again, 5_000)).code, 0);
    const verify = await runCli(['verify-ledger'], { DATA_DIR: dataDir });
    assert.equal(verify.code, 0, `stdout: ${verify.stdout}; stderr: ${verify.stderr}`);
    assert.match(verify.stdout, /ledger balances/);
  });
});

test('a stale lock file (its pid no longer exists) does not block start-up', async () => {
  const dataDir = tempDataDir();
  const stalePid = deadPid();
  fs.writeFileSync(lockFileOf(dataDir), `${stalePid}\n`);
  const port = await freePort();
  const cli = spawnCli(['serve'], serveEnv(port, { DATA_DIR: dataDir }));
  await waitForHealthy(cli, port);
  assert.equal(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim(), String(cli.child.pid));
  const result = await terminate(cli, 5_000);
  assert.equal(result.code, 0, `stderr: ${result.stderr}`);
  assert.equal(fs.existsSync(lockFileOf(dataDir)), false);
});

describe('graceful shutdown on PostgreSQL', () => {
  let database: TestDatabase;
  let port: number;
  let cli: CliProcess;
  let blocker: pg.Client | undefined;

  before(async () => {
    database = await testDatabase('migrated');
    port = await freePort();
    cli = spawnCli(['serve'], serveEnv(port, { DATABASE_URL: database.url }));
    await waitForHealthy(cli, port);
  });

  after(async () => {
    await blocker?.end().catch(() => undefined);
  });

  test('SIGTERM lets an in-flight request finish, refuses new ones, then exits 0', async () => {
    const init = await httpRequest(port, 'POST', '/inventory/init', {
      productId: 'grace-1',
      quantity: 10,
    });
    assert.equal(init.status, 201, JSON.stringify(init.body));
    const first = await httpRequest(port, 'POST', '/inventory/reserve', {
      productId: 'grace-1',
      orderId: 'before-signal',
      quantity: 2,
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(
      (await httpRequest(port, 'GET', '/inventory/grace-1')).body.data.reservedQuantity,
      2,
    );

    // Hold the product's stock row so the next reserve blocks inside its transaction: it is
    // in flight, deterministically, for as long as this test keeps the row locked.
    const held = new pg.Client({ connectionString: database.url });
    blocker = held;
    await held.connect();
    await held.query('BEGIN');
    const locked = await held.query(
      `SELECT s.on_hand FROM stock_levels s JOIN items i ON i.id = s.item_id
       WHERE i.product_id = 'grace-1' FOR UPDATE OF s`,
    );
    assert.equal(locked.rowCount, 1);

    const inFlight = httpRequest(
      port,
      'POST',
      '/inventory/reserve',
      { productId: 'grace-1', orderId: 'in-flight', quantity: 3 },
      20_000,
    ).then(
      (response) => ({ response, error: undefined }),
      (error: unknown) => ({ response: undefined, error }),
    );
    await waitFor('the reserve request to wait on the row lock', async () => {
      const waiting = await held.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'inventory-service' AND wait_event_type = 'Lock'`,
        [database.name],
      );
      return waiting.rows[0]?.n === 1;
    });

    assert.ok(cli.child.kill('SIGTERM'));

    // A new request after the signal is refused (listener closed, or 503 while closing).
    const refusal = await waitForRefusal(port);
    assert.ok(
      refusal === 'ECONNREFUSED' || refusal === 503,
      `a request after SIGTERM got ${String(refusal)}`,
    );
    // The service does not exit while the in-flight request is unfinished.
    await sleep(300);
    assert.equal(cli.child.exitCode, null, 'exited before finishing the in-flight request');
    assert.equal(cli.child.signalCode, null);

    await held.query('COMMIT');
    await held.end();
    blocker = undefined;

    const { response, error } = await withTimeout(inFlight, 15_000, () => 'in-flight hung');
    assert.equal(error, undefined, `in-flight request failed: ${String(error)}`);
    assert.equal(response?.status, 201, JSON.stringify(response?.body));
    assert.equal(response?.body.data.orderId, 'in-flight');
    assert.equal(response?.body.data.quantity, 3);
    assert.equal(response?.body.data.status, 'RESERVED');

    const result = await cli.exited(10_000);
    assert.equal(result.code, 0, `signal ${result.signal}; stderr: ${result.stderr}`);
    assert.equal(result.signal, null);
    // With logging silenced, a whole life of serving writes nothing to stderr: no process
    // warnings either (pg warns once when a query is queued on a busy client, which a hook on
    // new connections used to do).
    assert.equal(result.stderr, '');

    // The in-flight work was committed, and the books balance.
    const db = await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger });
    try {
      const rows = await db.query<{ reserved: number }>(
        `SELECT s.reserved FROM stock_levels s JOIN items i ON i.id = s.item_id
         WHERE i.product_id = 'grace-1'`,
      );
      assert.deepEqual(rows, [{ reserved: 5 }]);
      const pending = await db.query(
        "SELECT id FROM reservations WHERE order_id = 'in-flight' AND status = 'PENDING'",
      );
      assert.equal(pending.length, 1);
      assert.deepEqual(await findLedgerMismatches(db), []);
    } finally {
      await db.close();
    }
  });
});

describe('migrate', () => {
  test('applies every migration to an empty database, then finds the schema up to date', async () => {
    const database = await testDatabase('empty');
    const names = loadMigrations().map(
      (migration) => `${String(migration.version).padStart(4, '0')}_${migration.name}`,
    );
    assert.ok(names.includes('0001_core'));

    const firstRun = await runCli(['migrate'], { DATABASE_URL: database.url });
    assert.equal(firstRun.code, 0, `stderr: ${firstRun.stderr}`);
    assert.equal(
      firstRun.stdout,
      `applied ${names.length} migration(s): ${names.join(', ')}\n`,
      `stderr: ${firstRun.stderr}`,
    );

    const secondRun = await runCli(['migrate'], { DATABASE_URL: database.url });
    assert.equal(secondRun.code, 0, `stderr: ${secondRun.stderr}`);
    assert.match(secondRun.stdout, /^schema is up to date/);
    assert.match(secondRun.stdout, new RegExp(`\\(${names.length} migrations applied earlier\\)`));

    const db = await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger });
    try {
      const applied = await db.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        applied.map((row) => row.version),
        names.map((_, index) => index + 1),
      );
      const tables = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('items', 'stock_levels', 'stock_movements', 'reservations')",
      );
      assert.deepEqual(tables, [{ n: 4 }]);
    } finally {
      await db.close();
    }
  });
});

describe('verify-ledger', () => {
  let database: TestDatabase;
  let db: Database;
  let itemId: string;

  before(async () => {
    database = await testDatabase('migrated');
    db = await openPostgres({ url: database.url, poolMax: 2, logger: silentLogger });
    itemId = await insertStockLevel(db, { productId: 'ledger-1', onHand: 10 });
  });

  after(async () => {
    await db.close();
  });

  test('exits 0 when every counter equals its movements', async () => {
    const result = await runCli(['verify-ledger'], { DATABASE_URL: database.url });
    assert.equal(result.code, 0, `stdout: ${result.stdout}; stderr: ${result.stderr}`);
    assert.match(result.stdout, /ledger balances/);
    assert.doesNotMatch(result.stdout, /MISMATCH/);
  });

  test('exits 1 and prints MISMATCH after a counter is changed behind the ledger', async () => {
    await db.query('UPDATE stock_levels SET on_hand = on_hand + 1 WHERE item_id = $1', [itemId]);
    const result = await runCli(['verify-ledger'], { DATABASE_URL: database.url });
    assert.equal(result.code, 1, `stdout: ${result.stdout}; stderr: ${result.stderr}`);
    assert.equal(
      result.stdout,
      `MISMATCH item ${itemId} warehouse default on_hand: counter 11, ledger say 10\n`,
    );
  });
});

/** Polls check() every 50ms until true; fails after timeoutMs. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    }
    await sleep(50);
  }
}

/**
 * Sends GET /health until it is refused: returns 'ECONNREFUSED' or the 503 status. The signal is
 * asynchronous, so a request or two may still be answered 200 first, and a connection accepted just
 * as the listener closes is reset before its request is read (Node's server.close() drops idle
 * connections); both are the transition, not the outcome, so the probe goes on.
 */
async function waitForRefusal(port: number, timeoutMs = 5_000): Promise<'ECONNREFUSED' | number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await httpRequest(port, 'GET', '/health', undefined, 2_000);
      if (response.status !== 200) {
        return response.status;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED') {
        return code;
      }
      if (code !== 'ECONNRESET') {
        throw error;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`requests were not refused within ${timeoutMs}ms after SIGTERM`);
    }
    await sleep(20);
  }
}
