import { parseArgs } from 'node:util';
import type { BatchCostPoint } from './lib/batch-cost.ts';
import { fitBatchCost, microsPerReservation } from './lib/batch-cost.ts';
import { createBenchDatabase, loadProducts } from './lib/database.ts';
import { wholeNumber, wholeNumbers } from './lib/options.ts';
import { driveReserveBatch } from './lib/reserve-batch.ts';

/**
 * `node bench/batch-cost.ts [--sizes 1,2,4,8,16,32,64,128] [--seconds 3] [--rounds 2]
 * [--modes hot,uniform]`: PostgreSQL's CPU per reservation batch against the batch's size, and the
 * fixed and marginal parts fitted through it (bench/lib/batch-cost.ts).
 *
 * One connection calls the service's reserve batch statement back to back (bench/lib/reserve-batch.ts)
 * with batches of one-line reservations: `hot`, all on one item; `uniform`, random items of
 * 10,000. The CPU is that of the machine's `postgres*` processes (/proc), so PostgreSQL must run
 * here (BENCH_DATABASE_URL, default the local cluster) and nothing else use it meanwhile. Rounds
 * repeat every size, for the spread between runs.
 */
const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,2,4,8,16,32,64,128' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'hot,uniform' },
  },
});
const sizes = wholeNumbers('--sizes', options.sizes, 1, 4096);
const seconds = wholeNumber('--seconds', options.seconds, 1, 600);
const rounds = wholeNumber('--rounds', options.rounds, 1, 20);
const modes = (options.modes ?? '').split(',');
for (const mode of modes) {
  if (mode !== 'hot' && mode !== 'uniform') {
    throw new Error(`--modes: unknown mode ${mode}; hot or uniform`);
  }
}
const ITEMS = 10_000;

const bench = await createBenchDatabase();
try {
  await loadProducts(bench.db, {
    prefix: 'cost',
    count: ITEMS,
    onHand: 1_000_000_000,
    warehouses: ['default'],
  });
  await bench.db.exec('VACUUM ANALYZE');
  const itemIds = (await bench.db.query<{ id: string }>('SELECT id FROM items ORDER BY id')).map(
    (row) => row.id,
  );
  const first = itemIds[0];
  if (first === undefined) {
    throw new Error('batch-cost: no items loaded');
  }
  process.stdout.write(
    `command: node bench/batch-cost.ts --sizes ${sizes.join(',')} --seconds ${seconds} --rounds ${rounds} --modes ${modes.join(',')}\n`,
  );
  process.stdout.write(
    'mode     size  round  batches/s  reservations/s  pg µs/batch  pg µs/reservation\n',
  );
  for (const mode of modes) {
    const points: BatchCostPoint[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const size of sizes) {
        const batch = {
          url: bench.url,
          itemIds: mode === 'hot' ? [first] : itemIds,
          connections: 1,
          batchSize: size,
        };
        // Unmeasured: the connection's first calls plan and cache the function's statements.
        await driveReserveBatch({ ...batch, durationMs: 500 });
        const result = await driveReserveBatch({ ...batch, durationMs: seconds * 1000 });
        const perBatch = result.postgresCpuMicros * size;
        points.push({ size, cpuMicrosPerBatch: perBatch });
        process.stdout.write(
          `${mode.padEnd(8)} ${String(size).padStart(4)}  ${String(round).padStart(5)}  ${(result.perSecond / size).toFixed(0).padStart(9)}  ${result.perSecond.toFixed(0).padStart(14)}  ${perBatch.toFixed(0).padStart(11)}  ${result.postgresCpuMicros.toFixed(1).padStart(17)}\n`,
        );
      }
    }
    const fit = fitBatchCost(points);
    const at = [1, 16, 32, 64, 256]
      .map((n) => `${n}: ${microsPerReservation(fit, n).toFixed(1)}`)
      .join(', ');
    process.stdout.write(
      `${mode}: fixed ${fit.fixedMicros.toFixed(0)} µs a batch, marginal ${fit.marginalMicros.toFixed(1)} µs a reservation; µs a reservation by batch size (fit) ${at}\n`,
    );
  }
} finally {
  await bench.drop();
}
