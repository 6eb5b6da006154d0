import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startTestService, type TestService } from '../helpers/test-service.ts';

/**
 * Model-based test: random sequences of add-stock, reserve, release, deduct, backdate and expire are
 * run against the service and against a few lines of in-memory bookkeeping. After every step the
 * status, the error code and every product's quantities must agree with the model; after every run
 * the reservations' states must agree and the books must balance.
 */
let t: TestService;
before(async () => {
  t = await startTestService();
});
after(async () => {
  await t.close();
});

const PRODUCT_COUNT = 3;

type Op =
  | { readonly kind: 'add'; readonly product: number; readonly quantity: number }
  | {
      readonly kind: 'reserve';
      readonly product: number;
      readonly quantity: number;
      readonly orderId: string;
    }
  /** The k-th reservation made so far (k modulo their count); an unknown id when there are none. */
  | { readonly kind: 'release' | 'deduct'; readonly k: number }
  /** Backdates the k-th reservation's expiry and runs the sweeper. */
  | { readonly kind: 'expire'; readonly k: number }
  /** Backdates the k-th reservation's expiry only: overdue, but not yet swept. */
  | { readonly kind: 'overdue'; readonly k: number };

type ModelState = 'RESERVED' | 'RELEASED' | 'DEDUCTED' | 'EXPIRED';

interface ModelProduct {
  readonly id: string;
  available: number;
  reserved: number;
}

interface ModelReservation {
  readonly id: string;
  readonly product: number;
  readonly quantity: number;
  state: ModelState;
  /** Past its expiry in the database, whatever its state. */
  overdue: boolean;
}

interface Model {
  readonly products: ModelProduct[];
  readonly reservations: ModelReservation[];
}

const productIndex = fc.nat({ max: PRODUCT_COUNT - 1 });
const pick = fc.nat({ max: 1_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      product: productIndex,
      quantity: fc.integer({ min: 1, max: 10 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      product: productIndex,
      quantity: fc.integer({ min: 1, max: 12 }),
      orderId: fc.constantFrom('order-a', 'order-b', 'order-c'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), k: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deduct' as const), k: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), k: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overdue' as const), k: pick }) },
);

/** What a release or deduct of a reservation in each state answers when it is refused. */
const REFUSAL_OF: Readonly<Record<Exclude<ModelState, 'RESERVED'>, string>> = {
  RELEASED: 'RESERVATION_ALREADY_RELEASED',
  DEDUCTED: 'RESERVATION_ALREADY_DEDUCTED',
  EXPIRED: 'RESERVATION_EXPIRED',
};

const DB_STATE_OF: Readonly<Record<string, ModelState>> = {
  PENDING: 'RESERVED',
  RELEASED: 'RELEASED',
  FULFILLED: 'DEDUCTED',
  EXPIRED: 'EXPIRED',
};

const UNKNOWN_RESERVATION = '7e0c1a52-3b4d-4f6e-9a8b-0c1d2e3f4a5b';

let runNo = 0;

function nth(model: Model, k: number): ModelReservation | undefined {
  return model.reservations[k % Math.max(model.reservations.length, 1)];
}

function productOf(model: Model, reservation: ModelReservation): ModelProduct {
  const product = model.products[reservation.product];
  assert.ok(product !== undefined);
  return product;
}

async function backdate(reservationId: string): Promise<void> {
  await t.db.query(
    "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
    [reservationId],
  );
}

/** Runs the sweeper; the model expires every pending reservation that is overdue. */
async function sweep(model: Model, step: string): Promise<void> {
  let expected = 0;
  for (const reservation of model.reservations) {
    if (reservation.state === 'RESERVED' && reservation.overdue) {
      reservation.state = 'EXPIRED';
      const product = productOf(model, reservation);
      product.available += reservation.quantity;
      product.reserved -= reservation.quantity;
      expected++;
    }
  }
  assert.equal(await t.service.expiryWorker.sweep(), expected, `${step}: reservations swept`);
}

