import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  adjust,
  createItem,
  errorOf,
  insertWarehouse,
  levelOf,
  movementCount,
} from '../helpers/catalog-client.ts';
import { post } from '../helpers/http-client.ts';
import { reserve } from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/** Adjustments (single and bulk): buckets, modes, reasons, compare-and-set, refusals, ledger. */
const t = useTestService({}, async (service) => {
  await insertWarehouse(service, 'adj-east');
  await insertWarehouse(service, 'adj-closed', { active: false });
});

interface LedgerRow {
  kind: string;
  onHandDelta: number;
  damagedDelta: number;
  safetyStockDelta: number;
  reason: string;
  referenceType: string | null;
  referenceId: string | null;
  actor: string;
  correlationId: string | null;
}

async function ledgerOf(itemId: string): Promise<LedgerRow[]> {
  return t.db.query<LedgerRow>(
    `SELECT kind, on_hand_delta AS "onHandDelta", damaged_delta AS "damagedDelta",
       safety_stock_delta AS "safetyStockDelta", reason, reference_type AS "referenceType",
       reference_id AS "referenceId", actor, correlation_id AS "correlationId"
     FROM stock_movements WHERE item_id = $1 ORDER BY id`,
    [itemId],
  );
}

describe('POST /api/inventory/adjustments', () => {
  test('add, remove and set on hand, each with an ADJUST ledger row of the signed change', async () => {
    const item = await createItem(t, { product_id: 'adj-basic', sku: 'ADJ-BASIC' });
    const added = await adjust(t, { sku: 'ADJ-BASIC', quantity: 10 });
    assert.equal(added.bucket, 'on_hand');
    assert.equal(added.warehouse_id, 'default');
    assert.deepEqual([added.previous, added.value, added.delta], [0, 10, 10]);
    assert.equal(added.stock.available, 10);
    const removed = await adjust(t, {
      item_id: item.id,
      mode: 'remove',
      quantity: 3,
      reason: 'damage',
    });
    assert.deepEqual([removed.previous, removed.value, removed.delta], [10, 7, -3]);
    const response = await t.request(
      'POST',
      '/api/inventory/adjustments',
      {
        product_id: 'adj-basic',
        mode: 'set',
        quantity: 12,
        reason: 'recount',
        note: 'cycle count aisle 4',
        reference: { type: 'count_sheet', id: 'CS-2024-001' },
      },
      { 'x-actor': 'clerk-7', 'x-request-id': 'req-adj-1' },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(
      [response.body.data.previous, response.body.data.value, response.body.data.delta],
      [7, 12, 5],
    );
    const ledger = await ledgerOf(item.id);
    assert.deepEqual(
      ledger.map((row) => [row.kind, row.onHandDelta, row.reason]),
      [
        ['ADJUST', 10, 'restock'],
        ['ADJUST', -3, 'damage'],
        ['ADJUST', 5, 'recount: cycle count aisle 4'],
      ],
    );
    const last = ledger[2];
    assert.equal(last?.referenceType, 'count_sheet');
    assert.equal(last?.referenceId, 'CS-2024-001');
    assert.equal(last?.actor, 'clerk-7');
    assert.equal(last?.correlationId, 'req-adj-1');
  });

  test('a warehouse is used on first adjustment; unknown is 404, inactive is 409', async () => {
    const item = await createItem(t, { product_id: 'adj-wh' });
    await adjust(t, { item_id: item.id, warehouse_id: 'adj-east', quantity: 4 });
    assert.equal((await levelOf(t, item.id, 'adj-east')).onHand, 4);
    for (const [warehouse, status, code] of [
      ['adj-nowhere', 404, 'WAREHOUSE_NOT_FOUND'],
      ['adj-closed', 409, 'WAREHOUSE_INACTIVE'],
    ] as const) {
      const response = await t.request('POST', '/api/inventory/adjustments', {
        item_id: item.id,
        warehouse_id: warehouse,
        mode: 'add',
        quantity: 1,
        reason: 'restock',
      });
      assert.equal(response.status, status);
      assert.equal(errorOf(response.body).code, code);
      assert.equal(errorOf(response.body).field, 'warehouse_id');
    }
    const levels = await t.db.query('SELECT warehouse_id FROM stock_levels WHERE item_id = $1', [
      item.id,
    ]);
    assert.equal(levels.length, 2, 'default and adj-east only');
  });

  test('removing on hand below what is held is 409 INSUFFICIENT_STOCK and changes nothing', async () => {
    const item = await createItem(t, { product_id: 'adj-held' });
    await adjust(t, { item_id: item.id, quantity: 10 });
    await reserve(t, 'adj-held', 6);
    const before = await movementCount(t, item.id);
    for (const body of [
      { mode: 'remove', quantity: 5 },
      { mode: 'set', quantity: 5 },
    ]) {
      const response = await t.request('POST', '/api/inventory/adjustments', {
        item_id: item.id,
        reason: 'correction',
        ...body,
      });
      assert.equal(response.status, 409, JSON.stringify(response.body));
      const error = errorOf(response.body);
      assert.equal(error.code, 'INSUFFICIENT_STOCK');
      assert.equal(response.body.error?.details?.available, 4);
      assert.equal(response.body.error?.details?.removable, 4);
    }
    assert.equal((await levelOf(t, item.id, 'default')).onHand, 10);
    assert.equal(await movementCount(t, item.id), before);
    // Exactly what is free may go.
    const removed = await adjust(t, {
      item_id: item.id,
      mode: 'remove',
      quantity: 4,
      reason: 'correction',
    });
    assert.equal(removed.stock.available, 0);
  });

  test('damaged units stay on hand but leave available; damage beyond free units is refused', async () => {
    const item = await createItem(t, { product_id: 'adj-damaged' });
    await adjust(t, { item_id: item.id, quantity: 10 });
    await reserve(t, 'adj-damaged', 2);
    const damaged = await adjust(t, {
      item_id: item.id,
      bucket: 'damaged',
      quantity: 3,
      reason: 'damage',
    });
    assert.equal(damaged.bucket, 'damaged');
    assert.equal(damaged.stock.on_hand, 10);
    assert.equal(damaged.stock.damaged, 3);
    assert.equal(damaged.stock.available, 5);
    const tooMany = await t.request('POST', '/api/inventory/adjustments', {
      item_id: item.id,
      bucket: 'damaged',
      mode: 'add',
      quantity: 6,
      reason: 'damage',
    });
    assert.equal(tooMany.status, 409);
    assert.equal(errorOf(tooMany.body).code, 'INSUFFICIENT_STOCK');
    const belowZero = await t.request('POST', '/api/inventory/adjustments', {
      item_id: item.id,
      bucket: 'damaged',
      mode: 'remove',
      quantity: 4,
      reason: 'correction',
    });
    assert.equal(belowZero.status, 409);
    // On hand may not drop below reserved + damaged either.
    const underDamaged = await t.request('POST', '/api/inventory/adjustments', {
      item_id: item.id,
      mode: 'set',
      quantity: 4,
      reason: 'recount',
    });
    assert.equal(underDamaged.status, 409);
    assert.equal((await levelOf(t, item.id, 'default')).damaged, 3);
    const ledger = await ledgerOf(item.id);
    assert.deepEqual(
      ledger.filter((row) => row.kind === 'ADJUST').map((row) => row.damagedDelta),
      [0, 3],
    );
  });

  test('safety stock is kept back from available', async () => {
    const item = await createItem(t, { product_id: 'adj-safety' });
    await adjust(t, { item_id: item.id, quantity: 10 });
    const set = await adjust(t, {
      item_id: item.id,
      bucket: 'safety_stock',
      mode: 'set',
      quantity: 4,
      reason: 'correction',
    });
    assert.equal(set.stock.safety_stock, 4);
    assert.equal(set.stock.available, 6);
  });

  test('expected is a compare-and-set: a stale value is 409 STOCK_VERSION_CONFLICT with the actual', async () => {
    const item = await createItem(t, { product_id: 'adj-cas' });
    await adjust(t, { item_id: item.id, quantity: 5 });
    const stale = await t.request('POST', '/api/inventory/adjustments', {
      item_id: item.id,
      mode: 'set',
      quantity: 9,
      reason: 'recount',
      expected: 4,
    });
    assert.equal(stale.status, 409);
    assert.equal(errorOf(stale.body).code, 'STOCK_VERSION_CONFLICT');
    assert.equal(stale.body.error?.details?.actual, 5);
    assert.equal(stale.body.error?.details?.expected, 4);
    assert.equal((await levelOf(t, item.id, 'default')).onHand, 5);
    const fresh = await adjust(t, {
      item_id: item.id,
      mode: 'set',
      quantity: 9,
      reason: 'recount',
      expected: 5,
    });
    assert.equal(fresh.value, 9);
  });

  test('parallel adjustments with the same expected value: exactly one applies', async () => {
    const item = await createItem(t, { product_id: 'adj-race' });
    await adjust(t, { item_id: item.id, quantity: 100 });
    const baseUrl = await listening();
    const parallel = 24;
    const results = await Promise.all(
      Array.from({ length: parallel }, (_, i) =>
        post(baseUrl, '/api/inventory/adjustments', {
          item_id: item.id,
          mode: 'set',
          quantity: 200 + i,
          reason: 'recount',
          expected: 100,
        }),
      ),
    );
    const applied = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    assert.equal(applied.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(conflicts.length, parallel - 1);
    assert.ok(conflicts.every((r) => r.body.error.code === 'STOCK_VERSION_CONFLICT'));
    const winner = applied[0]?.body.data.value;
    assert.ok(conflicts.every((r) => r.body.error.details.actual === winner));
    assert.equal((await levelOf(t, item.id, 'default')).onHand, winner);
    const adjustments = await t.db.query(
      "SELECT 1 FROM stock_movements WHERE item_id = $1 AND kind = 'ADJUST'",
      [item.id],
    );
    assert.equal(adjustments.length, 2);
  });

  test('parallel removals never take on hand below what is held', async () => {
    const item = await createItem(t, { product_id: 'adj-race-remove' });
    await adjust(t, { item_id: item.id, quantity: 30 });
    await reserve(t, 'adj-race-remove', 10);
    const baseUrl = await listening();
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        post(baseUrl, '/api/inventory/adjustments', {
          item_id: item.id,
          mode: 'remove',
          quantity: 1,
          reason: 'correction',
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 20);
    assert.equal(results.filter((r) => r.status === 409).length, 20);
    const level = await levelOf(t, item.id, 'default');
    assert.equal(level.onHand, 10);
    assert.equal(level.reserved, 10);
  });

  test('the item is named by exactly one of item_id, sku or product_id', async () => {
    const item = await createItem(t, { product_id: 'adj-ref', variant_id: 'v1', sku: 'ADJ-REF' });
    await adjust(t, { product_id: 'adj-ref', variant_id: 'v1', quantity: 1 });
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ item_id: item.id, sku: 'ADJ-REF' }, 400, 'VALIDATION_ERROR', 'item_id'],
      [{}, 400, 'VALIDATION_ERROR', 'item_id'],
      [{ sku: 'ADJ-REF', variant_id: 'v1' }, 400, 'VALIDATION_ERROR', 'variant_id'],
      [{ sku: 'ADJ-NOPE' }, 404, 'ITEM_NOT_FOUND', ''],
      [{ product_id: 'adj-ref' }, 404, 'ITEM_NOT_FOUND', ''],
    ];
    for (const [ref, status, code, field] of cases) {
      const response = await t.request('POST', '/api/inventory/adjustments', {
        ...ref,
        mode: 'add',
        quantity: 1,
        reason: 'restock',
      });
      assert.equal(response.status, status, JSON.stringify(ref));
      assert.equal(errorOf(response.body).code, code);
      if (field !== '') {
        assert.equal(errorOf(response.body).field, field);
      }
    }
    assert.equal((await levelOf(t, item.id, 'default')).onHand, 1);
  });

  test('bad input is a 400 naming the field and changes nothing', async () => {
    const item = await createItem(t, { product_id: 'adj-bad', sku: 'ADJ-BAD' });
    const component = await createItem(t, { product_id: 'adj-bad-part' });
    const kit = await createItem(t, {
      product_id: 'adj-bad-kit',
      components: [{ item_id: component.id, quantity: 1 }],
    });
    const valid = { item_id: item.id, mode: 'add', quantity: 1, reason: 'restock' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, quantity: 0 }, 'quantity'],
      [{ ...valid, mode: 'remove', quantity: 1_000_000_001 }, 'quantity'],
      [{ ...valid, quantity: 1.5 }, 'quantity'],
      [{ ...valid, quantity: '3' }, 'quantity'],
      [{ ...valid, mode: 'multiply' }, 'mode'],
      [{ ...valid, bucket: 'reserved' }, 'bucket'],
      [{ ...valid, reason: 'because' }, 'reason'],
      [{ item_id: item.id, mode: 'add', quantity: 1 }, 'reason'],
      [{ ...valid, expected: -1 }, 'expected'],
      [{ ...valid, note: '' }, 'note'],
      [{ ...valid, reference: { type: 'po' } }, 'reference.id'],
      [{ ...valid, warehouse_id: 'bad id' }, 'warehouse_id'],
      [{ ...valid, item_id: kit.id }, 'item_id'],
    ];
    for (const [body, field] of cases) {
      const response = await t.request('POST', '/api/inventory/adjustments', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(errorOf(response.body).field, field, JSON.stringify(response.body));
    }
    assert.equal(await movementCount(t, item.id), 0);
  });
});

