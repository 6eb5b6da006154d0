import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Logger } from '../../src/app/ports.ts';
import { createProductServiceClient } from '../../src/integrations/product-service.client.ts';
import { errorOf } from '../helpers/catalog-client.ts';
import { startTestService, type TestService } from '../helpers/test-service.ts';

/**
 * Seed 000's optional product validation against a stub product service: known ids exist, one id
 * answers 500, one never answers (the client's timeout), everything else is 404.
 */
const KNOWN = new Set(['known-1', 'known-2', 'known-3', 'known-4', 'a:b@c', 'known-item']);
const FAILING = 'flaky-500';
const HANGING = 'slow-hang';
const TIMEOUT = '200ms';

const requested: string[] = [];
const stub = http.createServer((request, response) => {
  const url = request.url ?? '';
  requested.push(url);
  const match = /^\/products\/([^/?]+)$/.exec(url);
  const id = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  if (id === HANGING) {
    return; // Never answers: the inventory service must give up by itself.
  }
  if (id === FAILING) {
    response.writeHead(500).end('boom');
    return;
  }
  if (id !== undefined && KNOWN.has(id)) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id }));
    return;
  }
  response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
});

let stubUrl: string;
let strict: TestService;
let lenient: TestService;
let unvalidated: TestService;

before(async () => {
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const address = stub.address();
  assert.ok(address !== null && typeof address === 'object');
  const url = `http://127.0.0.1:${address.port}`;
  stubUrl = url;
  [strict, lenient, unvalidated] = await Promise.all([
    startTestService({
      PRODUCT_SERVICE_URL: url,
      PRODUCT_VALIDATION: 'strict',
      PRODUCT_SERVICE_TIMEOUT: TIMEOUT,
    }),
    startTestService({
      PRODUCT_SERVICE_URL: url,
      PRODUCT_VALIDATION: 'lenient',
      PRODUCT_SERVICE_TIMEOUT: TIMEOUT,
    }),
    startTestService({}),
  ]);
});

afterEach(async () => {
  for (const service of [strict, lenient, unvalidated]) {
    await service.assertBooksBalance();
  }
});

after(async () => {
  await Promise.all([strict?.close(), lenient?.close(), unvalidated?.close()]);
  stub.closeAllConnections();
  await new Promise<void>((resolve) => stub.close(() => resolve()));
});

async function itemCount(service: TestService): Promise<number> {
  const rows = await service.db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM items');
  return rows[0]?.n ?? 0;
}

function init(service: TestService, productId: string) {
  return service.request('POST', '/inventory/init', { productId, quantity: 5 });
}

function createItem(service: TestService, productId: string) {
  return service.request('POST', '/api/inventory/items', {
    product_id: productId,
    reorder_point: 0,
    reorder_quantity: 0,
  });
}

describe('strict (PRODUCT_VALIDATION=strict)', () => {
  test('a known product gets inventory through init and through the item API', async () => {
    assert.equal((await init(strict, 'known-1')).status, 201);
    assert.equal((await createItem(strict, 'known-2')).status, 201);
  });

  test('an unknown product is 422 PRODUCT_UNKNOWN and nothing is created', async () => {
    const before = await itemCount(strict);
    const viaInit = await init(strict, 'unknown-1');
    assert.equal(viaInit.status, 422);
    assert.equal(errorOf(viaInit.body).code, 'PRODUCT_UNKNOWN');
    assert.equal(errorOf(viaInit.body).field, 'productId');
    const viaItems = await createItem(strict, 'unknown-1');
    assert.equal(viaItems.status, 422);
    assert.equal(errorOf(viaItems.body).field, 'product_id');
    assert.equal(await itemCount(strict), before);
  });

  test('a product service answering 500 or not at all is 503 PRODUCT_SERVICE_UNAVAILABLE', async () => {
    const before = await itemCount(strict);
    for (const productId of [FAILING, HANGING]) {
      const started = Date.now();
      const response = await init(strict, productId);
      assert.equal(response.status, 503, productId);
      assert.equal(errorOf(response.body).code, 'PRODUCT_SERVICE_UNAVAILABLE');
      assert.ok(Date.now() - started < 5_000, 'the timeout bounds the wait');
      const viaItems = await createItem(strict, productId);
      assert.equal(viaItems.status, 503);
    }
    assert.equal(await itemCount(strict), before);
  });

  test('the product id is percent-encoded into the path', async () => {
    requested.length = 0;
    assert.equal((await init(strict, 'a:b@c')).status, 201);
    assert.deepEqual(requested, ['/products/a%3Ab%40c']);
  });
});

describe('lenient (PRODUCT_VALIDATION=lenient)', () => {
  test('an unavailable product service does not block creating inventory', async () => {
    assert.equal((await init(lenient, FAILING)).status, 201);
    assert.equal((await createItem(lenient, HANGING)).status, 201);
  });

  test('an unknown product is still 422 PRODUCT_UNKNOWN', async () => {
    const response = await init(lenient, 'unknown-2');
    assert.equal(response.status, 422);
    assert.equal(errorOf(response.body).code, 'PRODUCT_UNKNOWN');
  });
});

describe('PRODUCT_SERVICE_URL unset', () => {
  test('every product id is accepted without asking anyone', async () => {
    requested.length = 0;
    assert.equal((await init(unvalidated, 'unknown-3')).status, 201);
    assert.equal((await createItem(unvalidated, 'unknown-4')).status, 201);
    assert.deepEqual(requested, []);
  });
});

describe('the product service client', () => {
  test('answers true, false or unavailable, and logs a warning with the cause', async () => {
    const warnings: object[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (obj) => warnings.push(obj),
      error: () => undefined,
    };
    const client = createProductServiceClient({ url: stubUrl, timeoutMs: 100, logger });
    assert.equal(await client.exists('known-3'), true);
    assert.equal(await client.exists('unknown-5'), false);
    assert.equal(warnings.length, 0);
    assert.equal(await client.exists(FAILING), 'unavailable');
    assert.equal(await client.exists(HANGING), 'unavailable');
    assert.equal(warnings.length, 2);
    assert.deepEqual(
      warnings.map((w) => (w as { productId: string }).productId),
      [FAILING, HANGING],
    );
    assert.equal((warnings[0] as { status: number }).status, 500);
  });
});
