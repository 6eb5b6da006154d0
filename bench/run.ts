import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import type { Database } from '../src/db/database.ts';
import { createService } from '../src/main/create-service.ts';
import { describeCacheMisses, readCacheCounters } from './lib/cache-misses.ts';
import { type CpuPerRequest, measureCpu } from './lib/cpu.ts';
import {
  type BenchDatabase,
  type BooksReport,
  checkBooks,
  createBenchDatabase,
  loadProducts,
  loadReservations,
} from './lib/database.ts';
import { type LoadResult, percentile, runLoad } from './lib/load.ts';
import { driveReserveBatch } from './lib/reserve-batch.ts';
import { type RunningService, runCliOnDataDir, startService } from './lib/service.ts';
import { readWalState, switchesWanted, type WalState, warmWal } from './lib/wal.ts';
import { runWrk } from './lib/wrk.ts';
import {
  availabilityReads,
  hotReserve,
  LOAD_SCENARIOS,
  type LoadScenario,
  uniformReserve,
} from './scenarios.ts';

/**
 * A whole-number option of at least `min`, refused before anything runs (the large-data scenario
 * loads for minutes first, and a value SQL refuses would only fail then).
 */
function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`must be a whole number of at least ${min}.`);
    }
    return n;
  };
}

/** `NAME=value,...` for the service's environment; a pair without a setting name is refused. */
function envPairs(value: string): Record<string, string> {
  const pairs = value.split(',').filter((pair) => pair.trim() !== '');
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    if (at < 0 || !/^[A-Z][A-Z0-9_]*$/.test(name)) {
      throw new InvalidArgumentError(
        `"${pair}" is not NAME=value with an upper-case setting name.`,
      );
    }
    env[name] = pair.slice(at + 1);
  }
  return env;
}

const SCENARIO_NAMES = [...LOAD_SCENARIOS.map((s) => s.name), 'expiry', 'large', 'embedded'];

function scenarioList(value: string): Set<string> {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((name) => !SCENARIO_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')}.`);
  }
  return new Set(names);
}

/**
 * `npm run bench`: starts the service against a fresh PostgreSQL database (or the embedded one),
 * loads data, drives it over HTTP at a fixed concurrency and prints requests/s, p50/p99 latency,
 * errors, the service's peak RSS and whether the books balance afterwards, per scenario.
 * It never runs inside the test suite.
 */
const program = new Command()
  .name('bench')
  .option(
    '--scenarios <list>',
    `comma-separated: ${SCENARIO_NAMES.join(', ')}`,
    scenarioList,
    new Set([
      'hot-reserve',
      'uniform-reserve',
      'cart-5-lines',
      'availability-reads',
      'stock-reads',
      'mixed-checkout',
      'expiry',
    ]),
  )
  .option('--duration <seconds>', 'measured seconds per load scenario', wholeNumber(1), 15)
  .option('--warmup <seconds>', 'unmeasured seconds before each', wholeNumber(0), 3)
  .option('--connections <n>', 'concurrent connections', wholeNumber(1), 64)
  .addOption(
    new Option('--driver <name>', 'load generator for single-request scenarios')
      .choices(['node', 'wrk'])
      .default('node'),
  )
  .option('--expired <n>', 'reservations for the expiry scenario', wholeNumber(1), 1_000_000)
  .option('--large-items <n>', 'items for the large-data scenario', wholeNumber(1), 1_000_000)
  .option(
    '--large-reservations <n>',
    'reservation rows for the large-data scenario',
    wholeNumber(0),
    10_000_000,
  )
  .option(
    '--large-rounds <n>',
    'alternating small/large rounds of the large-data scenario',
    wholeNumber(1),
    3,
  )
  .option(
    '--no-warm-wal',
    'measure on the WAL segments the cluster has (a young one zero-fills new ones during the runs)',
  )
  .option(
    '--env <pairs>',
    'extra service settings, e.g. RESERVATION_BATCHES_IN_FLIGHT=1,ITEM_CACHE_TTL=1s',
    envPairs,
    {},
  )
  .parse();
const opts = program.opts<{
  scenarios: Set<string>;
  duration: number;
  warmup: number;
  connections: number;
  driver: string;
  expired: number;
  largeItems: number;
  largeReservations: number;
  largeRounds: number;
  env: Record<string, string>;
  warmWal: boolean;
}>();
const selected = opts.scenarios;
const durationMs = opts.duration * 1000;
const warmupMs = opts.warmup * 1000;
const connections = opts.connections;
const largeRounds = opts.largeRounds;
const extraEnv = opts.env;

const rows: string[] = [];
const header =
  'scenario                 req/s   p50 ms   p99 ms  errors  non-2xx  peak RSS MiB  svc µs/req  pg µs/req  books';
