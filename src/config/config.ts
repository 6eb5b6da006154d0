import path from 'node:path';
import { ALLOCATION_STRATEGIES, type AllocationStrategyName } from '../domain/allocation.ts';
import { RESERVATION_TTL_MS_MAX, RESERVATION_TTL_MS_MIN } from '../domain/limits.ts';
import { parseDurationMs } from './duration.ts';

/**
 * Every setting the service reads, validated once at start-up into one frozen object. A bad value
 * stops start-up with a message naming the variable; nothing downstream reads process.env.
 * Defaults follow seed 000; docs/configuration in README.md lists the same table.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; undefined means the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** PostgreSQL's shared_buffers inside embedded PGlite, in MiB (WASM memory held for the cache). */
  readonly embeddedSharedBuffersMb: number;
  readonly databasePoolMax: number;
  readonly redis: {
    readonly addr: string;
    readonly password: string;
    readonly db: number;
  };
  readonly reservationTtlMs: number;
  readonly expirationPollIntervalMs: number;
  readonly expirationBatchSizeMax: number;
  /** Expiry batches applied side by side by one sweep. */
  readonly expirationConcurrency: number;
  /** Most reservations applied by one group-commit batch (one transaction). */
  readonly reservationBatchSizeMax: number;
  /** Group-commit batches allowed in the database at once (each uses a connection). */
  readonly reservationBatchesInFlightMax: number;
  /** How long the reservation hot path may reuse an item lookup (0 turns the cache off). */
  readonly itemCacheTtlMs: number;
  /** How long cart planning may reuse an item's warehouse options (0 turns the cache off). */
  readonly allocationCacheTtlMs: number;
  readonly idempotencyKeyRetentionMs: number;
  readonly mode: 'release' | 'debug';
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly runMigrations: boolean;
  /** Default reorder alert level for items without their own (seed 002's LOW_STOCK_THRESHOLD). */
  readonly lowStockThreshold: number;
  readonly allocationStrategy: AllocationStrategyName;
  /** Warehouses upserted at start-up when the file exists (seed 002's config/warehouses.yaml). */
  readonly warehousesFile: string;
  readonly productService: {
    /** Undefined: products are not validated against a product service. */
    readonly url: string | undefined;
    /** What to do when the product service cannot be asked: refuse (strict) or allow (lenient). */
    readonly policy: 'strict' | 'lenient';
    readonly timeoutMs: number;
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const mode = readEnum(env, 'GIN_MODE', ['release', 'debug'] as const, 'release');
  const config: Config = {
    // Seed 002 names the port INVENTORY_PORT; seed 000 names it PORT. INVENTORY_PORT wins when set.
    port: readInteger(
      env,
      env.INVENTORY_PORT === undefined || env.INVENTORY_PORT === '' ? 'PORT' : 'INVENTORY_PORT',
      8080,
      0,
      65_535,
    ),
    host: readString(env, 'HOST', '0.0.0.0'),
    databaseUrl: readDatabaseUrl(env),
    dataDir: path.resolve(readString(env, 'DATA_DIR', './data')),
    embeddedSharedBuffersMb: readInteger(env, 'EMBEDDED_SHARED_BUFFERS_MB', 16, 1, 4_096),
    databasePoolMax: readInteger(env, 'DATABASE_POOL_MAX', 10, 1, 200),
    redis: {
      addr: readString(env, 'REDIS_ADDR', 'localhost:6379'),
      password: env.REDIS_PASSWORD ?? '',
      db: readInteger(env, 'REDIS_DB', 0, 0, 15),
    },
    reservationTtlMs: readReservationTtl(env),
    expirationPollIntervalMs: readDuration(env, 'EXPIRATION_POLL_INTERVAL', '30s', 100, 3_600_000),
    expirationBatchSizeMax: readInteger(env, 'EXPIRATION_BATCH_SIZE', 500, 1, 10_000),
    expirationConcurrency: readInteger(env, 'EXPIRATION_CONCURRENCY', 2, 1, 8),
    reservationBatchSizeMax: readInteger(env, 'RESERVATION_BATCH_SIZE', 256, 1, 4_096),
    reservationBatchesInFlightMax: readInteger(env, 'RESERVATION_BATCHES_IN_FLIGHT', 1, 1, 16),
    itemCacheTtlMs: readDuration(env, 'ITEM_CACHE_TTL', '30s', 0, 60_000),
    allocationCacheTtlMs: readDuration(env, 'ALLOCATION_CACHE_TTL', '5s', 0, 60_000),
    idempotencyKeyRetentionMs: readDuration(
      env,
      'IDEMPOTENCY_KEY_RETENTION',
      '24h',
      60_000,
      30 * 86_400_000,
    ),
    mode,
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, mode === 'debug' ? 'debug' : 'info'),
    shutdownTimeoutMs: readDuration(env, 'SHUTDOWN_TIMEOUT', '10s', 100, 300_000),
    runMigrations: readBoolean(env, 'RUN_MIGRATIONS', true),
    lowStockThreshold: readInteger(env, 'LOW_STOCK_THRESHOLD', 10, 0, 1_000_000_000),
    allocationStrategy: readEnum(env, 'ALLOCATION_STRATEGY', ALLOCATION_STRATEGIES, 'balanced'),
    warehousesFile: path.resolve(readString(env, 'WAREHOUSES_FILE', 'config/warehouses.yaml')),
    productService: {
      url: readHttpUrl(env, 'PRODUCT_SERVICE_URL'),
      policy: readEnum(env, 'PRODUCT_VALIDATION', ['strict', 'lenient'] as const, 'lenient'),
      timeoutMs: readDuration(env, 'PRODUCT_SERVICE_TIMEOUT', '2s', 50, 60_000),
    },
  };
  return deepFreeze(config);
}

