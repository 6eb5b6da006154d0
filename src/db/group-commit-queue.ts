import type { Logger } from '../app/ports.ts';
import { type HeldConnection, isSqlError, RETRYABLE_SQLSTATES } from './database.ts';

/**
 * The queue behind group commit. A request that arrives while no batch is in the database leaves
 * at once (no added latency when idle); requests that arrive while one is in flight wait and leave
 * together as the next batch, up to `batchSizeMax`. `send` applies a batch in one statement and
 * answers one result per request, in order.
 *
 * While batches follow one another the queue keeps its connections (`hold`), so the next batch is
 * written to the socket the moment the last one answers; it gives them back when nothing is queued
 * or in flight, and after any batch while another caller waits for a pool connection that only
 * holders could free.
 */
export interface GroupCommitQueue<Request, Result> {
  submit(request: Request): Promise<Result>;
  /**
   * Resolves once nothing is queued or in the database. Shutdown waits for it before closing the
   * database: a request whose client hung up is no longer an open connection the HTTP server
   * waits for, yet it may still be queued here.
   */
  idle(): Promise<void>;
}

interface Waiting<Request, Result> {
  readonly request: Request;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** A batch the database refused with "try again" (serialization, deadlock) is resent this often. */
const BATCH_ATTEMPTS_MAX = 5;

export function createGroupCommitQueue<Request, Result>(options: {
  readonly name: string;
  readonly batchSizeMax: number;
  /**
   * Batches allowed in the database at once. Two batches on different stock rows use two cores;
   * on the same rows the second waits for the first's row locks, so more never oversells.
   */
  readonly batchesInFlightMax?: number;
  /**
   * The database runs on this thread (embedded PGlite): a batch blocks the event loop from the
   * moment it is sent, so nothing could queue behind it and every batch held one request. With
   * this set, a batch leaves one event-loop turn later (setImmediate, not a timer): every request
   * read from the sockets in that turn joins it.
   */
  readonly gatherOneTurn?: boolean;
  readonly logger: Logger;
  readonly hold: () => Promise<HeldConnection>;
  readonly send: (batch: readonly Request[], connection: HeldConnection) => Promise<Result[]>;
}): GroupCommitQueue<Request, Result> {
  const queue: Waiting<Request, Result>[] = [];
  /** Connections this queue holds with no batch on them. */
  const ready: HeldConnection[] = [];
  const inFlightMax = options.batchesInFlightMax ?? 1;
  let inFlight = 0;
  let flushScheduled = false;
  let idleWaiters: (() => void)[] = [];

  async function sendWithRetry(
    batch: readonly Request[],
    connection: HeldConnection,
  ): Promise<Result[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await options.send(batch, connection);
      } catch (error) {
        const retryable = isSqlError(error) && RETRYABLE_SQLSTATES.has(error.code);
        if (!retryable || attempt >= BATCH_ATTEMPTS_MAX) {
          throw error;
        }
      }
    }
  }

  function requestFlush(): void {
    if (options.gatherOneTurn !== true) {
      flush();
      return;
    }
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(() => {
        flushScheduled = false;
        flush();
      });
    }
  }

  function flush(): void {
    if (inFlight >= inFlightMax || queue.length === 0) {
      return;
    }
    inFlight++;
    const batch = queue.splice(0, options.batchSizeMax);
    const connection = ready.pop();
    if (connection !== undefined) {
      run(batch, connection);
      return;
    }
    options.hold().then(
      (held) => run(batch, held),
      (error: unknown) => {
        settle();
        fail(batch, error);
      },
    );
  }

  function run(batch: readonly Waiting<Request, Result>[], connection: HeldConnection): void {
    sendWithRetry(
      batch.map((waiting) => waiting.request),
      connection,
    ).then(
      (results) => {
        // The next batch leaves on this connection before this one's callers run, so the database
        // works on it while they write their responses. Unless someone waits for a connection
        // that only holders could free: then it goes back, and the next batch queues for one
        // behind them, so busy queues cannot starve other queries of a small pool.
        if (connection.wantedBack()) {
          connection.release();
        } else {
          ready.push(connection);
        }
        settle();
        if (results.length !== batch.length) {
          fail(
            batch,
            new Error(
              `assertion failed: ${options.name} batch of ${batch.length} answered ${results.length}`,
            ),
          );
          return;
        }
        results.forEach((result, index) => {
          batch[index]?.resolve(result);
        });
      },
      (error: unknown) => {
        // After a statement error the connection is as good as new; after anything else (a lost
        // connection) it is closed, not handed to the next caller.
        connection.release(isSqlError(error) ? undefined : asError(error));
        settle();
        fail(batch, error);
      },
    );
  }

  function settle(): void {
    inFlight--;
    requestFlush();
    if (inFlight === 0 && queue.length === 0) {
      for (const connection of ready.splice(0)) {
        connection.release();
      }
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) {
        wake();
      }
    }
  }

  function fail(batch: readonly Waiting<Request, Result>[], error: unknown): void {
    options.logger.error({ err: error, batch: batch.length }, `${options.name} batch failed`);
    for (const waiting of batch) {
      waiting.reject(error);
    }
  }

  return {
    submit(request) {
      return new Promise((resolve, reject) => {
        queue.push({ request, resolve, reject });
        requestFlush();
      });
    },
    idle() {
      if (inFlight === 0 && queue.length === 0) {
        return Promise.resolve();
      }
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
