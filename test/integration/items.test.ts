import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adjust, createItem, errorOf, getItem } from '../helpers/catalog-client.ts';
import { initProduct, reserve, stockOf } from '../helpers/inventory-client.ts';
import { gate, untilALockIsAwaited } from '../helpers/lock-waits.ts';
import { useTestService } from '../helpers/test-service.ts';

/** The item catalog: create, get by id / SKU / product, update, list, kits, sales blocks. */
const t = useTestService();

async function itemCount(): Promise<number> {
  const rows = await t.db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM items');
  return rows[0]?.n ?? 0;
}

describe('POST /api/inventory/items', () => {
  test('creates an item with its rules, empty stock and a derived status', async () => {
    const response = await t.request('POST', '/api/inventory/items', {
      product_id: 'create-1',
      variant_id: 'red-xl',
      sku: 'CREATE-1-RED-XL',
      name: 'Red shirt XL',
      reorder_point: 5,
      reorder_quantity: 50,
      low_stock_threshold: 8,
      backorder: { allowed: true, limit: 20 },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.body.message, 'Item created');
    const item = response.body.data;
    assert.match(item.id, /^[0-9a-f-]{36}$/);
    assert.equal(item.product_id, 'create-1');
    assert.equal(item.variant_id, 'red-xl');
    assert.equal(item.sku, 'CREATE-1-RED-XL');
    assert.equal(item.name, 'Red shirt XL');
    assert.equal(item.reorder_point, 5);
    assert.equal(item.reorder_quantity, 50);
    assert.equal(item.low_stock_threshold, 8);
    assert.equal(item.effective_low_stock_threshold, 8);
    assert.deepEqual(item.backorder, { allowed: true, limit: 20 });
    assert.equal(item.is_kit, false);
    assert.equal(item.status, 'OUT_OF_STOCK');
    assert.deepEqual(item.components, []);
    assert.deepEqual(item.totals, {
      on_hand: 0,
      reserved: 0,
      committed: 0,
      incoming: 0,
      damaged: 0,
      safety_stock: 0,
      backordered: 0,
      available: 0,
    });
  });

  test('an item of a product without variant is readable through seed 000’s API', async () => {
    const item = await createItem(t, { product_id: 'create-seed000' });
    assert.equal(item.variant_id, '');
    assert.equal(item.sku, null);
    await adjust(t, { item_id: item.id, quantity: 4 });
    assert.equal((await stockOf(t, 'create-seed000')).availableQuantity, 4);
  });

  test('a taken SKU or product + variant answers 409 ITEM_ALREADY_EXISTS and adds nothing', async () => {
    await createItem(t, { product_id: 'dup-1', sku: 'DUP-1' });
    const before = await itemCount();
    const sameSku = await t.request('POST', '/api/inventory/items', {
      product_id: 'dup-other',
      sku: 'DUP-1',
      reorder_point: 0,
      reorder_quantity: 0,
    });
    assert.equal(sameSku.status, 409);
    assert.equal(errorOf(sameSku.body).code, 'ITEM_ALREADY_EXISTS');
    assert.equal(errorOf(sameSku.body).field, 'sku');
    const sameProduct = await t.request('POST', '/api/inventory/items', {
      product_id: 'dup-1',
      sku: 'DUP-1-B',
      reorder_point: 0,
      reorder_quantity: 0,
    });
    assert.equal(sameProduct.status, 409);
    assert.equal(errorOf(sameProduct.body).field, 'product_id');
    assert.equal(await itemCount(), before);
  });

  test('bad input is a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ reorder_point: 0, reorder_quantity: 0 }, 'product_id'],
      [{ product_id: 'bad-1', reorder_quantity: 0 }, 'reorder_point'],
      [{ product_id: 'bad-1', reorder_point: -1, reorder_quantity: 0 }, 'reorder_point'],
      [{ product_id: 'bad-1', reorder_point: 0, reorder_quantity: '5' }, 'reorder_quantity'],
      [{ product_id: 'bad-1', reorder_point: 0, reorder_quantity: 0, sku: 'has space' }, 'sku'],
      [
        { product_id: 'bad-1', reorder_point: 0, reorder_quantity: 0, backorder: { limit: 5 } },
        'backorder.allowed',
      ],
      [
        {
          product_id: 'bad-1',
          reorder_point: 0,
          reorder_quantity: 0,
          backorder: { allowed: false, limit: 5 },
        },
        'backorder.limit',
      ],
      [{ product_id: 'bad-1', reorder_point: 0, reorder_quantity: 0, colour: 'red' }, 'colour'],
    ];
    const before = await itemCount();
    for (const [body, field] of cases) {
      const response = await t.request('POST', '/api/inventory/items', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(errorOf(response.body).code, 'VALIDATION_ERROR');
      assert.equal(errorOf(response.body).field, field, JSON.stringify(response.body));
    }
    assert.equal(await itemCount(), before);
  });
});

