import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock } from './data-dir-lock.ts';
import {
  type Database,
  INT8_OID,
  NUMERIC_OID,
  parseSafeInteger,
  type Queryable,
} from './database.ts';

/**
 * The embedded default: real PostgreSQL compiled to WASM, one connection, no row locks that matter.
 * Every transaction and statement goes through one in-process queue, so the conditional updates the
 * repositories rely on see a serial history, exactly as row locks give them on a real server.
 */
export async function openPglite(
  dataDir: string,
  options: { sharedBuffersMb: number },
): Promise<Database> {
  const lock = acquireDataDirLock(dataDir);
  try {
    const pgDataDir = path.join(dataDir, 'pgdata');
    fs.mkdirSync(pgDataDir, { recursive: true });
    const db = await PGlite.create(pgDataDir, {
      parsers: { [INT8_OID]: parseSafeInteger, [NUMERIC_OID]: parseSafeInteger },
      // PGlite's own start parameters (single-user mode, no fsync: see docs/RELIABILITY.md) plus
      // a smaller buffer cache: PostgreSQL's default of 128 MB lives in the service's WASM memory,
      // which never shrinks, and the operating system caches the data files behind it anyway.
      startParams: [
        ...PGlite.defaultStartParams,
        '-c',
        `shared_buffers=${options.sharedBuffersMb}MB`,
      ],
    });
    return createPgliteDatabase(db, () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** In-memory PGlite (no lock file): for tests of the embedded path. */
export async function openMemoryPglite(): Promise<Database> {
  const db = await PGlite.create({
    parsers: { [INT8_OID]: parseSafeInteger, [NUMERIC_OID]: parseSafeInteger },
  });
  return createPgliteDatabase(db, () => undefined);
}

function createPgliteDatabase(db: PGlite, onClose: () => void): Database {
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = tail.then(work, work);
    tail = result.catch(() => undefined);
    return result;
  }
  let closed = false;
  return {
    kind: 'pglite',
    query: (sql, params) => exclusive(() => runQuery(db, sql, params)),
    // PGlite runs in this process and has one connection: holding it is using it. There is no
    // round trip or per-connection plan to save, so a prepared statement is an ordinary one here.
    hold: async () => ({
      queryPrepared: (_name, sql, params) => exclusive(() => runQuery(db, sql, params)),
      release: () => undefined,
      wantedBack: () => false,
    }),
    exec: (sql) =>
      exclusive(async () => {
        await db.exec(sql);
      }),
    transaction: (fn) => exclusive(() => db.transaction((tx) => fn(transactionQueryable(tx)))),
    close: () =>
      exclusive(async () => {
        if (closed) {
          return;
        }
        closed = true;
        await db.close();
        onClose();
      }),
  };
}

function transactionQueryable(tx: Transaction): Queryable {
  return {
    query: (sql, params) => runQuery(tx, sql, params),
    exec: async (sql) => {
      await tx.exec(sql);
    },
  };
}

async function runQuery<Row extends object>(
  target: PGlite | Transaction,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<Row[]> {
  const result = await target.query<Row>(sql, params as unknown[] | undefined);
  return result.rows;
}
