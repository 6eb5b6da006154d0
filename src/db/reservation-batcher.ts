import type {
  BatchedReservationResult,
  Logger,
  PlannedReservation,
  ReservationBatcher,
} from '../app/ports.ts';
import type { Database } from './database.ts';
import { createGroupCommitQueue } from './group-commit-queue.ts';

/**
 * Group commit for new reservations: each batch is one call of inventory_reserve_batch
 * (migration 0003), one statement, one transaction, one WAL flush.
 */
interface BatchRow {
  readonly ok: boolean;
  readonly failed_item_id: string | null;
  readonly failed_warehouse_id: string | null;
  readonly failed_available: number | null;
  readonly failed_code: string | null;
  readonly created_at: Date;
  readonly expires_at: Date;
}

export function createReservationBatcher(
  db: Database,
  options: {
    readonly batchSizeMax: number;
    readonly batchesInFlightMax?: number;
    readonly logger: Logger;
  },
): ReservationBatcher {
  return createGroupCommitQueue<PlannedReservation, BatchedReservationResult>({
    name: 'reservation',
    ...options,
    gatherOneTurn: db.kind === 'pglite',
    hold: () => db.hold(),
    async send(batch, connection) {
      const rows = await connection.queryPrepared<BatchRow>(
        'inventory_reserve_batch',
        'SELECT * FROM inventory_reserve_batch($1::jsonb)',
        [JSON.stringify(batch.map(reserveBatchPayload))],
      );
      return rows.map((row) =>
        row.ok
          ? { ok: true, createdAt: row.created_at, expiresAt: row.expires_at }
          : {
              ok: false,
              code: failureCodeOf(row.failed_code),
              itemId: row.failed_item_id ?? '',
              warehouseId: row.failed_warehouse_id ?? '',
              available: row.failed_available ?? 0,
            },
      );
    },
  });
}

/** One request of inventory_reserve_batch's jsonb argument (the bench calls it directly too). */
export function reserveBatchPayload(r: PlannedReservation) {
  return {
    id: r.id,
    order_id: r.orderId,
    ttl_ms: r.ttlMs,
    actor: r.actor,
    correlation_id: r.correlationId ?? null,
    strategy: r.allocationStrategy ?? null,
    postal_code: r.destinationPostalCode ?? null,
    lines: r.lines.map((l) => ({
      line_no: l.lineNo,
      item_id: l.itemId,
      warehouse_id: l.warehouseId,
      quantity: l.quantity,
      request_line: l.requestLine,
      request_quantity: l.requestQuantity,
      kit_item_id: l.kitItemId,
      reason: l.allocationReason,
    })),
  };
}

const FAILURE_CODES = [
  'INSUFFICIENT_STOCK',
  'SALES_BLOCKED',
  'ITEM_DISCONTINUED',
  'WAREHOUSE_INACTIVE',
] as const;

function failureCodeOf(code: string | null): (typeof FAILURE_CODES)[number] {
  const known = FAILURE_CODES.find((candidate) => candidate === code);
  if (known === undefined) {
    throw new Error(`assertion failed: inventory_reserve_batch answered failure code ${code}`);
  }
  return known;
}
