import { isSqlError } from '../db/database.ts';
import { DomainError } from '../domain/errors.ts';
import { RESERVATION_TTL_MS_MAX, RESERVATION_TTL_MS_MIN } from '../domain/limits.ts';
import {
  explainRefusedMove,
  type ReservationMove,
  type ReservationStatus,
} from '../domain/reservation.ts';
import { distributeCommit } from '../domain/reservation-effects.ts';
import { applyLineStep } from './apply-line-step.ts';
import type {
  AppDeps,
  EndRequest,
  RequestContext,
  ReservationRecord,
  UnitOfWork,
} from './ports.ts';
import type { ReservationOutcome } from './reserve-stock.ts';

/**
 * Every move of a reservation after it was made, each decided under the reservation's row lock
 * against the status it finds (so of two racing moves exactly one wins) and followed by the stock
 * and ledger effects of that move: release, deduct and a whole confirm in the end batch
 * (db/end-batcher.ts), the others as one conditional status update in a transaction.
 */

async function refuse(uow: UnitOfWork, id: string, move: ReservationMove): Promise<never> {
  throw explainRefusedMove(id, await uow.reservations.findState(id), move);
}

/**
 * Cancels a reservation (seed 000's release, seed 002's cancel): a pending one returns its held
 * units (allowed past expiry, as the sweeper would); a confirmed one not yet shipped returns its
 * committed units (an order cancelled after payment). Goes through group commit.
 */
export function releaseReservation(
  deps: AppDeps,
  reservationId: string,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return endThroughBatch(deps, reservationId, 'release', context);
}

/**
 * Seed 000's deduct: confirm and ship at once (its units leave reserved and on hand). Refused once
 * the reservation is past its expiry, even if the sweeper has not reached it yet. Goes through
 * group commit.
 */
export function deductReservation(
  deps: AppDeps,
  reservationId: string,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return endThroughBatch(deps, reservationId, 'deduct', context);
}

async function endThroughBatch(
  deps: AppDeps,
  reservationId: string,
  move: EndRequest['move'],
  context: RequestContext,
): Promise<ReservationOutcome> {
  const result = await deps.endBatcher.submit({
    id: reservationId,
    move,
    actor: context.actor,
    correlationId: context.correlationId,
  });
  if (!result.ok) {
    throw explainRefusedMove(reservationId, result.state, move);
  }
  return { reservation: result.reservation, lines: result.lines };
}

export interface CommitQuantity {
  /** 1-based request line, as shown in the reservation's `items[].line`. */
  readonly line: number;
  readonly quantity: number;
}

/**
 * Confirms a pending, unexpired reservation (seed 002's confirm route).
 * With `quantities`, the named request lines keep only that many units (partial commit); the rest
 * return to available at once. Lines not named are kept whole. A confirm that keeps everything
 * goes through group commit; a partial one reads the lines first, in a transaction of its own.
 */
export function commitReservation(
  deps: AppDeps,
  reservationId: string,
  quantities: readonly CommitQuantity[],
  context: RequestContext,
): Promise<ReservationOutcome> {
  if (quantities.length === 0) {
    return endThroughBatch(deps, reservationId, 'commit', context);
  }
  return deps.tx.run(async (uow) => {
    const lines = await uow.reservations.findLines(reservationId);
    const wanted = new Map<number, number>();
    for (const q of quantities) {
      const total = lines
        .filter((l) => l.requestLine === q.line)
        .reduce((sum, l) => sum + l.quantity, 0);
      if (total === 0) {
        throw new DomainError('VALIDATION_ERROR', `items: the reservation has no line ${q.line}`, {
          field: 'items',
        });
      }
      if (q.quantity > total || wanted.has(q.line)) {
        throw new DomainError(
          'VALIDATION_ERROR',
          `items: line ${q.line} holds ${total} units; commit at most that, once per line`,
          { field: 'items' },
        );
      }
      wanted.set(q.line, q.quantity);
    }
    const reservation =
      (await uow.reservations.moveStatus({
        id: reservationId,
        from: ['PENDING'],
        to: 'COMMITTED',
        requireUnexpired: true,
      })) ?? (await refuse(uow, reservationId, 'commit'));
    const committed = lines.map((line) => ({ ...line }));
    for (const requestLine of new Set(lines.map((l) => l.requestLine))) {
      const rows = committed.filter((l) => l.requestLine === requestLine);
      const total = rows.reduce((sum, l) => sum + l.quantity, 0);
      const split = distributeCommit(rows, wanted.get(requestLine) ?? total);
      rows.forEach((row, index) => {
        Object.assign(row, split[index]);
      });
    }
    await uow.reservations.setCommitted(reservationId, committed);
    await applyLineStep(uow, 'commit', committed, reservation, context);
    return { reservation, lines: committed };
  });
}

