import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { syncWarehouses } from '../app/sync-warehouses.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { readWarehousesFile } from '../config/warehouses-file.ts';
import type { Database } from '../db/database.ts';
import { migrate } from '../db/migrator.ts';
import {
  createSeedRepository,
  DEMO_BATCH_SIZE_MAX,
  type DemoProduct,
} from '../db/seed.repository.ts';
import { createTransactionRunner } from '../db/transaction-runner.ts';
import { createLogger } from '../main/create-logger.ts';
import { newId } from '../main/new-id.ts';
import { openDatabase } from '../main/open-database.ts';

/**
 * `inventory-service seed --warehouses --products [--count N] [--stock N]` (seed 002's local setup):
 * --warehouses syncs WAREHOUSES_FILE (config/warehouses.yaml) into the database; --products adds
 * demo products demo-product-00001.. with stock in every active warehouse but the default one.
 * Both are idempotent: a second run changes nothing, a larger --count adds only the missing ones.
 */
export interface SeedOptions {
  readonly warehouses: boolean;
  readonly products: boolean;
  readonly count: number;
  readonly stock: number;
}

export const DEMO_COUNT_DEFAULT = 100;
export const DEMO_COUNT_MAX = 100_000;
/** Each demo stock level holds 0..stock units (deterministic per product and warehouse). */
export const DEMO_STOCK_DEFAULT = 500;
export const DEMO_STOCK_MAX = 1_000_000;

/** Commander option parsers: a bad value is a usage error naming the option. */
export function parseCountOption(raw: string): number {
  return parseWholeNumber(raw, 1, DEMO_COUNT_MAX);
}

export function parseStockOption(raw: string): number {
  return parseWholeNumber(raw, 0, DEMO_STOCK_MAX);
}

function parseWholeNumber(raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export async function seedCommand(options: SeedOptions): Promise<void> {
  if (!options.warehouses && !options.products) {
    process.stderr.write(
      'inventory-service: nothing to seed: pass --warehouses, --products or both\n',
    );
    process.exitCode = 1;
    return;
  }
  const config = loadConfig();
  // Checked before anything is opened, like every other configuration problem.
  const warehouses = options.warehouses ? readWarehousesFile(config.warehousesFile) : undefined;
  if (options.warehouses && warehouses === undefined) {
    throw new ConfigError('WAREHOUSES_FILE', `${config.warehousesFile}: file does not exist`);
  }
  // Logs go to stderr so stdout holds only the progress bar and the summary lines.
  const logger = createLogger(config, process.stderr);
  const db = await openDatabase(config, logger);
  try {
    if (config.runMigrations) {
      await migrate(db, logger);
    }
    if (warehouses !== undefined) {
      const synced = await syncWarehouses({ tx: createTransactionRunner(db) }, warehouses);
      process.stdout.write(
        `warehouses: ${synced.created} created, ${synced.updated} updated, ` +
          `${synced.unchanged} unchanged (from ${config.warehousesFile})\n`,
      );
    }
    if (options.products) {
      await seedDemoProducts(db, options);
    }
  } finally {
    await db.close();
  }
}

async function seedDemoProducts(db: Database, options: SeedOptions): Promise<void> {
  const repository = createSeedRepository(db);
  const warehouseIds = await repository.listStockedWarehouseIds();
  if (warehouseIds.length === 0) {
    // Items with no stock level anywhere would break seed 000's reads; refuse instead.
    process.stderr.write(
      'inventory-service: no active warehouse to stock besides "default": run seed --warehouses ' +
        'first, or create one with POST /api/inventory/warehouses\n',
    );
    process.exitCode = 1;
    return;
  }
  const progress = createProgress(options.count);
  let created = 0;
  let levels = 0;
  let units = 0;
  try {
    for (let first = 1; first <= options.count; first += DEMO_BATCH_SIZE_MAX) {
      const last = Math.min(options.count, first + DEMO_BATCH_SIZE_MAX - 1);
      const batch: DemoProduct[] = [];
      for (let index = first; index <= last; index++) {
        batch.push(demoProduct(index, warehouseIds, options.stock));
      }
      const result = await repository.insertDemoProducts(batch);
      created += result.itemsCreated;
      levels += result.stockLevelsCreated;
      units += result.unitsCreated;
      progress.update(last);
    }
  } finally {
    progress.stop();
  }
  process.stdout.write(
    `products: ${created} created, ${options.count - created} already present; ` +
      `${levels} stock levels with ${units} units in ${warehouseIds.length} warehouses ` +
      `(${warehouseIds.join(', ')})\n`,
  );
}

/** demo-product-00001 / DEMO-00001, with the same quantities on every run. */
export function demoProduct(
  index: number,
  warehouseIds: readonly string[],
  stockMax: number,
): DemoProduct {
  const number = String(index).padStart(5, '0');
  return {
    // Time-ordered ids, as the service gives the items it creates (src/main/new-id.ts).
    itemId: newId(),
    productId: `demo-product-${number}`,
    sku: `DEMO-${number}`,
    name: `Demo product ${number}`,
    stock: warehouseIds.map((warehouseId) => ({
      warehouseId,
      onHand: demoQuantity(index, warehouseId, stockMax),
    })),
  };
}

/**
 * Random-looking but reproducible: FNV-1a of the product number and warehouse id, so a product's
 * stock in a warehouse does not depend on which other warehouses exist or on the run.
 */
export function demoQuantity(index: number, warehouseId: string, stockMax: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${warehouseId}#${index}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % (stockMax + 1);
}

interface Progress {
  update(done: number): void;
  stop(): void;
}

/** A bar on a terminal; nothing when stdout is a pipe or a file (the summary line says it all). */
function createProgress(total: number): Progress {
  if (process.stdout.isTTY !== true) {
    return { update: () => undefined, stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: 'products [{bar}] {percentage}% | {value}/{total} | ETA {eta}s',
      hideCursor: true,
      stream: process.stdout,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
