/**
 * Counts the requests whose handlers may still use the database: from `onRequest` until their
 * first `onSend` (a handler's answer, or the error handler's). Shutdown waits until none is left
 * before it closes the database. A request whose client hung up no longer holds the HTTP server
 * open, yet its handler runs on, and a query it sent to a closed pool failed with "Cannot use a
 * pool after calling end on the pool" (seen in the bench as services stopped under load).
 */
export interface RequestTracker {
  enter(request: object): void;
  leave(request: object): void;
  /** Resolves once no tracked request is left. */
  idle(): Promise<void>;
}

export function createRequestTracker(): RequestTracker {
  const open = new WeakSet<object>();
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    enter(request) {
      if (!open.has(request)) {
        open.add(request);
        count++;
      }
    },
    leave(request) {
      // onSend runs again when an onSend hook fails and the error is sent instead: count once.
      if (!open.delete(request)) {
        return;
      }
      count--;
      if (count === 0) {
        const wake = waiters;
        waiters = [];
        for (const resolve of wake) {
          resolve();
        }
      }
    },
    idle() {
      return count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
