import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  insertItem,
  insertWarehouses,
  SEED002_WAREHOUSES,
  stock,
} from '../factories/catalog.factory.ts';
import { adjust } from '../helpers/catalog-client.ts';
import { backdateExpiry } from '../helpers/inventory-client.ts';
import { type ApiBody, useTestService } from '../helpers/test-service.ts';

/** Seed 002's reservation API: carts, allocation, kits, backorders and the whole lifecycle. */
const t = useTestService({ ALLOCATION_STRATEGY: 'priority' }, (service) =>
  insertWarehouses(service.db, SEED002_WAREHOUSES),
);

async function reserveCart(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return t.request(
    'POST',
    '/api/inventory/reservations',
    { order_id: 'order-1', ...body },
    headers,
  );
}

async function availability(productId: string): Promise<ApiBody['data']> {
  const response = await t.request('GET', `/api/inventory/products/${productId}/availability`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

function warehouseOf(data: ApiBody['data'], warehouseId: string) {
  return (
    data.warehouses as {
      warehouse_id: string;
      available: number;
      reserved: number;
      committed: number;
      on_hand: number;
      backordered: number;
    }[]
  ).find((w) => w.warehouse_id === warehouseId);
}

describe('allocation', () => {
  test('a cart is held across warehouses by the chosen strategy, with the reason for each', async () => {
    await insertItem(t.db, { productId: 'al-a' });
    await insertItem(t.db, { productId: 'al-b' });
    await stock(t.db, 'al-a', { 'wh-sp-001': 10, 'wh-rj-001': 10, 'wh-pr-001': 10 });
    await stock(t.db, 'al-b', { 'wh-rj-001': 4 });
    const response = await reserveCart({
      items: [
        { product_id: 'al-a', quantity: 3 },
        { product_id: 'al-b', quantity: 2 },
      ],
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const data = response.body.data;
    assert.equal(data.status, 'ACTIVE');
    assert.equal(data.order_id, 'order-1');
    assert.equal(data.allocation_strategy, 'priority');
    assert.equal(data.items.length, 2);
    assert.deepEqual(
      data.items[0].allocations.map((a: { warehouse_id: string; quantity: number }) => [
        a.warehouse_id,
        a.quantity,
      ]),
      [['wh-pr-001', 3]],
    );
    assert.match(data.items[0].allocations[0].reason, /priority 1/);
    assert.deepEqual(
      data.items[1].allocations.map((a: { warehouse_id: string }) => a.warehouse_id),
      ['wh-rj-001'],
    );
    const a = await availability('al-a');
    assert.equal(a.available, 27);
    assert.equal(warehouseOf(a, 'wh-pr-001')?.reserved, 3);
  });

  test('a line no single warehouse covers is split, and the split is shown', async () => {
    await insertItem(t.db, { productId: 'al-split' });
    await stock(t.db, 'al-split', { 'wh-sp-001': 4, 'wh-rj-001': 5, 'wh-pr-001': 2 });
    const response = await reserveCart({ items: [{ product_id: 'al-split', quantity: 10 }] });
    assert.equal(response.status, 201);
    assert.deepEqual(
      response.body.data.items[0].allocations.map(
        (a: { warehouse_id: string; quantity: number }) => [a.warehouse_id, a.quantity],
      ),
      [
        ['wh-pr-001', 2],
        ['wh-sp-001', 4],
        ['wh-rj-001', 4],
      ],
    );
  });

  test('allow_split=false refuses what only a split could serve', async () => {
    await insertItem(t.db, { productId: 'al-nosplit' });
    await stock(t.db, 'al-nosplit', { 'wh-sp-001': 4, 'wh-rj-001': 5 });
    const response = await reserveCart({
      items: [{ product_id: 'al-nosplit', quantity: 8 }],
      allow_split: false,
    });
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'INSUFFICIENT_STOCK');
    assert.equal(response.body.error?.details?.available, 5);
  });

  test('proximity to a postal code picks the warehouse serving it', async () => {
    await insertItem(t.db, { productId: 'al-near' });
    await stock(t.db, 'al-near', { 'wh-sp-001': 10, 'wh-rj-001': 10, 'wh-pr-001': 10 });
    const response = await reserveCart({
      items: [{ product_id: 'al-near', quantity: 1 }],
      strategy: 'proximity',
      destination: { postal_code: '22041-001' },
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.data.items[0].allocations[0].warehouse_id, 'wh-rj-001');
    assert.equal(response.body.data.allocation_strategy, 'proximity');
  });

  test('a named warehouse is the only source; inactive or unknown ones are refused', async () => {
    await insertItem(t.db, { productId: 'al-pin' });
    await stock(t.db, 'al-pin', { 'wh-sp-001': 10, 'wh-rj-001': 1 });
    await insertWarehouses(t.db, [{ id: 'wh-closed', priority: 1, active: false }]);
    const pinned = await reserveCart({
      items: [{ product_id: 'al-pin', quantity: 2, warehouse_id: 'wh-rj-001' }],
    });
    assert.equal(pinned.status, 409);
    assert.equal(pinned.body.error?.code, 'INSUFFICIENT_STOCK');
    const inactive = await reserveCart({
      items: [{ product_id: 'al-pin', quantity: 1, warehouse_id: 'wh-closed' }],
    });
    assert.equal(inactive.status, 409);
    assert.equal(inactive.body.error?.code, 'WAREHOUSE_INACTIVE');
    const unknown = await reserveCart({
      items: [{ product_id: 'al-pin', quantity: 1, warehouse_id: 'wh-none' }],
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error?.code, 'WAREHOUSE_NOT_FOUND');
  });

  test('all or nothing: one short line holds nothing, and every failing line is named', async () => {
    await insertItem(t.db, { productId: 'al-ok' });
    await insertItem(t.db, { productId: 'al-short' });
    await stock(t.db, 'al-ok', { 'wh-sp-001': 10 });
    await stock(t.db, 'al-short', { 'wh-sp-001': 1 });
    const response = await reserveCart({
      items: [
        { product_id: 'al-ok', quantity: 5 },
        { product_id: 'al-short', quantity: 2 },
        { product_id: 'al-missing', quantity: 1 },
      ],
    });
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'PRODUCT_NOT_FOUND');
    const lines = response.body.error?.details?.lines as {
      line: number;
      code: string;
      available?: number;
    }[];
    assert.deepEqual(
      lines.map((l) => [l.line, l.code]),
      [
        [2, 'INSUFFICIENT_STOCK'],
        [3, 'PRODUCT_NOT_FOUND'],
      ],
    );
    assert.equal(lines[0]?.available, 1);
    assert.equal((await availability('al-ok')).available, 10);
  });

  test('blocked and discontinued items are refused', async () => {
    await insertItem(t.db, { productId: 'al-blocked', salesBlocked: true });
    await insertItem(t.db, { productId: 'al-gone', discontinued: true });
    await stock(t.db, 'al-blocked', { 'wh-sp-001': 10 });
    await stock(t.db, 'al-gone', { 'wh-sp-001': 10 });
    const blocked = await reserveCart({ items: [{ product_id: 'al-blocked', quantity: 1 }] });
    assert.equal(blocked.status, 409);
    assert.equal(blocked.body.error?.code, 'SALES_BLOCKED');
    const gone = await reserveCart({ items: [{ product_id: 'al-gone', quantity: 1 }] });
    assert.equal(gone.body.error?.code, 'ITEM_DISCONTINUED');
  });

  test('items may be named by SKU or item id, and lines of one item are summed', async () => {
    const itemId = await insertItem(t.db, { productId: 'al-sku', sku: 'SKU-AL-1' });
    await stock(t.db, 'al-sku', { 'wh-sp-001': 5 });
    const tooMany = await reserveCart({
      items: [
        { sku: 'SKU-AL-1', quantity: 3 },
        { item_id: itemId, quantity: 3 },
      ],
    });
    assert.equal(tooMany.status, 409);
    const fits = await reserveCart({
      items: [
        { sku: 'SKU-AL-1', quantity: 2 },
        { item_id: itemId, quantity: 3 },
      ],
    });
    assert.equal(fits.status, 201);
    assert.equal((await availability('al-sku')).available, 0);
  });

  test('the available-to-promise check plans without holding anything', async () => {
    await insertItem(t.db, { productId: 'al-atp' });
    await stock(t.db, 'al-atp', { 'wh-sp-001': 3, 'wh-rj-001': 3 });
    const check = await t.request('POST', '/api/inventory/reservations/check', {
      items: [{ product_id: 'al-atp', quantity: 5 }],
    });
    assert.equal(check.status, 200);
    assert.equal(check.body.data.available, true);
    assert.equal(check.body.data.items[0].allocations.length, 2);
    const tooMuch = await t.request('POST', '/api/inventory/reservations/check', {
      items: [{ product_id: 'al-atp', quantity: 7 }],
    });
    assert.equal(tooMuch.body.data.available, false);
    assert.equal(tooMuch.body.data.failures[0].code, 'INSUFFICIENT_STOCK');
    assert.equal((await availability('al-atp')).available, 6);
  });
});

describe('kits', () => {
  test('a kit reserves its components, summing a shared component across lines', async () => {
    await insertItem(t.db, { productId: 'kit-c1' });
    await insertItem(t.db, { productId: 'kit-c2' });
    await insertItem(t.db, { productId: 'kit-a', components: { 'kit-c1': 2, 'kit-c2': 1 } });
    await insertItem(t.db, { productId: 'kit-b', components: { 'kit-c1': 1 } });
    await stock(t.db, 'kit-c1', { 'wh-sp-001': 6 });
    await stock(t.db, 'kit-c2', { 'wh-sp-001': 10 });
    assert.equal((await availability('kit-a')).available, 3);
    // 2 x kit-a needs 4 of c1, 3 x kit-b needs 3 more: 7 > 6.
    const cart = {
      items: [
        { product_id: 'kit-a', quantity: 2 },
        { product_id: 'kit-b', quantity: 3 },
      ],
    };
    const refused = await reserveCart(cart);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'INSUFFICIENT_STOCK');
    assert.equal((await availability('kit-c1')).available, 6);
    await t
      .request('POST', '/inventory/add-stock', { productId: 'kit-c1', quantity: 1 })
      .catch(() => undefined);
    await stock(t.db, 'kit-c1', { 'wh-rj-001': 1 });
    const held = await reserveCart(cart);
    assert.equal(held.status, 201, JSON.stringify(held.body));
    const kitLine = held.body.data.items[0];
    assert.equal(kitLine.kit, true);
    assert.equal(kitLine.product_id, 'kit-a');
    assert.equal(kitLine.quantity, 2);
    assert.deepEqual(
      kitLine.components.map((c: { product_id: string; quantity: number }) => [
        c.product_id,
        c.quantity,
      ]),
      [
        ['kit-c1', 4],
        ['kit-c2', 2],
      ],
    );
    assert.equal((await availability('kit-c1')).available, 0);
    assert.equal((await availability('kit-a')).available, 0);
    const cancel = await t.request(
      'POST',
      `/api/inventory/reservations/${held.body.data.id}/cancel`,
    );
    assert.equal(cancel.status, 200);
    assert.equal((await availability('kit-c1')).available, 7);
  });
});

describe('backorders', () => {
  test('an item that allows them is reserved past zero up to its cap, and the units are marked', async () => {
    await insertItem(t.db, { productId: 'bo-1', backorderLimit: 5 });
    await stock(t.db, 'bo-1', { 'wh-sp-001': 3 });
    const first = await reserveCart({ items: [{ product_id: 'bo-1', quantity: 6 }] });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.data.items[0].backordered, 3);
    const overCap = await reserveCart({ items: [{ product_id: 'bo-1', quantity: 3 }] });
    assert.equal(overCap.status, 409);
    assert.equal(overCap.body.error?.code, 'INSUFFICIENT_STOCK');
    assert.equal(overCap.body.error?.details?.available, 2);
    const withinCap = await reserveCart({ items: [{ product_id: 'bo-1', quantity: 2 }] });
    assert.equal(withinCap.status, 201);
    const a = await availability('bo-1');
    assert.equal(a.available, 0);
    assert.equal(warehouseOf(a, 'wh-sp-001')?.backordered, 5);
    // Cancelling gives the backorder room back.
    await t.request('POST', `/api/inventory/reservations/${first.body.data.id}/cancel`);
    assert.equal(warehouseOf(await availability('bo-1'), 'wh-sp-001')?.backordered, 2);
  });

  test('items without a backorder policy never go past zero', async () => {
    await insertItem(t.db, { productId: 'bo-none' });
    await stock(t.db, 'bo-none', { 'wh-sp-001': 1 });
    const response = await reserveCart({ items: [{ product_id: 'bo-none', quantity: 2 }] });
    assert.equal(response.status, 409);
  });

  test('backordered units ship only once stock arrives', async () => {
    await insertItem(t.db, { productId: 'bo-ship', backorderLimit: 10 });
    await stock(t.db, 'bo-ship', { 'wh-sp-001': 1 });
    const held = await reserveCart({ items: [{ product_id: 'bo-ship', quantity: 3 }] });
    const id = held.body.data.id;
    assert.equal(
      (await t.request('POST', `/api/inventory/reservations/${id}/confirm`, {})).status,
      200,
    );
    const early = await t.request('POST', `/api/inventory/reservations/${id}/fulfil`);
    assert.equal(early.status, 409);
    assert.equal(early.body.error?.code, 'INSUFFICIENT_STOCK');
    await stock(t.db, 'bo-ship', {});
    await t.db.query(
      `UPDATE stock_levels SET on_hand = on_hand + 2 WHERE warehouse_id = 'wh-sp-001'
         AND item_id = (SELECT id FROM items WHERE product_id = 'bo-ship')`,
    );
    await t.db.query(
      `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor)
       SELECT id, 'wh-sp-001', 'RECEIPT', 2, 'test' FROM items WHERE product_id = 'bo-ship'`,
    );
    const shipped = await t.request('POST', `/api/inventory/reservations/${id}/fulfil`);
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    assert.equal(shipped.body.data.status, 'FULFILLED');
    const level = warehouseOf(await availability('bo-ship'), 'wh-sp-001');
    assert.equal(level?.on_hand, 0);
    assert.equal(level?.backordered, 0);
  });
});

describe('lifecycle', () => {
  async function held(productId: string, quantity: number, onHand = 10): Promise<string> {
    await insertItem(t.db, { productId });
    await stock(t.db, productId, { 'wh-sp-001': onHand });
    const response = await reserveCart({ items: [{ product_id: productId, quantity }] });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.data.id;
  }

  test('get shows the reservation; an unknown id is 404', async () => {
    const id = await held('lc-get', 2);
    const response = await t.request('GET', `/api/inventory/reservations/${id}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.data.id, id);
    assert.equal(response.body.data.items[0].quantity, 2);
    const missing = await t.request(
      'GET',
      '/api/inventory/reservations/00000000-0000-4000-8000-000000000000',
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error?.code, 'RESERVATION_NOT_FOUND');
  });

  test('confirm moves held units to committed; twice is 409; fulfil ships them', async () => {
    const id = await held('lc-confirm', 4);
    const confirmed = await t.request('POST', `/api/inventory/reservations/${id}/confirm`, {});
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.data.status, 'CONFIRMED');
    assert.ok(confirmed.body.data.confirmed_at);
    let level = warehouseOf(await availability('lc-confirm'), 'wh-sp-001');
    assert.deepEqual([level?.reserved, level?.committed, level?.available], [0, 4, 6]);
    const again = await t.request('POST', `/api/inventory/reservations/${id}/confirm`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'RESERVATION_ALREADY_COMMITTED');
    const shipped = await t.request('POST', `/api/inventory/reservations/${id}/fulfil`);
    assert.equal(shipped.status, 200);
    assert.equal(shipped.body.data.status, 'FULFILLED');
    level = warehouseOf(await availability('lc-confirm'), 'wh-sp-001');
    assert.deepEqual([level?.on_hand, level?.committed, level?.available], [6, 0, 6]);
    const cancel = await t.request('POST', `/api/inventory/reservations/${id}/cancel`);
    assert.equal(cancel.body.error?.code, 'RESERVATION_ALREADY_DEDUCTED');
  });

  test('partial commit keeps fewer units and returns the rest at once', async () => {
    const id = await held('lc-partial', 5);
    const confirmed = await t.request('POST', `/api/inventory/reservations/${id}/confirm`, {
      items: [{ line: 1, quantity: 2 }],
    });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.data.items[0].allocations[0].committed_quantity, 2);
    const level = warehouseOf(await availability('lc-partial'), 'wh-sp-001');
    assert.deepEqual([level?.reserved, level?.committed, level?.available], [0, 2, 8]);
    const tooMany = await held('lc-partial-2', 2);
    const refused = await t.request('POST', `/api/inventory/reservations/${tooMany}/confirm`, {
      items: [{ line: 1, quantity: 3 }],
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error?.field, 'items');
  });

  test('cancel of a confirmed reservation returns its committed units', async () => {
    const id = await held('lc-cancel', 3);
    await t.request('POST', `/api/inventory/reservations/${id}/confirm`, {});
    const cancelled = await t.request('POST', `/api/inventory/reservations/${id}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.data.status, 'CANCELLED');
    const level = warehouseOf(await availability('lc-cancel'), 'wh-sp-001');
    assert.deepEqual([level?.committed, level?.available], [0, 10]);
  });

  test('fulfil of an unconfirmed reservation is 409 RESERVATION_NOT_COMMITTED', async () => {
    const id = await held('lc-early', 1);
    const response = await t.request('POST', `/api/inventory/reservations/${id}/fulfil`);
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'RESERVATION_NOT_COMMITTED');
  });

  test('extend pushes the expiry; an expired one cannot be extended or confirmed', async () => {
    const id = await held('lc-extend', 1);
    const before = await t.request('GET', `/api/inventory/reservations/${id}`);
    const extended = await t.request('POST', `/api/inventory/reservations/${id}/extend`, {
      ttl_seconds: 3600,
    });
    assert.equal(extended.status, 200);
    assert.ok(Date.parse(extended.body.data.expires_at) > Date.parse(before.body.data.expires_at));
    await backdateExpiry(t, id);
    const late = await t.request('POST', `/api/inventory/reservations/${id}/extend`, {
      ttl_seconds: 60,
    });
    assert.equal(late.status, 409);
    assert.equal(late.body.error?.code, 'RESERVATION_EXPIRED');
    const confirm = await t.request('POST', `/api/inventory/reservations/${id}/confirm`, {});
    assert.equal(confirm.body.error?.code, 'RESERVATION_EXPIRED');
  });

  test('the admin expire ends an active reservation now and returns its units', async () => {
    const id = await held('lc-admin', 4);
    const response = await t.request('POST', `/admin/reservations/${id}/expire`);
    assert.equal(response.status, 200);
    assert.equal(response.body.data.status, 'EXPIRED');
    assert.equal((await availability('lc-admin')).available, 10);
    const again = await t.request('POST', `/admin/reservations/${id}/expire`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'RESERVATION_EXPIRED');
  });

  test('ttl_seconds sets the expiry', async () => {
    await insertItem(t.db, { productId: 'lc-ttl' });
    await stock(t.db, 'lc-ttl', { 'wh-sp-001': 1 });
    const response = await reserveCart({
      items: [{ product_id: 'lc-ttl', quantity: 1 }],
      ttl_seconds: 90,
    });
    const data = response.body.data;
    assert.equal(Date.parse(data.expires_at) - Date.parse(data.created_at), 90_000);
  });

  test('an Idempotency-Key replays the first result', async () => {
    await insertItem(t.db, { productId: 'lc-idem' });
    await stock(t.db, 'lc-idem', { 'wh-sp-001': 10 });
    const body = { items: [{ product_id: 'lc-idem', quantity: 2 }] };
    const first = await reserveCart(body, { 'idempotency-key': 'cart-key-1' });
    const second = await reserveCart(body, { 'idempotency-key': 'cart-key-1' });
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal((await availability('lc-idem')).available, 8);
  });
});

describe('validation', () => {
  test('each line names its item exactly one way', async () => {
    const two = await reserveCart({ items: [{ product_id: 'x', sku: 'y', quantity: 1 }] });
    assert.equal(two.status, 400);
    assert.equal(two.body.error?.field, 'items.0');
    const none = await reserveCart({ items: [{ quantity: 1 }] });
    assert.equal(none.status, 400);
    const variantAlone = await reserveCart({ items: [{ sku: 'y', variant_id: 'v', quantity: 1 }] });
    assert.equal(variantAlone.body.error?.field, 'items.0.variant_id');
  });

  test('a destination needs both coordinates; unknown strategies and empty carts are refused', async () => {
    const half = await reserveCart({
      items: [{ product_id: 'x', quantity: 1 }],
      destination: { latitude: 1 },
    });
    assert.equal(half.status, 400);
    assert.equal(half.body.error?.field, 'destination');
    const strategy = await reserveCart({
      items: [{ product_id: 'x', quantity: 1 }],
      strategy: 'random',
    });
    assert.equal(strategy.status, 400);
    const empty = await reserveCart({ items: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error?.field, 'items');
  });
});

describe('carts planned from the allocation cache', () => {
  test('stock moved to another warehouse since the cache read: the cart is held there', async () => {
    await insertItem(t.db, { productId: 'ac-moved' });
    await stock(t.db, 'ac-moved', { 'wh-sp-001': 5, 'wh-rj-001': 0 });
    const first = await reserveCart({ items: [{ product_id: 'ac-moved', quantity: 1 }] });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.data.items[0].allocations[0].warehouse_id, 'wh-sp-001');
    // The cache still says wh-sp-001 has 4; it has none, and wh-rj-001 has 5 now.
    await adjust(t, {
      product_id: 'ac-moved',
      warehouse_id: 'wh-sp-001',
      mode: 'remove',
      quantity: 4,
      reason: 'damage',
    });
    await adjust(t, { product_id: 'ac-moved', warehouse_id: 'wh-rj-001', quantity: 5 });
    const second = await reserveCart({ items: [{ product_id: 'ac-moved', quantity: 1 }] });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.equal(second.body.data.items[0].allocations[0].warehouse_id, 'wh-rj-001');
  });

  test('stock released since the cache read: the cart is held, not refused', async () => {
    await insertItem(t.db, { productId: 'ac-released' });
    await stock(t.db, 'ac-released', { 'wh-sp-001': 1 });
    const held = await reserveCart({ items: [{ product_id: 'ac-released', quantity: 1 }] });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    // The cache now says 0 available (the hold was taken off it); the cancel returns the unit.
    await t.request('POST', `/api/inventory/reservations/${held.body.data.id}/cancel`);
    const again = await reserveCart({ items: [{ product_id: 'ac-released', quantity: 1 }] });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const refused = await reserveCart({ items: [{ product_id: 'ac-released', quantity: 1 }] });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'INSUFFICIENT_STOCK');
    assert.equal(refused.body.error?.details?.available, 0);
  });
});
