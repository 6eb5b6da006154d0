import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  adjust,
  createItem,
  errorOf,
  getItem,
  insertWarehouse,
  levelOf,
  movementCount,
} from '../helpers/catalog-client.ts';
import { post } from '../helpers/http-client.ts';
import { reserve } from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/** Transfers between warehouses (at once or with a receive step), incoming stock and receipts. */
const t = useTestService({}, async (service) => {
  await insertWarehouse(service, 'tr-north');
  await insertWarehouse(service, 'tr-south');
  await insertWarehouse(service, 'tr-closed', { active: false });
});

/** A fresh item with `onHand` units in the default warehouse. */
async function stockedItem(productId: string, onHand: number): Promise<string> {
  const item = await createItem(t, { product_id: productId, sku: productId.toUpperCase() });
  if (onHand > 0) {
    await adjust(t, { item_id: item.id, quantity: onHand });
  }
  return item.id;
}

async function transfer(body: Record<string, unknown>) {
  return t.request('POST', '/api/inventory/transfers', body);
}

describe('POST /api/inventory/transfers', () => {
  test('moves units at once; the item’s total over warehouses is kept', async () => {
    const itemId = await stockedItem('tr-direct', 20);
    const response = await transfer({
      item_id: itemId,
      from_warehouse_id: 'default',
      to_warehouse_id: 'tr-north',
      quantity: 8,
      note: 'rebalance',
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const data = response.body.data;
    assert.equal(data.status, 'RECEIVED');
    assert.equal(data.quantity, 8);
    assert.equal(data.note, 'rebalance');
    assert.ok(data.received_at !== null);
    assert.equal((await levelOf(t, itemId, 'default')).onHand, 12);
    assert.equal((await levelOf(t, itemId, 'tr-north')).onHand, 8);
    const item = await getItem(t, itemId);
    assert.equal(item.totals.on_hand, 20);
    assert.equal(item.totals.available, 20);
    const ledger = await t.db.query<{ kind: string; warehouseId: string; onHand: number }>(
      `SELECT kind, warehouse_id AS "warehouseId", on_hand_delta AS "onHand"
       FROM stock_movements WHERE item_id = $1 AND reference_id = $2 ORDER BY id`,
      [itemId, data.id],
    );
    assert.deepEqual(
      ledger.map((row) => [row.kind, row.warehouseId, row.onHand]),
      [
        ['TRANSFER_OUT', 'default', -8],
        ['TRANSFER_IN', 'tr-north', 8],
      ],
    );
  });

  test('only available units move: reserved ones stay, and more is 409 INSUFFICIENT_STOCK', async () => {
    const itemId = await stockedItem('tr-short', 10);
    await reserve(t, 'tr-short', 7);
    const before = await movementCount(t, itemId);
    const response = await transfer({
      item_id: itemId,
      from_warehouse_id: 'default',
      to_warehouse_id: 'tr-north',
      quantity: 4,
    });
    assert.equal(response.status, 409);
    assert.equal(errorOf(response.body).code, 'INSUFFICIENT_STOCK');
    assert.equal(response.body.error?.details?.available, 3);
    assert.equal((await levelOf(t, itemId, 'default')).onHand, 10);
    assert.equal((await levelOf(t, itemId, 'tr-north')).onHand, 0);
    assert.equal(await movementCount(t, itemId), before);
    const transfers = await t.db.query('SELECT 1 FROM transfers WHERE item_id = $1', [itemId]);
    assert.equal(transfers.length, 0);
    const fromEmpty = await transfer({
      item_id: itemId,
      from_warehouse_id: 'tr-south',
      to_warehouse_id: 'default',
      quantity: 1,
    });
    assert.equal(fromEmpty.status, 409);
    assert.equal(fromEmpty.body.error?.details?.available, 0);
  });

  test('with receive_step the units travel as incoming until received, once', async () => {
    const itemId = await stockedItem('tr-step', 10);
    const expectedAt = '2030-01-15T10:00:00.000Z';
    const created = await transfer({
      sku: 'TR-STEP',
      from_warehouse_id: 'default',
      to_warehouse_id: 'tr-south',
      quantity: 6,
      receive_step: true,
      expected_at: expectedAt,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.data.status, 'IN_TRANSIT');
    assert.equal(created.body.data.received_at, null);
    const id = created.body.data.id;
    const inTransit = await levelOf(t, itemId, 'tr-south');
    assert.deepEqual([inTransit.onHand, inTransit.incoming], [0, 6]);
    const expected = await t.db.query<{ at: Date }>(
      `SELECT incoming_expected_at AS at FROM stock_levels
       WHERE item_id = $1 AND warehouse_id = 'tr-south'`,
      [itemId],
    );
    assert.equal(expected[0]?.at.toISOString(), expectedAt);
    const during = await getItem(t, itemId);
    assert.equal(during.totals.on_hand + during.totals.incoming, 10);
    assert.equal(during.totals.available, 4);

    const fetched = await t.request('GET', `/api/inventory/transfers/${id}`);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.data.status, 'IN_TRANSIT');

    const received = await t.request('POST', `/api/inventory/transfers/${id}/receive`);
    assert.equal(received.status, 200, JSON.stringify(received.body));
    assert.equal(received.body.data.status, 'RECEIVED');
    const arrived = await levelOf(t, itemId, 'tr-south');
    assert.deepEqual([arrived.onHand, arrived.incoming], [6, 0]);
    assert.equal((await getItem(t, itemId)).totals.on_hand, 10);

    const again = await t.request('POST', `/api/inventory/transfers/${id}/receive`);
    assert.equal(again.status, 409);
    assert.equal(errorOf(again.body).code, 'TRANSFER_ALREADY_RECEIVED');
    assert.equal((await levelOf(t, itemId, 'tr-south')).onHand, 6);
  });

  test('parallel receives of one transfer: exactly one moves the stock', async () => {
    const itemId = await stockedItem('tr-race', 5);
    const created = await transfer({
      item_id: itemId,
      from_warehouse_id: 'default',
      to_warehouse_id: 'tr-north',
      quantity: 5,
      receive_step: true,
    });
    const baseUrl = await listening();
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        post(baseUrl, `/api/inventory/transfers/${created.body.data.id}/receive`, {}),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(
      results
        .filter((r) => r.status !== 200)
        .every((r) => r.status === 409 && r.body.error.code === 'TRANSFER_ALREADY_RECEIVED'),
    );
    const level = await levelOf(t, itemId, 'tr-north');
    assert.deepEqual([level.onHand, level.incoming], [5, 0]);
  });

  test('transfers in opposite directions in parallel keep the total and never fail on locks', async () => {
    const itemId = await stockedItem('tr-swap', 100);
    await t.request('POST', '/api/inventory/transfers', {
      item_id: itemId,
      from_warehouse_id: 'default',
      to_warehouse_id: 'tr-north',
      quantity: 50,
    });
    const baseUrl = await listening();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(baseUrl, '/api/inventory/transfers', {
          item_id: itemId,
          from_warehouse_id: i % 2 === 0 ? 'default' : 'tr-north',
          to_warehouse_id: i % 2 === 0 ? 'tr-north' : 'default',
          quantity: 1,
        }),
      ),
    );
    assert.ok(
      results.every((r) => r.status === 201),
      JSON.stringify(results.find((r) => r.status !== 201)?.body),
    );
    const a = await levelOf(t, itemId, 'default');
    const b = await levelOf(t, itemId, 'tr-north');
    assert.equal(a.onHand + b.onHand, 100);
    assert.equal(a.onHand, 50);
  });

  test('refusals: same warehouse, inactive or unknown warehouse, stray expected_at, unknown transfer', async () => {
    const itemId = await stockedItem('tr-bad', 5);
    const base = { item_id: itemId, from_warehouse_id: 'default', quantity: 1 };
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ ...base, to_warehouse_id: 'default' }, 400, 'VALIDATION_ERROR', 'to_warehouse_id'],
      [{ ...base, to_warehouse_id: 'tr-closed' }, 409, 'WAREHOUSE_INACTIVE', 'to_warehouse_id'],
      [{ ...base, to_warehouse_id: 'tr-nowhere' }, 404, 'WAREHOUSE_NOT_FOUND', 'to_warehouse_id'],
      [
        { ...base, from_warehouse_id: 'tr-closed', to_warehouse_id: 'tr-north' },
        409,
        'WAREHOUSE_INACTIVE',
        'from_warehouse_id',
      ],
      [
        { ...base, to_warehouse_id: 'tr-north', expected_at: '2030-01-01T00:00:00Z' },
        400,
        'VALIDATION_ERROR',
        'expected_at',
      ],
      [
        { ...base, to_warehouse_id: 'tr-north', receive_step: true, expected_at: 'tomorrow' },
        400,
        'VALIDATION_ERROR',
        'expected_at',
      ],
      [{ ...base, to_warehouse_id: 'tr-north', quantity: 0 }, 400, 'VALIDATION_ERROR', 'quantity'],
    ];
    const before = await movementCount(t, itemId);
    for (const [body, status, code, field] of cases) {
      const response = await transfer(body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.equal(errorOf(response.body).code, code);
      assert.equal(errorOf(response.body).field, field);
    }
    assert.equal(await movementCount(t, itemId), before);
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, url] of [
      ['GET', `/api/inventory/transfers/${unknown}`],
      ['POST', `/api/inventory/transfers/${unknown}/receive`],
    ] as const) {
      const response = await t.request(method, url);
      assert.equal(response.status, 404);
      assert.equal(errorOf(response.body).code, 'TRANSFER_NOT_FOUND');
    }
  });
});