describe('POST /api/inventory/adjustments/bulk', () => {
  test('each line applies on its own; a refused line undoes nothing else', async () => {
    const a = await createItem(t, { product_id: 'bulk-a', sku: 'BULK-A' });
    const b = await createItem(t, { product_id: 'bulk-b', sku: 'BULK-B' });
    const response = await t.request('POST', '/api/inventory/adjustments/bulk', {
      lines: [
        { sku: 'BULK-A', mode: 'add', quantity: 5, reason: 'restock' },
        { sku: 'BULK-B', mode: 'remove', quantity: 1, reason: 'correction' },
        { sku: 'BULK-NOPE', mode: 'add', quantity: 1, reason: 'restock' },
        // Sees line 0's result: lines apply in order.
        { sku: 'BULK-A', mode: 'set', quantity: 8, reason: 'recount', expected: 5 },
        { sku: 'BULK-B', mode: 'add', quantity: 2, reason: 'restock', warehouse_id: 'adj-closed' },
        { sku: 'BULK-B', mode: 'add', quantity: 2, reason: 'restock' },
      ],
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const data = response.body.data;
    assert.deepEqual(data.summary, { applied: 3, failed: 3 });
    assert.deepEqual(
      data.results.map((r: { line: number; status: string; error?: { code: string } }) => [
        r.line,
        r.status,
        r.error?.code ?? null,
      ]),
      [
        [0, 'applied', null],
        [1, 'failed', 'INSUFFICIENT_STOCK'],
        [2, 'failed', 'ITEM_NOT_FOUND'],
        [3, 'applied', null],
        [4, 'failed', 'WAREHOUSE_INACTIVE'],
        [5, 'applied', null],
      ],
    );
    assert.equal(data.results[3].data.value, 8);
    assert.equal(data.results[1].error.details.current, 0);
    assert.equal(data.results[4].error.field, 'warehouse_id');
    assert.equal(data.results[0].error, undefined);
    assert.equal(data.results[1].data, undefined);
    assert.equal((await levelOf(t, a.id, 'default')).onHand, 8);
    assert.equal((await levelOf(t, b.id, 'default')).onHand, 2);
    assert.equal(await movementCount(t, a.id), 2);
    assert.equal(await movementCount(t, b.id), 1);
  });

  test('a schema-invalid body is 400 and applies nothing; more than 500 lines is 400', async () => {
    const item = await createItem(t, { product_id: 'bulk-bad', sku: 'BULK-BAD' });
    const good = { sku: 'BULK-BAD', mode: 'add', quantity: 1, reason: 'restock' };
    const invalid = await t.request('POST', '/api/inventory/adjustments/bulk', {
      lines: [good, { ...good, quantity: 'two' }],
    });
    assert.equal(invalid.status, 400);
    assert.equal(errorOf(invalid.body).field, 'lines.1.quantity');
    const tooMany = await t.request('POST', '/api/inventory/adjustments/bulk', {
      lines: Array.from({ length: 501 }, () => good),
    });
    assert.equal(tooMany.status, 400);
    assert.equal(errorOf(tooMany.body).field, 'lines');
    const empty = await t.request('POST', '/api/inventory/adjustments/bulk', { lines: [] });
    assert.equal(empty.status, 400);
    assert.equal(await movementCount(t, item.id), 0);
  });

  test('500 lines fit in one call', async () => {
    const item = await createItem(t, { product_id: 'bulk-500', sku: 'BULK-500' });
    const response = await t.request('POST', '/api/inventory/adjustments/bulk', {
      lines: Array.from({ length: 500 }, (_, i) => ({
        sku: 'BULK-500',
        warehouse_id: 'default',
        mode: 'add',
        quantity: 1,
        reason: 'restock',
        note: `pallet ${i} of the spring delivery`,
      })),
    });
    assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 300));
    assert.deepEqual(response.body.data.summary, { applied: 500, failed: 0 });
    assert.equal((await levelOf(t, item.id, 'default')).onHand, 500);
  });
});

/** Starts the service listening (once) for tests that need real parallel HTTP requests. */
let baseUrl: string | undefined;
async function listening(): Promise<string> {
  baseUrl ??= await t.service.start();
  return baseUrl;
}
