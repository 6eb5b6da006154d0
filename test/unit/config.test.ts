import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

test('defaults follow seed 000', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, path.resolve('./data'));
  assert.equal(config.embeddedSharedBuffersMb, 16);
  assert.equal(config.expirationBatchSizeMax, 500);
  assert.equal(config.expirationConcurrency, 2);
  assert.equal(config.reservationTtlMs, 600_000);
  assert.equal(config.expirationPollIntervalMs, 30_000);
  assert.equal(config.mode, 'release');
  assert.equal(config.logLevel, 'info');
  assert.deepEqual(config.redis, { addr: 'localhost:6379', password: '', db: 0 });
});

test('reads every variable', () => {
  const config = loadConfig({
    PORT: '3000',
    DATABASE_URL: 'postgres://u:p@db:5432/inv',
    DATA_DIR: '/tmp/inv',
    REDIS_ADDR: 'cache:6380',
    REDIS_PASSWORD: 'secret',
    REDIS_DB: '2',
    RESERVATION_TTL: '15m',
    EXPIRATION_POLL_INTERVAL: '5s',
    GIN_MODE: 'debug',
  });
  assert.equal(config.port, 3000);
  assert.equal(config.databaseUrl, 'postgres://u:p@db:5432/inv');
  assert.equal(config.dataDir, '/tmp/inv');
  assert.deepEqual(config.redis, { addr: 'cache:6380', password: 'secret', db: 2 });
  assert.equal(config.reservationTtlMs, 900_000);
  assert.equal(config.expirationPollIntervalMs, 5_000);
  assert.equal(config.mode, 'debug');
  assert.equal(config.logLevel, 'debug', 'debug mode logs verbosely');
});

test('LOG_LEVEL overrides the mode’s level', () => {
  assert.equal(loadConfig({ GIN_MODE: 'debug', LOG_LEVEL: 'warn' }).logLevel, 'warn');
  assert.equal(loadConfig({ LOG_LEVEL: 'error' }).logLevel, 'error');
});

test('the config object is frozen', () => {
  const config = loadConfig({});
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.redis));
});

test('a bad value stops start-up with an error naming the variable', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ RESERVATION_TTL: '10' }, 'RESERVATION_TTL'],
    [{ RESERVATION_TTL: '500ms' }, 'RESERVATION_TTL'],
    [{ RESERVATION_TTL: '45d' }, 'RESERVATION_TTL'],
    [{ EXPIRATION_POLL_INTERVAL: 'soon' }, 'EXPIRATION_POLL_INTERVAL'],
    [{ GIN_MODE: 'test' }, 'GIN_MODE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ EMBEDDED_SHARED_BUFFERS_MB: '0' }, 'EMBEDDED_SHARED_BUFFERS_MB'],
    [{ EXPIRATION_CONCURRENCY: '0' }, 'EXPIRATION_CONCURRENCY'],
    [{ EXPIRATION_CONCURRENCY: '9' }, 'EXPIRATION_CONCURRENCY'],
    [{ EMBEDDED_SHARED_BUFFERS_MB: '16MB' }, 'EMBEDDED_SHARED_BUFFERS_MB'],
    [{ REDIS_DB: '-1' }, 'REDIS_DB'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    [{ RUN_MIGRATIONS: 'maybe' }, 'RUN_MIGRATIONS'],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === variable &&
        error.message.includes(variable),
      JSON.stringify(env),
    );
  }
});

test('seed 002 names: INVENTORY_PORT wins over PORT; RESERVATION_TTL_MINUTES sets the TTL', () => {
  assert.equal(loadConfig({ PORT: '3000', INVENTORY_PORT: '3006' }).port, 3006);
  assert.equal(loadConfig({ PORT: '3000' }).port, 3000);
  assert.equal(loadConfig({ RESERVATION_TTL_MINUTES: '15' }).reservationTtlMs, 900_000);
  assert.equal(loadConfig({}).lowStockThreshold, 10);
  assert.equal(loadConfig({ LOW_STOCK_THRESHOLD: '3' }).lowStockThreshold, 3);
  assert.equal(loadConfig({}).allocationStrategy, 'balanced');
  assert.equal(loadConfig({ ALLOCATION_STRATEGY: 'proximity' }).allocationStrategy, 'proximity');
  assert.deepEqual(loadConfig({}).productService, {
    url: undefined,
    policy: 'lenient',
    timeoutMs: 2_000,
  });
  assert.equal(
    loadConfig({ PRODUCT_SERVICE_URL: 'http://products:8080/' }).productService.url,
    'http://products:8080',
  );
});

test('issue 3 variables refuse bad values by name', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ INVENTORY_PORT: 'x' }, 'INVENTORY_PORT'],
    [{ RESERVATION_TTL_MINUTES: '0' }, 'RESERVATION_TTL_MINUTES'],
    [{ RESERVATION_TTL_MINUTES: '15', RESERVATION_TTL: '10m' }, 'RESERVATION_TTL_MINUTES'],
    [{ ALLOCATION_STRATEGY: 'random' }, 'ALLOCATION_STRATEGY'],
    [{ LOW_STOCK_THRESHOLD: '-1' }, 'LOW_STOCK_THRESHOLD'],
    [{ PRODUCT_SERVICE_URL: 'ftp://x' }, 'PRODUCT_SERVICE_URL'],
    [{ PRODUCT_VALIDATION: 'maybe' }, 'PRODUCT_VALIDATION'],
    [{ PRODUCT_SERVICE_TIMEOUT: '1' }, 'PRODUCT_SERVICE_TIMEOUT'],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
      JSON.stringify(env),
    );
  }
});

test('hot-path settings: batch size, batches in flight, the item and allocation caches', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.reservationBatchSizeMax, 256);
  assert.equal(defaults.reservationBatchesInFlightMax, 1);
  assert.equal(defaults.itemCacheTtlMs, 30_000);
  assert.equal(defaults.allocationCacheTtlMs, 5_000);
  const set = loadConfig({
    RESERVATION_BATCH_SIZE: '64',
    RESERVATION_BATCHES_IN_FLIGHT: '2',
    ITEM_CACHE_TTL: '0s',
    ALLOCATION_CACHE_TTL: '500ms',
  });
  assert.deepEqual(
    [
      set.reservationBatchSizeMax,
      set.reservationBatchesInFlightMax,
      set.itemCacheTtlMs,
      set.allocationCacheTtlMs,
    ],
    [64, 2, 0, 500],
  );
  for (const [env, variable] of [
    [{ RESERVATION_BATCH_SIZE: '0' }, 'RESERVATION_BATCH_SIZE'],
    [{ RESERVATION_BATCHES_IN_FLIGHT: '17' }, 'RESERVATION_BATCHES_IN_FLIGHT'],
    [{ ITEM_CACHE_TTL: '2m' }, 'ITEM_CACHE_TTL'],
    [{ ALLOCATION_CACHE_TTL: '61s' }, 'ALLOCATION_CACHE_TTL'],
  ] as const) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
    );
  }
});