describe('kits', () => {
  test('a kit holds no stock; its available is the least of floor(component available / quantity)', async () => {
    const bolt = await createItem(t, { product_id: 'kit-bolt', sku: 'KIT-BOLT' });
    const nut = await createItem(t, { product_id: 'kit-nut', sku: 'KIT-NUT' });
    await adjust(t, { item_id: bolt.id, quantity: 10 });
    await adjust(t, { item_id: nut.id, quantity: 9 });
    const kit = await createItem(t, {
      product_id: 'kit-set',
      sku: 'KIT-SET',
      components: [
        { sku: 'KIT-BOLT', quantity: 4 },
        { item_id: nut.id, quantity: 2 },
      ],
    });
    assert.equal(kit.is_kit, true);
    // bolts: floor(10 / 4) = 2; nuts: floor(9 / 2) = 4.
    assert.equal(kit.totals.available, 2);
    assert.equal(kit.totals.on_hand, 0);
    assert.deepEqual(
      kit.components.map((c: { sku: string; quantity: number }) => [c.sku, c.quantity]).sort(),
      [
        ['KIT-BOLT', 4],
        ['KIT-NUT', 2],
      ],
    );
    const levels = await t.db.query('SELECT 1 FROM stock_levels WHERE item_id = $1', [kit.id]);
    assert.equal(levels.length, 0, 'a kit has no stock level of its own');

    await adjust(t, { item_id: nut.id, mode: 'remove', quantity: 8, reason: 'damage' });
    assert.equal((await getItem(t, kit.id)).totals.available, 0);
    assert.equal((await getItem(t, kit.id)).status, 'OUT_OF_STOCK');
  });

  test('an unusable kit is 422 KIT_INVALID naming the component, and adds nothing', async () => {
    const part = await createItem(t, { product_id: 'kit-part', sku: 'KIT-PART' });
    const other = await createItem(t, { product_id: 'kit-other', sku: 'KIT-OTHER' });
    const nested = await createItem(t, {
      product_id: 'kit-nested',
      components: [{ item_id: part.id, quantity: 1 }],
    });
    const many = Array.from({ length: 51 }, () => ({ item_id: part.id, quantity: 1 }));
    const cases: [unknown[], string][] = [
      [[], 'components'],
      [many, 'components'],
      [[{ sku: 'NO-SUCH-SKU', quantity: 1 }], 'components.0'],
      [[{ item_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }], 'components.0'],
      [
        [
          { item_id: part.id, quantity: 1 },
          { item_id: nested.id, quantity: 1 },
        ],
        'components.1',
      ],
      [
        [
          { item_id: part.id, quantity: 1 },
          { sku: 'KIT-OTHER', quantity: 1 },
          { sku: 'KIT-PART', quantity: 2 },
        ],
        'components.2',
      ],
      [[{ item_id: other.id, quantity: 0 }], 'components.0.quantity'],
      [[{ item_id: other.id, quantity: 1_000_001 }], 'components.0.quantity'],
    ];
    const before = await itemCount();
    for (const [components, field] of cases) {
      const response = await t.request('POST', '/api/inventory/items', {
        product_id: 'kit-invalid',
        reorder_point: 0,
        reorder_quantity: 0,
        components,
      });
      assert.equal(response.status, 422, JSON.stringify(response.body));
      assert.equal(errorOf(response.body).code, 'KIT_INVALID');
      assert.equal(errorOf(response.body).field, field, JSON.stringify(response.body));
    }
    const both = await t.request('POST', '/api/inventory/items', {
      product_id: 'kit-invalid',
      reorder_point: 0,
      reorder_quantity: 0,
      components: [{ item_id: part.id, sku: 'KIT-PART', quantity: 1 }],
    });
    assert.equal(both.status, 400);
    assert.equal(errorOf(both.body).field, 'components.0');
    assert.equal(await itemCount(), before);
  });
});

