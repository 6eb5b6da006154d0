import type { StockAdjustmentRepository, StockLevelRecord } from '../app/ports.ts';
import type { AdjustableBucket } from '../domain/stock-adjustment.ts';
import type { Queryable } from './database.ts';
import { availableSql } from './stock-level.repository.ts';

/**
 * Adjustments, transfers and receipts. Every quantity change is one conditional UPDATE: the rule
 * and the write are the same statement, so no interleaving can slip between a check and a write;
 * when the condition fails nothing changes and the caller reads the level to explain why.
 */
const STOCK_COLUMNS = `s.item_id AS "itemId", s.warehouse_id AS "warehouseId",
  s.on_hand AS "onHand", s.reserved, s.committed, s.incoming, s.damaged,
  s.safety_stock AS "safetyStock", s.backordered, s.created_at AS "createdAt",
  s.updated_at AS "updatedAt"`;

/** Column of each adjustable bucket and the rule its new value (`target.value`) must keep. */
const ADJUSTABLE: Readonly<Record<AdjustableBucket, { column: string; rule: string }>> = {
  // Held and damaged units are on the shelf: on hand may not drop below them.
  onHand: { column: 'on_hand', rule: 'target.value >= s.reserved + s.committed + s.damaged' },
  // Damaged units are part of on hand, and cannot be ones already held for orders.
  damaged: { column: 'damaged', rule: 's.reserved + s.committed + target.value <= s.on_hand' },
  // A floor kept back from sale; above on hand it simply leaves nothing available.
  safetyStock: { column: 'safety_stock', rule: 'true' },
};

export function createStockAdjustmentRepository(db: Queryable): StockAdjustmentRepository {
  return {
    async findWarehouseState(id) {
      const rows = await db.query<{ id: string; active: boolean }>(
        'SELECT id, active FROM warehouses WHERE id = $1',
        [id],
      );
      return rows[0];
    },

    async ensureLevel(itemId, warehouseId) {
      await db.query(
        `INSERT INTO stock_levels (item_id, warehouse_id) VALUES ($1, $2)
         ON CONFLICT (item_id, warehouse_id) DO NOTHING`,
        [itemId, warehouseId],
      );
    },

    async lockLevels(itemId, warehouseIds) {
      await db.query(
        `SELECT 1 FROM stock_levels
         WHERE item_id = $1 AND warehouse_id = ANY($2::text[])
         ORDER BY warehouse_id
         FOR UPDATE`,
        [itemId, warehouseIds],
      );
    },

    async adjust(change) {
      const { column, rule } = ADJUSTABLE[change.bucket];
      // The CTE locks the row and reads the bucket's value before the change (PostgreSQL 15 has no
      // RETURNING OLD); `set` needs it for the ledger's delta, compare-and-set for `expected`.
      const rows = await db.query<StockLevelRecord & { previous: number }>(
        `WITH current AS (
           SELECT item_id, warehouse_id, ${column} AS previous FROM stock_levels
           WHERE item_id = $1 AND warehouse_id = $2
           FOR UPDATE
         ), target AS (
           SELECT item_id, warehouse_id, previous,
             CASE $3::text WHEN 'set' THEN $4::bigint
               WHEN 'add' THEN previous + $4::bigint
               ELSE previous - $4::bigint END AS value
           FROM current
         )
         UPDATE stock_levels s SET ${column} = target.value, updated_at = now()
         FROM target
         WHERE s.item_id = target.item_id AND s.warehouse_id = target.warehouse_id
           AND ($5::bigint IS NULL OR target.previous = $5::bigint)
           AND target.value BETWEEN 0 AND $6::bigint
           AND ${rule}
         RETURNING ${STOCK_COLUMNS}, target.previous`,
        [
          change.itemId,
          change.warehouseId,
          change.mode,
          change.quantity,
          change.expected ?? null,
          change.valueMax,
        ],
      );
      const row = rows[0];
      if (row === undefined) {
        return undefined;
      }
      const { previous, ...level } = row;
      return { level, previous };
    },

    async takeAvailable(change) {
      const rows = await db.query<StockLevelRecord>(
        `UPDATE stock_levels s SET on_hand = s.on_hand - $3, updated_at = now()
         WHERE s.item_id = $1 AND s.warehouse_id = $2 AND ${availableSql('s')} >= $3
         RETURNING ${STOCK_COLUMNS}`,
        [change.itemId, change.warehouseId, change.quantity],
      );
      return rows[0];
    },

    async putOnHand(change) {
      const rows = await db.query<StockLevelRecord>(
        `UPDATE stock_levels s SET on_hand = s.on_hand + $3, updated_at = now()
         WHERE s.item_id = $1 AND s.warehouse_id = $2 AND s.on_hand + $3 <= $4
         RETURNING ${STOCK_COLUMNS}`,
        [change.itemId, change.warehouseId, change.quantity, change.onHandMax],
      );
      return rows[0];
    },

    async addIncoming(change) {
      // LEAST ignores NULL: the earliest arrival still outstanding is the one worth showing.
      const rows = await db.query<StockLevelRecord>(
        `UPDATE stock_levels s SET incoming = s.incoming + $3,
           incoming_expected_at = LEAST(s.incoming_expected_at, $4::timestamptz),
           updated_at = now()
         WHERE s.item_id = $1 AND s.warehouse_id = $2 AND s.incoming + $3 <= $5
         RETURNING ${STOCK_COLUMNS}`,
        [change.itemId, change.warehouseId, change.quantity, change.expectedAt, change.incomingMax],
      );
      return rows[0];
    },

    async receiveIncoming(change) {
      const rows = await db.query<StockLevelRecord>(
        `UPDATE stock_levels s SET incoming = s.incoming - $3, on_hand = s.on_hand + $3,
           incoming_expected_at =
             CASE WHEN s.incoming = $3 THEN NULL ELSE s.incoming_expected_at END,
           updated_at = now()
         WHERE s.item_id = $1 AND s.warehouse_id = $2 AND s.incoming >= $3
           AND s.on_hand + $3 <= $4
         RETURNING ${STOCK_COLUMNS}`,
        [change.itemId, change.warehouseId, change.quantity, change.onHandMax],
      );
      return rows[0];
    },
  };
}
