import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../app/ports.ts';
import { type Database, isSqlError } from './database.ts';

/**
 * Applies the numbered plain-SQL files in ./migrations in order, each exactly once.
 *
 * Two instances starting together must not both apply a file. Session advisory locks would do it on
 * one PostgreSQL but not on the distributed databases we want to stay portable to, so the lock is a
 * row: every run takes `SELECT ... FOR UPDATE` on the single row of schema_migration_lock inside the
 * transaction that applies the files; the second instance waits on that row, then finds the files
 * recorded and applies nothing.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Catalog races of concurrent `CREATE TABLE IF NOT EXISTS` (unique_violation, duplicate_table). */
const BOOTSTRAP_RACE_SQLSTATES = new Set(['23505', '42P07']);
const BOOTSTRAP_ATTEMPTS_MAX = 5;

const BOOTSTRAP_SQL = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS schema_migration_lock (
  id integer PRIMARY KEY CHECK (id = 1)
);
INSERT INTO schema_migration_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
`;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (match === null || match[1] === undefined || match[2] === undefined) {
        throw new Error(`migration file ${file} does not match NNNN_name.sql`);
      }
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2],
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migrations must be numbered 0001, 0002, ... without gaps; found ${migration.version}`,
      );
    }
  });
  return migrations;
}

export async function migrate(
  db: Database,
  logger: Logger,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<MigrationResult> {
  await bootstrap(db);
  return db.transaction(async (tx) => {
    await tx.query('SELECT id FROM schema_migration_lock WHERE id = 1 FOR UPDATE');
    const rows = await tx.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    const appliedChecksums = new Map(rows.map((row) => [row.version, row.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const known = appliedChecksums.get(migration.version);
      if (known !== undefined) {
        if (known !== migration.checksum) {
          throw new Error(
            `migration ${migration.version}_${migration.name} was changed after it was applied; ` +
              'add a new migration instead of editing an applied one',
          );
        }
        continue;
      }
      logger.info({ version: migration.version, name: migration.name }, 'applying migration');
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migration.checksum],
      );
      applied.push(`${String(migration.version).padStart(4, '0')}_${migration.name}`);
    }
    return { applied, alreadyApplied: appliedChecksums.size };
  });
}

async function bootstrap(db: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction((tx) => tx.exec(BOOTSTRAP_SQL));
      return;
    } catch (error) {
      const raced = isSqlError(error) && BOOTSTRAP_RACE_SQLSTATES.has(error.code);
      if (!raced || attempt >= BOOTSTRAP_ATTEMPTS_MAX) {
        throw error;
      }
    }
  }
}
