import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { PlannedReservation } from '../src/app/ports.ts';
import { migrate } from '../src/db/migrator.ts';
import { openPostgres } from '../src/db/postgres.database.ts';
import { reserveBatchPayload } from '../src/db/reservation-batcher.ts';
import { newId } from '../src/main/new-id.ts';
import { loadProducts } from './lib/database.ts';
import { wholeNumber } from './lib/options.ts';

/**
 * `node bench/batch-instructions.ts [--batches N]
 * [--modes hot,uniform,cart,release,deduct,commit,hot-keyed,hot-single,uniform-single]
 * [--forms document,arrays] [--keep DIR]`: what one reservation costs PostgreSQL inside a batch, counted in
 * instructions, for each form the batch can take: the jsonb documents of inventory_reserve_batch
 * and inventory_end_batch, and the typed arrays of the service's statements (RESERVE_BATCH_SQL,
 * inventory_reserve_batch_keyed since migration 0014, and END_BATCH_SQL).
 *
 * Time on a shared 2-core machine moves by ±20% between runs of the same build; an instruction
 * count does not. Each count runs a single-user backend (`postgres --single`, no other process)
 * under `valgrind --tool=callgrind` on a copy of one data directory: once with 10 warm-up batches,
 * once with those and N more, and divides the difference by N's reservations. Single-user mode
 * reads each statement one character at a time, which a client's Bind message does not; that
 * reading is counted alone (the same text in `SELECT length(...)`) and subtracted.
 *
 * Needs valgrind (Debian package `valgrind`) and the PostgreSQL server binaries (`pg_config
 * --bindir`). As root, the temporary cluster runs as the `postgres` user. 10,000 items in the
 * default warehouse. Modes: `hot`, 30 one-line requests on one item; `uniform`, 30 one-line
 * requests on random items; `cart`, 25 five-line carts on random items; `release`, `deduct` and
 * `commit` (a confirm of every unit; 0013 on), batches of 30 such moves of one-line reservations
 * on random items, made beforehand in the same form (both counts include making them, so the
 * difference is the move batches alone); `hot-keyed` (0014 on, arrays only), `hot` with a new
 * Idempotency-Key on every request, the batch claiming each and storing its answer;
 * `hot-single` and `uniform-single`, batches of one request, which count what every batch pays
 * whatever its size (compare bench/batch-cost.ts, in CPU time). Single-user mode also analyses
 * and plans the statement text of every batch, which a prepared statement does once per
 * connection: 183,000 instructions a batch, 9% of a one-request batch (docs/PERFORMANCE.md,
 * twelfth sitting), not subtracted.
 *
 * `--keep DIR` keeps each count's callgrind output there (`callgrind.out.1`, ... in the order the
 * counts ran: per mode and form, the warm-up alone, then with the measured batches; then the same
 * two for the statement text alone), for `callgrind_annotate --inclusive=yes`.
 */
const { values: options } = parseArgs({
  options: {
    batches: { type: 'string', default: '100' },
    modes: { type: 'string', default: 'hot,uniform,cart,release,deduct,commit,hot-keyed' },
    forms: { type: 'string', default: 'document,arrays' },
    keep: { type: 'string' },
  },
});
const BATCHES = wholeNumber('--batches', options.batches, 1, 10_000);
const MODES = {
  hot: { size: 30, lines: 1, oneItem: true, end: undefined, keyed: false },
  uniform: { size: 30, lines: 1, oneItem: false, end: undefined, keyed: false },
  'hot-single': { size: 1, lines: 1, oneItem: true, end: undefined, keyed: false },
  'uniform-single': { size: 1, lines: 1, oneItem: false, end: undefined, keyed: false },
  cart: { size: 25, lines: 5, oneItem: false, end: undefined, keyed: false },
  release: { size: 30, lines: 1, oneItem: false, end: 'release', keyed: false },
  deduct: { size: 30, lines: 1, oneItem: false, end: 'deduct', keyed: false },
  commit: { size: 30, lines: 1, oneItem: false, end: 'commit', keyed: false },
  'hot-keyed': { size: 30, lines: 1, oneItem: true, end: undefined, keyed: true },
} as const;
type Mode = keyof typeof MODES;
const modes = (options.modes ?? '').split(',').map((name) => {
  if (!(name in MODES)) {
    throw new Error(`unknown mode ${name}; one of ${Object.keys(MODES).join(', ')}`);
  }
  return name as Mode;
});
const FORMS = ['document', 'arrays'] as const;
type Form = (typeof FORMS)[number];
const forms = (options.forms ?? '').split(',').map((name) => {
  if (!FORMS.some((form) => form === name)) {
    throw new Error(`unknown form ${name}; one of ${FORMS.join(', ')}`);
  }
  return name as Form;
});
// Imported only for the arrays form, so that the document form can be counted at a commit from
// before migrations 0011 and 0013 (copy this file there), for a before-and-after.
const arraysForm = forms.includes('arrays')
  ? await import('../src/db/reservation-batcher.ts')
  : undefined;
