import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { migrate } from '../../src/db/migrator.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';

/**
 * A fresh PostgreSQL database per test file, cloned from a template that has every migration
 * applied: cloning takes milliseconds, migrating each time would not. The template is rebuilt by the
 * global setup at the start of every run, so a changed migration is always picked up.
 */
export const ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE_NAME = 'inventory_test_template';
const TEST_DB_PREFIX = 'inventory_test_';
/** CREATE DATABASE fails with 55006 while another session is copying the same template. */
const TEMPLATE_BUSY_SQLSTATE = '55006';
const CREATE_ATTEMPTS_MAX = 20;

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

/** Drops and rebuilds the migrated template (global setup), and drops leftovers of killed runs. */
export async function rebuildTemplate(): Promise<void> {
  await withAdmin(async (admin) => {
    const leftovers = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${TEST_DB_PREFIX}%`],
    );
    for (const row of leftovers.rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${TEMPLATE_NAME}"`);
  });
  const logger = pino({ level: 'silent' });
  const db = await openPostgres({ url: databaseUrl(TEMPLATE_NAME), poolMax: 1, logger });
  try {
    await migrate(db, logger);
  } finally {
    await db.close();
  }
}

async function templateExists(): Promise<boolean> {
  return withAdmin(async (admin) => {
    const result = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      TEMPLATE_NAME,
    ]);
    return result.rowCount === 1;
  });
}

/** An empty database with no schema (for migration tests). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase('');
}

/** A migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!(await templateExists())) {
    // A single file run outside `npm test` has no global setup.
    await rebuildTemplate();
  }
  return createDatabase(` TEMPLATE "${TEMPLATE_NAME}"`);
}

async function createDatabase(templateClause: string): Promise<TestDatabase> {
  const name = `${TEST_DB_PREFIX}${randomBytes(6).toString('hex')}`;
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
