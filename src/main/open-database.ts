import type { Logger } from '../app/ports.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { openPglite } from '../db/pglite.database.ts';
import { openPostgres, redactUrl } from '../db/postgres.database.ts';

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite database under DATA_DIR. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolMax' | 'embeddedSharedBuffersMb'>,
  logger: Logger,
): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    const db = await openPostgres({
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      logger,
    });
    logger.info({ database: redactUrl(config.databaseUrl) }, 'connected to PostgreSQL');
    return db;
  }
  const db = await openPglite(config.dataDir, { sharedBuffersMb: config.embeddedSharedBuffersMb });
  logger.info(
    { dataDir: config.dataDir },
    'opened embedded PGlite database (DATABASE_URL not set)',
  );
  return db;
}