const driverNote = `load generator: ${opts.driver === 'wrk' ? 'wrk (hot, uniform, carts, reads; node for the rest)' : 'node (undici)'}`;
/** How a books check reads in a result line. */
function booksLabel(books: BooksReport): string {
  return books.balanced ? 'balanced' : `UNBALANCED ${JSON.stringify(books)}`;
}

/** Which database goes first in a round of the large-data scenario: small in odd rounds. */
function roundOrder(round: number): readonly ('small' | 'large')[] {
  return round % 2 === 1 ? ['small', 'large'] : ['large', 'small'];
}

/** A load run with the CPU it cost (bench/lib/cpu.ts) and, when asked, its cache misses. */
type Measured = LoadResult & { readonly cpu: CpuPerRequest; readonly cacheMisses?: string };

function report(name: string, result: Measured, rssMiB: number, books: string): void {
  const perSecond = (result.requests / result.durationMs) * 1000;
  const non2xx = Object.entries(result.statuses)
    .filter(([status]) => Number(status) >= 300)
    .reduce((sum, [, n]) => sum + n, 0);
  const line = [
    name.padEnd(22),
    perSecond.toFixed(0).padStart(7),
    (result.p50Ms ?? percentile(result.latenciesMs, 50)).toFixed(1).padStart(8),
    (result.p99Ms ?? percentile(result.latenciesMs, 99)).toFixed(1).padStart(8),
    String(result.errors).padStart(7),
    String(non2xx).padStart(8),
    rssMiB.toFixed(0).padStart(13),
    result.cpu.serviceMicros.toFixed(0).padStart(11),
    (Number.isNaN(result.cpu.postgresMicros) ? '-' : result.cpu.postgresMicros.toFixed(0)).padStart(
      10,
    ),
    ` ${books}`,
  ].join(' ');
  rows.push(line);
  process.stdout.write(`${line}\n`);
  if (result.cacheMisses !== undefined) {
    process.stdout.write(`${''.padEnd(23)}per request: ${result.cacheMisses}\n`);
  }
}

/**
 * Warms up, then measures: requests/s and latency from the load generator, and the CPU the
 * service and PostgreSQL spent per request during the measured run (`postgres` says whether
 * PostgreSQL counts: not for the embedded database, whose engine runs inside the service). With
 * `cacheOf`, also what the run cost that database's buffer cache (bench/lib/cache-misses.ts).
 */
async function drive(
  scenario: LoadScenario,
  service: RunningService,
  postgres = true,
  cacheOf?: Database,
): Promise<Measured> {
  if (warmupMs > 0) {
    await load(scenario, service, warmupMs);
  }
  const cache = cacheOf && { db: cacheOf, before: await readCacheCounters(cacheOf) };
  const measured = await measureCpu(service.pid, () => load(scenario, service, durationMs));
  if (!postgres) {
    return { ...measured, cpu: { ...measured.cpu, postgresMicros: Number.NaN } };
  }
  if (cache === undefined) {
    return measured;
  }
  const after = await readCacheCounters(cache.db);
  return { ...measured, cacheMisses: describeCacheMisses(cache.before, after, measured.requests) };
}

function load(scenario: LoadScenario, service: RunningService, ms: number): Promise<LoadResult> {
  if (opts.driver === 'wrk' && scenario.wrk !== undefined) {
    // wrk runs for whole seconds.
    const wrkMs = Math.max(1000, ms);
    return runWrk({ baseUrl: service.baseUrl, connections, env: scenario.wrk, durationMs: wrkMs });
  }
  return runLoad({ baseUrl: service.baseUrl, connections, durationMs: ms, step: scenario.step });
}

