import { DomainError } from '../domain/errors.ts';
import { WAREHOUSE_PAGE_SIZE_MAX } from '../domain/warehouse-fields.ts';
import type { AppDeps, UnitOfWork, WarehouseRecord, WarehouseStockRecord } from './ports.ts';

/** A page of a keyset-paginated list: pass `nextCursor` back to get the rows after these. */
export interface Page<T> {
  readonly rows: readonly T[];
  /** Undefined on the last page. */
  readonly nextCursor: string | undefined;
}

export interface ListWarehousesQuery {
  readonly active?: boolean | undefined;
  readonly region?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export async function getWarehouse(deps: AppDeps, id: string): Promise<WarehouseRecord> {
  return getWarehouseIn(deps.reader, id);
}

/** The warehouse with this id; WAREHOUSE_NOT_FOUND when there is none. */
export async function getWarehouseIn(uow: UnitOfWork, id: string): Promise<WarehouseRecord> {
  const warehouse = await uow.warehouses.find(id);
  if (warehouse === undefined) {
    throw new DomainError('WAREHOUSE_NOT_FOUND', `warehouse ${id} does not exist`, {
      warehouseId: id,
    });
  }
  return warehouse;
}

/** Warehouses in id order, filtered by state and region, `limit` at a time. */
export async function listWarehouses(
  deps: AppDeps,
  query: ListWarehousesQuery,
): Promise<Page<WarehouseRecord>> {
  checkLimit(query.limit);
  // One row more than asked tells whether another page exists without a count query.
  const rows = await deps.reader.warehouses.list({
    active: query.active,
    region: query.region,
    afterId: query.cursor,
    limit: query.limit + 1,
  });
  return pageOf(rows, query.limit, (row) => row.id);
}

/** Stock levels of every item at one warehouse (seed 004's GetInventoryByLocation). */
export async function listWarehouseStock(
  deps: AppDeps,
  query: { warehouseId: string; cursor?: string | undefined; limit: number },
): Promise<Page<WarehouseStockRecord>> {
  checkLimit(query.limit);
  await getWarehouseIn(deps.reader, query.warehouseId);
  const rows = await deps.reader.warehouses.listStock({
    warehouseId: query.warehouseId,
    afterItemId: query.cursor,
    limit: query.limit + 1,
  });
  return pageOf(rows, query.limit, (row) => row.itemId);
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > WAREHOUSE_PAGE_SIZE_MAX) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `limit must be an integer from 1 to ${WAREHOUSE_PAGE_SIZE_MAX}`,
      { field: 'limit' },
    );
  }
}

function pageOf<T>(rows: readonly T[], limit: number, keyOf: (row: T) => string): Page<T> {
  if (rows.length <= limit) {
    return { rows, nextCursor: undefined };
  }
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  if (last === undefined) {
    throw new Error('assertion failed: a page with more rows than its limit is empty');
  }
  return { rows: shown, nextCursor: keyOf(last) };
}
