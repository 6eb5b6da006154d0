import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { wholeNumber } from './lib/options.ts';

/**
 * `node bench/memory-touch.ts [--gib 4] [--rounds 2]`: what the machine charges for memory the
 * first time a process touches it. Each round is a child process (this file with `--touch`) that
 * takes `--gib` GiB of fresh anonymous memory, writes one byte in every 4 KiB page, times every
 * 2 MiB of it, and exits, giving the memory back before the next round.
 *
 * Why: on the virtual machines these sittings run on, guest memory that nothing has touched since
 * the machine booted costs several times as much to touch as memory a process has used and freed
 * (the hypervisor backs it on first touch). A sitting's first bench pass runs on such memory
 * (PostgreSQL's shared buffers, the page cache under new relation and WAL files, the service's
 * heap) and its hot tail showed it. Run this on a new machine first, before anything else has
 * used the memory, to see the difference; once every page has been touched it is gone.
 */
const { values: options } = parseArgs({
  options: {
    gib: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    touch: { type: 'boolean', default: false },
  },
});

const GIB = 1024 ** 3;
const CHUNK = 2 * 1024 ** 2;
const PAGE = 4096;
const gib = wholeNumber('--gib', options.gib, 1, 64);

if (options.touch) {
  // The child: touch, time, report one JSON line.
  const chunkMillis: number[] = [];
  const kept: Buffer[] = [];
  const started = process.hrtime.bigint();
  for (let g = 0; g < gib; g++) {
    const buffer = Buffer.allocUnsafeSlow(GIB);
    kept.push(buffer);
    for (let chunk = 0; chunk < GIB; chunk += CHUNK) {
      const t = process.hrtime.bigint();
      for (let offset = chunk; offset < chunk + CHUNK; offset += PAGE) {
        buffer[offset] = 1;
      }
      chunkMillis.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ seconds, chunkMillis, kept: kept.length })}\n`);
} else {
  const rounds = wholeNumber('--rounds', options.rounds, 1, 20);
  const available = availableBytes();
  // Leave a GiB to the rest of the machine; asking for more would measure swapping or the OOM killer.
  if (gib * GIB > available - GIB) {
    throw new Error(
      `--gib ${gib}: only ${(available / GIB).toFixed(1)} GiB available (MemAvailable), keep a GiB spare`,
    );
  }
  console.log(`command: node bench/memory-touch.ts --gib ${gib} --rounds ${rounds}`);
  console.log('round  s/GiB  2MiB p50 ms  p99 ms  max ms');
  for (let round = 1; round <= rounds; round++) {
    const out = execFileSync(
      process.execPath,
      [import.meta.filename, '--touch', '--gib', String(gib)],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const { seconds, chunkMillis } = JSON.parse(out) as { seconds: number; chunkMillis: number[] };
    const sorted = chunkMillis.toSorted((a, b) => a - b);
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    console.log(
      `${String(round).padStart(5)}  ${(seconds / gib).toFixed(2).padStart(5)}  ${at(0.5).toFixed(2).padStart(11)}  ${at(0.99).toFixed(2).padStart(6)}  ${at(1).toFixed(2).padStart(6)}`,
    );
  }
}

function availableBytes(): number {
  const line = fs
    .readFileSync('/proc/meminfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('MemAvailable:'));
  const kib = Number(line?.split(/\s+/)[1]);
  if (!Number.isFinite(kib)) {
    throw new Error('cannot read MemAvailable from /proc/meminfo');
  }
  return kib * 1024;
}
