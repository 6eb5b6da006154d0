import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backdateExpiry, initProduct, reserve, stockOf } from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/** Seed 000's REST API: every route, status code and error code, with the seed's field names. */
const t = useTestService();

describe('GET /health', () => {
  test('answers 200 with the database up', async () => {
    const response = await t.request('GET', '/health');
    assert.equal(response.status, 200);
    assert.equal(response.body.success, true);
    assert.equal(response.body.data.status, 'ok');
    assert.equal(response.body.data.database, 'up');
  });
});

describe('POST /inventory/init', () => {
  test('creates inventory and answers 201 with the seed fields', async () => {
    const response = await t.request('POST', '/inventory/init', {
      productId: 'init-1',
      quantity: 100,
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.success, true);
    assert.equal(response.body.message, 'Inventory initialized');
    const data = response.body.data;
    assert.deepEqual(Object.keys(data).sort(), [
      'availableQuantity',
      'createdAt',
      'productId',
      'reservedQuantity',
      'updatedAt',
    ]);
    assert.equal(data.productId, 'init-1');
    assert.equal(data.availableQuantity, 100);
    assert.equal(data.reservedQuantity, 0);
    assert.ok(!Number.isNaN(Date.parse(data.createdAt)));
  });

  test('accepts an opening quantity of zero', async () => {
    const response = await t.request('POST', '/inventory/init', {
      productId: 'init-zero',
      quantity: 0,
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.data.availableQuantity, 0);
  });

  test('refuses to overwrite an existing product with 409 INVENTORY_ALREADY_EXISTS', async () => {
    await initProduct(t, 'init-2', 10);
    await reserve(t, 'init-2', 4);
    const again = await t.request('POST', '/inventory/init', {
      productId: 'init-2',
      quantity: 500,
    });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body.success, false);
    assert.equal(again.body.error?.code, 'INVENTORY_ALREADY_EXISTS');
    const stock = await stockOf(t, 'init-2');
    assert.equal(stock.availableQuantity, 6);
    assert.equal(stock.reservedQuantity, 4);
  });
});

describe('GET /inventory/:productId', () => {
  test('returns available and reserved quantities', async () => {
    await initProduct(t, 'get-1', 7);
    await reserve(t, 'get-1', 2);
    const response = await t.request('GET', '/inventory/get-1');
    assert.equal(response.status, 200);
    assert.equal(response.body.data.productId, 'get-1');
    assert.equal(response.body.data.availableQuantity, 5);
    assert.equal(response.body.data.reservedQuantity, 2);
  });

  test('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
    const response = await t.request('GET', '/inventory/nope-404');
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'PRODUCT_NOT_FOUND');
  });

  // Concurrent reads share their queries (src/app/product-stock-reader.ts): each answer must
  // still be its own product's, whatever else was read with it.
  test('64 reads in parallel over 6 products, an unknown one and a variant-only one', async () => {
    for (let n = 1; n <= 6; n++) {
      await initProduct(t, `get-par-${n}`, 10 * n);
      await reserve(t, `get-par-${n}`, n, `get-par-order-${n}`);
    }
    // A product with only a variant has no item of its own: not found, like an unknown one.
    await t.db.query(
      "INSERT INTO items (id, product_id, variant_id) VALUES (gen_random_uuid(), 'get-par-v', 'red')",
    );
    const asked = Array.from({ length: 64 }, (_, i) =>
      i % 8 === 6 ? 'get-par-none' : i % 8 === 7 ? 'get-par-v' : `get-par-${1 + (i % 8)}`,
    );
    const answers = await Promise.all(asked.map((id) => t.request('GET', `/inventory/${id}`)));
    answers.forEach((answer, i) => {
      const productId = asked[i] ?? '';
      if (!/^get-par-\d$/.test(productId)) {
        assert.equal(answer.status, 404, `${productId}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error?.code, 'PRODUCT_NOT_FOUND');
        return;
      }
      const n = Number(productId.slice('get-par-'.length));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.data.productId, productId);
      assert.equal(answer.body.data.availableQuantity, 9 * n);
      assert.equal(answer.body.data.reservedQuantity, n);
    });
  });
});

describe('POST /inventory/add-stock', () => {
  test('adds to available stock', async () => {
    await initProduct(t, 'add-1', 100);
    const response = await t.request('POST', '/inventory/add-stock', {
      productId: 'add-1',
      quantity: 50,
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.message, 'Stock added');
    assert.equal(response.body.data.availableQuantity, 150);
  });

  test('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
    const response = await t.request('POST', '/inventory/add-stock', {
      productId: 'add-none',
      quantity: 5,
    });
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'PRODUCT_NOT_FOUND');
  });

  test('refuses to pass the on-hand ceiling with 422 STOCK_LIMIT_EXCEEDED', async () => {
    await initProduct(t, 'add-max', 1_000_000_000_000);
    const response = await t.request('POST', '/inventory/add-stock', {
      productId: 'add-max',
      quantity: 1,
    });
    assert.equal(response.status, 422);
    assert.equal(response.body.error?.code, 'STOCK_LIMIT_EXCEEDED');
    assert.equal((await stockOf(t, 'add-max')).availableQuantity, 1_000_000_000_000);
  });
});

describe('POST /inventory/reserve', () => {
  test('holds stock and answers 201 with the seed reservation fields', async () => {
    await initProduct(t, 'res-1', 10);
    const response = await t.request('POST', '/inventory/reserve', {
      productId: 'res-1',
      orderId: 'order-456',
      quantity: 3,
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.message, 'Stock reserved');
    const data = response.body.data;
    assert.deepEqual(Object.keys(data).sort(), [
      'createdAt',
      'expiresAt',
      'orderId',
      'productId',
      'quantity',
      'reservationId',
      'status',
    ]);
    assert.match(data.reservationId, /^[0-9a-f-]{36}$/);
    assert.equal(data.productId, 'res-1');
    assert.equal(data.orderId, 'order-456');
    assert.equal(data.quantity, 3);
    assert.equal(data.status, 'RESERVED');
    const ttlMs = Date.parse(data.expiresAt) - Date.parse(data.createdAt);
    assert.equal(ttlMs, t.config.reservationTtlMs);
    const stock = await stockOf(t, 'res-1');
    assert.equal(stock.availableQuantity, 7);
    assert.equal(stock.reservedQuantity, 3);
  });

  test('answers 409 INSUFFICIENT_STOCK and holds nothing when too few are available', async () => {
    await initProduct(t, 'res-2', 2);
    const response = await t.request('POST', '/inventory/reserve', {
      productId: 'res-2',
      orderId: 'o',
      quantity: 3,
    });
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'INSUFFICIENT_STOCK');
    assert.equal(response.body.error?.details?.available, 2);
    assert.equal((await stockOf(t, 'res-2')).reservedQuantity, 0);
  });

  test('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
    const response = await t.request('POST', '/inventory/reserve', {
      productId: 'res-none',
      orderId: 'o',
      quantity: 1,
    });
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'PRODUCT_NOT_FOUND');
  });
});

describe('POST /inventory/release', () => {
  test('returns the units to available and answers RELEASED', async () => {
    await initProduct(t, 'rel-1', 10);
    const id = await reserve(t, 'rel-1', 4);
    const response = await t.request('POST', '/inventory/release', { reservationId: id });
    assert.equal(response.status, 200);
    assert.equal(response.body.message, 'Reservation released');
    assert.equal(response.body.data.status, 'RELEASED');
    assert.equal(response.body.data.reservationId, id);
    const stock = await stockOf(t, 'rel-1');
    assert.equal(stock.availableQuantity, 10);
    assert.equal(stock.reservedQuantity, 0);
  });

  test('answers 409 RESERVATION_ALREADY_RELEASED the second time', async () => {
    await initProduct(t, 'rel-2', 10);
    const id = await reserve(t, 'rel-2', 4);
    await t.request('POST', '/inventory/release', { reservationId: id });
    const again = await t.request('POST', '/inventory/release', { reservationId: id });
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'RESERVATION_ALREADY_RELEASED');
    assert.equal((await stockOf(t, 'rel-2')).availableQuantity, 10);
  });

  test('answers 409 RESERVATION_ALREADY_DEDUCTED after a deduct', async () => {
    await initProduct(t, 'rel-3', 10);
    const id = await reserve(t, 'rel-3', 4);
    await t.request('POST', '/inventory/deduct', { reservationId: id });
    const response = await t.request('POST', '/inventory/release', { reservationId: id });
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'RESERVATION_ALREADY_DEDUCTED');
    assert.equal((await stockOf(t, 'rel-3')).availableQuantity, 6);
  });

  test('answers 404 RESERVATION_NOT_FOUND for an unknown id', async () => {
    const response = await t.request('POST', '/inventory/release', {
      reservationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    });
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'RESERVATION_NOT_FOUND');
  });

  test('releases a reservation past its expiry that the sweeper has not reached', async () => {
    await initProduct(t, 'rel-4', 5);
    const id = await reserve(t, 'rel-4', 5);
    await backdateExpiry(t, id);
    const response = await t.request('POST', '/inventory/release', { reservationId: id });
    assert.equal(response.status, 200);
    assert.equal((await stockOf(t, 'rel-4')).availableQuantity, 5);
  });
});

describe('POST /inventory/deduct', () => {
  test('removes the units from stock for good and answers DEDUCTED', async () => {
    await initProduct(t, 'ded-1', 10);
    const id = await reserve(t, 'ded-1', 3);
    const response = await t.request('POST', '/inventory/deduct', { reservationId: id });
    assert.equal(response.status, 200);
    assert.equal(response.body.message, 'Reservation deducted');
    assert.equal(response.body.data.status, 'DEDUCTED');
    const stock = await stockOf(t, 'ded-1');
    assert.equal(stock.availableQuantity, 7);
    assert.equal(stock.reservedQuantity, 0);
  });

  test('answers 409 RESERVATION_ALREADY_DEDUCTED the second time', async () => {
    await initProduct(t, 'ded-2', 10);
    const id = await reserve(t, 'ded-2', 3);
    await t.request('POST', '/inventory/deduct', { reservationId: id });
    const again = await t.request('POST', '/inventory/deduct', { reservationId: id });
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'RESERVATION_ALREADY_DEDUCTED');
    assert.equal((await stockOf(t, 'ded-2')).availableQuantity, 7);
  });

  test('answers 409 RESERVATION_ALREADY_RELEASED after a release', async () => {
    await initProduct(t, 'ded-3', 10);
    const id = await reserve(t, 'ded-3', 3);
    await t.request('POST', '/inventory/release', { reservationId: id });
    const response = await t.request('POST', '/inventory/deduct', { reservationId: id });
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'RESERVATION_ALREADY_RELEASED');
  });

  test('answers 404 RESERVATION_NOT_FOUND for an unknown id', async () => {
    const response = await t.request('POST', '/inventory/deduct', {
      reservationId: '00000000-0000-4000-8000-000000000000',
    });
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'RESERVATION_NOT_FOUND');
  });

  test('refuses a reservation past its expiry with 409 RESERVATION_EXPIRED, even before the sweep', async () => {
    await initProduct(t, 'ded-4', 10);
    const id = await reserve(t, 'ded-4', 3);
    await backdateExpiry(t, id);
    const response = await t.request('POST', '/inventory/deduct', { reservationId: id });
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'RESERVATION_EXPIRED');
    // Still held until the sweeper (or a release) returns it; never deducted.
    assert.equal((await stockOf(t, 'ded-4')).reservedQuantity, 3);
    assert.equal(await t.service.expiryWorker.sweep(), 1);
    assert.equal((await stockOf(t, 'ded-4')).availableQuantity, 10);
    const afterSweep = await t.request('POST', '/inventory/deduct', { reservationId: id });
    assert.equal(afterSweep.body.error?.code, 'RESERVATION_EXPIRED');
  });
});

describe('unknown routes', () => {
  test('answer 404 ROUTE_NOT_FOUND in the error envelope', async () => {
    const response = await t.request('GET', '/inventory/a/b');
    assert.equal(response.status, 404);
    assert.equal(response.body.success, false);
    assert.equal(response.body.error?.code, 'ROUTE_NOT_FOUND');
  });
});

describe('items without stock', () => {
  test('an item with no stock level yet reads as zeros, not an error', async () => {
    await t.db.query(
      "INSERT INTO items (id, product_id) VALUES ('6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b', 'no-stock-yet')",
    );
    const response = await t.request('GET', '/inventory/no-stock-yet');
    assert.equal(response.status, 200);
    assert.equal(response.body.data.availableQuantity, 0);
    assert.equal(response.body.data.reservedQuantity, 0);
    const reserve = await t.request('POST', '/inventory/reserve', {
      productId: 'no-stock-yet',
      orderId: 'o',
      quantity: 1,
    });
    assert.equal(reserve.status, 409);
    assert.equal(reserve.body.error?.code, 'INSUFFICIENT_STOCK');
  });
});

describe('sales blocks on the hot path', () => {
  test('a block applies at once, even to an item the reservation cache has just read', async () => {
    await initProduct(t, 'block-hot', 10);
    await reserve(t, 'block-hot', 1);
    const blocked = await t.request('POST', '/admin/products/block-hot/block-sales', {
      reason: 'recall',
    });
    assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
    const refused = await t.request('POST', '/inventory/reserve', {
      productId: 'block-hot',
      orderId: 'o',
      quantity: 1,
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'SALES_BLOCKED');
    assert.equal((await stockOf(t, 'block-hot')).reservedQuantity, 1);
    await t.request('POST', '/admin/products/block-hot/unblock-sales');
    assert.equal(
      (
        await t.request('POST', '/inventory/reserve', {
          productId: 'block-hot',
          orderId: 'o',
          quantity: 1,
        })
      ).status,
      201,
    );
  });
});

describe('sales unblocked on the hot path', () => {
  test('an unblock applies at once, even to an item the cache read while it was blocked', async () => {
    await initProduct(t, 'unblock-hot', 10);
    await t.request('POST', '/admin/products/unblock-hot/block-sales', { reason: 'recall' });
    const cart = { items: [{ product_id: 'unblock-hot', quantity: 1 }] };
    const refused = await t.request('POST', '/inventory/reserve', {
      productId: 'unblock-hot',
      orderId: 'o',
      quantity: 1,
    });
    assert.equal(refused.body.error?.code, 'SALES_BLOCKED');
    const refusedCart = await t.request('POST', '/api/inventory/reservations', {
      order_id: 'o',
      ...cart,
    });
    assert.equal(refusedCart.body.error?.code, 'SALES_BLOCKED');
    await t.request('POST', '/admin/products/unblock-hot/unblock-sales');
    const held = await t.request('POST', '/inventory/reserve', {
      productId: 'unblock-hot',
      orderId: 'o',
      quantity: 1,
    });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    const heldCart = await t.request('POST', '/api/inventory/reservations', {
      order_id: 'o2',
      ...cart,
    });
    assert.equal(heldCart.status, 201, JSON.stringify(heldCart.body));
    assert.equal((await stockOf(t, 'unblock-hot')).reservedQuantity, 2);
  });
});

describe('request ids and actors', () => {
  test('X-Request-Id is echoed and recorded on the ledger; an over-long one is replaced', async () => {
    const response = await t.request(
      'POST',
      '/inventory/init',
      { productId: 'rid-1', quantity: 5 },
      { 'x-request-id': 'req-abc-123', 'x-actor': 'buyer-7' },
    );
    assert.equal(response.status, 201);
    assert.equal(response.headers['x-request-id'], 'req-abc-123');
    const rows = await t.db.query<{ correlation_id: string; actor: string }>(
      `SELECT m.correlation_id, m.actor FROM stock_movements m JOIN items i ON i.id = m.item_id
       WHERE i.product_id = 'rid-1'`,
    );
    assert.deepEqual(rows, [{ correlation_id: 'req-abc-123', actor: 'buyer-7' }]);
    const long = await t.request('GET', '/inventory/rid-1', undefined, {
      'x-request-id': 'x'.repeat(129),
    });
    assert.match(String(long.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});
