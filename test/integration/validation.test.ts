import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import { initProduct, reserve, stockOf } from '../helpers/inventory-client.ts';
import { type ApiBody, startTestService, type TestService } from '../helpers/test-service.ts';

/**
 * Every bad input is refused with a 4xx in the error envelope that names the problem, and changes
 * nothing: the tables and the product read back exactly as they were before the request.
 */
let t: TestService;
/** A product with stock and one pending reservation, which every refused request must leave alone. */
const PRODUCT = 'val-p';
const NEW_PRODUCT = 'val-new';
let reservationId: string;

before(async () => {
  t = await startTestService();
  await initProduct(t, PRODUCT, 50);
  reservationId = await reserve(t, PRODUCT, 5, 'val-order');
});
afterEach(async () => {
  await t.assertBooksBalance();
});
after(async () => {
  await t.close();
});

type PostRoute = 'init' | 'add-stock' | 'reserve' | 'release' | 'deduct';
const POST_ROUTES: readonly PostRoute[] = ['init', 'add-stock', 'reserve', 'release', 'deduct'];

/** A body each route would accept, so a case differs from success only by what it breaks. */
function validBody(route: PostRoute): Record<string, unknown> {
  switch (route) {
    case 'init':
      return { productId: NEW_PRODUCT, quantity: 5 };
    case 'add-stock':
      return { productId: PRODUCT, quantity: 5 };
    case 'reserve':
      return { productId: PRODUCT, orderId: 'val-order-2', quantity: 1 };
    case 'release':
    case 'deduct':
      return { reservationId };
  }
}

function withField(route: PostRoute, field: string, value: unknown): Record<string, unknown> {
  return { ...validBody(route), [field]: value };
}

function withoutField(route: PostRoute, field: string): Record<string, unknown> {
  const body = validBody(route);
  delete body[field];
  return body;
}

interface Reply {
  readonly status: number;
  readonly body: ApiBody;
}

/** Sends a raw body with the given headers, bypassing the JSON helper. */
async function inject(
  method: 'GET' | 'POST',
  url: string,
  payload: string | undefined,
  headers: Record<string, string>,
): Promise<Reply> {
  const response = await t.service.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: response.statusCode, body: response.json() };
}

function postJson(route: PostRoute, body: unknown, headers: Record<string, string> = {}) {
  return t.request('POST', `/inventory/${route}`, body, headers);
}

function postRaw(route: PostRoute, payload: string, contentType = 'application/json') {
  return inject('POST', `/inventory/${route}`, payload, { 'content-type': contentType });
}

/** Everything a request could change, read straight from the tables and through the API. */
async function snapshot(): Promise<unknown> {
  const counts = await t.db.query(
    `SELECT (SELECT count(*)::int FROM items) AS items,
            (SELECT count(*)::int FROM stock_levels) AS stock_levels,
            (SELECT count(*)::int FROM stock_movements) AS stock_movements,
            (SELECT count(*)::int FROM reservations) AS reservations,
            (SELECT count(*)::int FROM reservation_lines) AS reservation_lines,
            (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys`,
  );
  const levels = await t.db.query(
    'SELECT item_id, warehouse_id, on_hand, reserved, committed FROM stock_levels ' +
      'ORDER BY item_id, warehouse_id',
  );
  const reservations = await t.db.query(
    'SELECT id, status, expires_at FROM reservations ORDER BY id',
  );
  const product = await t.request('GET', `/inventory/${PRODUCT}`);
  assert.equal(product.status, 200, JSON.stringify(product.body));
  return { counts, levels, reservations, product: product.body.data };
}

interface Expected {
  readonly status: number;
  readonly code: string;
  /** What error.message must contain or match (the field it names, the rule it states). */
  readonly mentions: string | RegExp;
  /** error.field, when the service can name one. */
  readonly field?: string;
}

/** Sends a bad request and checks the envelope, the error, and that nothing changed. */
async function assertRefused(send: () => Promise<Reply>, expected: Expected): Promise<ApiBody> {
  const before = await snapshot();
  const response = await send();
  const shown = JSON.stringify(response.body);
  assert.equal(response.status, expected.status, shown);
  assert.equal(response.body.success, false, shown);
  assert.equal(response.body.error?.code, expected.code, shown);
  const message = response.body.error?.message ?? '';
  if (typeof expected.mentions === 'string') {
    assert.ok(message.includes(expected.mentions), `"${message}" should name ${expected.mentions}`);
  } else {
    assert.match(message, expected.mentions);
  }
  if (expected.field !== undefined) {
    assert.equal(response.body.error?.field, expected.field, shown);
  }
  assert.deepEqual(await snapshot(), before, 'a refused request must change nothing');
  return response.body;
}

