import pg from 'pg';
import { ADMIN_URL, rebuildTemplate, TEMPLATE_NAME } from './test-database.ts';

/** Runs once before all test files (node --test-global-setup). */
export async function globalSetup(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_NAME}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await rebuildTemplate();
}
