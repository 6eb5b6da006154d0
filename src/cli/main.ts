import { Command } from 'commander';
import { ConfigError } from '../config/config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { DatabaseUnavailableError } from '../db/postgres.database.ts';
import { migrateCommand } from './migrate.command.ts';
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
  .command('verify-ledger')
  .description('check that every stock counter equals the sum of its ledger movements')
  .action(() => verifyLedgerCommand().catch(fail));

await program.parseAsync(process.argv);
