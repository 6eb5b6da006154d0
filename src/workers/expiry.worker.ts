import { expireDueReservations, purgeExpiredIdempotencyKeys } from '../app/expire-reservations.ts';
import type { AppDeps, Logger } from '../app/ports.ts';

/**
 * Returns the stock of reservations past their expiry, and purges idempotency records past their
 * retention. Safe to run in every instance at once: claims use FOR UPDATE SKIP LOCKED, so two
 * sweepers never expire the same reservation. A failing sweep (database down) is logged and retried
 * at the next tick; it never stops the loop.
 */
export interface ExpiryWorker {
  start(): void;
  /** Stops the loop and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
  /** One full sweep now (all due batches); returns how many reservations it expired. */
  sweep(): Promise<number>;
}

export interface ExpiryWorkerOptions {
  readonly deps: AppDeps;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly batchSizeMax: number;
  /**
   * Batches expired side by side. Each claims its own reservations (SKIP LOCKED) and locks stock
   * rows only for its last statement, so two use two cores where one waited on round trips.
   */
  readonly concurrency?: number;
  /** Upper bound on batches per sweep, so one sweep cannot run unbounded under a flood. */
  readonly batchesPerSweepMax?: number;
}

const BATCHES_PER_SWEEP_MAX = 1_000;

export function createExpiryWorker(options: ExpiryWorkerOptions): ExpiryWorker {
  const batchesMax = options.batchesPerSweepMax ?? BATCHES_PER_SWEEP_MAX;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  const lanes = options.concurrency ?? 1;

  /** One lane: batch after batch until one comes back short (nothing more is due). */
  async function expireLane(batchesMaxOfLane: number): Promise<number> {
    let expired = 0;
    for (let batch = 0; batch < batchesMaxOfLane; batch++) {
      const count = await expireDueReservations(options.deps, options.batchSizeMax);
      expired += count;
      if (count < options.batchSizeMax) {
        break;
      }
    }
    return expired;
  }

  async function sweep(): Promise<number> {
    const perLane = await Promise.all(
      Array.from({ length: lanes }, () => expireLane(Math.ceil(batchesMax / lanes))),
    );
    const expired = perLane.reduce((sum, n) => sum + n, 0);
    for (let batch = 0; batch < batchesMax; batch++) {
      const purged = await purgeExpiredIdempotencyKeys(options.deps, options.batchSizeMax);
      if (purged < options.batchSizeMax) {
        break;
      }
    }
    if (expired > 0) {
      options.logger.info({ expired }, 'expired reservations');
    }
    return expired;
  }

  function schedule(): void {
    if (stopped) {
      return;
    }
    timer = setTimeout(() => {
      running = sweep()
        .catch((error: unknown) => options.logger.error({ err: error }, 'expiry sweep failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.intervalMs);
    // A pending sweep alone must not keep the process alive.
    timer.unref();
  }

  return {
    start() {
      if (!stopped) {
        return;
      }
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    sweep,
  };
}
