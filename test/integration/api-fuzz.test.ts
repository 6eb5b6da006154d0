import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import {
  insertItem,
  insertWarehouses,
  SEED002_WAREHOUSES,
  stock,
} from '../factories/catalog.factory.ts';
import { useTestService } from '../helpers/test-service.ts';

/**
 * Junk and nearly-right bodies against every seed 002 and admin POST route: never a 5xx, always
 * the error envelope with a known code, and the books still balance.
 */
const t = useTestService({}, async (service) => {
  await insertWarehouses(service.db, SEED002_WAREHOUSES);
  await insertItem(service.db, { productId: 'fz-a', sku: 'FZ-A' });
  await insertItem(service.db, { productId: 'fz-kit', components: { 'fz-a': 2 } });
  await stock(service.db, 'fz-a', { 'wh-sp-001': 50, default: 50 });
});

const RESERVATION = '01a20160-eb6a-762f-a678-ccc47f38af41';
const ROUTES = [
  '/api/inventory/reservations',
  '/api/inventory/reservations/check',
  `/api/inventory/reservations/${RESERVATION}/confirm`,
  `/api/inventory/reservations/${RESERVATION}/extend`,
  '/api/inventory/items',
  '/api/inventory/adjustments',
  '/api/inventory/adjustments/bulk',
  '/api/inventory/transfers',
  '/api/inventory/incoming',
  '/api/inventory/receipts',
  '/api/inventory/warehouses',
  '/admin/products/fz-a/block-sales',
];

const value = fc.oneof(
  fc.constantFrom('fz-a', 'FZ-A', 'fz-kit', 'wh-sp-001', 'default', 'nope', '', 'é', 'a/b'),
  fc.constantFrom('add', 'remove', 'set', 'on_hand', 'damaged', 'restock', 'priority', 'balanced'),
  fc.integer({ min: -3, max: 2_000_000_000_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.uuid(),
  fc.string({ maxLength: 20 }),
);
const line = fc.record(
  {
    product_id: value,
    sku: value,
    item_id: value,
    variant_id: value,
    quantity: value,
    warehouse_id: value,
    line: value,
  },
  { requiredKeys: [] },
);
const body = fc.record(
  {
    order_id: value,
    items: fc.oneof(fc.array(line, { maxLength: 4 }), value),
    lines: fc.oneof(fc.array(line, { maxLength: 4 }), value),
    product_id: value,
    sku: value,
    warehouse_id: value,
    from_warehouse_id: value,
    to_warehouse_id: value,
    quantity: value,
    mode: value,
    bucket: value,
    reason: value,
    expected: value,
    ttl_seconds: value,
    strategy: value,
    destination: fc.oneof(
      fc.record({ postal_code: value, latitude: value, longitude: value }, { requiredKeys: [] }),
      value,
    ),
    id: value,
    name: value,
    priority: value,
    reorder_point: value,
    reorder_quantity: value,
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(
  body.map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 30 }),
);

describe('junk bodies on the seed 002 and admin routes', () => {
  for (const route of ROUTES) {
    test(`${route}: never a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(payload, async (raw) => {
          const response = await t.service.app.inject({
            method: 'POST',
            url: route,
            headers: { 'content-type': 'application/json' },
            payload: raw,
          });
          const shown = `${raw} -> ${response.statusCode} ${response.body}`;
          assert.ok(response.statusCode < 500, shown);
          const parsed = response.json() as { success: boolean; error?: { code: string } };
          if (response.statusCode >= 400) {
            assert.equal(parsed.success, false, shown);
            assert.ok((ERROR_CODES as readonly string[]).includes(parsed.error?.code ?? ''), shown);
          }
        }),
        { numRuns: 60 },
      );
      await t.assertBooksBalance();
    });
  }
});
