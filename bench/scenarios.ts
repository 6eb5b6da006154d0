import type { Database } from '../src/db/database.ts';
import { loadProducts, loadWarehouses, SEED002_WAREHOUSES } from './lib/database.ts';
import type { Step } from './lib/load.ts';

/**
 * The load scenarios of issue #4. Each loads its own products (distinct prefixes) so they can share
 * one database, and runs against a service started with its own settings.
 */
export interface LoadScenario {
  readonly name: string;
  readonly title: string;
  readonly env?: Readonly<Record<string, string>>;
  setup(db: Database): Promise<void>;
  readonly step: Step;
  /** Settings for bench/wrk/request.lua when the scenario can be driven by wrk. */
  readonly wrk?: Readonly<Record<string, string>>;
}

const HOT_STOCK = 1_000_000_000;
const UNIFORM_SKUS = 10_000;

const pick = (n: number) => 1 + Math.floor(Math.random() * n);
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}`;

/** Seed 000's reserve of one unit of the one product `prefix` loads, a new order each time. */
function reserveOneSku(prefix: string): Pick<LoadScenario, 'wrk' | 'step'> {
  return {
    wrk: { SCENARIO: 'reserve', PREFIX: prefix, COUNT: '1' },
    step: async (send, worker, i) => {
      await send({
        method: 'POST',
        path: '/inventory/reserve',
        body: { productId: id(prefix, 1), orderId: `${prefix}-${worker}-${i}`, quantity: 1 },
      });
    },
  };
}

/**
 * Setup of a seed 002 scenario: its three warehouses, and `count` products under `prefix` with
 * `onHand` units in each of `warehouses`.
 */
function seed002Products(
  prefix: string,
  count: number,
  onHand: number,
  warehouses: readonly string[] = SEED002_WAREHOUSES,
): LoadScenario['setup'] {
  return async (db) => {
    await loadWarehouses(db);
    await loadProducts(db, { prefix, count, onHand, warehouses });
  };
}

/** Seed 002 cart lines: `count` distinct products of the `UNIFORM_SKUS` under `prefix`, 1 each. */
function cartItems(prefix: string, count: number): { product_id: string; quantity: number }[] {
  const products = new Set<number>();
  while (products.size < count) {
    products.add(pick(UNIFORM_SKUS));
  }
  return [...products].map((n) => ({ product_id: id(prefix, n), quantity: 1 }));
}

export const hotReserve: LoadScenario = {
  name: 'hot-reserve',
  title: 'POST /inventory/reserve, one hot SKU',
  setup: (db) =>
    loadProducts(db, { prefix: 'hot', count: 1, onHand: HOT_STOCK, warehouses: ['default'] }),
  ...reserveOneSku('hot'),
};

export const uniformReserve: LoadScenario = {
  name: 'uniform-reserve',
  wrk: { SCENARIO: 'reserve', PREFIX: 'uni', COUNT: String(UNIFORM_SKUS) },
  title: `POST /inventory/reserve, uniform over ${UNIFORM_SKUS} SKUs`,
  setup: (db) =>
    loadProducts(db, {
      prefix: 'uni',
      count: UNIFORM_SKUS,
      onHand: 1_000_000,
      warehouses: ['default'],
    }),
  step: async (send, worker, i) => {
    await send({
      method: 'POST',
      path: '/inventory/reserve',
      body: {
        productId: id('uni', pick(UNIFORM_SKUS)),
        orderId: `uni-${worker}-${i}`,
        quantity: 1,
      },
    });
  },
};

export const cartReserve: LoadScenario = {
  name: 'cart-5-lines',
  title: 'POST /api/inventory/reservations, 5 lines allocated over 3 warehouses',
  wrk: { SCENARIO: 'cart', PREFIX: 'cart', COUNT: String(UNIFORM_SKUS), LINES: '5' },
  setup: seed002Products('cart', UNIFORM_SKUS, 1_000_000),
  step: async (send, worker, i) => {
    await send({
      method: 'POST',
      path: '/api/inventory/reservations',
      body: { order_id: `cart-${worker}-${i}`, items: cartItems('cart', 5) },
    });
  },
};

export const availabilityReads: LoadScenario = {
  name: 'availability-reads',
  wrk: { SCENARIO: 'read', PREFIX: 'read', COUNT: String(UNIFORM_SKUS) },
  title: 'GET /api/inventory/products/:id/availability, uniform over 10000 SKUs in 3 warehouses',
  setup: seed002Products('read', UNIFORM_SKUS, 1_000),
  step: async (send) => {
    await send({
      method: 'GET',
      path: `/api/inventory/products/${id('read', pick(UNIFORM_SKUS))}/availability`,
    });
  },
};

/** Seed 002's available-to-promise: how a 5-line cart would be allocated now, holding nothing. */
export const cartChecks: LoadScenario = {
  name: 'cart-checks',
  wrk: { SCENARIO: 'check', PREFIX: 'chk', COUNT: String(UNIFORM_SKUS), LINES: '5' },
  title: 'POST /api/inventory/reservations/check, 5 lines over 3 warehouses',
  setup: seed002Products('chk', UNIFORM_SKUS, 1_000),
  step: async (send) => {
    await send({
      method: 'POST',
      path: '/api/inventory/reservations/check',
      body: { items: cartItems('chk', 5) },
    });
  },
};

export const stockReads: LoadScenario = {
  name: 'stock-reads',
  wrk: { SCENARIO: 'stock', PREFIX: 'stk', COUNT: String(UNIFORM_SKUS) },
  title: `GET /inventory/:productId (seed 000), uniform over ${UNIFORM_SKUS} SKUs`,
  setup: (db) =>
    loadProducts(db, {
      prefix: 'stk',
      count: UNIFORM_SKUS,
      onHand: 1_000,
      warehouses: ['default'],
    }),
  step: async (send) => {
    await send({ method: 'GET', path: `/inventory/${id('stk', pick(UNIFORM_SKUS))}` });
  },
};

/** Reserve, then 70% deduct, 20% release, 10% left to expire (TTL 2s, worker every second). */
export const mixedCheckout: LoadScenario = {
  name: 'mixed-checkout',
  title: 'reserve, then 70% deduct / 20% release / 10% expire (TTL 2s)',
  env: { RESERVATION_TTL: '2s', EXPIRATION_POLL_INTERVAL: '1s' },
  setup: (db) =>
    loadProducts(db, {
      prefix: 'mix',
      count: UNIFORM_SKUS,
      onHand: 1_000_000,
      warehouses: ['default'],
    }),
  step: async (send, worker, i) => {
    const reserved = await send({
      method: 'POST',
      path: '/inventory/reserve',
      body: {
        productId: id('mix', pick(UNIFORM_SKUS)),
        orderId: `mix-${worker}-${i}`,
        quantity: 1,
      },
    });
    const reservationId = (reserved.body as { data?: { reservationId?: string } }).data
      ?.reservationId;
    if (reserved.status !== 201 || reservationId === undefined) {
      return;
    }
    const roll = Math.random();
    if (roll < 0.7) {
      await send({ method: 'POST', path: '/inventory/deduct', body: { reservationId } });
    } else if (roll < 0.9) {
      await send({ method: 'POST', path: '/inventory/release', body: { reservationId } });
    }
  },
};

/**
 * Seed 002's checkout on one hot SKU: reserve one unit (the warehouse is chosen, so the cart is
 * planned), then confirm it. Every confirm moves units on the same stock row.
 */
export const hotCheckout: LoadScenario = {
  name: 'hot-checkout',
  title: 'POST /api/inventory/reservations on one hot SKU, then confirm it',
  setup: seed002Products('hck', 1, HOT_STOCK, SEED002_WAREHOUSES.slice(0, 1)),
  step: async (send, worker, i) => {
    const reserved = await send({
      method: 'POST',
      path: '/api/inventory/reservations',
      body: { order_id: `hck-${worker}-${i}`, items: [{ product_id: id('hck', 1), quantity: 1 }] },
    });
    const reservationId = (reserved.body as { data?: { id?: string } }).data?.id;
    if (reserved.status !== 201 || reservationId === undefined) {
      return;
    }
    await send({
      method: 'POST',
      path: `/api/inventory/reservations/${reservationId}/confirm`,
      body: {},
    });
  },
};

/**
 * Numbers the keyed scenario's requests across the runs of one bench process. Each run (the
 * warm-up, then the measured one) counts its workers' iterations from 0 again, so keys made of
 * those alone came back in the measured run and were answered as replays.
 */
let keySequence = 0;

/**
 * Hot reserve with an Idempotency-Key on every request (seed 003's retry-safe writes): the batch
 * claims each key and stores its answer with the reservation (migration 0014).
 */
export const hotReserveIdempotent: LoadScenario = {
  name: 'hot-reserve-idempotent',
  title: 'POST /inventory/reserve, one hot SKU, a new Idempotency-Key on every request',
  setup: (db) =>
    loadProducts(db, { prefix: 'hik', count: 1, onHand: HOT_STOCK, warehouses: ['default'] }),
  step: async (send) => {
    keySequence++;
    await send({
      method: 'POST',
      path: '/inventory/reserve',
      headers: { 'idempotency-key': `hik-${keySequence}` },
      body: { productId: id('hik', 1), orderId: `hik-${keySequence}`, quantity: 1 },
    });
  },
};

/**
 * The end of a flash sale: the hot SKU has sold out and buyers keep trying. Every request is
 * refused with 409 INSUFFICIENT_STOCK (counted as non-2xx); what matters is that a refusal costs
 * no more than a sale did.
 */
export const soldOutReserve: LoadScenario = {
  name: 'sold-out-reserve',
  title: 'POST /inventory/reserve, one sold-out SKU (every request refused)',
  setup: (db) => loadProducts(db, { prefix: 'sold', count: 1, onHand: 0, warehouses: ['default'] }),
  ...reserveOneSku('sold'),
};

/** The same through seed 002's API, where the service plans the warehouse itself. */
export const soldOutCart: LoadScenario = {
  name: 'sold-out-cart',
  wrk: { SCENARIO: 'cart', PREFIX: 'socr', COUNT: '1', LINES: '1' },
  title: 'POST /api/inventory/reservations, one sold-out product in 3 warehouses',
  setup: seed002Products('socr', 1, 0),
  step: async (send, worker, i) => {
    await send({
      method: 'POST',
      path: '/api/inventory/reservations',
      body: {
        order_id: `socr-${worker}-${i}`,
        items: [{ product_id: id('socr', 1), quantity: 1 }],
      },
    });
  },
};

/**
 * `sold-out-cart` with a new Idempotency-Key on every request (the Node driver, which sends
 * headers): a keyed refusal must also find out whether the key already holds an answer.
 */
export const soldOutCartIdempotent: LoadScenario = {
  name: 'sold-out-cart-idempotent',
  title: 'POST /api/inventory/reservations, one sold-out product, a new Idempotency-Key each',
  setup: seed002Products('soci', 1, 0),
  step: async (send) => {
    keySequence++;
    await send({
      method: 'POST',
      path: '/api/inventory/reservations',
      headers: { 'idempotency-key': `soci-${keySequence}` },
      body: {
        order_id: `soci-${keySequence}`,
        items: [{ product_id: id('soci', 1), quantity: 1 }],
      },
    });
  },
};

/**
 * A paused sale: an operator blocked the hot SKU's sales and buyers keep trying. Every request is
 * refused with 409 SALES_BLOCKED, each after a plan from the caches and one from the tables (an
 * unblock a moment ago must not be refused).
 */
export const blockedReserve: LoadScenario = {
  name: 'blocked-reserve',
  title: 'POST /inventory/reserve, one SKU whose sales are blocked (every request refused)',
  async setup(db) {
    await loadProducts(db, { prefix: 'blk', count: 1, onHand: 1_000, warehouses: ['default'] });
    await db.query("UPDATE items SET sales_blocked = true WHERE product_id LIKE 'blk%'");
  },
  ...reserveOneSku('blk'),
};

export const LOAD_SCENARIOS: readonly LoadScenario[] = [
  hotReserve,
  uniformReserve,
  cartReserve,
  availabilityReads,
  stockReads,
  mixedCheckout,
  hotCheckout,
  hotReserveIdempotent,
  soldOutReserve,
  soldOutCart,
  soldOutCartIdempotent,
  cartChecks,
  blockedReserve,
];
