import type {
  ClaimedLine,
  ReservationLineDetail,
  ReservationRecord,
  ReservationRepository,
} from '../app/ports.ts';
import type { ReservationState } from '../domain/reservation.ts';
import type { Queryable } from './database.ts';

const RESERVATION_COLUMNS = `id, order_id AS "orderId", status, expires_at AS "expiresAt",
  created_at AS "createdAt", updated_at AS "updatedAt", ended_at AS "endedAt",
  allocation_strategy AS "allocationStrategy",
  destination_postal_code AS "destinationPostalCode", committed_at AS "committedAt",
  fulfilled_at AS "fulfilledAt"`;

const LINE_COLUMNS = `l.line_no AS "lineNo", l.item_id AS "itemId",
  l.warehouse_id AS "warehouseId", l.quantity, l.backordered,
  l.committed_quantity AS "committedQuantity", l.committed_backordered AS "committedBackordered",
  l.request_line AS "requestLine", coalesce(l.request_quantity, l.quantity) AS "requestQuantity",
  l.kit_item_id AS "kitItemId",
  l.allocation_reason AS "allocationReason"`;

/**
 * Claims up to $1 pending reservations past their expiry, marks them EXPIRED and answers their
 * lines. SKIP LOCKED lets several sweepers (one per instance) work side by side: each claims rows
 * nobody else holds, and a reservation being released or deducted right now is left to that
 * request. The UPDATE re-checks status, so a row ended meanwhile is not expired twice. It finds
 * the claimed rows by key through `= ANY`, not by joining the claim: PostgreSQL planned that join
 * as a hash join over a sequential scan of every reservation whenever the table was small enough
 * (16 ms a sweep of 500 at 50,000 rows, 4.7 ms this way; docs/PERFORMANCE.md, eleventh sitting).
 * Exported for the plan test.
 */
export const EXPIRE_DUE_SQL = `WITH due AS (
     SELECT id FROM reservations
     WHERE status = 'PENDING' AND expires_at <= now()
     ORDER BY expires_at
     LIMIT $1
     FOR UPDATE SKIP LOCKED
   ), expired AS (
     UPDATE reservations r SET status = 'EXPIRED', ended_at = now(), updated_at = now()
     WHERE r.id = ANY (ARRAY(SELECT id FROM due)) AND r.status = 'PENDING'
     RETURNING r.id, r.order_id
   )
   SELECT l.reservation_id AS "reservationId", expired.order_id AS "orderId", ${LINE_COLUMNS}
   FROM reservation_lines l JOIN expired ON l.reservation_id = expired.id
   ORDER BY l.reservation_id, l.line_no`;

export function createReservationRepository(db: Queryable): ReservationRepository {
  return {
    async insert(reservation) {
      // Expiry is computed from the database clock, the one clock every instance shares.
      const rows = await db.query<ReservationRecord>(
        `INSERT INTO reservations (id, order_id, expires_at, actor, correlation_id,
           allocation_strategy, destination_postal_code)
         VALUES ($1, $2, now() + $3 * interval '1 millisecond', $4, $5, $6, $7)
         RETURNING ${RESERVATION_COLUMNS}`,
        [
          reservation.id,
          reservation.orderId,
          reservation.ttlMs,
          reservation.actor,
          reservation.correlationId ?? null,
          reservation.allocationStrategy ?? null,
          reservation.destinationPostalCode ?? null,
        ],
      );
      const row = rows[0];
      if (row === undefined) {
        throw new Error('assertion failed: INSERT ... RETURNING returned no row');
      }
      return row;
    },

    async insertLines(reservationId, lines) {
      await db.query(
        `INSERT INTO reservation_lines (reservation_id, line_no, item_id, warehouse_id, quantity,
           backordered, request_line, request_quantity, kit_item_id, allocation_reason)
         SELECT $1, line.* FROM unnest($2::int[], $3::uuid[], $4::text[], $5::bigint[],
           $6::bigint[], $7::int[], $8::bigint[], $9::uuid[], $10::text[])
           AS line(line_no, item_id, warehouse_id, quantity, backordered, request_line,
             request_quantity, kit_item_id, allocation_reason)`,
        [
          reservationId,
          lines.map((line) => line.lineNo),
          lines.map((line) => line.itemId),
          lines.map((line) => line.warehouseId),
          lines.map((line) => line.quantity),
          lines.map((line) => line.backordered),
          lines.map((line) => line.requestLine),
          lines.map((line) => line.requestQuantity),
          lines.map((line) => line.kitItemId),
          lines.map((line) => line.allocationReason),
        ],
      );
    },

    async moveStatus(change) {
      // The status condition is what makes every move exactly-once: of two racing movers, the
      // second waits for the first's row lock, re-reads the row, and no longer matches.
      const rows = await db.query<ReservationRecord>(
        `UPDATE reservations SET status = $3, updated_at = now(),
           ended_at = CASE WHEN status = 'PENDING' THEN now() ELSE ended_at END,
           committed_at = CASE WHEN $3 = 'COMMITTED' THEN now() ELSE committed_at END,
           fulfilled_at = CASE WHEN $3 = 'FULFILLED' THEN now() ELSE fulfilled_at END
         WHERE id = $1 AND status = ANY($2::text[])
           AND (NOT $4::boolean OR expires_at > now())
         RETURNING ${RESERVATION_COLUMNS}`,
        [change.id, change.from, change.to, change.requireUnexpired],
      );
      return rows[0];
    },

    async find(id) {
      const rows = await db.query<ReservationRecord>(
        `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE id = $1`,
        [id],
      );
      return rows[0];
    },

    async setCommitted(reservationId, lines) {
      await db.query(
        `UPDATE reservation_lines l
         SET committed_quantity = c.committed_quantity,
             committed_backordered = c.committed_backordered
         FROM unnest($2::int[], $3::bigint[], $4::bigint[])
           AS c(line_no, committed_quantity, committed_backordered)
         WHERE l.reservation_id = $1 AND l.line_no = c.line_no`,
        [
          reservationId,
          lines.map((line) => line.lineNo),
          lines.map((line) => line.committedQuantity),
          lines.map((line) => line.committedBackordered),
        ],
      );
    },

    async extend(id, ttlMs) {
      const rows = await db.query<ReservationRecord>(
        `UPDATE reservations
         SET expires_at = now() + $2 * interval '1 millisecond', updated_at = now()
         WHERE id = $1 AND status = 'PENDING' AND expires_at > now()
         RETURNING ${RESERVATION_COLUMNS}`,
        [id, ttlMs],
      );
      return rows[0];
    },

    async findState(id) {
      const rows = await db.query<ReservationState>(
        'SELECT id, status, expires_at AS "expiresAt" FROM reservations WHERE id = $1',
        [id],
      );
      return rows[0];
    },

    async findLines(reservationId) {
      return db.query<ReservationLineDetail>(
        `SELECT ${LINE_COLUMNS}, i.product_id AS "productId", i.variant_id AS "variantId",
           i.sku, k.product_id AS "kitProductId"
         FROM reservation_lines l JOIN items i ON i.id = l.item_id
         LEFT JOIN items k ON k.id = l.kit_item_id
         WHERE l.reservation_id = $1 ORDER BY l.line_no`,
        [reservationId],
      );
    },

    async expireDue(limit) {
      return db.query<ClaimedLine>(EXPIRE_DUE_SQL, [limit]);
    },
  };
}
