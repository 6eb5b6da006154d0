import { dropLeftovers, ensureTemplate } from './test-database.ts';

/** Runs once before all test files (node --test-global-setup). */
export async function globalSetup(): Promise<void> {
  await dropLeftovers();
  await ensureTemplate();
}