describe('GET items', () => {
  test('by id, by SKU and by product + variant return the same item', async () => {
    const plain = await createItem(t, { product_id: 'get-p', sku: 'GET-P' });
    const variant = await createItem(t, {
      product_id: 'get-p',
      variant_id: 'blue',
      sku: 'GET-P-B',
    });
    const byId = await t.request('GET', `/api/inventory/items/${variant.id}`);
    const bySku = await t.request('GET', '/api/inventory/items/by-sku/GET-P-B');
    const byProduct = await t.request(
      'GET',
      '/api/inventory/items/by-product/get-p?variant_id=blue',
    );
    for (const response of [byId, bySku, byProduct]) {
      assert.equal(response.status, 200);
      assert.equal(response.body.data.id, variant.id);
    }
    const productItself = await t.request('GET', '/api/inventory/items/by-product/get-p');
    assert.equal(productItself.body.data.id, plain.id);
  });

  test('unknown items are 404 ITEM_NOT_FOUND; a malformed id is 400', async () => {
    for (const url of [
      '/api/inventory/items/00000000-0000-4000-8000-000000000000',
      '/api/inventory/items/by-sku/NOPE',
      '/api/inventory/items/by-product/nope',
      '/api/inventory/items/by-product/get-p?variant_id=nope',
    ]) {
      const response = await t.request('GET', url);
      assert.equal(response.status, 404, url);
      assert.equal(errorOf(response.body).code, 'ITEM_NOT_FOUND');
    }
    const malformed = await t.request('GET', '/api/inventory/items/not-a-uuid');
    assert.equal(malformed.status, 400);
    assert.equal(errorOf(malformed.body).field, 'id');
  });

  test('status follows available against the reorder point, and reserved units are not available', async () => {
    const item = await createItem(t, { product_id: 'status-1', reorder_point: 5 });
    await adjust(t, { item_id: item.id, quantity: 8 });
    assert.equal((await getItem(t, item.id)).status, 'IN_STOCK');
    await reserve(t, 'status-1', 3);
    const low = await getItem(t, item.id);
    assert.equal(low.status, 'LOW_STOCK');
    assert.equal(low.totals.available, 5);
    assert.equal(low.totals.reserved, 3);
  });
});

describe('PATCH /api/inventory/items/:id', () => {
  test('changes only the fields given; null resets the low-stock threshold to the default', async () => {
    const item = await createItem(t, {
      product_id: 'patch-1',
      sku: 'PATCH-1',
      name: 'Old',
      low_stock_threshold: 3,
    });
    const renamed = await t.request('PATCH', `/api/inventory/items/${item.id}`, {
      name: 'New',
      reorder_point: 7,
      backorder: { allowed: true, limit: 4 },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.data.name, 'New');
    assert.equal(renamed.body.data.reorder_point, 7);
    assert.equal(renamed.body.data.sku, 'PATCH-1');
    assert.equal(renamed.body.data.low_stock_threshold, 3);
    assert.deepEqual(renamed.body.data.backorder, { allowed: true, limit: 4 });

    const reset = await t.request('PATCH', `/api/inventory/items/${item.id}`, {
      low_stock_threshold: null,
      sku: 'PATCH-1-NEW',
    });
    assert.equal(reset.body.data.low_stock_threshold, null);
    assert.equal(reset.body.data.effective_low_stock_threshold, t.config.lowStockThreshold);
    assert.equal(reset.body.data.sku, 'PATCH-1-NEW');
    assert.equal(reset.body.data.name, 'New');
  });

  test('discontinued true sets DISCONTINUED; false derives the status again', async () => {
    const item = await createItem(t, { product_id: 'patch-disc' });
    await adjust(t, { item_id: item.id, quantity: 3 });
    const on = await t.request('PATCH', `/api/inventory/items/${item.id}`, { discontinued: true });
    assert.equal(on.body.data.status, 'DISCONTINUED');
    assert.equal(on.body.data.discontinued, true);
    const off = await t.request('PATCH', `/api/inventory/items/${item.id}`, {
      discontinued: false,
    });
    assert.equal(off.body.data.status, 'IN_STOCK');
  });

  test('parallel changes to different fields are all kept', async () => {
    const item = await createItem(t, { product_id: 'patch-race' });
    const url = `/api/inventory/items/${item.id}`;
    await Promise.all([
      t.request('PATCH', url, { name: 'Raced' }),
      t.request('PATCH', url, { reorder_point: 11 }),
      t.request('PATCH', url, { reorder_quantity: 22 }),
      t.request('PATCH', url, { low_stock_threshold: 33 }),
    ]);
    const after = await getItem(t, item.id);
    assert.equal(after.name, 'Raced');
    assert.equal(after.reorder_point, 11);
    assert.equal(after.reorder_quantity, 22);
    assert.equal(after.low_stock_threshold, 33);
  });

  test('refusals: taken SKU 409, unknown item 404, empty or bad body 400; nothing changes', async () => {
    await createItem(t, { product_id: 'patch-a', sku: 'PATCH-A' });
    const b = await createItem(t, { product_id: 'patch-b', sku: 'PATCH-B', name: 'B' });
    const url = `/api/inventory/items/${b.id}`;
    const taken = await t.request('PATCH', url, { sku: 'PATCH-A', name: 'changed' });
    assert.equal(taken.status, 409);
    assert.equal(errorOf(taken.body).code, 'ITEM_ALREADY_EXISTS');
    assert.equal(errorOf(taken.body).field, 'sku');
    const missing = await t.request(
      'PATCH',
      '/api/inventory/items/00000000-0000-4000-8000-000000000000',
      { name: 'x' },
    );
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing.body).code, 'ITEM_NOT_FOUND');
    const empty = await t.request('PATCH', url, {});
    assert.equal(empty.status, 400);
    const kit = await t.request('PATCH', url, { is_kit: true });
    assert.equal(kit.status, 400);
    assert.equal(errorOf(kit.body).field, 'is_kit');
    const limit = await t.request('PATCH', url, { backorder: { allowed: false, limit: 3 } });
    assert.equal(limit.status, 400);
    assert.equal(errorOf(limit.body).field, 'backorder.limit');
    const after = await getItem(t, b.id);
    assert.equal(after.sku, 'PATCH-B');
    assert.equal(after.name, 'B');
    assert.deepEqual(after.backorder, { allowed: false, limit: 0 });
  });
});

