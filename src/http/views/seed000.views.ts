import type { ProductStock } from '../../app/product-stock.ts';
import type { ReservationOutcome } from '../../app/reserve-stock.ts';
import type { ReservationStatus } from '../../domain/reservation.ts';
import { isoTime } from './iso-time.ts';

/** Seed 000 speaks of RESERVED / RELEASED / DEDUCTED; our states are named for the two-phase model. */
type Seed000Status = 'RESERVED' | 'DEDUCTED' | 'RELEASED' | 'EXPIRED';

const SEED000_STATUS: Readonly<Record<ReservationStatus, Seed000Status>> = {
  PENDING: 'RESERVED',
  // Confirmed through seed 002's API but not shipped: seed 000 has no word for it nearer than this.
  COMMITTED: 'DEDUCTED',
  FULFILLED: 'DEDUCTED',
  RELEASED: 'RELEASED',
  EXPIRED: 'EXPIRED',
};

export function toInventoryStock(stock: ProductStock) {
  return {
    productId: stock.item.productId,
    availableQuantity: stock.totals.available,
    reservedQuantity: stock.totals.reserved,
    createdAt: stock.item.createdAt.toISOString(),
    updatedAt: latest(stock.item.updatedAt, stock.totals.updatedAt).toISOString(),
  };
}

export function toInventoryReservation(outcome: ReservationOutcome) {
  const first = outcome.lines[0];
  if (first === undefined) {
    throw new Error(`assertion failed: reservation ${outcome.reservation.id} has no lines`);
  }
  return {
    reservationId: outcome.reservation.id,
    productId: first.productId,
    orderId: outcome.reservation.orderId,
    quantity: outcome.lines.reduce((sum, line) => sum + line.quantity, 0),
    status: SEED000_STATUS[outcome.reservation.status],
    expiresAt: isoTime(outcome.reservation.expiresAt),
    createdAt: isoTime(outcome.reservation.createdAt),
  };
}

function latest(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** Seed 000's success envelope. */
export function ok<T>(message: string, data: T) {
  return { success: true as const, message, data };
}
