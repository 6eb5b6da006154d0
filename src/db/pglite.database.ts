import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
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
    useBaselineWasmCompiler();
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
  useBaselineWasmCompiler();
  const db = await PGlite.create({
    parsers: { [INT8_OID]: parseSafeInteger, [NUMERIC_OID]: parseSafeInteger },
  });
  return createPgliteDatabase(db, () => undefined);
}

/**
 * Keeps PGlite's WASM on V8's baseline compiler (Liftoff): no tier-up to the optimizing one. With
 * tier-up, one function of PostgreSQL (105 KB of WASM, hot within a second of start-up) took
 * 604 MB of compiler memory for 0.4 s (`--trace-wasm-compilation-times`; `--turbo-stats-wasm` puts
 * it in Turboshaft's loop unrolling, and no narrower V8 flag tried removed it), so the embedded
 * service peaked at about 770 MB on every start while holding about 300 MB. Without it the service
 * peaks at about 260 MB under load, for a fifth to a third less embedded throughput, and creating
 * a data directory peaks at 638 MB instead of 1,207 MB (docs/PERFORMANCE.md).
 *
 * The flags are process-wide and read whenever a function is compiled, so they are set before
 * PGlite compiles its module. At run time both are needed: `--liftoff-only` alone takes effect only
 * on the command line, where V8 derives these two from it.
 */
function useBaselineWasmCompiler(): void {
  v8.setFlagsFromString('--no-wasm-tier-up --no-wasm-dynamic-tiering');
}

function createPgliteDatabase(db: PGlite, onClose: () => void): Database {
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = tail.then(work, work);
    tail = result.catch(() => undefined);
    return result;
  }
  let closed = false;
  // PGlite runs in this process and has one connection: holding it is using it. There is no
  // round trip or per-connection plan to save, so a prepared statement is an ordinary one here.
  const queryPrepared: Database['queryPrepared'] = (_name, sql, params) =>
    exclusive(() => runQuery(db, sql, params));
  return {
    kind: 'pglite',
    query: (sql, params) => exclusive(() => runQuery(db, sql, params)),
    queryPrepared,
    hold: async () => ({
      queryPrepared,
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
    queryPrepared: (_name, sql, params) => runQuery(tx, sql, params),
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
