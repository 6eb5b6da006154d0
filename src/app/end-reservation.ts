import { assert } from '../domain/errors.ts';
import { explainUnendable, type ReservationEnding } from '../domain/reservation.ts';
import type { AppDeps, RequestContext } from './ports.ts';
import { type ReservationOutcome, reservationMovement } from './reserve-stock.ts';

/** Cancels a pending reservation: its units return to available. Allowed past expiry. */
export function releaseReservation(
  deps: AppDeps,
  reservationId: string,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return endReservation(deps, reservationId, 'RELEASED', context);
}

/**
 * Finalises a pending reservation (seed 000's deduct): its units leave reserved and on hand. Refused
 * once the reservation is past its expiry, even if the sweeper has not reached it yet, so a late
 * payment can never take units that were promised back to the shelf.
 */
export function deductReservation(
  deps: AppDeps,
  reservationId: string,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return endReservation(deps, reservationId, 'FULFILLED', context);
}

async function endReservation(
  deps: AppDeps,
  reservationId: string,
  ending: ReservationEnding,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return deps.tx.run(async (uow) => {
    const reservation = await uow.reservations.endIfPending({
      id: reservationId,
      ending,
      requireUnexpired: ending !== 'RELEASED',
    });
    if (reservation === undefined) {
      throw explainUnendable(
        reservationId,
        await uow.reservations.findState(reservationId),
        ending,
      );
    }
    const lines = await uow.reservations.findLines(reservationId);
    const changed =
      ending === 'FULFILLED'
        ? await uow.stock.deductReserved(lines)
        : await uow.stock.unreserve(lines);
    assert(changed > 0, `reservation ${reservationId} changed no stock level`);
    const kind = ending === 'FULFILLED' ? 'DEDUCT' : 'RELEASE';
    await uow.movements.append(
      lines.map((line) => reservationMovement(line, reservation, kind, context)),
    );
    return { reservation, lines };
  });
}
