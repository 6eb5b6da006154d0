import pg from 'pg';
import type { ArrayScratch } from '../../src/db/binary-array.ts';
import { RESERVE_BATCH_SQL, reserveBatchColumns } from '../../src/db/reservation-batcher.ts';
import { newId } from '../../src/main/new-id.ts';
import { cpuMillisBetween, postgresCpuMillis } from './cpu.ts';

/**
 * PostgreSQL's side of a reservation, without the service: `connections` clients each call the
 * service's reserve batch statement (RESERVE_BATCH_SQL: inventory_reserve_batch_keyed since
 * migration 0014, here without keys, as the service sends a batch whose requests carry none) with
 * `batchSize` one-line reservations of one unit of a random item from `itemIds`, back to back, for
 * `durationMs`.
 * Through the service, PostgreSQL's backends wait for the service most of the time, so a
 * difference in what each reservation costs PostgreSQL (a larger database) hardly shows in
 * requests/s; here it does.
 *
 * The CPU time is that of every process named `postgres*` on this machine (/proc), so it means
 * something only when the bench's PostgreSQL runs here and nothing else uses it meanwhile.
 */
export interface ReserveBatchResult {
  readonly reservations: number;
  readonly perSecond: number;
  /** PostgreSQL's CPU time per reservation, in µs; NaN when no local postgres process was seen. */
  readonly postgresCpuMicros: number;
}

export async function driveReserveBatch(options: {
  readonly url: string;
  readonly itemIds: readonly string[];
  readonly connections: number;
  readonly batchSize: number;
  readonly durationMs: number;
}): Promise<ReserveBatchResult> {
  if (options.itemIds.length === 0) {
    throw new Error('reserve-batch: no items to reserve');
  }
  const clients = await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const client = new pg.Client({ connectionString: options.url });
      await client.connect();
      return client;
    }),
  );
  let reservations = 0;
  let order = 0;
  const cpuBefore = postgresCpuMillis();
  let cpuAfter = cpuBefore;
  const started = performance.now();
  let elapsedMs = Number.NaN;
  const deadline = started + options.durationMs;
  try {
    await Promise.all(
      clients.map(async (client) => {
        // As the service's batcher: one Buffer per connection for its batches' arrays, kept.
        const scratch: ArrayScratch = { buffer: Buffer.alloc(0) };
        while (performance.now() < deadline) {
          const batch = Array.from({ length: options.batchSize }, () => ({
            id: newId(),
            orderId: `batch-${order++}`,
            ttlMs: 900_000,
            actor: 'bench',
            correlationId: undefined,
            allocationStrategy: undefined,
            destinationPostalCode: undefined,
            lines: [
              {
                lineNo: 1,
                itemId: options.itemIds[Math.floor(Math.random() * options.itemIds.length)] ?? '',
                warehouseId: 'default',
                quantity: 1,
                backordered: 0,
                committedQuantity: 0,
                committedBackordered: 0,
                requestLine: 1,
                requestQuantity: 1,
                kitItemId: null,
                allocationReason: null,
              },
            ],
          }));
          await client.query({
            name: 'reserve-batch',
            text: RESERVE_BATCH_SQL,
            values: reserveBatchColumns(batch, 'binary', scratch),
          });
          reservations += options.batchSize;
        }
      }),
    );
    elapsedMs = performance.now() - started;
    // Read while this run's backends are still there to be read.
    cpuAfter = postgresCpuMillis();
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
  const cpuMillis = cpuMillisBetween(cpuBefore, cpuAfter);
  return {
    reservations,
    perSecond: (reservations / elapsedMs) * 1000,
    postgresCpuMicros: Number.isNaN(cpuMillis) ? Number.NaN : (cpuMillis * 1000) / reservations,
  };
}
