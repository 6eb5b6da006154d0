import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { syncWarehouses } from '../../src/app/sync-warehouses.ts';
import { parseWarehousesFile, readWarehousesFile } from '../../src/config/warehouses-file.ts';
import { initProduct, reserve } from '../helpers/inventory-client.ts';
import { type ApiBody, useTestService } from '../helpers/test-service.ts';

/**
 * Warehouse management (seed 004's Create/Get/Update/ListWarehouses and GetInventoryByLocation) in
 * seed 002's snake_case style, and the YAML sync behind `serve` and `seed --warehouses`.
 */
const t = useTestService();
const BASE = '/api/inventory/warehouses';
const SHIPPED_FILE = path.resolve(import.meta.dirname, '../../config/warehouses.yaml');

const WAREHOUSE_KEYS = [
  'active',
  'created_at',
  'id',
  'latitude',
  'longitude',
  'name',
  'postal_prefixes',
  'priority',
  'region',
  'updated_at',
];

/** PATCH is not among the shared helper's methods; inject it directly. */
async function patch(url: string, body: unknown): Promise<{ status: number; body: ApiBody }> {
  const response = await t.service.app.inject({
    method: 'PATCH',
    url,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: response.statusCode, body: response.json() };
}

async function create(body: Record<string, unknown>) {
  const response = await t.request('POST', BASE, body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.data;
}

async function get(id: string) {
  const response = await t.request('GET', `${BASE}/${id}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

/** A 400 VALIDATION_ERROR naming `field`, with the message mentioning it too. */
function assertInvalid(response: { status: number; body: ApiBody }, field: string) {
  assert.equal(response.status, 400, JSON.stringify(response.body));
  assert.equal(response.body.success, false);
  assert.equal(response.body.error?.code, 'VALIDATION_ERROR', JSON.stringify(response.body));
  assert.equal(response.body.error?.field, field, JSON.stringify(response.body));
  assert.ok(
    response.body.error?.message.includes(field.split('.')[0] ?? field),
    `the message does not name ${field}: ${response.body.error?.message}`,
  );
}

async function listAll(query: string): Promise<string[]> {
  const response = await t.request('GET', `${BASE}?${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data.warehouses.map((w: { id: string }) => w.id);
}

describe('POST /api/inventory/warehouses', () => {
  test('creates a warehouse with every field and answers 201 in snake_case', async () => {
    const response = await t.request('POST', BASE, {
      id: 'wh-create-1',
      name: 'DC Belo Horizonte',
      region: 'southeast',
      priority: 3,
      latitude: -19.9167,
      longitude: -43.9345,
      postal_prefixes: ['30', '31'],
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.body.success, true);
    assert.equal(response.body.message, 'Warehouse created');
    const data = response.body.data;
    assert.deepEqual(Object.keys(data).sort(), WAREHOUSE_KEYS);
    assert.equal(data.id, 'wh-create-1');
    assert.equal(data.name, 'DC Belo Horizonte');
    assert.equal(data.region, 'southeast');
    assert.equal(data.priority, 3);
    assert.equal(data.active, true);
    assert.equal(data.latitude, -19.9167);
    assert.equal(data.longitude, -43.9345);
    assert.deepEqual(data.postal_prefixes, ['30', '31']);
    assert.ok(!Number.isNaN(Date.parse(data.created_at)));
    assert.ok(!Number.isNaN(Date.parse(data.updated_at)));
    assert.deepEqual(await get('wh-create-1'), data);
  });

  test('only id and name are required; the rest take documented defaults', async () => {
    const data = await create({ id: 'wh-create-min', name: 'Minimal' });
    assert.equal(data.region, null);
    assert.equal(data.priority, 100);
    assert.equal(data.active, true);
    assert.equal(data.latitude, null);
    assert.equal(data.longitude, null);
    assert.deepEqual(data.postal_prefixes, []);
  });

  test('may create a warehouse inactive', async () => {
    const data = await create({ id: 'wh-create-off', name: 'Off', active: false });
    assert.equal(data.active, false);
  });

  test('answers 409 WAREHOUSE_ALREADY_EXISTS for a taken id and keeps the stored warehouse', async () => {
    await create({ id: 'wh-dup', name: 'First', priority: 5 });
    const again = await t.request('POST', BASE, { id: 'wh-dup', name: 'Second', priority: 9 });
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'WAREHOUSE_ALREADY_EXISTS');
    assert.equal(again.body.error?.field, 'id');
    const stored = await get('wh-dup');
    assert.equal(stored.name, 'First');
    assert.equal(stored.priority, 5);
  });

  test('the default warehouse exists already: 409', async () => {
    const response = await t.request('POST', BASE, { id: 'default', name: 'Mine' });
    assert.equal(response.status, 409);
    assert.equal(response.body.error?.code, 'WAREHOUSE_ALREADY_EXISTS');
  });

  const invalid: ReadonlyArray<readonly [what: string, body: unknown, field: string]> = [
    ['a missing id', { name: 'X' }, 'id'],
    ['a missing name', { id: 'wh-bad' }, 'name'],
    ['an id with a space', { id: 'wh bad', name: 'X' }, 'id'],
    ['an id of 129 characters', { id: 'w'.repeat(129), name: 'X' }, 'id'],
    ['an empty name', { id: 'wh-bad', name: '' }, 'name'],
    ['a name of 201 characters', { id: 'wh-bad', name: 'n'.repeat(201) }, 'name'],
    ['a blank name', { id: 'wh-bad', name: '   ' }, 'name'],
    ['a region of 65 characters', { id: 'wh-bad', name: 'X', region: 'r'.repeat(65) }, 'region'],
    ['a numeric region', { id: 'wh-bad', name: 'X', region: 5 }, 'region'],
    ['a priority as a string', { id: 'wh-bad', name: 'X', priority: '1' }, 'priority'],
    ['a fractional priority', { id: 'wh-bad', name: 'X', priority: 1.5 }, 'priority'],
    ['a negative priority', { id: 'wh-bad', name: 'X', priority: -1 }, 'priority'],
    ['a priority above 1000000', { id: 'wh-bad', name: 'X', priority: 1_000_001 }, 'priority'],
    ['active as a string', { id: 'wh-bad', name: 'X', active: 'yes' }, 'active'],
    ['latitude without longitude', { id: 'wh-bad', name: 'X', latitude: -23 }, 'longitude'],
    ['longitude without latitude', { id: 'wh-bad', name: 'X', longitude: -46 }, 'latitude'],
    ['a latitude of 91', { id: 'wh-bad', name: 'X', latitude: 91, longitude: 0 }, 'latitude'],
    ['a longitude of -181', { id: 'wh-bad', name: 'X', latitude: 0, longitude: -181 }, 'longitude'],
    [
      'postal prefixes that are not a list',
      { id: 'wh-bad', name: 'X', postal_prefixes: '01' },
      'postal_prefixes',
    ],
    [
      'a postal prefix with a dash',
      { id: 'wh-bad', name: 'X', postal_prefixes: ['01', '02-3'] },
      'postal_prefixes.1',
    ],
    [
      'a postal prefix of 11 characters',
      { id: 'wh-bad', name: 'X', postal_prefixes: ['0'.repeat(11)] },
      'postal_prefixes.0',
    ],
    [
      'a numeric postal prefix',
      { id: 'wh-bad', name: 'X', postal_prefixes: [1] },
      'postal_prefixes.0',
    ],
    [
      'a repeated postal prefix',
      { id: 'wh-bad', name: 'X', postal_prefixes: ['01', '01'] },
      'postal_prefixes.1',
    ],
    [
      '1001 postal prefixes',
      {
        id: 'wh-bad',
        name: 'X',
        postal_prefixes: Array.from({ length: 1001 }, (_, i) => String(i)),
      },
      'postal_prefixes',
    ],
    ['an unknown field', { id: 'wh-bad', name: 'X', code: 'W1' }, 'code'],
  ];
  for (const [what, body, field] of invalid) {
    test(`refuses ${what} with 400 naming ${field}, and creates nothing`, async () => {
      assertInvalid(await t.request('POST', BASE, body), field);
      const after = await t.request('GET', `${BASE}/wh-bad`);
      assert.equal(after.status, 404);
    });
  }
});

describe('GET /api/inventory/warehouses/:id', () => {
  test('returns the default warehouse', async () => {
    const data = await get('default');
    assert.deepEqual(Object.keys(data).sort(), WAREHOUSE_KEYS);
    assert.equal(data.id, 'default');
    assert.equal(data.active, true);
  });

  test('answers 404 WAREHOUSE_NOT_FOUND for an unknown id', async () => {
    const response = await t.request('GET', `${BASE}/wh-nowhere`);
    assert.equal(response.status, 404);
    assert.equal(response.body.success, false);
    assert.equal(response.body.error?.code, 'WAREHOUSE_NOT_FOUND');
  });

  test('answers 400 naming the id for a malformed one', async () => {
    assertInvalid(await t.request('GET', `${BASE}/${encodeURIComponent('wh bad')}`), 'id');
  });
});

describe('GET /api/inventory/warehouses', () => {
  test('lists in id order with the default warehouse among them', async () => {
    const ids = await listAll('limit=500');
    assert.ok(ids.includes('default'));
    assert.deepEqual(ids, [...ids].sort());
  });

  test('filters by region and by active state', async () => {
    await create({ id: 'wh-f-1', name: 'F1', region: 'filter-r' });
    await create({ id: 'wh-f-2', name: 'F2', region: 'filter-r', active: false });
    await create({ id: 'wh-f-3', name: 'F3', region: 'filter-other' });
    assert.deepEqual(await listAll('region=filter-r'), ['wh-f-1', 'wh-f-2']);
    assert.deepEqual(await listAll('region=filter-r&active=true'), ['wh-f-1']);
    assert.deepEqual(await listAll('region=filter-r&active=false'), ['wh-f-2']);
    const inactive = await listAll('active=false&limit=500');
    assert.ok(inactive.includes('wh-f-2'));
    assert.ok(!inactive.includes('wh-f-1'));
    assert.ok(!inactive.includes('default'));
  });

  test('pages with limit and cursor: every warehouse once, next_cursor null at the end', async () => {
    const ids = ['wh-p-1', 'wh-p-2', 'wh-p-3', 'wh-p-4', 'wh-p-5'];
    for (const id of ids) {
      await create({ id, name: id, region: 'page-r' });
    }
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const query: string = `region=page-r&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const response = await t.request('GET', `${BASE}?${query}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.message, 'Warehouses listed');
      const page = response.body.data;
      seen.push(...page.warehouses.map((w: { id: string }) => w.id));
      pageSizes.push(page.warehouses.length);
      cursor = page.next_cursor;
      if (cursor === null) {
        break;
      }
    }
    assert.deepEqual(seen, ids);
    assert.deepEqual(pageSizes, [2, 2, 1]);
  });

  test('a page that ends exactly at the last row says so', async () => {
    await create({ id: 'wh-exact-1', name: 'E1', region: 'exact-r' });
    await create({ id: 'wh-exact-2', name: 'E2', region: 'exact-r' });
    const response = await t.request('GET', `${BASE}?region=exact-r&limit=2`);
    assert.equal(response.body.data.warehouses.length, 2);
    assert.equal(response.body.data.next_cursor, null);
  });

  const invalid: ReadonlyArray<readonly [query: string, field: string]> = [
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['active=maybe', 'active'],
    ['region=', 'region'],
    [`region=${'r'.repeat(65)}`, 'region'],
    ['cursor=bad%20id', 'cursor'],
    ['colour=red', 'colour'],
  ];
  for (const [query, field] of invalid) {
    test(`refuses ?${query.slice(0, 30)} with 400 naming ${field}`, async () => {
      assertInvalid(await t.request('GET', `${BASE}?${query}`), field);
    });
  }
});

describe('PATCH /api/inventory/warehouses/:id', () => {
  test('changes the fields sent and keeps the others', async () => {
    const before = await create({
      id: 'wh-upd-1',
      name: 'Old',
      region: 'north',
      priority: 7,
      latitude: 1,
      longitude: 2,
      postal_prefixes: ['10'],
    });
    const response = await patch(`${BASE}/wh-upd-1`, { name: 'New', priority: 2 });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.message, 'Warehouse updated');
    const data = response.body.data;
    assert.equal(data.name, 'New');
    assert.equal(data.priority, 2);
    assert.equal(data.region, 'north');
    assert.equal(data.latitude, 1);
    assert.equal(data.longitude, 2);
    assert.deepEqual(data.postal_prefixes, ['10']);
    assert.equal(data.created_at, before.created_at);
    assert.ok(Date.parse(data.updated_at) >= Date.parse(before.updated_at));
    assert.deepEqual(await get('wh-upd-1'), data);
  });

  test('sets the location and the postal prefixes, and clears region and location with null', async () => {
    await create({ id: 'wh-upd-2', name: 'U2', region: 'north' });
    const located = await patch(`${BASE}/wh-upd-2`, {
      latitude: -23.5,
      longitude: -46.6,
      postal_prefixes: ['01', '02'],
    });
    assert.equal(located.status, 200, JSON.stringify(located.body));
    assert.equal(located.body.data.latitude, -23.5);
    assert.equal(located.body.data.longitude, -46.6);
    assert.deepEqual(located.body.data.postal_prefixes, ['01', '02']);
    const cleared = await patch(`${BASE}/wh-upd-2`, {
      region: null,
      latitude: null,
      longitude: null,
      postal_prefixes: [],
    });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.data.region, null);
    assert.equal(cleared.body.data.latitude, null);
    assert.equal(cleared.body.data.longitude, null);
    assert.deepEqual(cleared.body.data.postal_prefixes, []);
    assert.equal(cleared.body.data.name, 'U2');
  });

  test('answers 404 WAREHOUSE_NOT_FOUND for an unknown id', async () => {
    const response = await patch(`${BASE}/wh-upd-none`, { name: 'X' });
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'WAREHOUSE_NOT_FOUND');
  });

  const invalid: ReadonlyArray<readonly [what: string, body: unknown, field: string]> = [
    ['an empty body', {}, 'body'],
    ['latitude alone', { latitude: 10 }, 'longitude'],
    ['longitude alone', { longitude: 10 }, 'latitude'],
    ['one coordinate null', { latitude: null, longitude: 10 }, 'latitude'],
    ['a latitude of -90.5', { latitude: -90.5, longitude: 0 }, 'latitude'],
    ['the active state (it has its own routes)', { active: false }, 'active'],
    ['the id (ids never change)', { id: 'wh-other' }, 'id'],
    ['a null name', { name: null }, 'name'],
    ['a priority above the limit', { priority: 1_000_001 }, 'priority'],
    ['a postal prefix with a space', { postal_prefixes: ['0 1'] }, 'postal_prefixes.0'],
  ];
  for (const [index, [what, body, field]] of invalid.entries()) {
    test(`refuses ${what} with 400 naming ${field}, and changes nothing`, async () => {
      const before = await create({ id: `wh-upd-bad-${index}`, name: 'Keep' });
      assertInvalid(await patch(`${BASE}/${before.id}`, body), field);
      assert.deepEqual(await get(before.id), before);
    });
  }
});

