import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { PlannedReservation } from '../src/app/ports.ts';
import type { ArrayEncoding, ArrayScratch } from '../src/db/binary-array.ts';
import { RESERVE_BATCH_SQL, reserveBatchColumns } from '../src/db/reservation-batcher.ts';
import { processCpuMillis } from './lib/cpu.ts';
import { wholeNumber } from './lib/options.ts';

/**
 * `node bench/array-params.ts [--requests 31] [--lines 1] [--calls 20000] [--rounds 3]`: the CPU
 * PostgreSQL's backend spends reading a reserve batch's arguments, sent as text literals
 * (src/db/array-literal.ts) and as binary arrays (src/db/binary-array.ts, what the service sends).
 * One connection calls, back to back, a statement with the same parameters and casts as
 * RESERVE_BATCH_SQL that only counts their elements; the backend's CPU time is read from /proc
 * before and after. The batch function does the same work however its arguments came, so the
 * difference is what the encoding saves every batch.
 *
 * A batch is `--requests` reservations of `--lines` lines each (31 is the bench's average batch
 * under hot reserve; 5 lines is a cart), with random ids, items and correlation ids, as the service
 * sends them. DATABASE_URL picks the server (default: the local one's database postgres); it must
 * run on this machine, for /proc. The rounds alternate the two encodings.
 */
const { values: options } = parseArgs({
  options: {
    requests: { type: 'string', default: '31' },
    lines: { type: 'string', default: '1' },
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const REQUESTS = wholeNumber('--requests', options.requests, 1, 1000);
const LINES = wholeNumber('--lines', options.lines, 1, 100);
const CALLS = wholeNumber('--calls', options.calls, 1, 1_000_000);
const ROUNDS = wholeNumber('--rounds', options.rounds, 1, 100);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const batch: PlannedReservation[] = Array.from({ length: REQUESTS }, (_, request) => ({
  id: randomUUID(),
  orderId: `order-${request}-${randomUUID().slice(0, 8)}`,
  ttlMs: 900_000,
  actor: 'anonymous',
  correlationId: randomUUID(),
  allocationStrategy: undefined,
  destinationPostalCode: undefined,
  lines: Array.from({ length: LINES }, (_, line) => ({
    lineNo: line + 1,
    itemId: randomUUID(),
    warehouseId: 'default',
    quantity: 1,
    backordered: 0,
    committedQuantity: 0,
    committedBackordered: 0,
    requestLine: line + 1,
    requestQuantity: 1,
    kitItemId: null,
    allocationReason: null,
  })),
}));

// RESERVE_BATCH_SQL's casts, in parameter order, each parameter counted.
const casts = [...RESERVE_BATCH_SQL.matchAll(/\$(\d+)::(\w+(?:\[\])?)/g)];
const counted = casts.map(([, n, type]) =>
  type?.endsWith('[]')
    ? `coalesce(cardinality($${n}::${type}), 0)`
    : `coalesce(length($${n}::${type}::text), 0)`,
);
const sql = `SELECT ${counted.join(' + ')} AS elements`;

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const [row] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const backend = String(row?.pid);
  // The service's batcher lends each batch a Buffer it keeps (binary-array.ts); so does this.
  const scratch: ArrayScratch = { buffer: Buffer.alloc(0) };
  const columns = (encoding: ArrayEncoding) => reserveBatchColumns(batch, encoding, scratch);
  // Both encodings must say the same to the server before either is timed.
  const elements = await Promise.all(
    (['text', 'binary'] as const).map(async (encoding) => {
      const result = await client.query({ name: 'count', text: sql, values: columns(encoding) });
      return String(result.rows[0]?.elements);
    }),
  );
  if (elements[0] !== elements[1]) {
    throw new Error(`the encodings disagree: ${elements.join(' against ')} elements`);
  }

  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}); node ${process.version}`,
  );
  console.log(
    `command: node bench/array-params.ts --requests ${REQUESTS} --lines ${LINES} --calls ${CALLS} --rounds ${ROUNDS}`,
  );
  console.log('round  encoding  backend µs/call  client µs/call');
  for (let round = 1; round <= ROUNDS; round++) {
    for (const encoding of ['text', 'binary'] as const) {
      const backendBefore = processCpuMillis(backend);
      const clientBefore = process.cpuUsage();
      for (let call = 0; call < CALLS; call++) {
        // Encoded per call, as the service encodes every batch.
        await client.query({ name: 'count', text: sql, values: columns(encoding) });
      }
      const clientMicros = process.cpuUsage(clientBefore);
      const backendMillis = processCpuMillis(backend) - backendBefore;
      console.log(
        `${String(round).padStart(5)}  ${encoding.padEnd(8)}  ${((backendMillis * 1000) / CALLS).toFixed(1).padStart(15)}  ${((clientMicros.user + clientMicros.system) / CALLS).toFixed(1).padStart(14)}`,
      );
    }
  }
} finally {
  await client.end();
}
