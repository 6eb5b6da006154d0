import { assert } from '../domain/errors.ts';
import { type LineStep, lineEffect, MOVEMENT_KIND_OF } from '../domain/reservation-effects.ts';
import type { MovementDraft, RequestContext, ReservationLine, UnitOfWork } from './ports.ts';

type ReservationRef = { readonly id: string; readonly orderId: string };

/**
 * Applies one lifecycle step to a reservation's lines: the stock buckets change by the step's
 * effect (one statement for all lines) and the ledger gets one row per line with the same deltas.
 */
export async function applyLineStep(
  uow: UnitOfWork,
  step: LineStep,
  lines: readonly ReservationLine[],
  reservation: ReservationRef,
  context: RequestContext,
): Promise<void> {
  const changed = await uow.stock.applyDeltas(
    lines.map((line) => ({
      itemId: line.itemId,
      warehouseId: line.warehouseId,
      deltas: lineEffect(step, line),
    })),
  );
  assert(changed > 0, `${step} of reservation ${reservation.id} changed no stock level`);
  await recordLineStep(uow, step, lines, reservation, context);
}

/** The ledger rows of a step whose stock changes were made otherwise (reserve's conditional ones). */
export async function recordLineStep(
  uow: UnitOfWork,
  step: LineStep,
  lines: readonly ReservationLine[],
  reservation: ReservationRef,
  context: RequestContext,
): Promise<void> {
  await uow.movements.append(lines.map((line) => lineMovement(step, line, reservation, context)));
}

/** The ledger row of one line's step. */
export function lineMovement(
  step: LineStep,
  line: ReservationLine,
  reservation: ReservationRef,
  context: RequestContext,
): MovementDraft {
  return {
    itemId: line.itemId,
    warehouseId: line.warehouseId,
    deltas: lineEffect(step, line),
    kind: MOVEMENT_KIND_OF[step],
    reason: MOVEMENT_KIND_OF[step].toLowerCase(),
    referenceType: 'order',
    referenceId: reservation.orderId,
    reservationId: reservation.id,
    actor: context.actor,
    correlationId: context.correlationId ?? null,
  };
}
