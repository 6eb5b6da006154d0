import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCartItemCache } from '../../src/app/cart-item-cache.ts';
import { checkCart } from '../../src/app/check-availability.ts';
import { createKeyChecker } from '../../src/app/key-checker.ts';
import type { AllocationRepository, AppDeps, PlannedReservation } from '../../src/app/ports.ts';
import { type ReserveCommand, reserveStock } from '../../src/app/reserve-stock.ts';
import { createWarehouseOptionsCache } from '../../src/app/warehouse-options-cache.ts';
import { createWarehouseStates } from '../../src/app/warehouse-states.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { insertItem, insertWarehouses, stock } from '../factories/catalog.factory.ts';
import { initProduct } from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/**
 * The end of a flash sale: the SKU has sold out and buyers keep trying, and storefronts keep
 * asking what they could buy. A refusal must not cost more than a sale did, so refusals are
 * decided without a read per request where the answer is already known, and the reads that remain
 * are shared; a check plans from the caches as a reservation does.
 */
const t = useTestService();

/**
 * The service's dependencies with fresh caches over an allocation repository that counts its
 * reads, and the batches recorded.
 */
function counted() {
  const real = t.service.deps.reader.allocation;
  const reads = { items: 0, options: 0, states: 0 };
  const allocation: AllocationRepository = {
    ...real,
    findCartItems: (refs) => {
      reads.items++;
      return real.findCartItems(refs);
    },
    findWarehouseOptions: (itemIds) => {
      reads.options++;
      return real.findWarehouseOptions(itemIds);
    },
    findWarehouseStates: (ids) => {
      reads.states++;
      return real.findWarehouseStates(ids);
    },
  };
  const submitted: PlannedReservation[] = [];
  const deps: AppDeps = {
    ...t.service.deps,
    reader: { ...t.service.deps.reader, allocation },
    cartItems: createCartItemCache(allocation, { ttlMs: 30_000, entriesMax: 100 }),
    warehouseOptions: createWarehouseOptionsCache(allocation, { ttlMs: 5_000, entriesMax: 100 }),
    warehouseStates: createWarehouseStates(allocation),
    reservationBatcher: {
      submit: (planned) => {
        submitted.push(planned);
        return t.service.deps.reservationBatcher.submit(planned);
      },
      idle: () => t.service.deps.reservationBatcher.idle(),
    },
  };
  const reset = () => {
    reads.items = 0;
    reads.options = 0;
    reads.states = 0;
    submitted.length = 0;
  };
  return { deps, reads, submitted, reset };
}

const context = { actor: 'test', correlationId: undefined };

async function itemIdOf(productId: string): Promise<string> {
  const rows = await t.db.query<{ id: string }>('SELECT id FROM items WHERE product_id = $1', [
    productId,
  ]);
  assert.ok(rows[0] !== undefined, `no item ${productId}`);
  return rows[0].id;
}

/** The refusal reserveStock threw, as the error envelope would carry it. */
async function refusal(deps: AppDeps, command: ReserveCommand) {
  try {
    await reserveStock(deps, command, context);
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return { code: error.code, message: error.message, details: error.details };
  }
  assert.fail('the reservation was held');
}

function oneLine(productId: string, orderId: string, warehouseId?: string): ReserveCommand {
  return {
    orderId,
    lines: [{ ref: { productId, variantId: '' }, quantity: 1, warehouseId }],
  };
}

test('a one-line request on a sold-out stock level is refused by its batch alone, as the plan words it', async () => {
  await initProduct(t, 'so-1', 1);
  const { deps, reads, submitted, reset } = counted();
  await reserveStock(deps, oneLine('so-1', 'o-held', 'default'), context);
  // The first refusal finds the stock level unknown to this instance, so it is planned again
  // from the tables, which words it.
  const planned = await refusal(deps, oneLine('so-1', 'o-0', 'default'));
  assert.equal(planned.code, 'INSUFFICIENT_STOCK');
  assert.deepEqual(planned.details, {
    productId: 'so-1',
    requested: 1,
    available: 0,
    lines: [
      {
        line: 1,
        code: 'INSUFFICIENT_STOCK',
        message: 'insufficient stock for product so-1: requested 1, available 0',
        productId: 'so-1',
        requested: 1,
        available: 0,
      },
    ],
  });
  assert.ok(reads.options > 0, 'the plan read the warehouse options');
  reset();
  for (const orderId of ['o-1', 'o-2', 'o-3']) {
    assert.deepEqual(await refusal(deps, oneLine('so-1', orderId, 'default')), planned);
  }
  assert.deepEqual(reads, { items: 0, options: 0, states: 0 }, 'no read for a known refusal');
  assert.equal(submitted.length, 3, 'one batch each');
  await t.assertBooksBalance();
});

test('a sold-out cart pinned to warehouses still names every line it cannot serve', async () => {
  await initProduct(t, 'so-2a', 1);
  await initProduct(t, 'so-2b', 1);
  const { deps } = counted();
  await reserveStock(deps, oneLine('so-2a', 'o-a', 'default'), context);
  await reserveStock(deps, oneLine('so-2b', 'o-b', 'default'), context);
  // Each refused alone first, so both stock levels are known to this instance.
  await refusal(deps, oneLine('so-2a', 'o-a2', 'default'));
  await refusal(deps, oneLine('so-2b', 'o-b2', 'default'));
  for (const productId of ['so-2a', 'so-2b']) {
    assert.ok(deps.warehouseOptions.knowsStockLevel(await itemIdOf(productId), 'default'));
  }
  const cart: ReserveCommand = {
    orderId: 'o-both',
    lines: ['so-2a', 'so-2b'].map((productId) => ({
      ref: { productId, variantId: '' },
      quantity: 1,
      warehouseId: 'default',
    })),
  };
  const refused = await refusal(deps, cart);
  assert.equal(refused.code, 'INSUFFICIENT_STOCK');
  const lines = refused.details?.lines as { line: number; productId: string }[] | undefined;
  assert.deepEqual(
    lines?.map((l) => [l.line, l.productId]),
    [
      [1, 'so-2a'],
      [2, 'so-2b'],
    ],
  );
});