const endArraysForm = forms.includes('arrays')
  ? await import('../src/db/end-batcher.ts')
  : undefined;
/** The casts of the service's statements, in parameter order: the literals here take the same. */
const ARRAY_TYPES = castsOf(arraysForm?.RESERVE_BATCH_SQL);
const END_ARRAY_TYPES = castsOf(endArraysForm?.END_BATCH_SQL);
/** The function the service's reserve statement calls. */
const RESERVE_FUNCTION = /FROM (\w+)\(/.exec(arraysForm?.RESERVE_BATCH_SQL ?? '')?.[1];

function castsOf(sql: string | undefined): (string | undefined)[] {
  return [...(sql ?? '').matchAll(/\$\d+::(\w+(?:\[\])?)/g)].map((match) => match[1]);
}
const WARM_UP_BATCHES = 10;
/** Callgrind outputs kept so far (--keep), numbered in the order the counts ran. */
let kept = 0;
const ITEMS = 10_000;

const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
const asRoot = process.getuid?.() === 0;
/** Runs a PostgreSQL binary, as the postgres user when this process is root (initdb refuses root). */
function pgCommand(binary: string, args: string[], input?: string): string {
  const file = path.join(bindir, binary);
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', file, ...args], { input, encoding: 'utf8' })
    : spawnSync(file, args, { input, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${binary} failed: ${result.stderr}`);
  }
  return result.stdout;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-instructions-'));
if (asRoot) {
  execFileSync('chown', ['postgres', dir]);
}
const dataDir = path.join(dir, 'data');
try {
  pgCommand('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres']);
  const ids = await loadCluster();
  console.log(
    `instructions per reservation, ${BATCHES} batches after ${WARM_UP_BATCHES} (callgrind)`,
  );
  console.log('mode           form        per reservation   reading the text   net');
  for (const mode of modes) {
    const warm = batches(mode, WARM_UP_BATCHES, ids);
    const run = batches(mode, BATCHES, ids);
    const reservations = BATCHES * MODES[mode].size;
    const move = MODES[mode].end;
    for (const form of forms) {
      if (MODES[mode].keyed && form === 'document') {
        console.log(`${mode.padEnd(14)} ${form.padEnd(11)} (the document form takes no keys)`);
        continue;
      }
      const [total, reading] = [statement, readingOnly].map((toSql) =>
        move === undefined
          ? perReservation('', warm, run, reservations, (b) => toSql(form, b))
          : // Both counts make every reservation first, so the difference is the end batches.
            perReservation(
              [...warm, ...run].map((b) => statement(form, b)).join('\n'),
              warm,
              run,
              reservations,
              (b) => toSql(form, b, move),
            ),
      ) as [number, number];
      console.log(
        `${mode.padEnd(14)} ${form.padEnd(11)} ${fmt(total).padStart(15)} ${fmt(reading).padStart(18)} ${fmt(total - reading).padStart(11)}`,
      );
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Starts the cluster on a socket in `dir`, migrates and loads it, stops it; the item ids. */
async function loadCluster(): Promise<string[]> {
  // The server's output goes to a file: spawnSync would otherwise wait for the pipes it inherits.
  const log = path.join(dir, 'server.log');
  pgCommand('pg_ctl', [
    '-D',
    dataDir,
    '-l',
    log,
    '-w',
    '-o',
    `-k ${dir} -c listen_addresses=''`,
    'start',
  ]);
  try {
    pgCommand('createdb', ['-h', dir, '-U', 'postgres', 'bench']);
    const silent = pino({ level: 'silent' });
    const db = await openPostgres({
      url: `postgres://postgres@/bench?host=${encodeURIComponent(dir)}`,
      poolMax: 1,
      logger: silent,
    });
    try {
      await migrate(db, silent);
      await loadProducts(db, {
        prefix: 'P',
        count: ITEMS,
        onHand: 1_000_000_000,
        warehouses: ['default'],
      });
      await db.exec('VACUUM ANALYZE');
      return (await db.query<{ id: string }>('SELECT id FROM items')).map((row) => row.id);
    } finally {
      await db.close();
    }
  } finally {
    pgCommand('pg_ctl', ['-D', dataDir, '-w', 'stop']);
  }
}

function batches(mode: Mode, count: number, ids: readonly string[]): PlannedReservation[][] {
  const { size, lines, oneItem, keyed } = MODES[mode];
  const pick = (line: number) =>
    (oneItem ? ids[line] : ids[Math.floor(Math.random() * ids.length)]) ?? '';
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: size }, (_, r) =>
      withKey(keyed, {
        id: newId(),
        orderId: `order-${b}-${r}`,
        ttlMs: 900_000,
        actor: 'bench',
        correlationId: undefined,
        allocationStrategy: undefined,
        destinationPostalCode: undefined,
        lines: Array.from({ length: lines }, (_, i) => ({
          lineNo: i + 1,
          itemId: pick(i),
          warehouseId: 'default',
          quantity: 1,
          backordered: 0,
          committedQuantity: 0,
          committedBackordered: 0,
          requestLine: i + 1,
          requestQuantity: 1,
          kitItemId: null,
          allocationReason: null,
        })),
      }),
    ),
  );
}

