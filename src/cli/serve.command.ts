import { syncWarehouses } from '../app/sync-warehouses.ts';
import { loadConfig } from '../config/config.ts';
import { readWarehousesFile } from '../config/warehouses-file.ts';
import { migrate } from '../db/migrator.ts';
import { createTransactionRunner } from '../db/transaction-runner.ts';
import { createLogger } from '../main/create-logger.ts';
import { createService } from '../main/create-service.ts';
import { applyHeapSettings } from '../main/heap-settings.ts';
import { openDatabase } from '../main/open-database.ts';

/**
 * `inventory-service serve`: migrate (unless RUN_MIGRATIONS=false), sync WAREHOUSES_FILE when it
 * exists, start workers, listen, and shut down gracefully on SIGTERM / SIGINT within
 * SHUTDOWN_TIMEOUT.
 */
export async function serveCommand(): Promise<void> {
  applyHeapSettings();
  const config = loadConfig();
  // Read before anything is opened: an invalid file stops start-up like a bad variable (exit 2).
  const warehouses = readWarehousesFile(config.warehousesFile);
  const logger = createLogger(config);
  const db = await openDatabase(config, logger);
  try {
    if (config.runMigrations) {
      const result = await migrate(db, logger);
      logger.info({ applied: result.applied }, 'database schema is up to date');
    }
    if (warehouses === undefined) {
      logger.debug(
        { file: config.warehousesFile },
        'no warehouses file; warehouses left as they are',
      );
    } else {
      const synced = await syncWarehouses({ tx: createTransactionRunner(db) }, warehouses);
      logger.info({ file: config.warehousesFile, ...synced }, 'warehouses synced from file');
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const service = await createService(config, logger, db);
  const address = await service.start();
  logger.info({ address, database: db.kind }, 'inventory-service listening');

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    service.stop().then(
      () => {
        logger.info('stopped');
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
