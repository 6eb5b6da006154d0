import type { Database } from '../../src/db/database.ts';

/**
 * The WAL segments a PostgreSQL cluster has on hand, and a warm-up that gives a young cluster the
 * segments a cluster in service keeps.
 *
 * Why: a cluster creates a WAL segment the first time its WAL reaches it, writing all of it with
 * zeros (16 MB by default, `wal_init_zero`) and syncing it while commits wait for the WAL. Once a
 * checkpoint has passed them, old segments are renamed for reuse instead: as many as its recent
 * checkpoints were apart, up to `max_wal_size`. Hot reserve writes a segment about every second,
 * and on new clusters its p99 was 1.6-3.8 ms higher in four rounds, and 24-51 ms against
 * 14-15 ms (with `wal_init_zero = off`) in three others when the machine was slower
 * (PERFORMANCE.md, eleventh sitting). Benchmarks measure the service, so they run on a cluster
 * that has its segments.
 */
export interface WalState {
  /** Segment files in pg_wal now. */
  readonly segments: number;
  /** Segments `max_wal_size` keeps for reuse (what a cluster in service has on hand). */
  readonly kept: number;
  readonly segmentBytes: number;
}

/** Reading pg_wal needs a superuser or pg_monitor; other roles get `undefined`. */
export async function readWalState(db: Database): Promise<WalState | undefined> {
  try {
    const [row] = await db.query<{ segments: string; max_wal: string; segment_bytes: string }>(
      `SELECT (SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$') AS segments,
         pg_size_bytes(current_setting('max_wal_size')) AS max_wal,
         pg_size_bytes(current_setting('wal_segment_size')) AS segment_bytes`,
    );
    if (row === undefined) {
      return undefined;
    }
    const segmentBytes = Number(row.segment_bytes);
    return {
      segments: Number(row.segments),
      kept: Math.floor(Number(row.max_wal) / segmentBytes),
      segmentBytes,
    };
  } catch (error) {
    if (isPermissionDenied(error)) {
      return undefined;
    }
    throw error;
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';
/** A warm-up never creates more than 4 GiB of WAL at 16 MB segments, whatever max_wal_size says. */
export const WARM_SEGMENTS_MAX = 256;

/**
 * Segments to move the WAL on by: none when `state.kept` are on hand, else `state.kept` (bounded).
 * Not just the missing ones: at a checkpoint PostgreSQL keeps as many segments for reuse as its
 * recent checkpoints were apart (up to max_wal_size), so the WAL has to go that far between two
 * checkpoints. Segments already on hand are reused on the way, not written again.
 */
export function switchesWanted(state: WalState): number {
  return state.segments >= state.kept ? 0 : Math.min(state.kept, WARM_SEGMENTS_MAX);
}

/**
 * Moves the WAL on by `count` segments (each one not on hand is created, zero-filled, as a young
 * cluster does), then checkpoints, so that the segments behind the checkpoint are kept for reuse.
 * A message record gives each switch something to switch from: no table is written. Needs a
 * superuser (or a role granted pg_switch_wal, pg_logical_emit_message and pg_checkpoint); for
 * another it answers 'not permitted'.
 */
export async function warmWal(db: Database, count: number): Promise<'done' | 'not permitted'> {
  if (!Number.isInteger(count) || count < 0 || count > WARM_SEGMENTS_MAX) {
    throw new RangeError(`count must be a whole number from 0 to ${WARM_SEGMENTS_MAX}`);
  }
  if (count === 0) {
    return 'done';
  }
  try {
    await db.exec(`DO $warm$ BEGIN
        FOR i IN 1..${count} LOOP
          PERFORM pg_logical_emit_message(false, 'inventory-bench', 'wal warm-up');
          PERFORM pg_switch_wal();
        END LOOP;
      END $warm$`);
    await db.exec('CHECKPOINT');
  } catch (error) {
    if (isPermissionDenied(error)) {
      return 'not permitted';
    }
    throw error;
  }
  return 'done';
}

function isPermissionDenied(error: unknown): boolean {
  return (error as { code?: unknown }).code === INSUFFICIENT_PRIVILEGE;
}
