import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { applyAdjustment } from '../app/adjust-stock.ts';
import type { ItemRecord, RequestContext, UnitOfWork } from '../app/ports.ts';
import { loadConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { createTransactionRunner, createUnitOfWork } from '../db/transaction-runner.ts';
import { isDomainError } from '../domain/errors.ts';
import { ID_LENGTH_MAX, ID_PATTERN, ON_HAND_MAX } from '../domain/limits.ts';
import { createLogger } from '../main/create-logger.ts';
import { openDatabase } from '../main/open-database.ts';

/**
 * `inventory-service import <file> [--dry-run]`: sets on-hand counts from a CSV file (a stock take).
 * Columns: `sku` or `product_id` (+ `variant_id`), `warehouse_id`, `on_hand`; other columns (such
 * as those of `inventory-service export`) are ignored, so an export can be edited and imported back.
 *
 * Every row is checked first (format, item, warehouse, and that the count does not fall below what
 * is reserved, committed or damaged there); any problem is reported with its line number and
 * nothing is applied. Then all rows are applied in ONE transaction, each as a `set` adjustment with
 * reason `recount` by actor `system:import`, so the file applies whole or not at all.
 */
const IMPORT_FILE_BYTES_MAX = 50 * 1024 * 1024;
const IMPORT_ROWS_MAX = 100_000;
/** Problems listed before the rest are summarised: a wrong file should not flood the terminal. */
const PROBLEMS_SHOWN_MAX = 100;
const ACTOR = 'system:import';
const ID_REGEX = new RegExp(ID_PATTERN);

/** A failure the user can fix: printed as is, exit 1, nothing applied. */
class ImportRefused extends Error {}

interface ImportRow {
  /** Line in the file (the header is line 1). */
  readonly line: number;
  readonly sku: string | undefined;
  readonly productId: string | undefined;
  readonly variantId: string;
  readonly warehouseId: string;
  readonly onHand: number;
}

interface PlannedRow extends ImportRow {
  readonly item: ItemRecord;
  readonly current: number;
}

export async function importCommand(
  file: string,
  options: { dryRun?: boolean | undefined },
): Promise<void> {
  let rows: ImportRow[];
  try {
    rows = readRows(file);
  } catch (error) {
    if (error instanceof ImportRefused) {
      process.stderr.write(`inventory-service import: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await openDatabase(config, logger);
  try {
    const planned = await planRows(createUnitOfWork(db), rows);
    if (planned.problems.length > 0) {
      reportProblems(file, planned.problems);
      return;
    }
    const changed = planned.rows.filter((row) => row.current !== row.onHand).length;
    if (options.dryRun === true) {
      for (const row of planned.rows) {
        process.stdout.write(
          `line ${row.line}: ${describe(row)} at ${row.warehouseId}: on_hand ${row.current} -> ` +
            `${row.onHand}\n`,
        );
      }
      process.stdout.write(
        `dry run: ${planned.rows.length} rows valid, ${changed} would change; nothing applied\n`,
      );
      return;
    }
    const failure = await applyRows(db, planned.rows, path.basename(file));
    if (failure !== undefined) {
      reportProblems(file, [failure]);
      return;
    }
    process.stdout.write(
      `imported ${planned.rows.length} rows from ${path.basename(file)} (${changed} changed)\n`,
    );
  } finally {
    await db.close();
  }
}

function readRows(file: string): ImportRow[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new ImportRefused(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (stat.size > IMPORT_FILE_BYTES_MAX) {
    throw new ImportRefused(`${file} is larger than ${IMPORT_FILE_BYTES_MAX} bytes`);
  }
  let records: { info: { lines: number }; record: string[] }[];
  try {
    records = parse(fs.readFileSync(file), {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new ImportRefused(`${file} is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = records;
  if (header === undefined) {
    throw new ImportRefused(`${file} is empty: expected a header line`);
  }
  const columns = header.record.map((name) => name.toLowerCase());
  const index = (name: string) => {
    const at = columns.indexOf(name);
    return at === -1 ? undefined : at;
  };
  const at = {
    sku: index('sku'),
    productId: index('product_id'),
    variantId: index('variant_id'),
    warehouseId: index('warehouse_id'),
    onHand: index('on_hand'),
  };
  if (at.warehouseId === undefined || at.onHand === undefined) {
    throw new ImportRefused(
      `${file}: the header (line 1) must name the columns warehouse_id and on_hand`,
    );
  }
  if (at.sku === undefined && at.productId === undefined) {
    throw new ImportRefused(`${file}: the header (line 1) must name a sku or a product_id column`);
  }
  if (body.length > IMPORT_ROWS_MAX) {
    throw new ImportRefused(`${file} has ${body.length} rows; at most ${IMPORT_ROWS_MAX} at once`);
  }
  const cell = (record: string[], column: number | undefined) =>
    column === undefined ? '' : (record[column] ?? '');
  return body.map(({ info, record }) => ({
    line: info.lines,
    sku: cell(record, at.sku) || undefined,
    productId: cell(record, at.productId) || undefined,
    variantId: cell(record, at.variantId),
    warehouseId: cell(record, at.warehouseId),
    onHand: parseCount(cell(record, at.onHand)),
  }));
}

/** NaN for anything but a whole number in range, reported by checkRow. */
function parseCount(text: string): number {
  if (!/^\d{1,13}$/.test(text)) {
    return Number.NaN;
  }
  const value = Number(text);
  return value <= ON_HAND_MAX ? value : Number.NaN;
}

function checkId(name: string, value: string | undefined, required: boolean): string | undefined {
  if (value === undefined || value === '') {
    return required ? `${name} is empty` : undefined;
  }
  if (value.length > ID_LENGTH_MAX || !ID_REGEX.test(value)) {
    return (
      `${name} ${JSON.stringify(value)} must be 1 to ${ID_LENGTH_MAX} letters, digits or ` +
      '. _ : @ ~ - starting with a letter or digit'
    );
  }
  return undefined;
}

/** Format problems of one row, without the database. */
function checkRow(row: ImportRow): string | undefined {
  if (row.sku === undefined && row.productId === undefined) {
    return 'give a sku or a product_id';
  }
  if (row.sku === undefined && row.variantId !== '' && row.productId === undefined) {
    return 'variant_id needs a product_id';
  }
  return (
    checkId('sku', row.sku, false) ??
    checkId('product_id', row.productId, false) ??
    checkId('variant_id', row.variantId, false) ??
    checkId('warehouse_id', row.warehouseId, true) ??
    (Number.isNaN(row.onHand)
      ? `on_hand must be a whole number from 0 to ${ON_HAND_MAX}`
      : undefined)
  );
}

interface Problem {
  readonly line: number;
  readonly message: string;
}

/** Checks every row against the database (reads only) and collects every problem found. */
async function planRows(
  reader: UnitOfWork,
  rows: readonly ImportRow[],
): Promise<{ rows: PlannedRow[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const planned: PlannedRow[] = [];
  const warehouses = new Map<string, { active: boolean } | undefined>();
  const seen = new Map<string, number>();
  for (const row of rows) {
    const format = checkRow(row);
    if (format !== undefined) {
      problems.push({ line: row.line, message: format });
      continue;
    }
    const item =
      row.sku !== undefined
        ? await reader.items.findBySku(row.sku)
        : await reader.items.findByProduct(row.productId ?? '', row.variantId);
    if (item === undefined) {
      problems.push({ line: row.line, message: `no item ${describe(row)}` });
      continue;
    }
    if (
      row.sku !== undefined &&
      row.productId !== undefined &&
      (item.productId !== row.productId || item.variantId !== row.variantId)
    ) {
      problems.push({
        line: row.line,
        message:
          `SKU ${row.sku} belongs to product ${item.productId}` +
          `${item.variantId === '' ? '' : ` variant ${item.variantId}`}, not to the ` +
          `product_id / variant_id given`,
      });
      continue;
    }
    if (item.isKit) {
      problems.push({
        line: row.line,
        message: `${describe(row)} is a kit; kits hold no stock, count their components`,
      });
      continue;
    }
    if (!warehouses.has(row.warehouseId)) {
      warehouses.set(row.warehouseId, await reader.adjustments.findWarehouseState(row.warehouseId));
    }
    const warehouse = warehouses.get(row.warehouseId);
    if (warehouse === undefined || !warehouse.active) {
      problems.push({
        line: row.line,
        message: `warehouse ${row.warehouseId} ${warehouse === undefined ? 'does not exist' : 'is inactive'}`,
      });
      continue;
    }
    const key = `${item.id}|${row.warehouseId}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({
        line: row.line,
        message: `${describe(row)} at ${row.warehouseId} is already counted on line ${earlier}`,
      });
      continue;
    }
    seen.set(key, row.line);
    const level = await reader.stock.find(item.id, row.warehouseId);
    const held = (level?.reserved ?? 0) + (level?.committed ?? 0) + (level?.damaged ?? 0);
    if (row.onHand < held) {
      problems.push({
        line: row.line,
        message:
          `on_hand ${row.onHand} is below the ${held} units reserved, committed or damaged ` +
          `there; settle those first`,
      });
      continue;
    }
    planned.push({ ...row, item, current: level?.onHand ?? 0 });
  }
  return { rows: planned, problems };
}

/** Applies every row in one transaction; returns the row that was refused, if one was. */
async function applyRows(
  db: Database,
  rows: readonly PlannedRow[],
  fileName: string,
): Promise<Problem | undefined> {
  const context: RequestContext = { actor: ACTOR, correlationId: `import:${randomUUID()}` };
  try {
    await createTransactionRunner(db).run(async (uow) => {
      for (const row of rows) {
        try {
          await applyAdjustment(
            uow,
            {
              item: { itemId: row.item.id },
              warehouseId: row.warehouseId,
              bucket: 'onHand',
              mode: 'set',
              quantity: row.onHand,
              reason: 'recount',
              note: `import ${fileName} line ${row.line}`,
            },
            context,
          );
        } catch (error) {
          if (isDomainError(error)) {
            // Stock changed since the rows were checked: the whole file is rolled back.
            throw new RowRefused(row.line, error.message);
          }
          throw error;
        }
      }
    });
  } catch (error) {
    if (error instanceof RowRefused) {
      return { line: error.line, message: `${error.message} (nothing was applied)` };
    }
    throw error;
  }
  return undefined;
}

class RowRefused extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

function reportProblems(file: string, problems: readonly Problem[]): void {
  for (const problem of problems.slice(0, PROBLEMS_SHOWN_MAX)) {
    process.stderr.write(`${file}:${problem.line}: ${problem.message}\n`);
  }
  if (problems.length > PROBLEMS_SHOWN_MAX) {
    process.stderr.write(`... and ${problems.length - PROBLEMS_SHOWN_MAX} more\n`);
  }
  process.stderr.write(
    `inventory-service import: ${problems.length} row(s) refused; nothing was applied\n`,
  );
  process.exitCode = 1;
}

function describe(row: ImportRow): string {
  if (row.sku !== undefined) {
    return `SKU ${row.sku}`;
  }
  return row.variantId === ''
    ? `product ${row.productId}`
    : `product ${row.productId} variant ${row.variantId}`;
}
