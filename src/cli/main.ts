import { Command } from 'commander';
import { ConfigError } from '../config/config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { DatabaseUnavailableError } from '../db/postgres.database.ts';
import { exportCommand } from './export.command.ts';
import { importCommand } from './import.command.ts';
import { migrateCommand } from './migrate.command.ts';
import {
  DEMO_COUNT_DEFAULT,
  DEMO_STOCK_DEFAULT,
  parseCountOption,
  parseStockOption,
  seedCommand,
} from './seed.command.ts';
import { serveCommand } from './serve.command.ts';
import { verifyLedgerCommand } from './verify-ledger.command.ts';

/** Start-up failures a user can fix get one clear line and a non-zero exit, not a stack trace. */
const EXIT_CONFIG = 2;
const EXIT_UNAVAILABLE = 3;

function fail(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`inventory-service: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  if (error instanceof DataDirLockedError || error instanceof DatabaseUnavailableError) {
    process.stderr.write(`inventory-service: ${error.message}\n`);
    process.exit(EXIT_UNAVAILABLE);
  }
  process.stderr.write(`inventory-service: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

const program = new Command()
  .name('inventory-service')
  .description('Inventory service: stock levels, TTL reservations and a movement ledger')
  .showHelpAfterError();

program
  .command('serve')
  .description('run migrations, start the HTTP API and the expiry worker')
  .action(() => serveCommand().catch(fail));
program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(() => migrateCommand().catch(fail));
program
  .command('seed')
  .description('sync WAREHOUSES_FILE into the database and/or add demo products with stock')
  .option(
    '--warehouses',
    'upsert the warehouses of WAREHOUSES_FILE (config/warehouses.yaml)',
    false,
  )
  .option('--products', 'add demo products demo-product-00001.. (existing ones are skipped)', false)
  .option('--count <n>', 'how many demo products (1-100000)', parseCountOption, DEMO_COUNT_DEFAULT)
  .option(
    '--stock <n>',
    'most units per product and warehouse',
    parseStockOption,
    DEMO_STOCK_DEFAULT,
  )
  .action((options) => seedCommand(options).catch(fail));
program
  .command('export')
  .description('write every stock level as CSV (stdout, or the --output file)')
  .option('-o, --output <file>', 'write to this file instead of stdout')
  .action((options: { output?: string }) => exportCommand(options).catch(fail));
program
  .command('import')
  .description(
    'set on-hand counts from a CSV file (sku or product_id, variant_id, warehouse_id, on_hand): ' +
      'every row is checked first, then all apply in one transaction',
  )
  .argument('<file>', 'CSV file with a header line')
  .option('--dry-run', 'check the file and show the changes without applying them', false)
  .action((file: string, options: { dryRun: boolean }) => importCommand(file, options).catch(fail));
program
  .command('verify-ledger')
  .description('check that every stock counter equals the sum of its ledger movements')
  .action(() => verifyLedgerCommand().catch(fail));

await program.parseAsync(process.argv);
