import type { MovementKind } from '../domain/stock.ts';
import type { AppDeps, MovementRecord } from './ports.ts';

export interface ListMovementsQuery {
  readonly itemId?: string | undefined;
  readonly productId?: string | undefined;
  readonly warehouseId?: string | undefined;
  readonly kind?: MovementKind | undefined;
  readonly reservationId?: string | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** Movements older than this id (the previous page's next cursor). */
  readonly beforeId?: number | undefined;
  readonly limit: number;
}

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