async function main(): Promise<void> {
  process.stdout.write(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}\n`,
  );
  process.stdout.write(
    `command: npm run bench -- ${process.argv.slice(2).join(' ')}\n${driverNote}\n${header}\n`,
  );
  const bench = await createBenchDatabase();
  try {
    // The server's cache size decides how much of a large database's indexes stay in memory
    // (docs/PERFORMANCE.md), so every run names it.
    const [server] = await bench.db.query<{ version: string; shared_buffers: string }>(
      `SELECT current_setting('server_version') AS version,
         current_setting('shared_buffers') AS shared_buffers`,
    );
    process.stdout.write(
      `postgresql: ${server?.version ?? '?'}, shared_buffers ${server?.shared_buffers ?? '?'}\n`,
    );
    process.stdout.write(`${await prepareWal(bench.db)}\n`);
    for (const scenario of LOAD_SCENARIOS.filter((s) => selected.has(s.name))) {
      await scenario.setup(bench.db);
      const service = await startService({ DATABASE_URL: bench.url, ...scenario.env, ...extraEnv });
      const result = await drive(scenario, service);
      const rss = service.peakRssMiB();
      await service.stop();
      const books = await checkBooks(bench.db);
      report(scenario.name, result, rss, booksLabel(books));
    }
    if (selected.has('expiry')) {
      await benchExpiry(bench.db, bench.url);
    }
    if (selected.has('large')) {
      await benchLarge();
    }
    if (selected.has('embedded')) {
      await benchEmbedded();
    }
  } finally {
    await bench.drop();
  }
  process.stdout.write(`\n${header}\n${rows.join('\n')}\n`);
}

/**
 * A young cluster zero-fills every WAL segment it reaches for the first time, and its runs show
 * that in p99 (lib/wal.ts); unless told not to, the bench gives it the segments first. Either way
 * the run says what the cluster had.
 */
async function prepareWal(db: Database): Promise<string> {
  const state = await readWalState(db);
  if (state === undefined) {
    return 'wal: not readable by this role; a young cluster shows a p99 tail (PERFORMANCE.md)';
  }
  const wanted = switchesWanted(state);
  if (wanted === 0 || !opts.warmWal) {
    return `wal: ${walLabel(state)}${wanted === 0 ? '' : ', not warmed (--no-warm-wal)'}`;
  }
  const started = performance.now();
  if ((await warmWal(db, wanted)) === 'not permitted') {
    return `wal: ${walLabel(state)}, not warmed: this role may not switch the WAL or checkpoint`;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const after = await readWalState(db);
  return `wal: ${walLabel(state)}; moved on by ${wanted} and checkpointed in ${seconds} s, now ${after?.segments ?? '?'} on hand`;
}

function walLabel(state: WalState): string {
  return `segments on hand ${state.segments} (${state.segmentBytes / 2 ** 20} MiB each), max_wal_size keeps ${state.kept}`;
}

/** Seconds to expire `--expired` reservations that are all past due (settings from --env, else the defaults). */
async function benchExpiry(db: Parameters<typeof checkBooks>[0], url: string): Promise<void> {
  const count = opts.expired;
  await loadProducts(db, {
    prefix: 'exp',
    count: 1_000,
    onHand: 1_000_000,
    warehouses: ['default'],
  });
  const loadStarted = performance.now();
  await loadReservations(db, { prefix: 'exp', count, status: 'PENDING', expired: true });
  process.stdout.write(
    `(loaded ${count} expired reservations in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s)\n`,
  );
  const logger = pino({ level: 'silent' });
  const config = loadConfig({ ...extraEnv, DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const { openPostgres } = await import('../src/db/postgres.database.ts');
  const serviceDb = await openPostgres({ url, poolMax: 4, logger });
  const service = await createService(config, logger, serviceDb);
  const started = performance.now();
  let expired = 0;
  for (let round = 0; round < 100; round++) {
    const n = await service.expiryWorker.sweep();
    expired += n;
    if (n === 0) {
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await service.stop();
  const books = await checkBooks(db);
  const line = `expiry-sweep           ${expired} reservations expired in ${seconds.toFixed(1)} s (${(expired / seconds).toFixed(0)}/s, batch ${config.expirationBatchSizeMax}); books ${booksLabel(books)}`;
  rows.push(line);
  process.stdout.write(`${line}\n`);
}

/**
 * The reserve and read scenarios with 1M items and 10M reservation rows in the tables, against the
 * same scenarios on a database without them, in alternating rounds. Runs on one machine vary by
 * up to ±30% from one minute to the next (docs/PERFORMANCE.md), more than the 10% the comparison
 * is about, so one large run against a small run made minutes earlier says little: each round
 * measures both, one right after the other (small first in odd rounds, large first in even ones),
 * and the summary is the median of the rounds' ratios. The two databases live in one PostgreSQL,
 * so they share its checkpoints and its buffer cache, as tenants of one server do.
 */
async function benchLarge(): Promise<void> {
  const scenarios = [hotReserve, uniformReserve, availabilityReads];
  const small = await createBenchDatabase();
  const large = await createBenchDatabase();
  try {
    for (const scenario of scenarios) {
      await scenario.setup(small.db);
      await scenario.setup(large.db);
    }
    const started = performance.now();
    await loadProducts(large.db, {
      prefix: 'big',
      count: opts.largeItems,
      onHand: 1_000_000,
      warehouses: ['default'],
    });
    await loadReservations(large.db, {
      prefix: 'big',
      count: opts.largeReservations,
      status: 'RELEASED',
      expired: false,
    });
    process.stdout.write(
      `(loaded ${opts.largeItems} items and ${opts.largeReservations} reservations in ${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
    // What an operator does after a bulk load: without it, autovacuum works through the freshly
    // loaded tables during the measured runs and the figures measure that instead.
    const vacuumStarted = performance.now();
    for (const bench of [small, large]) {
      await bench.db.exec('VACUUM (ANALYZE)');
    }
    await large.db.exec('CHECKPOINT');
    process.stdout.write(
      `(vacuumed and checkpointed in ${((performance.now() - vacuumStarted) / 1000).toFixed(0)} s)\n`,
    );
    // The uniform scenario's items, for the direct reserve-batch pass of every round.
    const uniformItemIds = async (bench: BenchDatabase) =>
      (
        await bench.db.query<{ id: string }>(
          "SELECT id FROM items WHERE product_id LIKE 'uni%' ORDER BY product_id",
        )
      ).map((item) => item.id);
    const batchItemIds = { small: await uniformItemIds(small), large: await uniformItemIds(large) };
    const ratios = new Map<string, number[]>([
      ...scenarios.map((s): [string, number[]] => [s.name, []]),
      [RESERVE_BATCH, []],
    ]);
    for (let round = 1; round <= largeRounds; round++) {
      for (const scenario of scenarios) {
        const perSecond: Record<string, number> = {};
        for (const size of roundOrder(round)) {
          const bench = size === 'small' ? small : large;
          const service = await startService({ DATABASE_URL: bench.url, ...extraEnv });
          const result = await drive(scenario, service, true, bench.db);
          const rss = service.peakRssMiB();
          await service.stop();
          const books = await checkBooks(bench.db);
          perSecond[size] = (result.requests / result.durationMs) * 1000;
          report(`${scenario.name}@${size}`, result, rss, booksLabel(books));
        }
        ratios.get(scenario.name)?.push((perSecond.large ?? 0) / (perSecond.small ?? 1));
      }
      ratios
        .get(RESERVE_BATCH)
        ?.push(await reserveBatchRound(round, { small, large }, batchItemIds));
    }
    for (const [name, list] of ratios) {
      const line = `${`${name} large/small`.padEnd(30)} median ${median(list).toFixed(2)} of ${list.length} rounds (${list.map((r) => r.toFixed(2)).join(', ')})`;
      rows.push(line);
      process.stdout.write(`${line}\n`);
    }
  } finally {
    await small.drop();
    await large.drop();
  }
}

const RESERVE_BATCH = 'reserve-batch (SQL)';

/**
 * One round of the service's reserve batch statement called directly on both databases
 * (bench/lib/reserve-batch.ts), in the round's order, over the uniform scenario's items; returns the
 * large/small ratio.
 */
async function reserveBatchRound(
  round: number,
  databases: Readonly<Record<'small' | 'large', BenchDatabase>>,
  itemIds: Readonly<Record<'small' | 'large', readonly string[]>>,
): Promise<number> {
  const perSecond: Record<string, number> = {};
  for (const size of roundOrder(round)) {
    const bench = databases[size];
    const batch = {
      url: bench.url,
      itemIds: itemIds[size],
      connections: 2,
      batchSize: 32,
    };
    if (warmupMs > 0) {
      await driveReserveBatch({ ...batch, durationMs: warmupMs });
    }
    const cacheBefore = await readCacheCounters(bench.db);
    const result = await driveReserveBatch({ ...batch, durationMs });
    const cacheMisses = describeCacheMisses(
      cacheBefore,
      await readCacheCounters(bench.db),
      result.reservations,
    );
    const books = await checkBooks(bench.db);
    perSecond[size] = result.perSecond;
    const line = `${`reserve-batch@${size}`.padEnd(22)} ${result.perSecond.toFixed(0).padStart(7)} reservations/s (2 connections, batches of 32), PostgreSQL CPU ${result.postgresCpuMicros.toFixed(0)} µs a reservation  ${booksLabel(books)}`;
    rows.push(line);
    process.stdout.write(`${line}\n${''.padEnd(23)}per reservation: ${cacheMisses}\n`);
  }
  return (perSecond.large ?? 0) / (perSecond.small ?? 1);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Hot-SKU reserve on the embedded PGlite default (no DATABASE_URL). */
async function benchEmbedded(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-bench-'));
  try {
    // The data directory is created first, as a deploy's `migrate` does: creating it is a one-off
    // that peaks higher than serving (docs/PERFORMANCE.md), and the peak reported is serving's.
    const created = runCliOnDataDir(['migrate'], dataDir);
    if (created.status !== 0) {
      throw new Error(`migrate failed: ${created.stderr}`);
    }
    const service = await startService({ DATA_DIR: dataDir, ...extraEnv });
    const init = await fetch(`${service.baseUrl}/inventory/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ productId: 'hot0000001', quantity: 1_000_000_000 }),
    });
    if (init.status !== 201) {
      throw new Error(`init failed: ${init.status}`);
    }
    const result = await drive(hotReserve, service, false);
    const rss = service.peakRssMiB();
    await service.stop();
    // The data directory is the service's alone while it runs; check the books through the CLI.
    const verify = runCliOnDataDir(['verify-ledger'], dataDir);
    report('hot-reserve@embedded', result, rss, verify.status === 0 ? 'balanced' : 'UNBALANCED');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
