import assert from 'node:assert/strict';
import type { TestService } from './test-service.ts';

/** Seed 000 calls with the happy-path assertions folded in, for tests about something else. */
export async function initProduct(
  t: TestService,
  productId: string,
  quantity: number,
): Promise<void> {
  const response = await t.request('POST', '/inventory/init', { productId, quantity });
  assert.equal(response.status, 201, JSON.stringify(response.body));
}

export async function reserve(
  t: TestService,
  productId: string,
  quantity: number,
  orderId = 'order-1',
): Promise<string> {
  const response = await t.request('POST', '/inventory/reserve', { productId, orderId, quantity });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.data.reservationId as string;
}

export async function stockOf(
  t: TestService,
  productId: string,
): Promise<{ availableQuantity: number; reservedQuantity: number }> {
  const response = await t.request('GET', `/inventory/${productId}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

/** Backdates a reservation's expiry, as if its TTL had run out, without waiting for it. */
export async function backdateExpiry(t: TestService, reservationId: string): Promise<void> {
  await t.db.query(
    "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
    [reservationId],
  );
}

/** Backdates every pending reservation holding `productId`. */
export async function backdateProductReservations(
  t: TestService,
  productId: string,
): Promise<void> {
  await t.db.query(
    `UPDATE reservations SET expires_at = now() - interval '1 second'
     WHERE status = 'PENDING' AND id IN (
       SELECT l.reservation_id FROM reservation_lines l JOIN items i ON i.id = l.item_id
       WHERE i.product_id = $1)`,
    [productId],
  );
}