test('concurrent refusals of a sold-out product share the reads that re-check them', async () => {
  await insertWarehouses(t.db, [
    { id: 'so-w1', priority: 1 },
    { id: 'so-w2', priority: 2 },
  ]);
  await insertItem(t.db, { productId: 'so-3' });
  await stock(t.db, 'so-3', { 'so-w1': 0, 'so-w2': 0 });
  const { deps, reads } = counted();
  const refusals = await Promise.all(
    Array.from({ length: 12 }, (_, i) => refusal(deps, oneLine('so-3', `o-${i}`))),
  );
  assert.ok(refusals.every((r) => r.code === 'INSUFFICIENT_STOCK'));
  // Each request plans from the cache, then again from the tables after the refusal; alone, that
  // is two reads of items and options each, 24 of each for twelve.
  assert.ok(reads.items <= 6, `${reads.items} item reads for 12 refusals`);
  assert.ok(reads.options <= 6, `${reads.options} option reads for 12 refusals`);
});

test('concurrent keyed refusals ask their keys together, with no transaction of their own', async () => {
  await insertWarehouses(t.db, [{ id: 'so-w1', priority: 1 }]);
  await insertItem(t.db, { productId: 'so-4' });
  await stock(t.db, 'so-4', { 'so-w1': 0 });
  const { deps } = counted();
  const statements: string[][] = [];
  let transactions = 0;
  const keyed: AppDeps = {
    ...deps,
    tx: {
      run: (work) => {
        transactions++;
        return t.service.deps.tx.run(work);
      },
    },
    keyChecker: createKeyChecker({
      checkKeys: (scope, keys) => {
        statements.push([...keys]);
        return t.service.deps.reader.idempotency.checkKeys(scope, keys);
      },
    }),
  };
  const refusals = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      refusal(keyed, { ...oneLine('so-4', `o-k-${i}`), idempotencyKey: `so-4-key-${i}` }),
    ),
  );
  assert.ok(refusals.every((r) => r.code === 'INSUFFICIENT_STOCK'));
  assert.equal(transactions, 0);
  assert.equal(statements.flat().length, 12, 'every key asked once');
  assert.ok(statements.length <= 6, `${statements.length} statements for 12 keys`);
  const keys = await t.db.query("SELECT 1 FROM idempotency_keys WHERE key LIKE 'so-4-key-%'");
  assert.equal(keys.length, 0, 'the keys stay free');
});

test('available-to-promise checks plan from the caches; a refusal there is checked against the tables', async () => {
  await insertWarehouses(t.db, [{ id: 'so-w1', priority: 1 }]);
  await insertItem(t.db, { productId: 'so-5' });
  await stock(t.db, 'so-5', { 'so-w1': 0 });
  const { deps, reads, reset } = counted();
  const check = () =>
    checkCart(deps, {
      lines: [{ ref: { productId: 'so-5', variantId: '' }, quantity: 2 }],
      strategy: 'priority',
      allowSplit: true,
    });
  assert.equal((await check()).ok, false);
  // Stock arrives behind the caches' back (another instance, say): the cached figure says 0, and
  // the refusal made from it is made again from the tables.
  await t.db.query(
    `UPDATE stock_levels SET on_hand = 5
     WHERE warehouse_id = 'so-w1' AND item_id = (SELECT id FROM items WHERE product_id = 'so-5')`,
  );
  await t.db.query(
    `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor, reason)
     SELECT id, 'so-w1', 'RECEIPT', 5, 'test', 'behind the cache' FROM items WHERE product_id = 'so-5'`,
  );
  reset();
  const fresh = await check();
  assert.ok(fresh.ok);
  assert.equal(fresh.allocations[0]?.warehouseId, 'so-w1');
  assert.ok(reads.options > 0, 'the refusal was checked against the tables');
  // Now cached as available: later checks read nothing.
  reset();
  for (let i = 0; i < 5; i++) {
    assert.ok((await check()).ok);
  }
  assert.deepEqual(reads, { items: 0, options: 0, states: 0 });
});

test('a paused sale: concurrent refusals of a blocked SKU share every read that re-checks them', async () => {
  await initProduct(t, 'so-6', 10);
  await t.db.query("UPDATE items SET sales_blocked = true WHERE product_id = 'so-6'");
  const { deps, reads } = counted();
  const refusals = await Promise.all(
    Array.from({ length: 12 }, (_, i) => refusal(deps, oneLine('so-6', `o-b-${i}`, 'default'))),
  );
  assert.ok(refusals.every((r) => r.code === 'SALES_BLOCKED'));
  // Each request plans from the caches and again from the tables, naming its warehouse: alone,
  // two reads of the warehouse's state each, 24 for twelve.
  assert.ok(reads.states <= 6, `${reads.states} warehouse-state reads for 12 refusals`);
  assert.ok(reads.items <= 6, `${reads.items} item reads for 12 refusals`);
});
