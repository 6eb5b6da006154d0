/**
 * Joins the cache misses of concurrent requests into one read, the way group commit joins their
 * writes (db/group-commit-queue.ts): a key asked for while no read is in the database is read at
 * once, so an idle service adds no wait; keys asked for while the read is in flight wait for it
 * and leave together as the next read, up to `keysMax`. One read at a time: a miss waits for at
 * most the read before it. A key asked for again while it is queued is read once, and its callers
 * share the answer. A read in flight is never joined: it may have started before the caller
 * asked, and every answer comes from a read that started after (an item created a moment before
 * the request is found).
 *
 * Why: under cart load every cached item expires every TTL, and each request read its own misses.
 * In the 5-line cart benchmark (10,000 items) the database ran about 2,200 transactions a second
 * at 3,900 carts/s, nearly all of them these reads; with them joined, about 630 at 5,700 carts/s
 * (docs/PERFORMANCE.md). Why not DataLoader: it gathers the keys asked for within one tick of the
 * event loop, and concurrent HTTP requests mostly reach their handlers in different ticks; here
 * the gathering window is the read in flight.
 *
 * A read that fails fails every caller whose keys it carried. The keys the caches read with are
 * item ids (UUIDs checked at the edge) and text, so no one request's key can break a read.
 */
export interface ReadCoalescer<Key, Value> {
  /** The value of each key, in order; undefined where the read found none. */
  read(keys: readonly Key[]): Promise<(Value | undefined)[]>;
}

type Pending<Value> = PromiseWithResolvers<Value | undefined>;

/** Keys per read: a few dozen expire together under load; this only bounds it. */
const KEYS_MAX = 500;

export function createReadCoalescer<Key, Value>(options: {
  /** Reads the keys, answering one value (or undefined) per key, in order. */
  readonly fetch: (keys: readonly Key[]) => Promise<readonly (Value | undefined)[]>;
  /** Two keys with the same string are the same key. */
  readonly keyOf: (key: Key) => string;
  /** Bounds one read's size (its parameter arrays and result); default 500. */
  readonly keysMax?: number;
}): ReadCoalescer<Key, Value> {
  const keysMax = options.keysMax ?? KEYS_MAX;
  const queued = new Map<string, { readonly key: Key; readonly pending: Pending<Value> }>();
  let reading = false;

  function flush(): void {
    if (reading || queued.size === 0) {
      return;
    }
    const batch: { key: Key; pending: Pending<Value> }[] = [];
    for (const [name, entry] of queued) {
      if (batch.length >= keysMax) {
        break;
      }
      batch.push(entry);
      queued.delete(name);
    }
    reading = true;
    void run(batch);
  }

  async function run(batch: readonly { key: Key; pending: Pending<Value> }[]): Promise<void> {
    let values: readonly (Value | undefined)[] | undefined;
    let failure: unknown;
    try {
      const answered = await options.fetch(batch.map((entry) => entry.key));
      if (answered.length !== batch.length) {
        throw new Error(
          `assertion failed: a read of ${batch.length} keys answered ${answered.length} values`,
        );
      }
      values = answered;
    } catch (error) {
      failure = error;
    }
    reading = false;
    batch.forEach(({ pending }, index) => {
      if (values === undefined) {
        pending.reject(failure);
      } else {
        pending.resolve(values[index]);
      }
    });
    flush();
  }

  return {
    read(keys) {
      const answers = keys.map((key) => {
        const name = options.keyOf(key);
        const shared = queued.get(name);
        if (shared !== undefined) {
          return shared.pending.promise;
        }
        const pending = Promise.withResolvers<Value | undefined>();
        queued.set(name, { key, pending });
        return pending.promise;
      });
      flush();
      return Promise.all(answers);
    },
  };
}
