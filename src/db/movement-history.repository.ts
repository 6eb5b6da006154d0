import type { MovementHistoryRepository, MovementRecord } from '../app/ports.ts';
import type { Queryable } from './database.ts';

/** Reading the ledger back (the append side is db/movement.repository.ts). */
export function createMovementHistoryRepository(db: Queryable): MovementHistoryRepository {
  return {
    async list(filter) {
      const params: unknown[] = [filter.limit];
      const conditions: string[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.beforeId !== undefined) {
        conditions.push(`m.id < ${param(filter.beforeId)}::bigint`);
      }
      if (filter.itemId !== undefined) {
        conditions.push(`m.item_id = ${param(filter.itemId)}::uuid`);
      }
      if (filter.productId !== undefined) {
        conditions.push(`i.product_id = ${param(filter.productId)}`);
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
      const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
      return db.query<MovementRecord>(
        `SELECT m.id, m.item_id AS "itemId", i.product_id AS "productId",
           i.variant_id AS "variantId", i.sku, m.warehouse_id AS "warehouseId", m.kind,
           m.on_hand_delta AS "onHandDelta", m.reserved_delta AS "reservedDelta",
           m.committed_delta AS "committedDelta", m.incoming_delta AS "incomingDelta",
           m.damaged_delta AS "damagedDelta", m.safety_stock_delta AS "safetyStockDelta",
           m.backordered_delta AS "backorderedDelta", m.reason,
           m.reference_type AS "referenceType", m.reference_id AS "referenceId",
           m.reservation_id AS "reservationId", m.actor, m.correlation_id AS "correlationId",
           m.created_at AS "createdAt"
         FROM stock_movements m JOIN items i ON i.id = m.item_id
         ${where}
         ORDER BY m.id DESC
         LIMIT $1`,
        params,
      );
    },
  };
}