async function apply(model: Model, op: Op, step: string): Promise<void> {
  switch (op.kind) {
    case 'add': {
      const product = model.products[op.product];
      assert.ok(product !== undefined);
      const response = await t.request('POST', '/inventory/add-stock', {
        productId: product.id,
        quantity: op.quantity,
      });
      assert.equal(response.status, 200, `${step}: ${JSON.stringify(response.body)}`);
      product.available += op.quantity;
      assert.equal(response.body.data.availableQuantity, product.available, step);
      return;
    }
    case 'reserve': {
      const product = model.products[op.product];
      assert.ok(product !== undefined);
      const response = await t.request('POST', '/inventory/reserve', {
        productId: product.id,
        orderId: op.orderId,
        quantity: op.quantity,
      });
      const shown = `${step}: ${JSON.stringify(response.body)}`;
      if (op.quantity > product.available) {
        assert.equal(response.status, 409, shown);
        assert.equal(response.body.error?.code, 'INSUFFICIENT_STOCK', shown);
        assert.equal(response.body.error?.details?.available, product.available, shown);
        assert.equal(response.body.error?.details?.requested, op.quantity, shown);
        return;
      }
      assert.equal(response.status, 201, shown);
      assert.equal(response.body.data.status, 'RESERVED', shown);
      assert.equal(response.body.data.productId, product.id, shown);
      assert.equal(response.body.data.orderId, op.orderId, shown);
      assert.equal(response.body.data.quantity, op.quantity, shown);
      product.available -= op.quantity;
      product.reserved += op.quantity;
      model.reservations.push({
        id: response.body.data.reservationId,
        product: op.product,
        quantity: op.quantity,
        state: 'RESERVED',
        overdue: false,
      });
      return;
    }
    case 'release':
    case 'deduct': {
      const reservation = nth(model, op.k);
      const reservationId = reservation?.id ?? UNKNOWN_RESERVATION;
      const response = await t.request('POST', `/inventory/${op.kind}`, { reservationId });
      const shown = `${step}: ${JSON.stringify(response.body)}`;
      if (reservation === undefined) {
        assert.equal(response.status, 404, shown);
        assert.equal(response.body.error?.code, 'RESERVATION_NOT_FOUND', shown);
        return;
      }
      if (reservation.state !== 'RESERVED') {
        assert.equal(response.status, 409, shown);
        assert.equal(response.body.error?.code, REFUSAL_OF[reservation.state], shown);
        return;
      }
      if (op.kind === 'deduct' && reservation.overdue) {
        // Past its expiry but not yet swept: a deduct is refused and the units stay held.
        assert.equal(response.status, 409, shown);
        assert.equal(response.body.error?.code, 'RESERVATION_EXPIRED', shown);
        return;
      }
      assert.equal(response.status, 200, shown);
      assert.equal(response.body.data.reservationId, reservation.id, shown);
      assert.equal(response.body.data.quantity, reservation.quantity, shown);
      const product = productOf(model, reservation);
      product.reserved -= reservation.quantity;
      if (op.kind === 'release') {
        reservation.state = 'RELEASED';
        product.available += reservation.quantity;
      } else {
        reservation.state = 'DEDUCTED';
      }
      assert.equal(response.body.data.status, reservation.state, shown);
      return;
    }
    case 'expire':
    case 'overdue': {
      const reservation = nth(model, op.k);
      if (reservation === undefined) {
        if (op.kind === 'expire') {
          await sweep(model, step);
        }
        return;
      }
      await backdate(reservation.id);
      reservation.overdue = true;
      if (op.kind === 'expire') {
        await sweep(model, step);
      }
      return;
    }
  }
}

async function assertProductsMatch(model: Model, step: string): Promise<void> {
  for (const product of model.products) {
    const response = await t.request('GET', `/inventory/${product.id}`);
    assert.equal(response.status, 200, `${step}: ${JSON.stringify(response.body)}`);
    assert.deepEqual(
      {
        availableQuantity: response.body.data.availableQuantity,
        reservedQuantity: response.body.data.reservedQuantity,
      },
      { availableQuantity: product.available, reservedQuantity: product.reserved },
      `${step}: ${product.id}`,
    );
  }
}

async function assertReservationsMatch(model: Model): Promise<void> {
  if (model.reservations.length === 0) {
    return;
  }
  const rows = await t.db.query<{ id: string; status: string }>(
    'SELECT id, status FROM reservations WHERE id = ANY($1::uuid[])',
    [model.reservations.map((reservation) => reservation.id)],
  );
  const actual = Object.fromEntries(rows.map((row) => [row.id, DB_STATE_OF[row.status]]));
  const expected = Object.fromEntries(model.reservations.map((r) => [r.id, r.state]));
  assert.deepEqual(actual, expected);
}

test('the service agrees with an in-memory model over random operation sequences', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(...Array.from({ length: PRODUCT_COUNT }, () => fc.integer({ min: 0, max: 15 }))),
      fc.array(opArb, { minLength: 5, maxLength: 30, size: 'max' }),
      async (initial, ops) => {
        runNo++;
        // A run that failed part-way (while shrinking) may have left overdue work behind.
        await t.service.expiryWorker.sweep();
        const model: Model = { products: [], reservations: [] };
        for (const [i, quantity] of initial.entries()) {
          const id = `model-r${runNo}-p${i}`;
          const response = await t.request('POST', '/inventory/init', { productId: id, quantity });
          assert.equal(response.status, 201, JSON.stringify(response.body));
          model.products.push({ id, available: quantity, reserved: 0 });
        }
        for (const [i, op] of ops.entries()) {
          const step = `run ${runNo} step ${i} ${JSON.stringify(op)}`;
          await apply(model, op, step);
          await assertProductsMatch(model, step);
        }
        // Whatever was left overdue is swept now, so no run leaves due work for the next one.
        await sweep(model, `run ${runNo} final sweep`);
        await assertProductsMatch(model, `run ${runNo} final sweep`);
        await assertReservationsMatch(model);
        await t.assertBooksBalance();
      },
    ),
    { numRuns: 40 },
  );
});

test('release and deduct of a swept reservation both answer RESERVATION_EXPIRED', async () => {
  // A fixed sequence the random runs may or may not reach, kept as a named regression case.
  const id = 'model-fixed';
  assert.equal(
    (await t.request('POST', '/inventory/init', { productId: id, quantity: 4 })).status,
    201,
  );
  const reserved = await t.request('POST', '/inventory/reserve', {
    productId: id,
    orderId: 'order-fixed',
    quantity: 4,
  });
  assert.equal(reserved.status, 201, JSON.stringify(reserved.body));
  const reservationId: string = reserved.body.data.reservationId;
  await backdate(reservationId);
  assert.equal(await t.service.expiryWorker.sweep(), 1);
  for (const route of ['release', 'deduct', 'release']) {
    const response = await t.request('POST', `/inventory/${route}`, { reservationId });
    assert.equal(response.status, 409, JSON.stringify(response.body));
    assert.equal(response.body.error?.code, 'RESERVATION_EXPIRED');
  }
  const stock = await t.request('GET', `/inventory/${id}`);
  assert.equal(stock.body.data.availableQuantity, 4);
  assert.equal(stock.body.data.reservedQuantity, 0);
  await t.assertBooksBalance();
});
