import { randomUUID } from 'node:crypto';
import type { PlannedReservation, ReservationLine } from '../../src/app/ports.ts';

/**
 * Planned reservations as the batcher receives them (after planning), for tests that drive
 * the reservation batch functions directly: one line of `quantity` units of `itemId` in the default
 * warehouse, nothing backordered or committed.
 */
export function plannedLine(itemId: string, quantity: number, lineNo = 1): ReservationLine {
  return {
    lineNo,
    itemId,
    warehouseId: 'default',
    quantity,
    backordered: 0,
    committedQuantity: 0,
    committedBackordered: 0,
    requestLine: lineNo,
    requestQuantity: quantity,
    kitItemId: null,
    allocationReason: null,
  };
}

export function plannedReservation(lines: ReservationLine[], orderId = 'o'): PlannedReservation {
  return {
    id: randomUUID(),
    orderId,
    ttlMs: 60_000,
    actor: 'test',
    correlationId: undefined,
    allocationStrategy: undefined,
    destinationPostalCode: undefined,
    lines,
  };
}
