import { loadConfig } from '../config/config.ts';
import { migrate } from '../db/migrator.ts';
import { createLogger } from '../main/create-logger.ts';
import { openDatabase } from '../main/open-database.ts';

/** `inventory-service migrate`: apply pending migrations and exit. */
export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await openDatabase(config, logger);
  try {
    const result = await migrate(db, logger);
    const summary =
      result.applied.length === 0
        ? `schema is up to date (${result.alreadyApplied} migrations applied earlier)`
        : `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`;
    process.stdout.write(`${summary}\n`);
  } finally {
    await db.close();
  }
}
