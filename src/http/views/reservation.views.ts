import type { ProductAvailability } from '../../app/check-availability.ts';
import type { LineFailure, PlannedAllocation } from '../../app/plan-cart.ts';
import type { ReservationLineDetail } from '../../app/ports.ts';
import type { ReservationOutcome } from '../../app/reserve-stock.ts';
import type { ReservationStatus } from '../../domain/reservation.ts';
import { isoTime } from './iso-time.ts';

/** Seed 002's words for reservation states. */
const SEED002_STATUS: Readonly<Record<ReservationStatus, string>> = {
  PENDING: 'ACTIVE',
  COMMITTED: 'CONFIRMED',
  FULFILLED: 'FULFILLED',
  RELEASED: 'CANCELLED',
  EXPIRED: 'EXPIRED',
};

type Piece = Pick<
  PlannedAllocation,
  | 'requestLine'
  | 'requestQuantity'
  | 'productId'
  | 'variantId'
  | 'sku'
  | 'kitProductId'
  | 'warehouseId'
  | 'quantity'
  | 'backordered'
> & { readonly reason: string | null; readonly committedQuantity?: number };

/**
 * One entry per request line. A plain line lists where its units come from; a kit line lists its
 * components, each with where its units come from.
 */
function requestLines(pieces: readonly Piece[]) {
  const lines = Map.groupBy(pieces, (piece) => piece.requestLine);
  return [...lines].map(([line, own]) => {
    const first = own[0] as Piece;
    const allocationsOf = (rows: readonly Piece[]) =>
      rows.map((row) => ({
        warehouse_id: row.warehouseId,
        quantity: row.quantity,
        backordered: row.backordered,
        ...(row.committedQuantity === undefined
          ? {}
          : { committed_quantity: row.committedQuantity }),
        reason: row.reason,
      }));
    const sum = (rows: readonly Piece[], pick: (row: Piece) => number) =>
      rows.reduce((total, row) => total + pick(row), 0);
    if (first.kitProductId === null) {
      return {
        line,
        product_id: first.productId,
        variant_id: first.variantId === '' ? null : first.variantId,
        sku: first.sku,
        quantity: first.requestQuantity,
        backordered: sum(own, (r) => r.backordered),
        allocations: allocationsOf(own),
      };
    }
    const components = Map.groupBy(own, (row) => `${row.productId}|${row.variantId}`);
    return {
      line,
      product_id: first.kitProductId,
      kit: true,
      quantity: first.requestQuantity,
      backordered: sum(own, (r) => r.backordered),
      components: [...components.values()]
        .sort((a, b) => ((a[0]?.productId ?? '') < (b[0]?.productId ?? '') ? -1 : 1))
        .map((rows) => {
          const c = rows[0] as Piece;
          return {
            product_id: c.productId,
            variant_id: c.variantId === '' ? null : c.variantId,
            sku: c.sku,
            quantity: sum(rows, (r) => r.quantity),
            backordered: sum(rows, (r) => r.backordered),
            allocations: allocationsOf(rows),
          };
        }),
    };
  });
}

function piecesOf(lines: readonly ReservationLineDetail[], withCommitted: boolean): Piece[] {
  return lines.map((line) => ({
    ...line,
    reason: line.allocationReason,
    ...(withCommitted ? { committedQuantity: line.committedQuantity } : {}),
  }));
}

export function toReservationView(outcome: ReservationOutcome) {
  const r = outcome.reservation;
  const committed = r.status === 'COMMITTED' || r.status === 'FULFILLED';
  return {
    id: r.id,
    order_id: r.orderId,
    status: SEED002_STATUS[r.status],
    expires_at: isoTime(r.expiresAt),
    created_at: isoTime(r.createdAt),
    confirmed_at: r.committedAt?.toISOString() ?? null,
    fulfilled_at: r.fulfilledAt?.toISOString() ?? null,
    allocation_strategy: r.allocationStrategy,
    items: requestLines(piecesOf(outcome.lines, committed)),
  };
}

export function toFailureView(failure: LineFailure) {
  return {
    line: failure.line,
    code: failure.code,
    message: failure.message,
    ...(failure.productId === undefined ? {} : { product_id: failure.productId }),
    ...(failure.requested === undefined ? {} : { requested: failure.requested }),
    ...(failure.available === undefined ? {} : { available: failure.available }),
  };
}

export function toCartCheckView(
  strategy: string,
  plan:
    | { ok: true; allocations: readonly PlannedAllocation[] }
    | { ok: false; failures: readonly LineFailure[] },
) {
  return plan.ok
    ? { available: true, strategy, items: requestLines(plan.allocations), failures: [] }
    : { available: false, strategy, items: [], failures: plan.failures.map(toFailureView) };
}

export function toAvailabilityView(availability: ProductAvailability) {
  const item = availability.item;
  return {
    product_id: item.productId,
    variant_id: item.variantId === '' ? null : item.variantId,
    item_id: item.id,
    sku: item.sku,
    is_kit: item.isKit,
    status: availability.status,
    sales_blocked: item.salesBlocked,
    available: availability.available,
    warehouses: availability.warehouses.map((w) => ({
      warehouse_id: w.warehouseId,
      active: w.active,
      available: w.available,
      ...(w.stock === undefined
        ? {}
        : {
            on_hand: w.stock.onHand,
            reserved: w.stock.reserved,
            committed: w.stock.committed,
            incoming: w.stock.incoming,
            incoming_expected_at: w.stock.incomingExpectedAt?.toISOString() ?? null,
            backordered: w.stock.backordered,
          }),
    })),
  };
}
