import type {
  EndRequest,
  EndResult,
  Logger,
  ReservationEndBatcher,
  ReservationLineDetail,
  ReservationRecord,
} from '../app/ports.ts';
import type { ReservationStatus } from '../domain/reservation.ts';
import {
  type ArrayEncoding,
  type ArrayScratch,
  createScratchPool,
  encodeArrays,
} from './binary-array.ts';
import type { Database } from './database.ts';
import { createGroupCommitQueue } from './group-commit-queue.ts';

/**
 * Group commit for moving reservations on (seed 000's release and deduct, cancels, and confirms that
 * keep every unit): each batch is one call of inventory_end_batch_arrays (migration 0013), one
 * statement, one transaction, one WAL flush.
 */
interface EndRow {
  readonly ok: boolean;
  readonly status: ReservationStatus | null;
  readonly order_id: string | null;
  readonly created_at: Date | null;
  readonly updated_at: Date | null;
  readonly expires_at: Date | null;
  readonly ended_at: Date | null;
  readonly committed_at: Date | null;
  readonly fulfilled_at: Date | null;
  readonly allocation_strategy: string | null;
  readonly destination_postal_code: string | null;
  /** Only for a request that moved. */
  readonly lines: readonly Record<string, unknown>[] | null;
}

export function createEndBatcher(
  db: Database,
  options: {
    readonly batchSizeMax: number;
    readonly batchesInFlightMax?: number;
    readonly logger: Logger;
  },
): ReservationEndBatcher {
  const scratches = createScratchPool();
  return createGroupCommitQueue<EndRequest, EndResult>({
    name: 'reservation end',
    ...options,
    gatherOneTurn: db.kind === 'pglite',
    hold: () => db.hold(),
    send: (batch, connection) =>
      scratches.use(async (scratch) => {
        const rows = await connection.queryPrepared<EndRow>(
          'inventory_end_batch_arrays',
          END_BATCH_SQL,
          endBatchColumns(batch, 'binary', scratch),
        );
        return rows.map((row, index) => toResult(row, batch[index]?.id ?? ''));
      }),
  });
}

export const END_BATCH_SQL =
  'SELECT * FROM inventory_end_batch_arrays($1::uuid[], $2::text[], $3::text[], $4::text[])';

/**
 * The arguments of inventory_end_batch_arrays (migration 0013): one array per column, one element
 * per request in arrival order, binary from the service (binary-array.ts). The bench calls it
 * directly too, and writes them as text into statements.
 */
export function endBatchColumns(
  batch: readonly EndRequest[],
  encoding: ArrayEncoding,
  scratch?: ArrayScratch,
): (Buffer | string)[] {
  return encodeArrays(
    [
      ['uuid', batch.map((r) => r.id)],
      ['text', batch.map((r) => r.move)],
      ['text', batch.map((r) => r.actor)],
      ['text', batch.map((r) => r.correlationId ?? null)],
    ],
    encoding,
    scratch,
  );
}

function toResult(row: EndRow, id: string): EndResult {
  if (row.status === null || row.expires_at === null) {
    return { ok: false, state: undefined };
  }
  if (!row.ok) {
    return { ok: false, state: { id, status: row.status, expiresAt: new Date(row.expires_at) } };
  }
  const reservation: ReservationRecord = {
    id,
    orderId: row.order_id ?? '',
    status: row.status,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at ?? 0),
    updatedAt: new Date(row.updated_at ?? 0),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    allocationStrategy: row.allocation_strategy,
    destinationPostalCode: row.destination_postal_code,
    committedAt: row.committed_at === null ? null : new Date(row.committed_at),
    fulfilledAt: row.fulfilled_at === null ? null : new Date(row.fulfilled_at),
  };
  return { ok: true, reservation, lines: (row.lines ?? []).map(toLine) };
}

/** The function builds line JSON in SQL; numbers come back as JSON numbers, ids as strings. */
function toLine(line: Record<string, unknown>): ReservationLineDetail {
  const text = (key: string) =>
    line[key] === null || line[key] === undefined ? null : String(line[key]);
  const number = (key: string) => Number(line[key] ?? 0);
  return {
    lineNo: number('line_no'),
    itemId: String(line.item_id),
    warehouseId: String(line.warehouse_id),
    quantity: number('quantity'),
    backordered: number('backordered'),
    committedQuantity: number('committed_quantity'),
    committedBackordered: number('committed_backordered'),
    requestLine: number('request_line'),
    requestQuantity: number('request_quantity'),
    kitItemId: text('kit_item_id'),
    allocationReason: text('allocation_reason'),
    productId: String(line.product_id),
    variantId: String(line.variant_id ?? ''),
    sku: text('sku'),
    kitProductId: text('kit_product_id'),
  };
}
