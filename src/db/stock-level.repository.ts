import type {
  ReservationLine,
  StockLevelRecord,
  StockLevelRepository,
  StockTotals,
} from '../app/ports.ts';
import type { Queryable } from './database.ts';

const STOCK_COLUMNS = `item_id AS "itemId", warehouse_id AS "warehouseId", on_hand AS "onHand",
  reserved, committed, incoming, damaged, safety_stock AS "safetyStock", backordered,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The derived available quantity, spelled once for every statement that needs it. */
export const AVAILABLE_SQL =
  'on_hand - reserved - committed - damaged - safety_stock - backordered';

/**
 * Lines of one request summed per stock level, then those stock levels locked in key order. Summing
 * first matters: UPDATE ... FROM applies at most one source row per target row, so two lines of one
 * item would otherwise lose one. Locking in a fixed order means two multi-line requests cannot
 * deadlock on each other's rows.
 */
const LOCKED_LINE_TOTALS_SQL = `
  totals AS (
    SELECT item_id, warehouse_id, sum(quantity)::bigint AS quantity
    FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS line(item_id, warehouse_id, quantity)
    GROUP BY item_id, warehouse_id
  ),
  locked AS (
    SELECT s.item_id, s.warehouse_id, totals.quantity
    FROM stock_levels s JOIN totals USING (item_id, warehouse_id)
    ORDER BY s.item_id, s.warehouse_id
    FOR UPDATE OF s
  )`;

function lineArrays(lines: readonly ReservationLine[]): [string[], string[], number[]] {
  return [
    lines.map((line) => line.itemId),
    lines.map((line) => line.warehouseId),
    lines.map((line) => line.quantity),
  ];
}

export function createStockLevelRepository(db: Queryable): StockLevelRepository {
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

    async unreserve(lines) {
      const rows = await db.query<{ itemId: string }>(
        `WITH ${LOCKED_LINE_TOTALS_SQL}
         UPDATE stock_levels s SET reserved = s.reserved - locked.quantity, updated_at = now()
         FROM locked
         WHERE s.item_id = locked.item_id AND s.warehouse_id = locked.warehouse_id
         RETURNING s.item_id AS "itemId"`,
        lineArrays(lines),
      );
      return rows.length;
    },

    async deductReserved(lines) {
      const rows = await db.query<{ itemId: string }>(
        `WITH ${LOCKED_LINE_TOTALS_SQL}
         UPDATE stock_levels s
         SET reserved = s.reserved - locked.quantity, on_hand = s.on_hand - locked.quantity,
             updated_at = now()
         FROM locked
         WHERE s.item_id = locked.item_id AND s.warehouse_id = locked.warehouse_id
         RETURNING s.item_id AS "itemId"`,
        lineArrays(lines),
      );
      return rows.length;
    },

    async find(itemId, warehouseId) {
      const rows = await db.query<StockLevelRecord>(
        `SELECT ${STOCK_COLUMNS} FROM stock_levels WHERE item_id = $1 AND warehouse_id = $2`,
        [itemId, warehouseId],
      );
      return rows[0];
    },

    async sumForItem(itemId) {
      const rows = await db.query<StockTotals>(
        `SELECT sum(on_hand)::bigint AS "onHand", sum(reserved)::bigint AS reserved,
           sum(committed)::bigint AS committed, sum(incoming)::bigint AS incoming,
           sum(damaged)::bigint AS damaged, sum(safety_stock)::bigint AS "safetyStock",
           sum(backordered)::bigint AS backordered,
           sum(GREATEST(${AVAILABLE_SQL}, 0))::bigint AS available,
           max(updated_at) AS "updatedAt"
         FROM stock_levels WHERE item_id = $1
         HAVING count(*) > 0`,
        [itemId],
      );
      return rows[0];
    },
  };
}