describe('POST /api/inventory/warehouses/:id/deactivate and /activate', () => {
  test('deactivate and activate toggle the state; repeating one changes nothing', async () => {
    await create({ id: 'wh-toggle', name: 'Toggle', region: 'toggle-r' });
    const off = await t.request('POST', `${BASE}/wh-toggle/deactivate`);
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.message, 'Warehouse deactivated');
    assert.equal(off.body.data.active, false);
    assert.deepEqual(await listAll('region=toggle-r&active=true'), []);
    assert.deepEqual(await listAll('region=toggle-r&active=false'), ['wh-toggle']);

    const again = await t.request('POST', `${BASE}/wh-toggle/deactivate`);
    assert.equal(again.status, 200);
    assert.equal(again.body.data.active, false);
    assert.equal(again.body.data.updated_at, off.body.data.updated_at, 'a no-op moved updated_at');

    const on = await t.request('POST', `${BASE}/wh-toggle/activate`);
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal(on.body.message, 'Warehouse activated');
    assert.equal(on.body.data.active, true);
    assert.equal((await get('wh-toggle')).active, true);
  });

  test('refuses to deactivate the default warehouse with 400 VALIDATION_ERROR', async () => {
    assertInvalid(await t.request('POST', `${BASE}/default/deactivate`), 'id');
    assert.equal((await get('default')).active, true);
    const on = await t.request('POST', `${BASE}/default/activate`);
    assert.equal(on.status, 200);
  });

  test('answers 404 WAREHOUSE_NOT_FOUND for an unknown id', async () => {
    for (const action of ['deactivate', 'activate']) {
      const response = await t.request('POST', `${BASE}/wh-toggle-none/${action}`);
      assert.equal(response.status, 404, action);
      assert.equal(response.body.error?.code, 'WAREHOUSE_NOT_FOUND');
    }
  });

  test('a deactivated warehouse keeps its stock', async () => {
    await initProduct(t, 'wh-keep-stock', 4);
    await create({ id: 'wh-off-stock', name: 'Off' });
    await t.db.query(
      `INSERT INTO stock_levels (item_id, warehouse_id, on_hand)
       SELECT id, 'wh-off-stock', 0 FROM items WHERE product_id = 'wh-keep-stock'`,
    );
    await t.request('POST', `${BASE}/wh-off-stock/deactivate`);
    const stock = await t.request('GET', `${BASE}/wh-off-stock/stock`);
    assert.equal(stock.status, 200);
    assert.equal(stock.body.data.items.length, 1);
  });
});

