import { lineEffect } from '../domain/reservation-effects.ts';
import { lineMovement } from './apply-line-step.ts';
import type { AppDeps, RequestContext } from './ports.ts';

const SWEEPER_CONTEXT: RequestContext = { actor: 'system:expiry-worker', correlationId: undefined };

/**
 * Expires one batch of pending reservations past their expiry and returns their units to available.
 * Returns how many reservations it expired; the caller repeats while batches come back full.
 */
export async function expireDueReservations(deps: AppDeps, batchSizeMax: number): Promise<number> {
  return deps.tx.run(async (uow) => {
    const lines = await uow.reservations.expireDue(batchSizeMax);
    if (lines.length === 0) {
      return 0;
    }
    // The ledger rows go first and the stock rows last: the stock rows stay locked only from that
    // update to the commit, so sweeps running side by side (EXPIRATION_CONCURRENCY) and reserve
    // batches wait on them for one statement, not for the whole sweep.
    await uow.movements.append(
      lines.map((line) =>
        lineMovement(
          'expire',
          line,
          { id: line.reservationId, orderId: line.orderId },
          SWEEPER_CONTEXT,
        ),
      ),
    );
    await uow.stock.applyDeltas(
      lines.map((line) => ({
        itemId: line.itemId,
        warehouseId: line.warehouseId,
        deltas: lineEffect('expire', line),
      })),
    );
    return new Set(lines.map((line) => line.reservationId)).size;
  });
}

/** Deletes one batch of idempotency records past their retention; returns how many. */
export function purgeExpiredIdempotencyKeys(deps: AppDeps, batchSizeMax: number): Promise<number> {
  return deps.reader.idempotency.purgeExpired(batchSizeMax);
}