function invalid(field: string, mentions: string | RegExp = field): Expected {
  return { status: 400, code: 'VALIDATION_ERROR', field, mentions };
}

describe('missing fields', () => {
  const required: ReadonlyArray<readonly [PostRoute, string]> = [
    ['init', 'productId'],
    ['init', 'quantity'],
    ['add-stock', 'productId'],
    ['add-stock', 'quantity'],
    ['reserve', 'productId'],
    ['reserve', 'orderId'],
    ['reserve', 'quantity'],
    ['release', 'reservationId'],
    ['deduct', 'reservationId'],
  ];
  for (const [route, field] of required) {
    test(`${route} without ${field} answers 400 "${field} is required"`, async () => {
      await assertRefused(
        () => postJson(route, withoutField(route, field)),
        invalid(field, `${field} is required`),
      );
    });
  }
});

describe('quantity', () => {
  const quantityRoutes: readonly PostRoute[] = ['init', 'add-stock', 'reserve'];
  const notIntegers: ReadonlyArray<readonly [string, unknown]> = [
    ['the string "5" (never coerced)', '5'],
    ['1.5', 1.5],
    ['null', null],
    ['true', true],
    ['an array', [5]],
    ['an object', { value: 5 }],
  ];
  for (const route of quantityRoutes) {
    for (const [label, value] of notIntegers) {
      test(`${route} with quantity ${label} answers 400 "quantity must be an integer"`, async () => {
        await assertRefused(
          () => postJson(route, withField(route, 'quantity', value)),
          invalid('quantity', 'quantity must be an integer'),
        );
      });
    }
    test(`${route} with quantity -1 answers 400 naming the minimum`, async () => {
      await assertRefused(
        () => postJson(route, withField(route, 'quantity', -1)),
        invalid('quantity', route === 'init' ? 'quantity must be at least 0' : 'at least 1'),
      );
    });
    test(`${route} with quantity 1e30 answers 400 naming the maximum`, async () => {
      const body = JSON.stringify(validBody(route)).replace(/"quantity":\d+/, '"quantity":1e30');
      assert.match(body, /1e30/);
      await assertRefused(
        () => postRaw(route, body),
        invalid('quantity', /quantity must be at most/),
      );
    });
  }

  for (const route of ['add-stock', 'reserve'] as const) {
    test(`${route} with quantity 0 answers 400 "quantity must be at least 1"`, async () => {
      await assertRefused(
        () => postJson(route, withField(route, 'quantity', 0)),
        invalid('quantity', 'quantity must be at least 1'),
      );
    });
    test(`${route} with quantity 1000000001 answers 400 "quantity must be at most 1000000000"`, async () => {
      await assertRefused(
        () => postJson(route, withField(route, 'quantity', 1_000_000_001)),
        invalid('quantity', 'quantity must be at most 1000000000'),
      );
    });
  }

  test('init with an opening quantity past the on-hand ceiling answers 400', async () => {
    await assertRefused(
      () => postJson('init', withField('init', 'quantity', 1_000_000_000_001)),
      invalid('quantity', 'quantity must be at most 1000000000000'),
    );
  });

  test('init accepts quantity 0, the control for the refusals above', async () => {
    const response = await postJson('init', { productId: 'val-zero', quantity: 0 });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal((await stockOf(t, 'val-zero')).availableQuantity, 0);
  });
});

