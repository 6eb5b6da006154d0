import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { loadConfig } from '../config/config.ts';
import { listStockLevelsForExport } from '../db/stock-export.repository.ts';
import { createLogger } from '../main/create-logger.ts';
import { openDatabase } from '../main/open-database.ts';

/** Columns of the export, in order; `inventory-service import` reads the same file back. */
export const EXPORT_COLUMNS = [
  'sku',
  'product_id',
  'variant_id',
  'warehouse_id',
  'on_hand',
  'reserved',
  'committed',
  'incoming',
  'damaged',
  'safety_stock',
  'backordered',
  'available',
] as const;

/** Rows read per query: memory stays flat however many stock levels there are. */
const EXPORT_PAGE_SIZE = 1_000;

/**
 * `inventory-service export [--output file]`: every stock level as CSV, to stdout or to a file.
 * A file is written under a temporary name and renamed when complete, so a failed export never
 * leaves a half-written file where a good one is expected.
 */
export async function exportCommand(options: { output?: string | undefined }): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await openDatabase(config, logger);
  const target = options.output === undefined ? undefined : path.resolve(options.output);
  const temporary = target === undefined ? undefined : `${target}.${process.pid}.tmp`;
  try {
    const out: Writable =
      temporary === undefined ? process.stdout : fs.createWriteStream(temporary, { flags: 'wx' });
    const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS] });
    csv.pipe(out, { end: temporary !== undefined });
    let rows = 0;
    let after: Parameters<typeof listStockLevelsForExport>[1];
    for (;;) {
      const page = await listStockLevelsForExport(db, after, EXPORT_PAGE_SIZE);
      for (const level of page) {
        const line = [
          level.sku ?? '',
          level.productId,
          level.variantId,
          level.warehouseId,
          level.onHand,
          level.reserved,
          level.committed,
          level.incoming,
          level.damaged,
          level.safetyStock,
          level.backordered,
          level.available,
        ];
        if (!csv.write(line)) {
          await new Promise((resolve) => csv.once('drain', resolve));
        }
      }
      rows += page.length;
      const last = page.at(-1);
      if (page.length < EXPORT_PAGE_SIZE || last === undefined) {
        break;
      }
      after = last;
    }
    csv.end();
    await finished(csv);
    if (temporary !== undefined && target !== undefined) {
      await finished(out);
      await fs.promises.rename(temporary, target);
      process.stderr.write(`exported ${rows} stock levels to ${target}\n`);
    }
  } catch (error) {
    if (temporary !== undefined) {
      await fs.promises.rm(temporary, { force: true });
    }
    throw error;
  } finally {
    await db.close();
  }
}
