import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createKeyChecker } from '../../src/app/key-checker.ts';
import type { Database } from '../../src/db/database.ts';
import { createIdempotencyRepository } from '../../src/db/idempotency.repository.ts';
import { migrate } from '../../src/db/migrator.ts';
import { openMemoryPglite } from '../../src/db/pglite.database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { untilALockIsAwaited } from '../helpers/lock-waits.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * inventory_check_keys (migration 0015) and the coalesced checks over it: what Idempotency-Keys
 * hold, asked for refused keyed requests without a transaction each.
 */
let database: TestDatabase;
let db: Database;
before(async () => {
  database = await createTestDatabase();
  db = await openPostgres({ url: database.url, poolMax: 4, logger: silentLogger });
});
after(async () => {
  await db.close();
  await database.drop();
});

async function store(target: Database, key: string, hash: string, body: unknown): Promise<void> {
  await target.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at, response_body)
     VALUES ('reserve', $1, $2, now() + interval '1 hour', $3::jsonb)`,
    [key, hash, JSON.stringify(body)],
  );
}

async function keyRows(target: Database, prefix: string): Promise<string[]> {
  const rows = await target.query<{ key: string }>(
    'SELECT key FROM idempotency_keys WHERE key LIKE $1 ORDER BY key',
    [`${prefix}%`],
  );
  return rows.map((row) => row.key);
}

test('answers each key in order, stored answer or none, and leaves no row behind', async () => {
  const repo = createIdempotencyRepository(db);
  await store(db, 'kc-1-stored', 'h1', { reservation: { id: 'r1' } });
  const answers = await repo.checkKeys('reserve', [
    'kc-1-free',
    'kc-1-stored',
    'kc-1-free',
    'kc-1-"quoted", {braced}',
  ]);
  assert.deepEqual(answers, [
    undefined,
    { requestHash: 'h1', responseBody: { reservation: { id: 'r1' } } },
    undefined,
    undefined,
  ]);
  assert.deepEqual(await keyRows(db, 'kc-1-'), ['kc-1-stored'], 'the claims were rolled back');
  assert.deepEqual(
    await repo.checkKeys('other-scope', ['kc-1-stored']),
    [undefined],
    'keys are per scope',
  );
  assert.deepEqual(await repo.checkKeys('reserve', []), []);
});

test('a key another transaction holds is waited for: its commit is answered, its rollback is none', async () => {
  const repo = createIdempotencyRepository(db);
  const holder = new pg.Client({ connectionString: database.url });
  await holder.connect();
  try {
    for (const end of ['COMMIT', 'ROLLBACK'] as const) {
      const key = `kc-2-${end}`;
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at, response_body)
         VALUES ('reserve', $1, 'held', now() + interval '1 hour', '{"held": true}')`,
        [key],
      );
      const checked = repo.checkKeys('reserve', ['kc-2-other', key]);
      await untilALockIsAwaited(db, `the check waiting for ${key}`);
      await holder.query(end);
      assert.deepEqual(
        await checked,
        end === 'COMMIT'
          ? [undefined, { requestHash: 'held', responseBody: { held: true } }]
          : [undefined, undefined],
      );
    }
  } finally {
    await holder.end();
  }
  assert.deepEqual(await keyRows(db, 'kc-2-'), ['kc-2-COMMIT']);
});

test('a check claims its keys in key order, so it cannot deadlock with a batch', async () => {
  const repo = createIdempotencyRepository(db);
  const holder = new pg.Client({ connectionString: database.url });
  const probe = new pg.Client({ connectionString: database.url });
  await Promise.all([holder.connect(), probe.connect()]);
  const claim = (client: pg.Client, key: string) =>
    client.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
       VALUES ('reserve', $1, 'other', now() + interval '1 hour') ON CONFLICT DO NOTHING`,
      [key],
    );
  try {
    await holder.query('BEGIN');
    await claim(holder, 'kc-3-b');
    // Named b first; in key order the check claims a before it waits for b.
    const checked = repo.checkKeys('reserve', ['kc-3-b', 'kc-3-a']);
    await untilALockIsAwaited(db, 'the check waiting for kc-3-b');
    await probe.query('BEGIN');
    await probe.query("SET LOCAL lock_timeout = '200ms'");
    await assert.rejects(
      claim(probe, 'kc-3-a'),
      (error: { code?: string }) => error.code === '55P03',
    );
    await probe.query('ROLLBACK');
    await holder.query('ROLLBACK');
    assert.deepEqual(await checked, [undefined, undefined]);
  } finally {
    await Promise.all([holder.end(), probe.end()]);
  }
  assert.deepEqual(await keyRows(db, 'kc-3-'), []);
});

test('a missing scope or key is refused with 22023 and changes nothing', async () => {
  for (const [scope, keys] of [
    [null, '{a}'],
    ['reserve', null],
    ['reserve', '{kc-4,NULL}'],
  ] as const) {
    await assert.rejects(
      db.query('SELECT * FROM inventory_check_keys($1::text, $2::text[])', [scope, keys]),
      (error: { code?: string }) => error.code === '22023',
    );
  }
  assert.deepEqual(await keyRows(db, 'kc-4'), []);
});

test('concurrent checks share statements, queued behind the one in flight', async () => {
  const repo = createIdempotencyRepository(db);
  const calls: string[][] = [];
  const checker = createKeyChecker({
    checkKeys: (scope, keys) => {
      calls.push([...keys]);
      return repo.checkKeys(scope, keys);
    },
  });
  const holder = new pg.Client({ connectionString: database.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at, response_body)
       VALUES ('reserve', 'kc-5-a', 'h5', now() + interval '1 hour', '{"n": 5}')`,
    );
    // The first check waits for the holder; the ones asked meanwhile queue and go as one.
    const first = checker.check('reserve', 'kc-5-a');
    await untilALockIsAwaited(db, 'the first check waiting for kc-5-a');
    const rest = Promise.all(
      ['kc-5-a', 'kc-5-b', 'kc-5-a', 'kc-5-c'].map((key) => checker.check('reserve', key)),
    );
    await holder.query('COMMIT');
    const stored = { requestHash: 'h5', responseBody: { n: 5 } };
    assert.deepEqual(await first, stored);
    assert.deepEqual(await rest, [stored, undefined, stored, undefined]);
  } finally {
    await holder.end();
  }
  assert.deepEqual(calls, [['kc-5-a'], ['kc-5-a', 'kc-5-b', 'kc-5-c']]);
});

test('the check runs on embedded PGlite too', async () => {
  const pglite = await openMemoryPglite();
  try {
    await migrate(pglite, silentLogger);
    await store(pglite, 'kc-6-stored', 'h6', { n: 6 });
    const repo = createIdempotencyRepository(pglite);
    assert.deepEqual(await repo.checkKeys('reserve', ['kc-6-stored', 'kc-6-free']), [
      { requestHash: 'h6', responseBody: { n: 6 } },
      undefined,
    ]);
    assert.deepEqual(await keyRows(pglite, 'kc-6-'), ['kc-6-stored']);
  } finally {
    await pglite.close();
  }
});
