import type { Queryable } from './database.ts';

/**
 * The books must balance: every stock bucket equals the sum of its ledger deltas, and the held
 * buckets equal the reservations that hold them:
 * - reserved = units held by PENDING lines (quantity - backordered);
 * - committed = units confirmed by COMMITTED lines (committed_quantity - committed_backordered);
 * - backordered = PENDING lines' backordered + COMMITTED lines' committed_backordered.
 * A row here is a stock level where one of these does not hold; an empty result is the proof.
 */
export interface LedgerMismatch {
  readonly itemId: string;
  readonly warehouseId: string;
  readonly bucket: string;
  readonly counter: number;
  readonly expected: number;
  readonly source: 'ledger' | 'reservations';
}

export async function findLedgerMismatches(db: Queryable): Promise<LedgerMismatch[]> {
  return db.query<LedgerMismatch>(
    `WITH ledger AS (
       SELECT item_id, warehouse_id,
         sum(on_hand_delta)::bigint AS on_hand, sum(reserved_delta)::bigint AS reserved,
         sum(committed_delta)::bigint AS committed, sum(incoming_delta)::bigint AS incoming,
         sum(damaged_delta)::bigint AS damaged, sum(safety_stock_delta)::bigint AS safety_stock,
         sum(backordered_delta)::bigint AS backordered
       FROM stock_movements GROUP BY item_id, warehouse_id
     ), held AS (
       SELECT l.item_id, l.warehouse_id,
         sum(CASE WHEN r.status = 'PENDING' THEN l.quantity - l.backordered ELSE 0 END)::bigint
           AS reserved,
         sum(CASE WHEN r.status = 'COMMITTED'
               THEN l.committed_quantity - l.committed_backordered ELSE 0 END)::bigint
           AS committed,
         sum(CASE WHEN r.status = 'PENDING' THEN l.backordered
                  WHEN r.status = 'COMMITTED' THEN l.committed_backordered ELSE 0 END)::bigint
           AS backordered
       FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id
       WHERE r.status IN ('PENDING', 'COMMITTED')
       GROUP BY l.item_id, l.warehouse_id
     ), compared AS (
       SELECT s.item_id, s.warehouse_id, v.bucket, v.counter, v.expected, v.source
       FROM stock_levels s
       LEFT JOIN ledger g ON g.item_id = s.item_id AND g.warehouse_id = s.warehouse_id
       LEFT JOIN held h ON h.item_id = s.item_id AND h.warehouse_id = s.warehouse_id
       CROSS JOIN LATERAL (VALUES
         ('on_hand', s.on_hand, coalesce(g.on_hand, 0), 'ledger'),
         ('reserved', s.reserved, coalesce(g.reserved, 0), 'ledger'),
         ('committed', s.committed, coalesce(g.committed, 0), 'ledger'),
         ('incoming', s.incoming, coalesce(g.incoming, 0), 'ledger'),
         ('damaged', s.damaged, coalesce(g.damaged, 0), 'ledger'),
         ('safety_stock', s.safety_stock, coalesce(g.safety_stock, 0), 'ledger'),
         ('backordered', s.backordered, coalesce(g.backordered, 0), 'ledger'),
         ('reserved', s.reserved, coalesce(h.reserved, 0), 'reservations'),
         ('committed', s.committed, coalesce(h.committed, 0), 'reservations'),
         ('backordered', s.backordered, coalesce(h.backordered, 0), 'reservations')
       ) AS v(bucket, counter, expected, source)
     )
     SELECT item_id AS "itemId", warehouse_id AS "warehouseId", bucket, counter, expected, source
     FROM compared WHERE counter <> expected
     ORDER BY item_id, warehouse_id, bucket, source`,
  );
}