describe('GET /api/inventory/items', () => {
  test('filters by product, SKU prefix (taken literally), status and low stock', async () => {
    const a = await createItem(t, { product_id: 'list-p', variant_id: 'a', sku: 'LST_A' });
    const b = await createItem(t, { product_id: 'list-p', variant_id: 'b', sku: 'LST_B' });
    const c = await createItem(t, { product_id: 'list-q', sku: 'LSTXC', reorder_point: 2 });
    await adjust(t, { item_id: a.id, quantity: 100 });
    await adjust(t, { item_id: c.id, quantity: 2 });

    const byProduct = await t.request('GET', '/api/inventory/items?product_id=list-p');
    assert.deepEqual(
      byProduct.body.data.items.map((i: { id: string }) => i.id).sort(),
      [a.id, b.id].sort(),
    );
    // "_" is a LIKE wildcard: the prefix must match it literally, so LSTXC stays out.
    const byPrefix = await t.request('GET', '/api/inventory/items?sku_prefix=LST_');
    assert.deepEqual(byPrefix.body.data.items.map((i: { sku: string }) => i.sku).sort(), [
      'LST_A',
      'LST_B',
    ]);
    const lowOnes = await t.request('GET', '/api/inventory/items?status=LOW_STOCK&sku_prefix=LST');
    assert.deepEqual(
      lowOnes.body.data.items.map((i: { id: string; status: string }) => [i.id, i.status]),
      [[c.id, 'LOW_STOCK']],
    );
    const out = await t.request(
      'GET',
      '/api/inventory/items?status=OUT_OF_STOCK&product_id=list-p',
    );
    assert.deepEqual(
      out.body.data.items.map((i: { id: string }) => i.id),
      [b.id],
    );
    const low = await t.request('GET', '/api/inventory/items?low_stock=true&sku_prefix=LST');
    assert.deepEqual(
      low.body.data.items.map((i: { id: string }) => i.id).sort(),
      [b.id, c.id].sort(),
    );
  });

  test('pages through every item once, in id order, with next_cursor', async () => {
    for (let i = 0; i < 5; i++) {
      await createItem(t, { product_id: `page-${i}`, sku: `PAGE-${i}` });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await t.request(
        'GET',
        `/api/inventory/items?sku_prefix=PAGE-&limit=2${query}`,
      );
      assert.equal(response.status, 200);
      seen.push(...response.body.data.items.map((i: { sku: string }) => i.sku));
      cursor = response.body.data.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), ['PAGE-0', 'PAGE-1', 'PAGE-2', 'PAGE-3', 'PAGE-4']);
    assert.equal(new Set(seen).size, 5);
  });

  test('a limit over 500, an unknown status or a bad cursor is 400', async () => {
    for (const [query, field] of [
      ['limit=501', 'limit'],
      ['limit=0', 'limit'],
      ['status=SOLD_OUT', 'status'],
      ['cursor=abc', 'cursor'],
      ['low_stock=maybe', 'low_stock'],
    ]) {
      const response = await t.request('GET', `/api/inventory/items?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(errorOf(response.body).field, field, query);
    }
  });
});

describe('POST /admin/products/:id/block-sales and /unblock-sales', () => {
  test('blocks and unblocks every item of the product, with the reason', async () => {
    await createItem(t, { product_id: 'block-1', variant_id: 's', sku: 'BLOCK-S' });
    await createItem(t, { product_id: 'block-1', variant_id: 'm', sku: 'BLOCK-M' });
    const other = await createItem(t, { product_id: 'block-2', sku: 'BLOCK-OTHER' });
    const blocked = await t.request('POST', '/admin/products/block-1/block-sales', {
      reason: 'negative stock reconciliation',
    });
    assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
    assert.equal(blocked.body.data.sales_blocked, true);
    assert.equal(blocked.body.data.items.length, 2);
    const item = await t.request('GET', '/api/inventory/items/by-sku/BLOCK-M');
    assert.equal(item.body.data.sales_blocked, true);
    assert.equal(item.body.data.sales_blocked_reason, 'negative stock reconciliation');
    assert.equal((await getItem(t, other.id)).sales_blocked, false);

    const unblocked = await t.request('POST', '/admin/products/block-1/unblock-sales');
    assert.equal(unblocked.status, 200);
    const after = await t.request('GET', '/api/inventory/items/by-sku/BLOCK-M');
    assert.equal(after.body.data.sales_blocked, false);
    assert.equal(after.body.data.sales_blocked_reason, null);
  });

  test('a block that deadlocks with a stock-level-then-item transaction is run again, not a 500', async () => {
    await initProduct(t, 'block-deadlock', 5);
    const rows = await t.db.query<{ id: string }>(
      "SELECT id FROM items WHERE product_id = 'block-deadlock'",
    );
    const itemId = rows[0]?.id;
    assert.ok(itemId !== undefined);
    const hasLevel = gate();
    const mayProceed = gate();
    // As a reservation with backorders does: the stock level first, then the item (its cap).
    const other = t.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM stock_levels WHERE item_id = $1 FOR UPDATE', [itemId]);
      hasLevel.open();
      await mayProceed.reached;
      await tx.query('SELECT 1 FROM items WHERE id = $1 FOR UPDATE', [itemId]);
    });
    await hasLevel.reached;
    // The block locks the item, then waits for its stock level (migration 0008's trigger).
    const block = t.request('POST', '/admin/products/block-deadlock/block-sales');
    await untilALockIsAwaited(t.db, 'the block waiting for the stock level');
    // Now each waits for the other. PostgreSQL cancels the block, which waited first; the service
    // runs it again once the other transaction is done.
    mayProceed.open();
    const [response] = await Promise.all([block, other]);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const levels = await t.db.query<{ item_sales_blocked: boolean }>(
      'SELECT item_sales_blocked FROM stock_levels WHERE item_id = $1',
      [itemId],
    );
    assert.deepEqual(levels, [{ item_sales_blocked: true }]);
  });

  test('a bare POST blocks without a reason; an unknown product is 404 PRODUCT_NOT_FOUND', async () => {
    await initProduct(t, 'block-bare', 1);
    const bare = await t.request('POST', '/admin/products/block-bare/block-sales');
    assert.equal(bare.status, 200, JSON.stringify(bare.body));
    assert.equal(bare.body.data.reason, null);
    const unknown = await t.request('POST', '/admin/products/no-such-product/block-sales');
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body).code, 'PRODUCT_NOT_FOUND');
    const unknownUnblock = await t.request('POST', '/admin/products/no-such-product/unblock-sales');
    assert.equal(unknownUnblock.status, 404);
  });
});
