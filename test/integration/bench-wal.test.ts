import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  readWalState,
  switchesWanted,
  WARM_SEGMENTS_MAX,
  type WalState,
  warmWal,
} from '../../bench/lib/wal.ts';
import type { Database } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * The bench's WAL warm-up (bench/lib/wal.ts): a young cluster zero-fills each new WAL segment
 * during the runs, so the bench gives it the segments a cluster in service keeps first.
 */
let database: TestDatabase;
let db: Database;
before(async () => {
  database = await createTestDatabase();
  db = await openPostgres({ url: database.url, poolMax: 2, logger: silentLogger });
});
after(async () => {
  await db.close();
  await database.drop();
});

async function insertPosition(): Promise<bigint> {
  const [row] = await db.query<{ at: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS at`,
  );
  return BigInt(row?.at ?? '0');
}

test('reads the segments on hand and what max_wal_size keeps', async () => {
  const state = await readWalState(db);
  assert.ok(state !== undefined);
  const [row] = await db.query<{ max_wal: string; segment: string }>(
    `SELECT pg_size_bytes(current_setting('max_wal_size')) AS max_wal,
       pg_size_bytes(current_setting('wal_segment_size')) AS segment`,
  );
  assert.equal(state.segmentBytes, Number(row?.segment));
  assert.equal(state.kept, Math.floor(Number(row?.max_wal) / Number(row?.segment)));
  assert.ok(state.segments >= 1);
});

test('moves a cluster short of what max_wal_size keeps on by all of it, within a bound', () => {
  const state = (segments: number, kept: number): WalState => ({
    segments,
    kept,
    segmentBytes: 16 * 2 ** 20,
  });
  assert.equal(switchesWanted(state(1, 64)), 64);
  assert.equal(switchesWanted(state(43, 64)), 64);
  assert.equal(switchesWanted(state(64, 64)), 0);
  assert.equal(switchesWanted(state(80, 64)), 0);
  assert.equal(switchesWanted(state(1, 10_000)), WARM_SEGMENTS_MAX);
});

test('moves the WAL on by whole segments, then checkpoints', async () => {
  const state = await readWalState(db);
  assert.ok(state !== undefined);
  const segment = BigInt(state.segmentBytes);
  const before = await insertPosition();
  assert.equal(await warmWal(db, 2), 'done');
  const after = await insertPosition();
  // Each switch ends a segment: two of them start a segment at least two after the first.
  assert.ok(after / segment - before / segment >= 2n, `${before} -> ${after}`);
  const [checkpoint] = await db.query<{ redo: string }>(
    `SELECT pg_wal_lsn_diff(redo_lsn, '0/0')::bigint AS redo FROM pg_control_checkpoint()`,
  );
  assert.ok(BigInt(checkpoint?.redo ?? '0') >= after - segment, 'a checkpoint after the switches');
});

test('refuses a count outside 0..WARM_SEGMENTS_MAX', async () => {
  for (const count of [-1, 1.5, WARM_SEGMENTS_MAX + 1]) {
    await assert.rejects(warmWal(db, count), RangeError);
  }
});

/** Runs `check` on a database connection of a new role (dropped afterwards) made by `grants`. */
async function asRole(grants: string, check: (reader: Database) => Promise<void>): Promise<void> {
  const role = `inventory_wal_reader_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE ROLE "${role}" LOGIN`);
  try {
    if (grants !== '') {
      await admin.query(grants.replaceAll('$role', `"${role}"`));
    }
    const url = new URL(database.url);
    url.username = role;
    const reader = await openPostgres({ url: url.toString(), poolMax: 1, logger: silentLogger });
    try {
      await check(reader);
    } finally {
      await reader.close();
    }
  } finally {
    await admin.query(`DROP ROLE "${role}"`);
    await admin.end();
  }
}

test('a role that may not read pg_wal gets no state, not an error', async () => {
  await asRole('', async (reader) => {
    assert.equal(await readWalState(reader), undefined);
  });
});

test('a role that may read pg_wal but not switch it is told so, not failed', async () => {
  await asRole('GRANT pg_monitor TO $role', async (reader) => {
    assert.ok((await readWalState(reader)) !== undefined);
    assert.equal(await warmWal(reader, 1), 'not permitted');
  });
});
