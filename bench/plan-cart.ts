import os from 'node:os';
import { planCart } from '../src/app/plan-cart.ts';
import type { CartItemRecord, UnitOfWork, WarehouseOptionRecord } from '../src/app/ports.ts';
import { ALLOCATION_STRATEGIES, type AllocationStrategyName } from '../src/domain/allocation.ts';
// A plain sellable item without backorders, as the test suite builds them.
import { cartItemRecord } from '../test/factories/item-record.factory.ts';

/**
 * `node bench/plan-cart.ts [strategy]`: the service's CPU time to plan one 5-line cart, alone.
 * Planning runs on the service's one thread for every cart that names no warehouse, so its cost
 * caps carts/s; through HTTP it hides in the noise of a shared machine, here it does not. Items
 * and warehouse options come from memory (as from the warm caches of the batched path): 10,000
 * items, each stocked in seed 002's three warehouses, five distinct random items a cart, one unit
 * each, as in the cart-5-lines scenario. Prints µs per plan for five rounds of 50,000 plans (the
 * first includes JIT warm-up).
 */
const ITEMS = 10_000;
const LINES = 5;
const ROUNDS = 5;
const PLANS_PER_ROUND = 50_000;

const strategy = (process.argv[2] ?? 'balanced') as AllocationStrategyName;
if (!ALLOCATION_STRATEGIES.includes(strategy)) {
  throw new Error(`unknown strategy ${strategy}; one of ${ALLOCATION_STRATEGIES.join(', ')}`);
}

const WAREHOUSES = [
  {
    warehouseId: 'wh-sp-001',
    priority: 1,
    latitude: -23.55,
    longitude: -46.63,
    postalPrefixes: ['0'],
  },
  {
    warehouseId: 'wh-rj-001',
    priority: 2,
    latitude: -22.91,
    longitude: -43.17,
    postalPrefixes: ['2'],
  },
  {
    warehouseId: 'wh-pr-001',
    priority: 1,
    latitude: -25.43,
    longitude: -49.27,
    postalPrefixes: ['8'],
  },
];

const productIds: string[] = [];
const items = new Map<string, CartItemRecord>();
const options = new Map<string, WarehouseOptionRecord[]>();
for (let n = 1; n <= ITEMS; n++) {
  const productId = `cart${String(n).padStart(7, '0')}`;
  const id = crypto.randomUUID();
  productIds.push(productId);
  items.set(productId, cartItemRecord(productId, { id }));
  options.set(
    id,
    WAREHOUSES.map((w) => ({ itemId: id, ...w, stocked: true, available: 1_000_000 })),
  );
}

const sources = {
  items: {
    resolve: async (refs: readonly { productId?: string }[]) =>
      refs.map((r) => items.get(r.productId ?? '')),
  },
  warehouseOptions: async (itemIds: readonly string[]) =>
    itemIds.flatMap((id) => options.get(id) ?? []),
};
// Carts without kits or named warehouses never ask the unit of work.
const noUnitOfWork = {} as UnitOfWork;

function cart() {
  const picked = new Set<string>();
  while (picked.size < LINES) {
    picked.add(productIds[Math.floor(Math.random() * ITEMS)] as string);
  }
  return [...picked].map((productId) => ({ ref: { productId }, quantity: 1 }));
}

process.stdout.write(
  `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}); node ${process.version}\n` +
    `command: node bench/plan-cart.ts ${strategy}\n`,
);
for (let round = 1; round <= ROUNDS; round++) {
  const started = performance.now();
  for (let i = 0; i < PLANS_PER_ROUND; i++) {
    const plan = await planCart(
      noUnitOfWork,
      { lines: cart(), strategy, allowSplit: true },
      sources,
    );
    if (!plan.ok) {
      throw new Error(`a plan failed: ${JSON.stringify(plan.failures)}`);
    }
  }
  const micros = ((performance.now() - started) * 1000) / PLANS_PER_ROUND;
  process.stdout.write(`round ${round}: ${micros.toFixed(1)} µs per ${LINES}-line plan\n`);
}
