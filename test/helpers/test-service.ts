import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import pino from 'pino';
import { type Config, loadConfig } from '../../src/config/config.ts';
import type { Database } from '../../src/db/database.ts';
import { findLedgerMismatches } from '../../src/db/ledger.repository.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { createService, type Service } from '../../src/main/create-service.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

/**
 * A whole service (HTTP, use cases, worker) on a fresh database, driven in-process with inject()
 * or over real HTTP after start(). The worker's timer is set far out: tests call sweep() when they
 * want expiry to run, so nothing happens behind their back.
 */
export interface TestService {
  readonly service: Service;
  readonly db: Database;
  readonly database: TestDatabase;
  readonly config: Config;
  request(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: ApiBody; headers: Record<string, unknown> }>;
  /** Fails the test if any counter differs from its ledger sum or from its pending reservations. */
  assertBooksBalance(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiBody {
  readonly success: boolean;
  readonly message?: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field and asserted
  readonly data?: any;
  readonly error?: {
    code: string;
    message: string;
    field?: string;
    details?: Record<string, unknown>;
  };
}

export const silentLogger = pino({ level: 'silent' });

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    EXPIRATION_POLL_INTERVAL: '1h',
    ...overrides,
  };
}

export async function startTestService(env: Record<string, string> = {}): Promise<TestService> {
  const database = await createTestDatabase();
  const config = loadConfig(testEnv({ DATABASE_URL: database.url, ...env }));
  const db = await openPostgres({ url: database.url, poolMax: 10, logger: silentLogger });
  const service = await createService(config, silentLogger, db);
  await service.app.ready();
  return {
    service,
    db,
    database,
    config,
    async request(method, url, body, headers = {}) {
      const response = await service.app.inject({
        method,
        url,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        ...(body === undefined
          ? {}
          : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.statusCode, body: response.json(), headers: response.headers };
    },
    async assertBooksBalance() {
      assert.deepEqual(await findLedgerMismatches(db), []);
    },
    async close() {
      await service.stop();
      await database.drop();
    },
  };
}

/**
 * Registers the usual hooks for a test file or suite: a service on a fresh database before the
 * tests (then `setup`, e.g. fixtures), a books-balance check after each one, and teardown at the
 * end. Returns a handle that reaches the service once `before` has run.
 */
export function useTestService(
  env: Record<string, string> = {},
  setup?: (t: TestService) => Promise<void>,
): TestService {
  let current: TestService | undefined;
  before(async () => {
    current = await startTestService(env);
    await setup?.(current);
  });
  afterEach(async () => {
    await current?.assertBooksBalance();
  });
  after(async () => {
    await current?.close();
  });
  return new Proxy({} as TestService, {
    get(_target, property) {
      assert.ok(current !== undefined, 'the test service is used before its before() hook ran');
      return Reflect.get(current, property);
    },
  });
}