/** With `keyed`, a new Idempotency-Key and the answer the service would store for it. */
function withKey(keyed: boolean, r: PlannedReservation): PlannedReservation {
  if (!keyed) {
    return r;
  }
  const reservation = {
    id: r.id,
    orderId: r.orderId,
    status: 'PENDING',
    endedAt: null,
    allocationStrategy: null,
    destinationPostalCode: null,
    committedAt: null,
    fulfilledAt: null,
  };
  const lines = r.lines.map((l) => ({ ...l, productId: 'P-1', variantId: '', sku: 'P-1' }));
  return {
    ...r,
    idempotency: {
      scope: 'reserve',
      key: `key-${r.id}`,
      requestHash: '0'.repeat(64),
      retentionMs: 86_400_000,
      answer: { reservation, lines },
    },
  };
}

type Move = 'release' | 'deduct' | 'commit';

/** The literals the service's parameters carry, as SQL string constants: to end, with `move`. */
function literals(form: Form, batch: PlannedReservation[], move?: Move): string[] {
  if (move !== undefined) {
    const requests = batch.map((r) => ({
      id: r.id,
      move,
      actor: 'bench',
      correlationId: undefined,
    }));
    if (form === 'document') {
      return [quote(JSON.stringify(requests.map(({ id, actor }) => ({ id, move, actor }))))];
    }
    if (endArraysForm === undefined) {
      throw new Error('assertion failed: the arrays form was not loaded');
    }
    return endArraysForm.endBatchColumns(requests, 'text').map((text) => quote(textOf(text)));
  }
  if (form === 'document') {
    return [quote(JSON.stringify(batch.map(reserveBatchPayload)))];
  }
  if (arraysForm === undefined) {
    throw new Error('assertion failed: the arrays form was not loaded');
  }
  return arraysForm
    .reserveBatchColumns(batch, 'text')
    .map((text) => (text === null ? 'NULL' : quote(textOf(text))));
}

/** A column of the text encoding: always a string, never binary. */
function textOf(column: Buffer | string): string {
  if (typeof column !== 'string') {
    throw new Error('assertion failed: a text-encoded batch column came back binary');
  }
  return column;
}

function statement(form: Form, batch: PlannedReservation[], move?: Move): string {
  const args = literals(form, batch, move);
  if (move !== undefined) {
    return form === 'document'
      ? `SELECT count(*) FROM inventory_end_batch(${args[0]}::jsonb);`
      : `SELECT count(*) FROM inventory_end_batch_arrays(${args.map((a, i) => `${a}::${END_ARRAY_TYPES[i]}`).join(', ')});`;
  }
  return form === 'document'
    ? `SELECT count(*) FROM inventory_reserve_batch(${args[0]}::jsonb);`
    : `SELECT count(*) FROM ${RESERVE_FUNCTION}(${args.map((a, i) => `${a}::${ARRAY_TYPES[i]}`).join(', ')});`;
}

function readingOnly(form: Form, batch: PlannedReservation[], move?: Move): string {
  return `SELECT length(concat(${literals(form, batch, move).join(', ')}));`;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Instructions per reservation of `run`, counted after `setup` and `warm` on a fresh copy of the
 * cluster.
 */
function perReservation(
  setup: string,
  warm: PlannedReservation[][],
  run: PlannedReservation[][],
  reservations: number,
  toSql: (batch: PlannedReservation[]) => string,
): number {
  const warmSql = [setup, ...warm.map(toSql)].join('\n');
  const runSql = run.map(toSql).join('\n');
  const before = countInstructions(`${warmSql}\n`);
  const after = countInstructions(`${warmSql}\n${runSql}\n`);
  return (after - before) / reservations;
}

function countInstructions(input: string): number {
  const work = path.join(dir, 'work');
  fs.rmSync(work, { recursive: true, force: true });
  execFileSync('cp', ['-a', dataDir, work]);
  const out = path.join(dir, 'callgrind.out');
  const args = [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    path.join(bindir, 'postgres'),
    '--single',
    '-D',
    work,
    '-c',
    'jit=off',
    'bench',
  ];
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', 'valgrind', ...args], {
        input,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      })
    : spawnSync('valgrind', args, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (/\bERROR: /.test(`${result.stdout}${result.stderr}`) || result.status !== 0) {
    throw new Error(`single-user run failed: ${result.stdout.slice(-2000)}${result.stderr}`);
  }
  const collected = /Collected : (\d+)/.exec(result.stderr);
  if (collected?.[1] === undefined) {
    throw new Error(`callgrind printed no total: ${result.stderr.slice(-2000)}`);
  }
  if (options.keep !== undefined) {
    fs.mkdirSync(options.keep, { recursive: true });
    kept++;
    fs.copyFileSync(out, path.join(options.keep, `callgrind.out.${kept}`));
  }
  fs.rmSync(out, { force: true });
  return Number(collected[1]);
}
