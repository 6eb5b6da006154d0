import assert from 'node:assert/strict';
import type { ApiBody, TestService } from './test-service.ts';

/** Item and stock-operation calls with the happy-path assertions folded in. */
export async function createItem(
  t: TestService,
  body: Record<string, unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: response data is asserted field by field
): Promise<any> {
  const response = await t.request('POST', '/api/inventory/items', {
    reorder_point: 0,
    reorder_quantity: 0,
    ...body,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.data;
}

export async function adjust(
  t: TestService,
  body: Record<string, unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: response data is asserted field by field
): Promise<any> {
  const response = await t.request('POST', '/api/inventory/adjustments', {
    mode: 'add',
    reason: 'restock',
    ...body,
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

// biome-ignore lint/suspicious/noExplicitAny: response data is asserted field by field
export async function getItem(t: TestService, itemId: string): Promise<any> {
  const response = await t.request('GET', `/api/inventory/items/${itemId}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

/** Adds a warehouse straight into the table (the warehouse API is not what these tests are about). */
export async function insertWarehouse(
  t: TestService,
  id: string,
  options: { active?: boolean } = {},
): Promise<void> {
  await t.db.query('INSERT INTO warehouses (id, name, active) VALUES ($1, $2, $3)', [
    id,
    `Warehouse ${id}`,
    options.active ?? true,
  ]);
}

/** One stock level's buckets straight from the table (zeros when there is none). */
export async function levelOf(
  t: TestService,
  itemId: string,
  warehouseId: string,
): Promise<{
  onHand: number;
  reserved: number;
  incoming: number;
  damaged: number;
  safetyStock: number;
}> {
  const rows = await t.db.query<{
    onHand: number;
    reserved: number;
    incoming: number;
    damaged: number;
    safetyStock: number;
  }>(
    `SELECT on_hand AS "onHand", reserved, incoming, damaged, safety_stock AS "safetyStock"
     FROM stock_levels WHERE item_id = $1 AND warehouse_id = $2`,
    [itemId, warehouseId],
  );
  return rows[0] ?? { onHand: 0, reserved: 0, incoming: 0, damaged: 0, safetyStock: 0 };
}

export async function movementCount(t: TestService, itemId: string): Promise<number> {
  const rows = await t.db.query<{ n: number }>(
    'SELECT count(*)::bigint AS n FROM stock_movements WHERE item_id = $1',
    [itemId],
  );
  return rows[0]?.n ?? 0;
}

export function errorOf(body: ApiBody): { code: string; field?: string } {
  assert.equal(body.success, false, JSON.stringify(body));
  assert.ok(body.error !== undefined);
  return body.error;
}
