import type { MovementFilter, MovementHistoryRepository, MovementRecord } from '../app/ports.ts';
import type { Queryable } from './database.ts';

/**
 * The ledger's per-item index (migration 0012) leads with `id >> LEDGER_EPOCH_BITS`: rows are
 * grouped in epochs of 2^18 consecutive ids, and by item within an epoch. The two must agree; a
 * test reads the index definition back and compares.
 */
export const LEDGER_EPOCH_BITS = 18;

const MOVEMENT_COLUMNS = `m.id, m.item_id AS "itemId", i.product_id AS "productId",
  i.variant_id AS "variantId", i.sku, m.warehouse_id AS "warehouseId", m.kind,
  m.on_hand_delta AS "onHandDelta", m.reserved_delta AS "reservedDelta",
  m.committed_delta AS "committedDelta", m.incoming_delta AS "incomingDelta",
  m.damaged_delta AS "damagedDelta", m.safety_stock_delta AS "safetyStockDelta",
  m.backordered_delta AS "backorderedDelta", m.reason,
  m.reference_type AS "referenceType", m.reference_id AS "referenceId",
  m.reservation_id AS "reservationId", m.actor, m.correlation_id AS "correlationId",
  m.created_at AS "createdAt"`;

/** Reading the ledger back (the append side is db/movement.repository.ts). */
export function createMovementHistoryRepository(db: Queryable): MovementHistoryRepository {
  return {
    async list(filter) {
      const params: unknown[] = [filter.limit];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      const before =
        filter.beforeId === undefined ? undefined : `${param(filter.beforeId)}::bigint`;
      const conditions = movementConditions(filter, before, param);
      if (filter.itemId !== undefined || filter.productId !== undefined) {
        const product = filter.productId === undefined ? undefined : param(filter.productId);
        return db.query<MovementRecord>(itemHistorySql(conditions, before, product), params);
      }
      const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
      return db.query<MovementRecord>(
        `SELECT ${MOVEMENT_COLUMNS}
         FROM stock_movements m JOIN items i ON i.id = m.item_id
         ${where}
         ORDER BY m.id DESC
         LIMIT $1`,
        params,
      );
    },
  };
}

/**
 * The filter's conditions on the ledger row `m` alone (not the product, which lives on items);
 * `before` is the placeholder of the cursor, when there is one.
 */
function movementConditions(
  filter: MovementFilter,
  before: string | undefined,
  param: (value: unknown) => string,
): string[] {
  const conditions: string[] = [];
  if (before !== undefined) {
    conditions.push(`m.id < ${before}`);
  }
  if (filter.itemId !== undefined) {
    conditions.push(`m.item_id = ${param(filter.itemId)}::uuid`);
  }
  if (filter.warehouseId !== undefined) {
    conditions.push(`m.warehouse_id = ${param(filter.warehouseId)}`);
  }
  if (filter.kind !== undefined) {
    conditions.push(`m.kind = ${param(filter.kind)}`);
  }
  if (filter.reservationId !== undefined) {
    conditions.push(`m.reservation_id = ${param(filter.reservationId)}::uuid`);
  }
  if (filter.since !== undefined) {
    conditions.push(`m.created_at >= ${param(filter.since)}::timestamptz`);
  }
  if (filter.until !== undefined) {
    conditions.push(`m.created_at < ${param(filter.until)}::timestamptz`);
  }
  return conditions;
}

/**
 * One item's (or one product's items') movements, newest first, through the epoch-first index:
 * the epochs from the newest (that of the largest id in range) down to 0, one index probe each
 * for at most a page, until a page is full. The probes are a LATERAL subquery on the epoch, so
 * PostgreSQL can only run them as a nested loop in generate_series' order, newest epoch first; the
 * outer LIMIT stops the loop there, and the epochs hold disjoint id ranges, so the first `limit`
 * rows it yields are the newest. The final ORDER BY only puts that page in order.
 */
function itemHistorySql(
  conditions: readonly string[],
  before: string | undefined,
  product: string | undefined,
): string {
  const epochConditions = [`(m.id >> ${LEDGER_EPOCH_BITS}) = e.epoch`, ...conditions];
  if (product !== undefined) {
    epochConditions.push(`m.item_id IN (SELECT p.id FROM items p WHERE p.product_id = ${product})`);
  }
  const newest = `SELECT max(id) FROM stock_movements${before === undefined ? '' : ` WHERE id < ${before}`}`;
  return `SELECT ${MOVEMENT_COLUMNS}
    FROM (
      SELECT m.*
      FROM generate_series((${newest}) >> ${LEDGER_EPOCH_BITS}, 0, -1) AS e(epoch)
      CROSS JOIN LATERAL (
        SELECT m.* FROM stock_movements m
        WHERE ${epochConditions.join(' AND ')}
        ORDER BY m.id DESC
        LIMIT $1
      ) m
      LIMIT $1
    ) m
    JOIN items i ON i.id = m.item_id
    ORDER BY m.id DESC`;
}
