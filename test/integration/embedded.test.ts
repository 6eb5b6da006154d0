import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/data-dir-lock.ts';
import type { Database } from '../../src/db/database.ts';
import { findLedgerMismatches } from '../../src/db/ledger.repository.ts';
import { loadMigrations, migrate } from '../../src/db/migrator.ts';
import { openMemoryPglite } from '../../src/db/pglite.database.ts';
import { createService, type Service } from '../../src/main/create-service.ts';
import { openDatabase } from '../../src/main/open-database.ts';
import { type ApiBody, silentLogger, testEnv } from '../helpers/test-service.ts';

/**
 * The embedded default (PGlite, no DATABASE_URL) driven in-process: the same migrations, the seed
 * 000 flow, expiry, and reserve races serialised by its single connection; plus the data
 * directory lock that keeps a second process off its files.
 */
let db: Database;
let service: Service;

before(async () => {
  db = await openMemoryPglite();
  const result = await migrate(db, silentLogger);
  assert.equal(result.applied.length, loadMigrations().length);
  const env = testEnv();
  assert.equal('DATABASE_URL' in env, false);
  service = await createService(loadConfig(env), silentLogger, db);
  await service.app.ready();
});

after(async () => {
  await service.stop();
});

async function request(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ApiBody; headers: Record<string, unknown> }> {
  const response = await service.app.inject({
    method,
    url,
    ...(body === undefined
      ? { headers }
      : {
          headers: { 'content-type': 'application/json', ...headers },
          payload: JSON.stringify(body),
        }),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

async function stockOf(productId: string) {
  const response = await request('GET', `/inventory/${productId}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return {
    available: response.body.data.availableQuantity as number,
    reserved: response.body.data.reservedQuantity as number,
  };
}

async function reserve(productId: string, quantity: number, orderId: string): Promise<string> {
  const response = await request('POST', '/inventory/reserve', { productId, orderId, quantity });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  assert.equal(response.body.data.status, 'RESERVED');
  return response.body.data.reservationId as string;
}

describe('the seed 000 flow on embedded PGlite', () => {
  test('the database is PGlite and /health answers 200', async () => {
    assert.equal(db.kind, 'pglite');
    const health = await request('GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.data.database, 'up');
  });

  test('init, get, add-stock, reserve, release, deduct', async () => {
    const init = await request('POST', '/inventory/init', { productId: 'emb-1', quantity: 100 });
    assert.equal(init.status, 201, JSON.stringify(init.body));
    assert.equal(init.body.data.availableQuantity, 100);

    const again = await request('POST', '/inventory/init', { productId: 'emb-1', quantity: 5 });
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'INVENTORY_ALREADY_EXISTS');

    assert.deepEqual(await stockOf('emb-1'), { available: 100, reserved: 0 });

    const added = await request('POST', '/inventory/add-stock', {
      productId: 'emb-1',
      quantity: 50,
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.data.availableQuantity, 150);

    const released = await reserve('emb-1', 30, 'order-a');
    const deducted = await reserve('emb-1', 20, 'order-b');
    assert.deepEqual(await stockOf('emb-1'), { available: 100, reserved: 50 });

    const release = await request('POST', '/inventory/release', { reservationId: released });
    assert.equal(release.status, 200, JSON.stringify(release.body));
    assert.equal(release.body.data.status, 'RELEASED');
    assert.deepEqual(await stockOf('emb-1'), { available: 130, reserved: 20 });

    const deduct = await request('POST', '/inventory/deduct', { reservationId: deducted });
    assert.equal(deduct.status, 200, JSON.stringify(deduct.body));
    assert.equal(deduct.body.data.status, 'DEDUCTED');
    assert.deepEqual(await stockOf('emb-1'), { available: 130, reserved: 0 });

    const twice = await request('POST', '/inventory/deduct', { reservationId: deducted });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error?.code, 'RESERVATION_ALREADY_DEDUCTED');
    const releaseDeducted = await request('POST', '/inventory/release', {
      reservationId: deducted,
    });
    assert.equal(releaseDeducted.body.error?.code, 'RESERVATION_ALREADY_DEDUCTED');

    const missing = await request('GET', '/inventory/emb-none');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error?.code, 'PRODUCT_NOT_FOUND');
  });

  test('the ledger reads back newest first by product (the epoch walk runs on PGlite)', async () => {
    const response = await request('GET', '/api/inventory/movements?product_id=emb-1');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const rows: { id: number; kind: string }[] = response.body.data.movements;
    assert.deepEqual(
      rows.map((row) => row.kind),
      ['DEDUCT', 'RELEASE', 'RESERVE', 'RESERVE', 'RECEIPT', 'INIT'],
    );
    assert.ok(rows.every((row, i) => i === 0 || row.id < (rows[i - 1]?.id ?? 0)));
  });

  test('a reservation past its expiry is returned to stock by the sweep', async () => {
    const init = await request('POST', '/inventory/init', { productId: 'emb-exp', quantity: 10 });
    assert.equal(init.status, 201);
    const expiring = await reserve('emb-exp', 4, 'order-exp');
    const kept = await reserve('emb-exp', 1, 'order-kept');
    assert.deepEqual(await stockOf('emb-exp'), { available: 5, reserved: 5 });

    // Nothing is due yet.
    assert.equal(await service.expiryWorker.sweep(), 0);
    await db.query(
      "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
      [expiring],
    );
    assert.equal(await service.expiryWorker.sweep(), 1);
    assert.deepEqual(await stockOf('emb-exp'), { available: 9, reserved: 1 });
    const statuses = await db.query<{ id: string; status: string }>(
      'SELECT id, status FROM reservations WHERE id = ANY($1::uuid[]) ORDER BY status',
      [[expiring, kept]],
    );
    assert.deepEqual(statuses, [
      { id: expiring, status: 'EXPIRED' },
      { id: kept, status: 'PENDING' },
    ]);

    const deduct = await request('POST', '/inventory/deduct', { reservationId: expiring });
    assert.equal(deduct.status, 409);
    assert.equal(deduct.body.error?.code, 'RESERVATION_EXPIRED');
    // A second sweep finds nothing more.
    assert.equal(await service.expiryWorker.sweep(), 0);
  });

  test('64 parallel reserves of 1 against 40 units: exactly 40 succeed, 24 are refused', async () => {
    const init = await request('POST', '/inventory/init', { productId: 'emb-race', quantity: 40 });
    assert.equal(init.status, 201);
    const responses = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        request('POST', '/inventory/reserve', {
          productId: 'emb-race',
          orderId: `race-${i}`,
          quantity: 1,
        }),
      ),
    );
    const created = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status === 409);
    assert.equal(created.length, 40);
    assert.equal(refused.length, 24);
    for (const response of refused) {
      assert.equal(response.body.error?.code, 'INSUFFICIENT_STOCK');
    }
    assert.equal(new Set(created.map((response) => response.body.data.reservationId)).size, 40);
    assert.deepEqual(await stockOf('emb-race'), { available: 0, reserved: 40 });
  });

  test('16 parallel requests with one Idempotency-Key share a batch and hold stock once', async () => {
    const init = await request('POST', '/inventory/init', { productId: 'emb-keyed', quantity: 10 });
    assert.equal(init.status, 201);
    // Read in one event-loop turn, they leave as one batch: the first claims the key, the others
    // are answered KEY_BUSY, sent again, and find its answer.
    const responses = await Promise.all(
      Array.from({ length: 16 }, () =>
        request(
          'POST',
          '/inventory/reserve',
          { productId: 'emb-keyed', orderId: 'keyed-order', quantity: 3 },
          { 'idempotency-key': 'emb-key-1' },
        ),
      ),
    );
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [201]);
    assert.equal(new Set(responses.map((r) => r.body.data.reservationId)).size, 1);
    assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 15);
    assert.deepEqual(await stockOf('emb-keyed'), { available: 7, reserved: 3 });
  });

  test('the books balance after all of it', async () => {
    // Sanity: the check does see the rows it checks.
    const levels = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM stock_levels');
    assert.deepEqual(levels, [{ n: 4 }]);
    assert.deepEqual(await findLedgerMismatches(db), []);
  });
});

describe('the embedded database on disk', () => {
  test('runs with EMBEDDED_SHARED_BUFFERS_MB of buffer cache (16 MB unless set) and keeps its data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-embedded-'));
    try {
      for (const [env, expected] of [
        [{}, '16MB'],
        [{ EMBEDDED_SHARED_BUFFERS_MB: '8' }, '8MB'],
      ] as const) {
        const config = loadConfig(testEnv({ DATA_DIR: dir, ...env }));
        const embedded = await openDatabase(config, silentLogger);
        try {
          const rows = await embedded.query<{ shared_buffers: string }>('SHOW shared_buffers');
          assert.deepEqual(rows, [{ shared_buffers: expected }]);
          await embedded.query('CREATE TABLE IF NOT EXISTS kept (n integer)');
          await embedded.query('INSERT INTO kept VALUES (1)');
        } finally {
          await embedded.close();
        }
      }
      const reopened = await openDatabase(loadConfig(testEnv({ DATA_DIR: dir })), silentLogger);
      try {
        assert.deepEqual(await reopened.query('SELECT count(*)::integer AS n FROM kept'), [
          { n: 2 },
        ]);
      } finally {
        await reopened.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the data directory lock', () => {
  const dirs: string[] = [];
  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-lock-'));
    dirs.push(dir);
    return dir;
  }
  after(() => {
    for (const dir of dirs) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('acquire writes this pid into the lock file; release removes it', () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    assert.equal(lock.path, path.join(dir, 'inventory-service.lock'));
    assert.equal(fs.readFileSync(lock.path, 'utf8'), `${process.pid}\n`);
    lock.release();
    assert.equal(fs.existsSync(lock.path), false);
  });

  test('a lock held by another live process throws DataDirLockedError', () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    // Another live process (our parent) now owns the directory.
    fs.writeFileSync(lock.path, `${process.ppid}\n`);
    assert.throws(
      () => acquireDataDirLock(dir),
      (error: unknown) =>
        error instanceof DataDirLockedError &&
        error.message.includes(`is in use by process ${process.ppid}`) &&
        error.message.includes(dir),
    );
    // The refused acquire left the owner's lock in place ...
    assert.equal(fs.readFileSync(lock.path, 'utf8'), `${process.ppid}\n`);
    // ... and release() never removes a lock this process does not own.
    lock.release();
    assert.equal(fs.readFileSync(lock.path, 'utf8'), `${process.ppid}\n`);
    fs.rmSync(lock.path);
  });

  test('a stale lock (dead pid) is taken over', () => {
    const dir = tempDir();
    const lockPath = path.join(dir, 'inventory-service.lock');
    fs.writeFileSync(lockPath, '999999\n');
    assert.throws(() => process.kill(999_999, 0), { code: 'ESRCH' });
    const lock = acquireDataDirLock(dir);
    assert.equal(fs.readFileSync(lockPath, 'utf8'), `${process.pid}\n`);
    lock.release();
    assert.equal(fs.existsSync(lockPath), false);
  });
});
