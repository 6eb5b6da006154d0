import type { StockLevelRecord, StockLevelRepository, StockTotals } from '../app/ports.ts';
import { queryArrays } from './binary-array.ts';
import type { Queryable } from './database.ts';

const STOCK_COLUMNS = `item_id AS "itemId", warehouse_id AS "warehouseId", on_hand AS "onHand",
  reserved, committed, incoming, damaged, safety_stock AS "safetyStock", backordered,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * The derived available quantity, spelled once for every statement that needs it; `alias` qualifies
 * the columns when the statement joins stock_levels under a name.
 */
export function availableSql(alias?: string): string {
  const p = alias === undefined ? '' : `${alias}.`;
  return `${p}on_hand - ${p}reserved - ${p}committed - ${p}damaged - ${p}safety_stock - ${p}backordered`;
}
export const AVAILABLE_SQL = availableSql();

/**
 * Changes summed per stock level, then those stock levels locked in key order. Summing first
 * matters: UPDATE ... FROM applies at most one source row per target row, so two changes to one
 * level would otherwise lose one. Locking in a fixed order means two multi-line requests cannot
 * deadlock on each other's rows.
 */
const LOCKED_DELTAS_SQL = `
  totals AS (
    SELECT item_id, warehouse_id, sum(on_hand)::bigint AS on_hand,
      sum(reserved)::bigint AS reserved, sum(committed)::bigint AS committed,
      sum(backordered)::bigint AS backordered
    FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
      AS change(item_id, warehouse_id, on_hand, reserved, committed, backordered)
    GROUP BY item_id, warehouse_id
  ),
  locked AS (
    SELECT s.item_id, s.warehouse_id, totals.on_hand, totals.reserved, totals.committed,
      totals.backordered
    FROM stock_levels s JOIN totals USING (item_id, warehouse_id)
    ORDER BY s.item_id, s.warehouse_id
    FOR UPDATE OF s
  )`;

export function createStockLevelRepository(db: Queryable): StockLevelRepository {
  /** Each item's levels summed over its warehouses; undefined for an item without any. */
  async function sumForItems(itemIds: readonly string[]): Promise<(StockTotals | undefined)[]> {
    const rows = await db.queryPrepared<StockTotals & { itemId: string }>(
      'stock_sum_for_items',
      `SELECT item_id AS "itemId", sum(on_hand)::bigint AS "onHand",
         sum(reserved)::bigint AS reserved, sum(committed)::bigint AS committed,
         sum(incoming)::bigint AS incoming, sum(damaged)::bigint AS damaged,
         sum(safety_stock)::bigint AS "safetyStock", sum(backordered)::bigint AS backordered,
         sum(GREATEST(${AVAILABLE_SQL}, 0))::bigint AS available, max(updated_at) AS "updatedAt"
       FROM stock_levels WHERE item_id = ANY($1::uuid[])
       GROUP BY item_id`,
      [itemIds],
    );
    const byItem = new Map(rows.map(({ itemId, ...totals }) => [itemId, totals]));
    return itemIds.map((itemId) => byItem.get(itemId));
  }

  return {
    async insert(level) {
      const rows = await db.query<StockLevelRecord>(
        `INSERT INTO stock_levels (item_id, warehouse_id, on_hand) VALUES ($1, $2, $3)
         RETURNING ${STOCK_COLUMNS}`,
        [level.itemId, level.warehouseId, level.onHand],
      );
      const row = rows[0];
      if (row === undefined) {
        throw new Error('assertion failed: INSERT ... RETURNING returned no row');
      }
      return row;
    },

    async addOnHand(change) {
      const rows = await db.query<StockLevelRecord>(
        `UPDATE stock_levels SET on_hand = on_hand + $3, updated_at = now()
         WHERE item_id = $1 AND warehouse_id = $2 AND on_hand + $3 <= $4
         RETURNING ${STOCK_COLUMNS}`,
        [change.itemId, change.warehouseId, change.quantity, change.onHandMax],
      );
      return rows[0];
    },

    async reserve(change) {
      // The availability check and the increment are one statement: the row lock taken by UPDATE
      // makes the check and the write atomic, with no read-check-write window in application code.
      const rows = await db.query<StockLevelRecord>(
        `UPDATE stock_levels SET reserved = reserved + $3, updated_at = now()
         WHERE item_id = $1 AND warehouse_id = $2 AND ${AVAILABLE_SQL} >= $3
         RETURNING ${STOCK_COLUMNS}`,
        [change.itemId, change.warehouseId, change.quantity],
      );
      return rows[0];
    },

    async applyDeltas(changes) {
      const column = (bucket: 'onHand' | 'reserved' | 'committed' | 'backordered') =>
        changes.map((change) => change.deltas[bucket] ?? 0);
      const rows = await queryArrays<{ itemId: string }>(
        db,
        `WITH ${LOCKED_DELTAS_SQL}
         UPDATE stock_levels s
         SET on_hand = s.on_hand + locked.on_hand, reserved = s.reserved + locked.reserved,
             committed = s.committed + locked.committed,
             backordered = s.backordered + locked.backordered, updated_at = now()
         FROM locked
         WHERE s.item_id = locked.item_id AND s.warehouse_id = locked.warehouse_id
         RETURNING s.item_id AS "itemId"`,
        [
          ['uuid', changes.map((change) => change.itemId)],
          ['text', changes.map((change) => change.warehouseId)],
          ['int8', column('onHand')],
          ['int8', column('reserved')],
          ['int8', column('committed')],
          ['int8', column('backordered')],
        ],
      );
      return rows.length;
    },

    async addBackordered(change) {
      await db.query(
        `UPDATE stock_levels SET backordered = backordered + $3, updated_at = now()
         WHERE item_id = $1 AND warehouse_id = $2`,
        [change.itemId, change.warehouseId, change.quantity],
      );
    },

    async ensureLevels(levels) {
      await db.query(
        `INSERT INTO stock_levels (item_id, warehouse_id)
         SELECT * FROM unnest($1::uuid[], $2::text[])
         ON CONFLICT (item_id, warehouse_id) DO NOTHING`,
        [levels.map((level) => level.itemId), levels.map((level) => level.warehouseId)],
      );
    },

    async find(itemId, warehouseId) {
      const rows = await db.query<StockLevelRecord>(
        `SELECT ${STOCK_COLUMNS} FROM stock_levels WHERE item_id = $1 AND warehouse_id = $2`,
        [itemId, warehouseId],
      );
      return rows[0];
    },

    async sumForItem(itemId) {
      const [totals] = await sumForItems([itemId]);
      return totals;
    },

    sumForItems,
  };
}
