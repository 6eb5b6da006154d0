/**
 * Preloaded into the service by the bench to line up its garbage-collection pauses with slow
 * requests: `BENCH_NODE_OPTIONS='--import ./bench/gc-pauses.ts' npm run bench -- ...`.
 *
 * Each pause of at least GC_PAUSES_MIN_MS milliseconds (default 2) goes to stderr as one line:
 * `gc-pause <wall-clock ms since the epoch> <major|minor|incremental|weak> <ms>`. Wall-clock time,
 * not the process's own clock, so the lines can be set beside the server log and a probe's
 * timestamps. `--trace-gc` would say more, but Node refuses it in NODE_OPTIONS.
 */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

const MIN_MS = Number(process.env.GC_PAUSES_MIN_MS ?? '2');
if (!Number.isFinite(MIN_MS) || MIN_MS < 0) {
  throw new Error(
    `GC_PAUSES_MIN_MS must be a number of milliseconds, got ${process.env.GC_PAUSES_MIN_MS}`,
  );
}

const KINDS = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak'],
]);

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.duration < MIN_MS) {
      continue;
    }
    // Node puts the collection's kind in `detail`, which its PerformanceEntry type leaves out.
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    const kind = KINDS.get(detail?.kind ?? -1) ?? 'other';
    const at = Math.round(performance.timeOrigin + entry.startTime);
    process.stderr.write(`gc-pause ${at} ${kind} ${entry.duration.toFixed(1)}\n`);
  }
}).observe({ entryTypes: ['gc'] });
