import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import type { Database } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { createService, type Service } from '../../src/main/create-service.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger, testEnv } from '../helpers/test-service.ts';

/**
 * What the service logs for a request that fails on the server's side: the error, bound to the
 * request's id (request.log is made only when a request logs: src/http/request-logger.ts). The
 * failure is a product service that refuses connections, answered 503.
 */
const lines: Record<string, unknown>[] = [];
let database: TestDatabase;
let db: Database;
let service: Service;

/** A port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

before(async () => {
  database = await createTestDatabase();
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  const config = loadConfig(
    testEnv({
      DATABASE_URL: database.url,
      PRODUCT_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
      PRODUCT_VALIDATION: 'strict',
    }),
  );
  db = await openPostgres({ url: database.url, poolMax: 4, logger: silentLogger });
  service = await createService(config, pino({ level: 'info' }, stream), db);
  await service.app.ready();
});
after(async () => {
  await service.stop();
  await database.drop();
});

test('a 503 is logged once, with the request id the caller sent', async () => {
  const before = lines.length;
  const response = await service.app.inject({
    method: 'POST',
    url: '/inventory/init',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-logs-1' },
    payload: JSON.stringify({ productId: 'logged-1', quantity: 1 }),
  });
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['x-request-id'], 'trace-logs-1');
  const failed = lines.slice(before).filter((line) => line.msg === 'request failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.reqId, 'trace-logs-1');
  assert.equal((failed[0]?.err as { type?: string } | undefined)?.type, 'DomainError');
});

test('a request that succeeds or is refused for its input logs nothing', async () => {
  const before = lines.length;
  const ok = await service.app.inject({ method: 'GET', url: '/health' });
  assert.equal(ok.statusCode, 200);
  const bad = await service.app.inject({
    method: 'POST',
    url: '/inventory/init',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ productId: '', quantity: 1 }),
  });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(lines.slice(before), []);
});
