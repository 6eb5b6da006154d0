import type { Bucket, MovementKind } from '../domain/stock.ts';
import type { MovementDraft, RequestContext } from './ports.ts';

/**
 * The ledger row of a stock change that belongs to no reservation (init, receipts, adjustments,
 * transfers): who, why, and what it refers to come from one place. Reservation steps have their
 * own (apply-line-step.ts).
 */
export function stockMovement(
  change: {
    readonly itemId: string;
    readonly warehouseId: string;
    readonly kind: MovementKind;
    readonly deltas: Readonly<Partial<Record<Bucket, number>>>;
    readonly reason: string;
    readonly reference?: { readonly type: string; readonly id: string } | undefined;
  },
  context: RequestContext,
): MovementDraft {
  return {
    itemId: change.itemId,
    warehouseId: change.warehouseId,
    kind: change.kind,
    deltas: change.deltas,
    reason: change.reason,
    referenceType: change.reference?.type ?? null,
    referenceId: change.reference?.id ?? null,
    reservationId: null,
    actor: context.actor,
    correlationId: context.correlationId ?? null,
  };
}
