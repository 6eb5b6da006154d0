import fs from 'node:fs';
import pg from 'pg';
import { reserveBatchPayload } from '../../src/db/reservation-batcher.ts';
import { newId } from '../../src/main/new-id.ts';

/**
 * PostgreSQL's side of a reservation, without the service: `connections` clients each call
 * inventory_reserve_batch (migration 0008 has its current body) with `batchSize` one-line
 * reservations of one unit of a random item from `itemIds`, back to back, for `durationMs`.
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
        while (performance.now() < deadline) {
          const batch = Array.from({ length: options.batchSize }, () =>
            reserveBatchPayload({
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
            }),
          );
          await client.query({
            name: 'reserve-batch',
            text: 'SELECT * FROM inventory_reserve_batch($1::jsonb)',
            values: [JSON.stringify(batch)],
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

/**
 * User plus system CPU time of each process whose name starts with `postgres`, in ms by pid.
 * Compared by pid, so a backend that exits in between (the warm-up's) does not count negative.
 */
function postgresCpuMillis(): Map<string, number> {
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux
  const byPid = new Map<string, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended between listing and reading
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!name.startsWith('postgres')) {
      continue;
    }
    // Fields after the name: state is the 1st, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    byPid.set(entry, ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond);
  }
  return byPid;
}

/** CPU ms used between two snapshots by the processes alive at the second; NaN when none. */
function cpuMillisBetween(before: Map<string, number>, after: Map<string, number>): number {
  if (after.size === 0) {
    return Number.NaN;
  }
  let millis = 0;
  for (const [pid, total] of after) {
    millis += total - (before.get(pid) ?? 0);
  }
  return millis;
}
