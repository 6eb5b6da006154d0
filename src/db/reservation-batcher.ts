import type {
  BatchedReservationResult,
  Logger,
  PlannedReservation,
  ReservationBatcher,
} from '../app/ports.ts';
import {
  type ArrayColumn,
  type ArrayEncoding,
  type ArrayScratch,
  createScratchPool,
  encodeArrays,
} from './binary-array.ts';
import type { Database } from './database.ts';
import { createGroupCommitQueue } from './group-commit-queue.ts';

/**
 * Group commit for new reservations: each batch is one call of inventory_reserve_batch_keyed
 * (migration 0014, 0011's batch that also claims Idempotency-Keys), one statement, one
 * transaction, one WAL flush.
 */
interface BatchRow {
  readonly ok: boolean;
  readonly failed_item_id: string | null;
  readonly failed_warehouse_id: string | null;
  readonly failed_available: number | null;
  readonly failed_code: string | null;
  readonly created_at: Date;
  readonly expires_at: Date;
  readonly replay_hash: string | null;
  readonly replay_answer: unknown;
}

export function createReservationBatcher(
  db: Database,
  options: {
    readonly batchSizeMax: number;
    readonly batchesInFlightMax?: number;
    readonly logger: Logger;
  },
): ReservationBatcher {
  const scratches = createScratchPool();
  return createGroupCommitQueue<PlannedReservation, BatchedReservationResult>({
    name: 'reservation',
    ...options,
    gatherOneTurn: db.kind === 'pglite',
    hold: () => db.hold(),
    send: (batch, connection) =>
      scratches.use(async (scratch) => {
        const rows = await connection.queryPrepared<BatchRow>(
          'inventory_reserve_batch_keyed',
          RESERVE_BATCH_SQL,
          reserveBatchColumns(batch, 'binary', scratch),
        );
        return rows.map(resultOf);
      }),
  });
}

function resultOf(row: BatchRow): BatchedReservationResult {
  if (row.ok) {
    return { ok: true, createdAt: row.created_at, expiresAt: row.expires_at };
  }
  if (row.failed_code === 'REPLAY') {
    if (row.replay_hash === null) {
      throw new Error('assertion failed: a replayed reservation came without its request hash');
    }
    return {
      ok: false,
      code: 'REPLAY',
      stored: { requestHash: row.replay_hash, responseBody: row.replay_answer },
    };
  }
  if (row.failed_code === 'KEY_BUSY') {
    return { ok: false, code: 'KEY_BUSY' };
  }
  return {
    ok: false,
    code: failureCodeOf(row.failed_code),
    itemId: row.failed_item_id ?? '',
    warehouseId: row.failed_warehouse_id ?? '',
    available: row.failed_available ?? 0,
  };
}

export const RESERVE_BATCH_SQL = `SELECT * FROM inventory_reserve_batch_keyed($1::uuid[], $2::text[],
  $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::uuid[],
  $11::text[], $12::bigint[], $13::int[], $14::bigint[], $15::uuid[], $16::text[], $17::text,
  $18::text[], $19::text[], $20::bigint[], $21::jsonb)`;

/**
 * The arguments of inventory_reserve_batch_keyed (migration 0014): one array per column, the
 * requests' first, then their lines' in request order, each line with the 1-based position of its
 * request. PostgreSQL reads these once into the column types; a jsonb document of the same batch
 * cost it 26-38% more instructions (0011 has the counts). The service sends them binary
 * (binary-array.ts: PostgreSQL reads them without parsing text); the bench also calls it directly,
 * and writes them as text into statements.
 *
 * Then the Idempotency-Keys: their scope, per request the key (NULL without one), the request's
 * hash and the retention, and the answers to store as one JSON array (null for a request without a
 * key). A batch without keys sends NULL for all five, and the function skips the claims.
 */
export function reserveBatchColumns(
  batch: readonly PlannedReservation[],
  encoding: ArrayEncoding,
  scratch?: ArrayScratch,
): (Buffer | string | null)[] {
  const ids: string[] = [];
  const orderIds: string[] = [];
  const ttls: number[] = [];
  const actors: string[] = [];
  const correlationIds: (string | null)[] = [];
  const strategies: (string | null)[] = [];
  const postalCodes: (string | null)[] = [];
  const lineRequests: number[] = [];
  const lineNos: number[] = [];
  const items: string[] = [];
  const warehouses: string[] = [];
  const quantities: number[] = [];
  const requestLines: number[] = [];
  const requestQuantities: number[] = [];
  const kitItems: (string | null)[] = [];
  const reasons: (string | null)[] = [];
  batch.forEach((r, index) => {
    ids.push(r.id);
    orderIds.push(r.orderId);
    ttls.push(r.ttlMs);
    actors.push(r.actor);
    correlationIds.push(r.correlationId ?? null);
    strategies.push(r.allocationStrategy ?? null);
    postalCodes.push(r.destinationPostalCode ?? null);
    for (const l of r.lines) {
      lineRequests.push(index + 1);
      lineNos.push(l.lineNo);
      items.push(l.itemId);
      warehouses.push(l.warehouseId);
      quantities.push(l.quantity);
      requestLines.push(l.requestLine);
      requestQuantities.push(l.requestQuantity);
      kitItems.push(l.kitItemId);
      reasons.push(l.allocationReason);
    }
  });
  const keyed = keyColumns(batch);
  // In RESERVE_BATCH_SQL's order, with its casts' element types; the keys' three arrays last.
  const arrays = encodeArrays(
    [
      ['uuid', ids],
      ['text', orderIds],
      ['int8', ttls],
      ['text', actors],
      ['text', correlationIds],
      ['text', strategies],
      ['text', postalCodes],
      ['int4', lineRequests],
      ['int4', lineNos],
      ['uuid', items],
      ['text', warehouses],
      ['int8', quantities],
      ['int4', requestLines],
      ['int8', requestQuantities],
      ['uuid', kitItems],
      ['text', reasons],
      ...(keyed?.arrays ?? []),
    ],
    encoding,
    scratch,
  );
  return keyed === undefined
    ? [...arrays, null, null, null, null, null]
    : [...arrays.slice(0, 16), keyed.scope, ...arrays.slice(16), keyed.answers];
}

/** The batch's Idempotency-Keys, or undefined when no request has one. */
function keyColumns(
  batch: readonly PlannedReservation[],
): { scope: string; arrays: ArrayColumn[]; answers: string } | undefined {
  const scope = batch.find((r) => r.idempotency !== undefined)?.idempotency?.scope;
  if (scope === undefined) {
    return undefined;
  }
  const keys: (string | null)[] = [];
  const hashes: (string | null)[] = [];
  const retentions: (number | null)[] = [];
  const answers: unknown[] = [];
  for (const r of batch) {
    const claim = r.idempotency;
    if (claim !== undefined && claim.scope !== scope) {
      throw new Error(
        `assertion failed: one reservation batch claims keys in scopes ${scope} and ${claim.scope}`,
      );
    }
    keys.push(claim?.key ?? null);
    hashes.push(claim?.requestHash ?? null);
    retentions.push(claim?.retentionMs ?? null);
    answers.push(claim?.answer ?? null);
  }
  return {
    scope,
    arrays: [
      ['text', keys],
      ['text', hashes],
      ['int8', retentions],
    ],
    answers: JSON.stringify(answers),
  };
}

/** One request of inventory_reserve_batch's jsonb argument, the document form 0011 keeps. */
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
    throw new Error(
      `assertion failed: inventory_reserve_batch_keyed answered failure code ${code}`,
    );
  }
  return known;
}