describe('ids', () => {
  const badIds: ReadonlyArray<readonly [string, unknown, string]> = [
    ['a number', 42, 'must be a string'],
    ['an empty string', '', 'must be at least 1 characters long'],
    ['129 characters', 'a'.repeat(129), 'must be at most 128 characters long'],
    ['a space', 'a b', 'may contain only'],
    ['a slash', 'a/b', 'may contain only'],
    ['unicode', 'café', 'may contain only'],
    ['a leading dash', '-ab', 'must start with a letter or digit'],
    ['a newline', 'ab\n', 'may contain only'],
  ];
  const idFields: ReadonlyArray<readonly [PostRoute, string]> = [
    ['init', 'productId'],
    ['add-stock', 'productId'],
    ['reserve', 'productId'],
    ['reserve', 'orderId'],
  ];
  for (const [route, field] of idFields) {
    for (const [label, value, rule] of badIds) {
      test(`${route} with ${field} as ${label} answers 400 naming ${field}`, async () => {
        const body = await assertRefused(
          () => postJson(route, withField(route, field, value)),
          invalid(field),
        );
        const message = body.error?.message ?? '';
        assert.ok(message.includes(rule), `"${message}" should say ${rule}`);
      });
    }
  }

  test('init accepts a productId of exactly 128 characters and GET reads it back', async () => {
    const id = `v${'x'.repeat(127)}`;
    const created = await postJson('init', { productId: id, quantity: 2 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const read = await t.request('GET', `/inventory/${id}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.data.productId, id);
    assert.equal(read.body.data.availableQuantity, 2);
  });
});

describe('GET /inventory/:productId', () => {
  const get = (path: string) => () => inject('GET', `/inventory/${path}`, undefined, {});

  test('a productId of 130 characters answers 400 naming productId', async () => {
    await assertRefused(
      get('a'.repeat(130)),
      invalid('productId', 'productId must be at most 128 characters long'),
    );
  });

  test('a productId of 5000 characters answers 400 in the error envelope', async () => {
    await assertRefused(get('a'.repeat(5000)), invalid('path', /too long|longer than/));
  });

  test('a productId with an encoded space answers 400 naming productId', async () => {
    await assertRefused(get('a%20b'), invalid('productId', 'may contain only'));
  });

  test('a productId with unicode answers 400 naming productId', async () => {
    await assertRefused(get(encodeURIComponent('café')), invalid('productId', 'may contain only'));
  });

  test('a malformed percent-encoding answers 400 in the error envelope', async () => {
    await assertRefused(get('%E0%A4%A'), invalid('path', /URL|url/));
  });
});

describe('unknown fields', () => {
  for (const route of POST_ROUTES) {
    test(`${route} with an unknown field answers 400 naming that field`, async () => {
      await assertRefused(
        () => postJson(route, withField(route, 'quantiy', 2)),
        invalid('quantiy', 'quantiy is not a known field'),
      );
    });
  }
});

describe('reservationId', () => {
  for (const route of ['release', 'deduct'] as const) {
    const notUuids: ReadonlyArray<readonly [string, () => unknown]> = [
      ['a plain word', () => 'not-a-uuid'],
      ['a UUID without its dashes', () => reservationId.replaceAll('-', '')],
      ['a UUID with a character more', () => `${reservationId}0`],
      ['a urn:uuid: prefixed UUID', () => `urn:uuid:${reservationId}`],
      ['a number', () => 12345],
      ['null', () => null],
    ];
    for (const [label, value] of notUuids) {
      test(`${route} with reservationId as ${label} answers 400, not 404`, async () => {
        await assertRefused(() => postJson(route, { reservationId: value() }), {
          status: 400,
          code: 'VALIDATION_ERROR',
          field: 'reservationId',
          mentions: 'reservationId',
        });
      });
    }

    test(`${route} of a well-formed unknown UUID answers 404 RESERVATION_NOT_FOUND`, async () => {
      const unknown = '3f2b8c1e-9d4a-4e6b-8a7c-1d2e3f4a5b6c';
      await assertRefused(() => postJson(route, { reservationId: unknown }), {
        status: 404,
        code: 'RESERVATION_NOT_FOUND',
        mentions: unknown,
      });
    });
  }
});

describe('bodies that are not a JSON object', () => {
  for (const route of POST_ROUTES) {
    test(`${route} with malformed JSON answers 400 mentioning JSON`, async () => {
      await assertRefused(() => postRaw(route, '{"productId":'), {
        status: 400,
        code: 'VALIDATION_ERROR',
        mentions: 'JSON',
      });
    });

    test(`${route} with an empty JSON body answers 400`, async () => {
      await assertRefused(() => postRaw(route, ''), {
        status: 400,
        code: 'VALIDATION_ERROR',
        mentions: /body/,
      });
    });

    for (const [label, payload] of [
      ['an array', '[{"productId":"val-p","quantity":1}]'],
      ['a string', '"val-p"'],
      ['a number', '5'],
      ['null', 'null'],
    ] as const) {
      test(`${route} with a body that is ${label} answers 400 "request body must be a JSON object"`, async () => {
        await assertRefused(() => postRaw(route, payload), {
          status: 400,
          code: 'VALIDATION_ERROR',
          field: 'request body',
          mentions: 'request body must be a JSON object',
        });
      });
    }

    test(`${route} with a text body and no content-type answers 415`, async () => {
      const payload = JSON.stringify(validBody(route));
      await assertRefused(() => inject('POST', `/inventory/${route}`, payload, {}), {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        mentions: 'application/json',
      });
    });

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      test(`${route} with content-type ${contentType} answers 415`, async () => {
        const payload = JSON.stringify(validBody(route));
        await assertRefused(() => postRaw(route, payload, contentType), {
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
          mentions: 'application/json',
        });
      });
    }

    test(`${route} with a body over 64 KiB answers 413 PAYLOAD_TOO_LARGE`, async () => {
      // A body the route would accept but for its size (trailing whitespace is valid JSON).
      const payload = JSON.stringify(validBody(route)) + ' '.repeat(64 * 1024);
      await assertRefused(() => postRaw(route, payload), {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        mentions: 'too large',
      });
    });
  }

  test('a body just under 64 KiB is accepted, the control for the 413', async () => {
    const body = JSON.stringify({ productId: PRODUCT, quantity: 1 });
    const payload = body + ' '.repeat(64 * 1024 - body.length);
    const response = await postRaw('add-stock', payload);
    assert.equal(response.status, 200, JSON.stringify(response.body));
  });
});

describe('Idempotency-Key header', () => {
  test('longer than 255 characters answers 400 naming idempotency-key', async () => {
    await assertRefused(
      () => postJson('reserve', validBody('reserve'), { 'idempotency-key': 'k'.repeat(256) }),
      invalid('idempotency-key', 'idempotency-key must be at most 255 characters long'),
    );
  });

  test('empty answers 400 naming idempotency-key', async () => {
    await assertRefused(
      () => postJson('reserve', validBody('reserve'), { 'idempotency-key': '' }),
      invalid('idempotency-key'),
    );
  });

  test('with a space answers 400 stating the header’s own rule', async () => {
    const body = await assertRefused(
      () => postJson('reserve', validBody('reserve'), { 'idempotency-key': 'key with spaces' }),
      invalid('idempotency-key', 'visible ASCII'),
    );
    // The id rule does not apply to keys: "-key" is a valid key (see the next test).
    assert.doesNotMatch(body.error?.message ?? '', /start with a letter or digit/);
  });

  test('of 255 visible characters, starting with a dash, is accepted', async () => {
    const key = `-${'k'.repeat(254)}`;
    const response = await postJson('reserve', validBody('reserve'), { 'idempotency-key': key });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const released = await postJson('release', { reservationId: response.body.data.reservationId });
    assert.equal(released.status, 200, JSON.stringify(released.body));
  });
});

describe('random junk bodies', () => {
  const SWEEP_PRODUCT = 'val-sweep';
  const sweepReservations: string[] = [];
  before(async () => {
    await initProduct(t, SWEEP_PRODUCT, 1_000);
    for (let i = 0; i < 3; i++) {
      sweepReservations.push(await reserve(t, SWEEP_PRODUCT, 1, `val-sweep-${i}`));
    }
  });

  /** A field value that is sometimes right, often nearly right and mostly junk. */
  const fieldValue = fc.oneof(
    fc.constantFrom(SWEEP_PRODUCT, 'val-sweep-order', 'nope', '', ' ', '-x', 'a/b', 'é'),
    // Read when a value is drawn, after before() has made the reservations.
    fc.nat({ max: 2 }).map((i) => sweepReservations[i] ?? 'unset'),
    fc.uuid(),
    fc.integer({ min: -3, max: 2_000_000_000_000 }),
    fc.double(),
    fc.string(),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const nearlyValid = fc.record(
    {
      productId: fieldValue,
      orderId: fieldValue,
      quantity: fieldValue,
      reservationId: fieldValue,
      extra: fieldValue,
    },
    { requiredKeys: [] },
  );
  /** fc.anything() can hold values JSON has no spelling for; those are written as strings. */
  const anythingAsJson = fc
    .anything({ maxDepth: 2 })
    .map(
      (value) =>
        JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ??
        'null',
    );
  const junkPayload = fc.oneof(
    anythingAsJson,
    fc.object({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null'),
    nearlyValid.map((value) => JSON.stringify(value)),
    fc.string(),
  );

  for (const route of POST_ROUTES) {
    test(`${route}: 100 junk bodies never answer 5xx, and each refusal changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(junkPayload, async (payload) => {
          const before = await snapshotCounts();
          const response = await postRaw(route, payload);
          const shown = `${payload} -> ${response.status} ${JSON.stringify(response.body)}`;
          assert.ok(response.status < 500, shown);
          assert.equal(typeof response.body.success, 'boolean', shown);
          if (response.status >= 400) {
            assert.equal(response.body.success, false, shown);
            assert.ok(
              (ERROR_CODES as readonly string[]).includes(response.body.error?.code ?? ''),
              shown,
            );
            assert.ok((response.body.error?.message ?? '').length > 0, shown);
            assert.deepEqual(await snapshotCounts(), before, `refused but changed: ${shown}`);
          }
          await t.assertBooksBalance();
        }),
        { numRuns: 100 },
      );
    });
  }
});

/** The cheaper snapshot for the sweep: table sizes and every stock counter. */
async function snapshotCounts(): Promise<unknown> {
  return {
    counts: await t.db.query(
      `SELECT (SELECT count(*)::int FROM items) AS items,
              (SELECT count(*)::int FROM stock_movements) AS stock_movements,
              (SELECT count(*)::int FROM reservations) AS reservations,
              (SELECT count(*)::int FROM reservations WHERE status = 'PENDING') AS pending`,
    ),
    levels: await t.db.query(
      'SELECT item_id, on_hand, reserved FROM stock_levels ORDER BY item_id, warehouse_id',
    ),
  };
}
