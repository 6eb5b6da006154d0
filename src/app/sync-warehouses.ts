import { DomainError } from '../domain/errors.ts';
import {
  findDeactivationProblem,
  findWarehouseFieldProblem,
  WAREHOUSES_SYNC_MAX,
  type WarehouseSpec,
} from '../domain/warehouse-fields.ts';
import type { AppDeps } from './ports.ts';

/** A warehouse as a file declares it; `active` undefined leaves the stored state alone. */
export interface DeclaredWarehouse extends WarehouseSpec {
  readonly active: boolean | undefined;
}

export interface SyncWarehousesResult {
  readonly created: number;
  readonly updated: number;
  /** Listed and already exactly as declared. */
  readonly unchanged: number;
}

/**
 * Makes the listed warehouses exist as declared (seed 002's config/warehouses.yaml), in one
 * transaction. Never deletes a warehouse and never deactivates one the list leaves out: the file
 * declares warehouses, it is not the whole truth about them (the API may have added others).
 */
export async function syncWarehouses(
  deps: Pick<AppDeps, 'tx'>,
  warehouses: readonly DeclaredWarehouse[],
): Promise<SyncWarehousesResult> {
  if (warehouses.length > WAREHOUSES_SYNC_MAX) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `warehouses must have at most ${WAREHOUSES_SYNC_MAX} entries, got ${warehouses.length}`,
      { field: 'warehouses' },
    );
  }
  const seen = new Set<string>();
  for (const [index, warehouse] of warehouses.entries()) {
    const problem =
      findWarehouseFieldProblem(warehouse) ??
      (warehouse.active === false ? findDeactivationProblem(warehouse.id) : undefined) ??
      (seen.has(warehouse.id)
        ? { field: 'id', message: `id ${warehouse.id} is listed more than once` }
        : undefined);
    if (problem !== undefined) {
      throw new DomainError('VALIDATION_ERROR', `warehouses[${index}]: ${problem.message}`, {
        field: `warehouses.${index}.${problem.field}`,
      });
    }
    seen.add(warehouse.id);
  }
  const counts = await deps.tx.run((uow) => uow.warehouses.upsertMany(warehouses));
  return { ...counts, unchanged: warehouses.length - counts.created - counts.updated };
}
