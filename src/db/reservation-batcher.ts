import type {
  BatchedReservationResult,
  Logger,
  PlannedReservation,
  ReservationBatcher,
} from '../app/ports.ts';
import { type Database, isSqlError, RETRYABLE_SQLSTATES } from './database.ts';

/**
 * Group commit for reservations. A request that arrives while no batch is in the database goes at
 * once (no added latency when idle); requests that arrive while one is in flight wait and leave
 * together as the next batch, up to `batchSizeMax`. Each batch is one call of
 * inventory_reserve_batch (migration 0003): one statement, one transaction, one WAL flush.
 */
export interface BatcherOptions {
  readonly batchSizeMax: number;
  readonly logger: Logger;
}

interface Waiting {
  readonly reservation: PlannedReservation;
  readonly resolve: (result: BatchedReservationResult) => void;
  readonly reject: (error: unknown) => void;
}

interface BatchRow {
  readonly request_index: number;
  readonly ok: boolean;
  readonly failed_item_id: string | null;
  readonly failed_warehouse_id: string | null;
  readonly failed_available: number | null;
  readonly failed_code: string | null;
  readonly created_at: Date;
  readonly expires_at: Date;
}

/** A batch the database refused with "try again" is resent this many times before failing. */
const BATCH_ATTEMPTS_MAX = 5;

export function createReservationBatcher(
  db: Database,
  options: BatcherOptions,
): ReservationBatcher {
  const queue: Waiting[] = [];
  let inFlight = false;

  async function send(batch: readonly Waiting[]): Promise<BatchRow[]> {
    const payload = JSON.stringify(
      batch.map(({ reservation: r }) => ({
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
      })),
    );
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.query<BatchRow>('SELECT * FROM inventory_reserve_batch($1::jsonb)', [
          payload,
        ]);
      } catch (error) {
        const retryable = isSqlError(error) && RETRYABLE_SQLSTATES.has(error.code);
        if (!retryable || attempt >= BATCH_ATTEMPTS_MAX) {
          throw error;
        }
      }
    }
  }

  function flush(): void {
    if (inFlight || queue.length === 0) {
      return;
    }
    inFlight = true;
    const batch = queue.splice(0, options.batchSizeMax);
    send(batch)
      .then((rows) => {
        if (rows.length !== batch.length) {
          throw new Error(
            `assertion failed: batch of ${batch.length} answered ${rows.length} rows`,
          );
        }
        rows.forEach((row, index) => {
          const waiting = batch[index] as Waiting;
          waiting.resolve(
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
        });
      })
      .catch((error: unknown) => {
        options.logger.error({ err: error, batch: batch.length }, 'reservation batch failed');
        for (const waiting of batch) {
          waiting.reject(error);
        }
      })
      .finally(() => {
        inFlight = false;
        flush();
      });
  }

  return {
    submit(reservation) {
      return new Promise((resolve, reject) => {
        queue.push({ reservation, resolve, reject });
        flush();
      });
    },
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