/**
 * Ships a confirmed reservation: its committed units leave on hand. Backordered units can ship only
 * once stock has arrived to cover them; until then this answers INSUFFICIENT_STOCK.
 */
export function fulfilReservation(
  deps: AppDeps,
  reservationId: string,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return moveAndApply(
    deps,
    reservationId,
    { from: 'COMMITTED', to: 'FULFILLED', move: 'fulfil' },
    context,
  ).catch((error: unknown) => {
    // Backordered units whose stock has not arrived would take on hand below what is held.
    if (isSqlError(error) && error.code === '23514') {
      throw new DomainError(
        'INSUFFICIENT_STOCK',
        `reservation ${reservationId} has backordered units that are not in stock yet`,
        { reservationId },
      );
    }
    throw error;
  });
}

/** Pushes a pending, unexpired reservation's expiry to now + ttlMs. */
export function extendReservation(
  deps: AppDeps,
  reservationId: string,
  ttlMs: number,
): Promise<ReservationOutcome> {
  if (ttlMs < RESERVATION_TTL_MS_MIN || ttlMs > RESERVATION_TTL_MS_MAX) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `ttl_seconds must be between ${RESERVATION_TTL_MS_MIN / 1000} and ${RESERVATION_TTL_MS_MAX / 1000}`,
      { field: 'ttl_seconds' },
    );
  }
  return deps.tx.run(async (uow) => {
    const reservation =
      (await uow.reservations.extend(reservationId, ttlMs)) ??
      (await refuse(uow, reservationId, 'extend'));
    return { reservation, lines: await uow.reservations.findLines(reservationId) };
  });
}

/** Admin: expire a pending reservation now, whatever its expiry says (seed 002's runbook). */
export function expireReservationNow(
  deps: AppDeps,
  reservationId: string,
  context: RequestContext,
): Promise<ReservationOutcome> {
  return moveAndApply(
    deps,
    reservationId,
    { from: 'PENDING', to: 'EXPIRED', move: 'expire' },
    context,
  );
}

/**
 * One status move (no expiry condition) and the stock and ledger effects of its step, in one
 * transaction; the step is the move's name (fulfil, expire).
 */
function moveAndApply(
  deps: AppDeps,
  reservationId: string,
  spec: { from: ReservationStatus; to: ReservationStatus; move: 'fulfil' | 'expire' },
  context: RequestContext,
): Promise<ReservationOutcome> {
  return deps.tx.run(async (uow) => {
    const reservation =
      (await uow.reservations.moveStatus({
        id: reservationId,
        from: [spec.from],
        to: spec.to,
        requireUnexpired: false,
      })) ?? (await refuse(uow, reservationId, spec.move));
    const lines = await uow.reservations.findLines(reservationId);
    await applyLineStep(uow, spec.move, lines, reservation, context);
    return { reservation, lines };
  });
}

export async function getReservation(
  deps: AppDeps,
  reservationId: string,
): Promise<ReservationOutcome> {
  const reservation: ReservationRecord | undefined =
    await deps.reader.reservations.find(reservationId);
  if (reservation === undefined) {
    throw explainRefusedMove(reservationId, undefined, 'release');
  }
  return { reservation, lines: await deps.reader.reservations.findLines(reservationId) };
}