describe('GET /api/inventory/warehouses/:id/stock', () => {
  test('lists every bucket and available for each item at the warehouse', async () => {
    await initProduct(t, 'wh-stock-1', 10);
    await reserve(t, 'wh-stock-1', 3, 'wh-stock-order');
    const response = await t.request('GET', `${BASE}/default/stock?limit=500`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.message, 'Warehouse stock retrieved');
    assert.equal(response.body.data.warehouse_id, 'default');
    const row = response.body.data.items.find(
      (item: { product_id: string }) => item.product_id === 'wh-stock-1',
    );
    assert.ok(row, 'the product is not listed');
    assert.deepEqual(Object.keys(row).sort(), [
      'available',
      'backordered',
      'committed',
      'damaged',
      'incoming',
      'item_id',
      'on_hand',
      'product_id',
      'reserved',
      'safety_stock',
      'sku',
      'updated_at',
      'variant_id',
    ]);
    assert.equal(row.variant_id, '');
    assert.equal(row.sku, null);
    assert.equal(row.on_hand, 10);
    assert.equal(row.reserved, 3);
    assert.equal(row.committed, 0);
    assert.equal(row.incoming, 0);
    assert.equal(row.damaged, 0);
    assert.equal(row.safety_stock, 0);
    assert.equal(row.backordered, 0);
    assert.equal(row.available, 7);
  });

  test('available is floored at 0 when unsellable buckets pass on-hand', async () => {
    await initProduct(t, 'wh-stock-floor', 5);
    // Safety stock above on hand, with its ledger row so the books still balance.
    await t.db.query(
      `WITH level AS (
         UPDATE stock_levels s SET safety_stock = 8 FROM items i
         WHERE i.id = s.item_id AND i.product_id = 'wh-stock-floor' AND s.warehouse_id = 'default'
         RETURNING s.item_id
       )
       INSERT INTO stock_movements (item_id, warehouse_id, kind, safety_stock_delta, actor)
       SELECT item_id, 'default', 'ADJUST', 8, 'test' FROM level`,
    );
    const response = await t.request('GET', `${BASE}/default/stock?limit=500`);
    const row = response.body.data.items.find(
      (item: { product_id: string }) => item.product_id === 'wh-stock-floor',
    );
    assert.equal(row.safety_stock, 8);
    assert.equal(row.available, 0);
  });

  test('an empty warehouse lists nothing', async () => {
    await create({ id: 'wh-empty', name: 'Empty' });
    const response = await t.request('GET', `${BASE}/wh-empty/stock`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.data, {
      warehouse_id: 'wh-empty',
      items: [],
      next_cursor: null,
    });
  });

  test('pages with limit and cursor over item ids', async () => {
    await create({ id: 'wh-stock-pages', name: 'Pages' });
    for (let i = 1; i <= 5; i++) {
      await initProduct(t, `wh-page-p${i}`, i);
    }
    await t.db.query(
      `WITH level AS (
         INSERT INTO stock_levels (item_id, warehouse_id, on_hand)
         SELECT id, 'wh-stock-pages', 1 FROM items WHERE product_id LIKE 'wh-page-p%'
         RETURNING item_id
       )
       INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor)
       SELECT item_id, 'wh-stock-pages', 'INIT', 1, 'test' FROM level`,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const query: string = `limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const response = await t.request('GET', `${BASE}/wh-stock-pages/stock?${query}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.ok(response.body.data.items.length <= 2);
      seen.push(...response.body.data.items.map((item: { product_id: string }) => item.product_id));
      cursor = response.body.data.next_cursor;
      if (cursor === null) {
        break;
      }
    }
    assert.deepEqual([...seen].sort(), [
      'wh-page-p1',
      'wh-page-p2',
      'wh-page-p3',
      'wh-page-p4',
      'wh-page-p5',
    ]);
    assert.equal(new Set(seen).size, 5, 'an item was listed twice');
  });

  test('answers 404 WAREHOUSE_NOT_FOUND for an unknown warehouse', async () => {
    const response = await t.request('GET', `${BASE}/wh-stock-none/stock`);
    assert.equal(response.status, 404);
    assert.equal(response.body.error?.code, 'WAREHOUSE_NOT_FOUND');
  });

  for (const [query, field] of [
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['cursor=not-a-uuid', 'cursor'],
    ['region=x', 'region'],
  ] as const) {
    test(`refuses ?${query} with 400 naming ${field}`, async () => {
      assertInvalid(await t.request('GET', `${BASE}/default/stock?${query}`), field);
    });
  }
});

