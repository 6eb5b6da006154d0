import type { Queryable } from '../../src/db/database.ts';

/** A promise the test resolves when it chooses: to hold a transaction open at a given step. */
export function gate(): { readonly reached: Promise<void>; readonly open: () => void } {
  let open = (): void => undefined;
  const reached = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { reached, open };
}

/**
 * Resolves once some session of the test database waits for a lock (pg_stat_activity), so a
 * test can order two transactions' lock requests; throws after ~5 s, naming `what` it expected.
 */
export async function untilALockIsAwaited(db: Queryable, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((rows[0]?.n ?? 0) > 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`nobody waited for a lock: expected ${what}`);
}