/**
 * Seed 000 says RESERVATION_TTL (a duration, default 10m); seed 002 says RESERVATION_TTL_MINUTES
 * (default 15). Either may be set; both at once is refused rather than silently picking one.
 */
function readReservationTtl(env: Env): number {
  const minutes = env.RESERVATION_TTL_MINUTES;
  const hasMinutes = minutes !== undefined && minutes !== '';
  const hasDuration = env.RESERVATION_TTL !== undefined && env.RESERVATION_TTL !== '';
  if (hasMinutes && hasDuration) {
    throw new ConfigError(
      'RESERVATION_TTL_MINUTES',
      'cannot be set together with RESERVATION_TTL; set one of them',
    );
  }
  if (hasMinutes) {
    return (
      readInteger(env, 'RESERVATION_TTL_MINUTES', 15, 1, RESERVATION_TTL_MS_MAX / 60_000) * 60_000
    );
  }
  return readDuration(
    env,
    'RESERVATION_TTL',
    '10m',
    RESERVATION_TTL_MS_MIN,
    RESERVATION_TTL_MS_MAX,
  );
}

function readHttpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      name,
      `must be a URL such as http://products:8080, got ${JSON.stringify(raw)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must use http:// or https://, got ${url.protocol}`);
  }
  return raw.replace(/\/+$/, '');
}

function readString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    return fallback;
  }
  return value;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function readDuration(
  env: Env,
  name: string,
  fallback: string,
  minMs: number,
  maxMs: number,
): number {
  const raw = readString(env, name, fallback);
  const ms = parseDurationMs(raw);
  if (ms === undefined) {
    throw new ConfigError(
      name,
      `must be a duration such as 500ms, 30s, 10m or 1h30m, got ${JSON.stringify(raw)}`,
    );
  }
  if (ms < minMs || ms > maxMs) {
    throw new ConfigError(name, `must be between ${minMs}ms and ${maxMs}ms, got ${raw}`);
  }
  return ms;
}

function readEnum<const T extends readonly string[]>(
  env: Env,
  name: string,
  allowed: T,
  fallback: T[number],
): T[number] {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const found = allowed.find((candidate) => candidate === raw);
  if (found === undefined) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return found;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (raw === 'true' || raw === '1') {
    return true;
  }
  if (raw === 'false' || raw === '0') {
    return false;
  }
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
}

function readDatabaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a URL such as postgres://user@host:5432/db');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      `must use postgres:// or postgresql://, got ${url.protocol}`,
    );
  }
  return raw;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) {
      deepFreeze(child);
    }
  }
  return Object.freeze(value);
}
