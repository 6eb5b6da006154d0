import type { Database } from '../../src/db/database.ts';

/**
 * What a run cost PostgreSQL's buffer cache, per request: blocks read from outside
 * `shared_buffers` (per index of the run's database, and heap), buffers a backend had to write out
 * itself to make room, and WAL bytes and full-page images. These are why the large-data scenario
 * can be slower than the small one (docs/PERFORMANCE.md), and unlike throughput they hardly vary
 * from run to run.
 *
 * The counters are PostgreSQL's cumulative statistics. Backends report theirs about once a second
 * while busy, so a 15 s run's figures can be off by a few percent at either end. WAL and writes are
 * counted for the whole server; the bench runs one thing at a time.
 */
export interface CacheCounters {
  readonly indexReads: ReadonlyMap<string, number>;
  readonly heapReads: number;
  readonly backendWrites: number;
  readonly walBytes: number;
  readonly walFullPages: number;
}

export async function readCacheCounters(db: Database): Promise<CacheCounters> {
  const indexes = await db.query<{ name: string; reads: string }>(
    'SELECT indexrelname AS name, idx_blks_read::text AS reads FROM pg_statio_user_indexes',
  );
  const [totals] = await db.query<{
    heap: string;
    backend: string;
    wal_bytes: string;
    wal_fpi: string;
  }>(
    `SELECT (SELECT coalesce(sum(heap_blks_read), 0) FROM pg_statio_user_tables)::text AS heap,
       (SELECT buffers_backend FROM pg_stat_bgwriter)::text AS backend,
       w.wal_bytes::text AS wal_bytes, w.wal_fpi::text AS wal_fpi
     FROM pg_stat_wal w`,
  );
  return {
    indexReads: new Map(indexes.map((index) => [index.name, Number(index.reads)])),
    heapReads: Number(totals?.heap),
    backendWrites: Number(totals?.backend),
    walBytes: Number(totals?.wal_bytes),
    walFullPages: Number(totals?.wal_fpi),
  };
}

/** One line: the per-request differences, the three indexes read most from outside the cache. */
export function describeCacheMisses(
  before: CacheCounters,
  after: CacheCounters,
  requests: number,
): string {
  const per = (n: number) => n / Math.max(1, requests);
  const indexes = [...after.indexReads]
    .map(([name, reads]): [string, number] => [
      name,
      per(reads - (before.indexReads.get(name) ?? 0)),
    ])
    .filter(([, reads]) => reads > 0);
  const indexTotal = indexes.reduce((sum, [, reads]) => sum + reads, 0);
  const top = indexes
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, reads]) => `${name} ${reads.toFixed(3)}`)
    .join(', ');
  return [
    `index blocks read ${indexTotal.toFixed(3)} (${top || 'none'})`,
    `heap blocks read ${per(after.heapReads - before.heapReads).toFixed(3)}`,
    `backend writes ${per(after.backendWrites - before.backendWrites).toFixed(3)}`,
    `WAL ${per(after.walBytes - before.walBytes).toFixed(0)} B`,
    `full-page images ${per(after.walFullPages - before.walFullPages).toFixed(3)}`,
  ].join('; ');
}
