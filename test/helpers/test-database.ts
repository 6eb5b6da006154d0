import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { isProcessAlive } from '../../src/db/data-dir-lock.ts';
import { loadMigrations, migrate } from '../../src/db/migrator.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';

/**
 * A fresh PostgreSQL database per test file, cloned from a template that has every migration
 * applied: cloning takes milliseconds, migrating each time would not.
 *
 * Several test runs may share one server (a developer's run beside CI's), so nothing here drops
 * what another run may be using:
 * - the template's name carries a hash of the migrations, so a changed migration gets a new
 *   template, and the template is built under a private name and renamed into place (rename is
 *   atomic; the loser of a race drops its copy);
 * - each database's name carries the pid of the test process that made it, and leftovers are
 *   dropped only when that process is gone (a run that was killed before its after hooks ran).
 */
export const ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEST_DB_PREFIX = 'inventory_test_';
const BUILD_PREFIX = 'inventory_tplbuild_';
/** CREATE DATABASE fails with 55006 while another session is connected to the same template. */
const TEMPLATE_BUSY_SQLSTATE = '55006';
const DUPLICATE_DATABASE_SQLSTATE = '42P04';
const CREATE_ATTEMPTS_MAX = 20;

export const TEMPLATE_NAME = `inventory_tpl_${createHash('sha256')
  .update(
    loadMigrations()
      .map((m) => m.checksum)
      .join(','),
  )
  .digest('hex')
  .slice(0, 16)}`;

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function uniqueName(prefix: string): string {
  return `${prefix}${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Drops databases left by test processes that no longer exist. */
export async function dropLeftovers(): Promise<void> {
  await withAdmin(async (admin) => {
    const rows = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2',
      [`${TEST_DB_PREFIX}%`, `${BUILD_PREFIX}%`],
    );
    for (const { datname } of rows.rows) {
      const pid = Number(/_(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
      if (Number.isSafeInteger(pid) && !isProcessAlive(pid)) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  });
}

/** Makes sure the migrated template for the current migrations exists. */
export async function ensureTemplate(): Promise<void> {
  const exists = await withAdmin(async (admin) => {
    const result = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      TEMPLATE_NAME,
    ]);
    return result.rowCount === 1;
  });
  if (exists) {
    return;
  }
  const buildName = uniqueName(BUILD_PREFIX);
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${buildName}"`));
  const logger = pino({ level: 'silent' });
  const db = await openPostgres({ url: databaseUrl(buildName), poolMax: 1, logger });
  try {
    await migrate(db, logger);
  } finally {
    await db.close();
  }
  await withAdmin(async (admin) => {
    try {
      await admin.query(`ALTER DATABASE "${buildName}" RENAME TO "${TEMPLATE_NAME}"`);
    } catch (error) {
      await admin.query(`DROP DATABASE IF EXISTS "${buildName}" WITH (FORCE)`);
      if ((error as { code?: string }).code !== DUPLICATE_DATABASE_SQLSTATE) {
        throw error;
      }
    }
  });
}

/** An empty database with no schema (for migration tests). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase('');
}

/** A migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  // Normally done once by the global setup; a single file run outside `npm test` has none.
  await ensureTemplate();
  return createDatabase(` TEMPLATE "${TEMPLATE_NAME}"`);
}

async function createDatabase(templateClause: string): Promise<TestDatabase> {
  const name = uniqueName(TEST_DB_PREFIX);
  await withAdmin(async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}"${templateClause}`);
        return;
      } catch (error) {
        const busy = (error as { code?: string }).code === TEMPLATE_BUSY_SQLSTATE;
        if (!busy || attempt >= CREATE_ATTEMPTS_MAX) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdmin(async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}
