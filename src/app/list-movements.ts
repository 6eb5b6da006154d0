import type { AppDeps, MovementFilter, MovementRecord } from './ports.ts';

/** The history filter, as the repository takes it. */
export type ListMovementsQuery = MovementFilter;

export interface MovementPage {
  readonly movements: readonly MovementRecord[];
  readonly nextCursor: string | null;
}

/** Seed 004's inventory transactions: the ledger, newest first, one page at a time. */
export async function listMovements(
  deps: AppDeps,
  query: ListMovementsQuery,
): Promise<MovementPage> {
  const rows = await deps.reader.history.list({ ...query, limit: query.limit + 1 });
  const movements = rows.slice(0, query.limit);
  const last = movements.at(-1);
  return {
    movements,
    nextCursor: rows.length > query.limit && last !== undefined ? String(last.id) : null,
  };
}
