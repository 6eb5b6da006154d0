import { parseArgs } from 'node:util';
import { wholeNumber, wholeNumbers } from './lib/options.ts';

/**
 * `node bench/machine-probe.ts [--sizes 1,16,256,1024] [--steps 20000000] [--adds 300000000]`:
 * how fast this machine is at the two things the service's figures lean on, so that runs on
 * different machines, or on one machine at different times, can be set side by side.
 *
 * - `arith ms`: a loop of `--adds` additions (with a remainder) in registers; it touches no
 *   memory, so it moves with the cores' speed alone.
 * - `chase ns`: a chain of dependent loads through a random cycle over a working set of each
 *   `--sizes` MiB, nanoseconds a step. Small sets stay in the caches; large ones pay for memory
 *   and address translation, which on a virtual machine includes the host's page tables.
 *
 * Why: the same commit has run 2x apart on machines of the same size here, and one machine has
 * slowed by 1.6-1.9x within a sitting, for reasons the service's own figures cannot tell
 * (docs/PERFORMANCE.md, fourteenth sitting, item 6).
 */
const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,16,256,1024' },
    steps: { type: 'string', default: '20000000' },
    adds: { type: 'string', default: '300000000' },
  },
});

// A chase over N MiB holds two arrays of N MiB while it builds its cycle: 1 GiB keeps that to
// 2 GiB, well within these machines' memory.
const sizes = wholeNumbers('--sizes', options.sizes, 1, 1024);
const steps = wholeNumber('--steps', options.steps, 1000, 1_000_000_000);
const adds = wholeNumber('--adds', options.adds, 1000, 10_000_000_000);

/** Milliseconds for `count` additions that the compiler cannot fold away. */
function arithmetic(count: number): number {
  const started = process.hrtime.bigint();
  let sum = 0;
  for (let i = 0; i < count; i++) {
    sum += i % 7;
  }
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  // Using the sum keeps the loop alive.
  if (sum < 0) {
    throw new Error('unreachable');
  }
  return millis;
}

/** Nanoseconds a step of a dependent-load chain through a random cycle over `bytes`. */
function chase(bytes: number, stepCount: number): number {
  const n = bytes / 4;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
  }
  // Fisher-Yates: one cycle through every slot in random order, so no prefetcher can follow it.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  const next = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    next[order[i] as number] = order[(i + 1) % n] as number;
  }
  let at = 0;
  // One pass to warm the caches and the page tables, as far as the set fits.
  for (let i = 0; i < Math.min(n, 1_000_000); i++) {
    at = next[at] as number;
  }
  const started = process.hrtime.bigint();
  for (let i = 0; i < stepCount; i++) {
    at = next[at] as number;
  }
  const nanos = Number(process.hrtime.bigint() - started) / stepCount;
  if (at < 0) {
    throw new Error('unreachable');
  }
  return nanos;
}

console.log(
  `command: node bench/machine-probe.ts --sizes ${sizes.join(',')} --steps ${steps} --adds ${adds}`,
);
const figures = [`arith ${arithmetic(adds).toFixed(0)} ms`];
for (const mib of sizes) {
  figures.push(`chase ${mib} MiB ${chase(mib * 1024 * 1024, steps).toFixed(1)} ns`);
}
console.log(`${new Date().toISOString()}  ${figures.join('  ')}`);