describe('syncing from the warehouses file', () => {
  test('the shipped file creates seed 002’s three warehouses; a second sync changes nothing', async () => {
    const declared = readWarehousesFile(SHIPPED_FILE);
    assert.ok(declared !== undefined);
    const first = await syncWarehouses(t.service.deps, declared);
    assert.deepEqual(first, { created: 3, updated: 0, unchanged: 0 });
    const saoPaulo = await get('wh-sp-001');
    assert.equal(saoPaulo.name, 'DC Sao Paulo');
    assert.equal(saoPaulo.region, 'southeast');
    assert.equal(saoPaulo.priority, 1);
    assert.equal(saoPaulo.active, true);
    assert.equal(typeof saoPaulo.latitude, 'number');
    assert.ok(saoPaulo.postal_prefixes.includes('01'));
    assert.equal((await get('wh-rj-001')).priority, 2);
    assert.equal((await get('wh-pr-001')).region, 'south');

    const second = await syncWarehouses(t.service.deps, declared);
    assert.deepEqual(second, { created: 0, updated: 0, unchanged: 3 });
    assert.deepEqual(await get('wh-sp-001'), saoPaulo, 'an unchanged sync rewrote the row');
  });

  test('updates what changed, and leaves unlisted warehouses alone', async () => {
    await create({ id: 'wh-unlisted', name: 'Unlisted', region: 'sync-r' });
    const file = (priority: number) =>
      parseWarehousesFile(
        [
          'warehouses:',
          '  - {id: wh-sync-a, name: A, region: sync-r, priority: 1}',
          `  - {id: wh-sync-b, name: B, region: sync-r, priority: ${priority}}`,
        ].join('\n'),
        'inline.yaml',
      );
    assert.deepEqual(await syncWarehouses(t.service.deps, file(5)), {
      created: 2,
      updated: 0,
      unchanged: 0,
    });
    assert.deepEqual(await syncWarehouses(t.service.deps, file(6)), {
      created: 0,
      updated: 1,
      unchanged: 1,
    });
    assert.equal((await get('wh-sync-b')).priority, 6);
    const unlisted = await get('wh-unlisted');
    assert.equal(unlisted.active, true, 'a warehouse absent from the file was deactivated');
    assert.equal(unlisted.name, 'Unlisted');
    assert.deepEqual(await listAll('region=sync-r'), ['wh-sync-a', 'wh-sync-b', 'wh-unlisted']);
  });

  test('a file without `active` keeps a deactivation made through the API; `active` in the file wins', async () => {
    const line = (active: string) =>
      parseWarehousesFile(
        `warehouses:\n  - {id: wh-sync-act, name: Act, region: r, priority: 1${active}}\n`,
        'inline.yaml',
      );
    await syncWarehouses(t.service.deps, line(''));
    await t.request('POST', `${BASE}/wh-sync-act/deactivate`);
    assert.deepEqual(await syncWarehouses(t.service.deps, line('')), {
      created: 0,
      updated: 0,
      unchanged: 1,
    });
    assert.equal((await get('wh-sync-act')).active, false);
    assert.deepEqual(await syncWarehouses(t.service.deps, line(', active: true')), {
      created: 0,
      updated: 1,
      unchanged: 0,
    });
    assert.equal((await get('wh-sync-act')).active, true);
    await syncWarehouses(t.service.deps, line(', active: false'));
    assert.equal((await get('wh-sync-act')).active, false);
  });

  test('a new warehouse listed with active: false is created inactive', async () => {
    const declared = parseWarehousesFile(
      'warehouses:\n  - {id: wh-sync-off, name: Off, region: r, priority: 1, active: false}\n',
      'inline.yaml',
    );
    await syncWarehouses(t.service.deps, declared);
    assert.equal((await get('wh-sync-off')).active, false);
  });

  test('the use case refuses what the file parser refuses, naming the entry and field', async () => {
    await assert.rejects(
      syncWarehouses(t.service.deps, [
        {
          id: 'wh-sync-bad',
          name: 'Bad',
          region: 'r',
          priority: -1,
          active: undefined,
          latitude: null,
          longitude: null,
          postalPrefixes: [],
        },
      ]),
      (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'VALIDATION_ERROR');
        assert.deepEqual((error as { details?: unknown }).details, {
          field: 'warehouses.0.priority',
        });
        return true;
      },
    );
    assert.equal((await t.request('GET', `${BASE}/wh-sync-bad`)).status, 404);
  });
});
