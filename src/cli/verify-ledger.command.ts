import { loadConfig } from '../config/config.ts';
import { findLedgerMismatches } from '../db/ledger.repository.ts';
import { createLogger } from '../main/create-logger.ts';
import { openDatabase } from '../main/open-database.ts';

/**
 * `inventory-service verify-ledger`: proves every stock counter equals its ledger sum and every
 * reserved count equals its pending reservations. Exit 0 when the books balance, 1 when not.
 */
export async function verifyLedgerCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await openDatabase(config, logger);
  try {
    const mismatches = await findLedgerMismatches(db);
    if (mismatches.length === 0) {
      process.stdout.write('ledger balances: every counter equals its movements\n');
      return;
    }
    for (const m of mismatches) {
      process.stdout.write(
        `MISMATCH item ${m.itemId} warehouse ${m.warehouseId} ${m.bucket}: counter ${m.counter}, ` +
          `${m.source} say ${m.expected}\n`,
      );
    }
    process.exitCode = 1;
  } finally {
    await db.close();
  }
}
