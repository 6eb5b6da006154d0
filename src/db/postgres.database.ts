import pg from 'pg';
import type { Logger } from '../app/ports.ts';
import {
  type Database,
  INT8_OID,
  NUMERIC_OID,
  parseSafeInteger,
  type Queryable,
} from './database.ts';

export interface PostgresOptions {
  readonly url: string;
  readonly poolMax: number;
  readonly logger: Logger;
  /** How long start-up waits for the first connection before giving up. */
  readonly connectTimeoutMs?: number;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

const TIMESTAMPTZ_OID = 1184;

/**
 * timestamptz, parsed once per distinct text among the last two. A reserve batch answers every
 * request with the same created_at and, for one TTL, the same expires_at, and the driver's parser
 * (a regular expression and Date.UTC per value) took 2.0% of the service's busy time on hot
 * reserve (docs/PERFORMANCE.md, tenth sitting). Each call answers a new Date, so no caller can
 * change another's; what the driver answers other than a Date (infinity) passes through unkept.
 */
export function createTimestampParser(parse: (text: string) => unknown): (text: string) => unknown {
  let lastText = '';
  let lastMs = 0;
  let otherText = '';
  let otherMs = 0;
  return (text) => {
    if (text === lastText) {
      return new Date(lastMs);
    }
    if (text === otherText) {
      return new Date(otherMs);
    }
    const parsed = parse(text);
    if (!(parsed instanceof Date)) {
      return parsed;
    }
    otherText = lastText;
    otherMs = lastMs;
    lastText = text;
    lastMs = parsed.getTime();
    return parsed;
  };
}

const parseTimestamptz = createTimestampParser(pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text'));

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) {
      return parseSafeInteger;
    }
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') {
      return parseTimestamptz;
    }
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Opens a pool and proves it can connect; throws DatabaseUnavailableError with the cause if not. */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    types: typeParsers,
    application_name: 'inventory-service',
    // No JIT compilation for the service's statements: they run in milliseconds, and PostgreSQL
    // compiles any statement whose cost estimate passes jit_above_cost, which a table without
    // statistics yet is enough for (compiling cost the end batch 190-240 ms a call on the bench;
    // migration 0010). A SET, not a startup `options` parameter, which PgBouncer refuses. The
    // pool awaits this hook before it hands the new client out, so no query runs without it and
    // none is queued behind it (pg deprecates queueing a query on a busy client).
    onConnect: async (client) => {
      try {
        await client.query('SET jit = off');
      } catch (error) {
        options.logger.warn({ err: error }, 'could not turn JIT off for a database connection');
      }
    },
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle database client failed'));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return createPostgresDatabase(pool, options.poolMax);
}

function createPostgresDatabase(pool: pg.Pool, poolMax: number): Database {
  // Connections handed out by hold() and not yet given back.
  let held = 0;
  return {
    kind: 'postgres',
    query: (sql, params) => runQuery(pool, sql, params),
    queryPrepared: (name, sql, params) => runPrepared(pool, name, sql, params),
    async hold() {
      const client = await pool.connect();
      held++;
      let released = false;
      return {
        queryPrepared: (name, sql, params) => runPrepared(client, name, sql, params),
        release(broken?: Error) {
          if (!released) {
            released = true;
            held--;
            client.release(broken);
          }
        },
        // Waiters are served by connections that are not held as soon as those finish their
        // query; only when holders have every connection would they wait for good.
        wantedBack: () => pool.waitingCount > 0 && held >= poolMax,
      };
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(clientQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          // A connection that cannot even roll back is discarded, not returned to the pool.
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    query: (sql, params) => runQuery(client, sql, params),
    queryPrepared: (name, sql, params) => runPrepared(client, name, sql, params),
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}

async function runQuery<Row extends object>(
  target: pg.Pool | pg.PoolClient,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<Row[]> {
  const result = await target.query<Row>(sql, params as unknown[] | undefined);
  return result.rows;
}

/** Through the pool, each connection prepares `name` the first time it runs it. */
async function runPrepared<Row extends object>(
  target: pg.Pool | pg.PoolClient,
  name: string,
  sql: string,
  params: readonly unknown[],
): Promise<Row[]> {
  const result = await target.query<Row>({ name, text: sql, values: params as unknown[] });
  return result.rows;
}

/** The URL without its password, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