describe('POST /api/inventory/incoming and /receipts', () => {
  test('incoming units are not available until received; receiving more than incoming is refused', async () => {
    const itemId = await stockedItem('po-1', 0);
    const incoming = await t.request('POST', '/api/inventory/incoming', {
      item_id: itemId,
      warehouse_id: 'tr-north',
      quantity: 30,
      expected_at: '2030-02-01T00:00:00Z',
      reference: { type: 'purchase_order', id: 'PO-1001' },
    });
    assert.equal(incoming.status, 200, JSON.stringify(incoming.body));
    assert.equal(incoming.body.data.stock.incoming, 30);
    assert.equal(incoming.body.data.stock.available, 0);

    const tooMany = await t.request('POST', '/api/inventory/receipts', {
      item_id: itemId,
      warehouse_id: 'tr-north',
      quantity: 31,
    });
    assert.equal(tooMany.status, 409);
    assert.equal(errorOf(tooMany.body).code, 'INSUFFICIENT_INCOMING');
    assert.equal(tooMany.body.error?.details?.incoming, 30);

    const part = await t.request('POST', '/api/inventory/receipts', {
      item_id: itemId,
      warehouse_id: 'tr-north',
      quantity: 12,
      reference: { type: 'purchase_order', id: 'PO-1001' },
    });
    assert.equal(part.status, 200, JSON.stringify(part.body));
    assert.equal(part.body.data.stock.on_hand, 12);
    assert.equal(part.body.data.stock.incoming, 18);
    assert.equal(part.body.data.stock.available, 12);
    const ledger = await t.db.query<{ kind: string; onHand: number; incoming: number }>(
      `SELECT kind, on_hand_delta AS "onHand", incoming_delta AS incoming
       FROM stock_movements WHERE item_id = $1 AND reference_id = 'PO-1001' ORDER BY id`,
      [itemId],
    );
    assert.deepEqual(
      ledger.map((row) => [row.kind, row.onHand, row.incoming]),
      [
        ['INCOMING', 0, 30],
        ['RECEIVE', 12, -12],
      ],
    );
  });

  test('a receipt where nothing is incoming is 409; unknown warehouse 404; inactive refuses incoming', async () => {
    const itemId = await stockedItem('po-2', 0);
    const nothing = await t.request('POST', '/api/inventory/receipts', {
      item_id: itemId,
      quantity: 1,
    });
    assert.equal(nothing.status, 409);
    assert.equal(errorOf(nothing.body).code, 'INSUFFICIENT_INCOMING');
    const unknown = await t.request('POST', '/api/inventory/receipts', {
      item_id: itemId,
      warehouse_id: 'tr-nowhere',
      quantity: 1,
    });
    assert.equal(unknown.status, 404);
    const closed = await t.request('POST', '/api/inventory/incoming', {
      item_id: itemId,
      warehouse_id: 'tr-closed',
      quantity: 1,
    });
    assert.equal(closed.status, 409);
    assert.equal(errorOf(closed.body).code, 'WAREHOUSE_INACTIVE');
    assert.equal(await movementCount(t, itemId), 0);
  });
});

/** Starts the service listening (once) for tests that need real parallel HTTP requests. */
let baseUrl: string | undefined;
async function listening(): Promise<string> {
  baseUrl ??= await t.service.start();
  return baseUrl;
}
