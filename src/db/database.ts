/**
 * The narrow surface both storage engines (PostgreSQL through a pool, PGlite embedded) offer to the
 * repositories. Everything above src/db sees only the app ports; only db code sees this.
 */
export interface Queryable {
  /** One statement with `$n` parameters; returns its rows. */
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /**
   * A fixed statement that runs hundreds of times a second (the hot path's batches and reads): on
   * PostgreSQL it is parsed and planned once per connection under `name`, then only bound and
   * executed. Planning the coalesced reads' joins took about 0.2 ms a call, as long as running
   * them. `name` must always go with the same `sql`; each stays prepared for its connection's
   * life, so never build `sql` from input.
   */
  queryPrepared<Row extends object>(
    name: string,
    sql: string,
    params: readonly unknown[],
  ): Promise<Row[]>;
  /** Several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * A connection of its own until `release`, for a caller that sends statements back to back (the
   * group-commit queues). A statement on it is written to the socket at once. Through the pool it
   * would wait for the pool's next tick, which Node runs only after every pending promise
   * callback: behind the finished batch's 30-odd responses, about 1 ms in which the database idled.
   */
  hold(): Promise<HeldConnection>;
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface HeldConnection extends Pick<Queryable, 'queryPrepared'> {
  /** Gives the connection back to the pool; with `broken`, closes it instead. */
  release(broken?: Error): void;
  /**
   * Someone waits for a pool connection and holders have them all: a holder between statements
   * should give this one back, or the waiter would wait for as long as the holders stay busy.
   */
  wantedBack(): boolean;
}

/** PostgreSQL's error shape as both drivers report it. */
export interface SqlError {
  readonly code: string;
  readonly message: string;
  readonly constraint?: string;
}

export function isSqlError(error: unknown): error is SqlError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code)
  );
}

/** Serialization failure and deadlock: the whole transaction may simply be run again. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** int8 and numeric come back as strings from the wire; every quantity we store fits a JS number. */
export const INT8_OID = 20;
export const NUMERIC_OID = 1700;
export function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`assertion failed: integer ${text} from the database exceeds 2^53`);
  }
  return value;
}
