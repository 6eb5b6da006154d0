import { DomainError } from './errors.ts';

/**
 * A reservation is a two-phase hold: PENDING, then exactly one of COMMITTED (confirmed; its units
 * wait in the committed bucket), FULFILLED (shipped; the units left), RELEASED or EXPIRED. A
 * COMMITTED one later becomes FULFILLED, or RELEASED when the order is cancelled. Every move is one
 * conditional update on the row's status, so of two racing movers exactly one matches.
 */
export const RESERVATION_STATUSES = [
  'PENDING',
  'COMMITTED',
  'FULFILLED',
  'RELEASED',
  'EXPIRED',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** What a caller tried to do to a reservation. */
export type ReservationMove = 'release' | 'deduct' | 'commit' | 'fulfil' | 'extend' | 'expire';

export interface ReservationState {
  readonly id: string;
  readonly status: ReservationStatus;
  readonly expiresAt: Date;
}

/**
 * Why `move` was refused, given the state the reservation was found in after the conditional
 * update matched nothing. A pending reservation past its expiry cannot be committed, deducted or
 * extended even when the sweeper has not reached it yet; releasing it is allowed (it returns the
 * same stock the sweeper would).
 */
export function explainRefusedMove(
  reservationId: string,
  state: ReservationState | undefined,
  move: ReservationMove,
): DomainError {
  const details = { reservationId };
  if (state === undefined) {
    return new DomainError(
      'RESERVATION_NOT_FOUND',
      `reservation ${reservationId} does not exist`,
      details,
    );
  }
  switch (state.status) {
    case 'RELEASED':
      return new DomainError(
        'RESERVATION_ALREADY_RELEASED',
        `reservation ${reservationId} was already released`,
        details,
      );
    case 'FULFILLED':
      return new DomainError(
        'RESERVATION_ALREADY_DEDUCTED',
        `reservation ${reservationId} was already deducted (fulfilled)`,
        details,
      );
    case 'EXPIRED':
      return expired(reservationId, state.expiresAt);
    case 'COMMITTED':
      return new DomainError(
        'RESERVATION_ALREADY_COMMITTED',
        `reservation ${reservationId} was already confirmed`,
        details,
      );
    case 'PENDING':
      if (move === 'fulfil') {
        return new DomainError(
          'RESERVATION_NOT_COMMITTED',
          `reservation ${reservationId} is not confirmed yet; confirm it before fulfilling`,
          details,
        );
      }
      if (move === 'commit' || move === 'deduct' || move === 'extend') {
        return expired(reservationId, state.expiresAt);
      }
      throw new Error(
        `assertion failed: ${move} of pending reservation ${reservationId} matched no row`,
      );
  }
}

function expired(reservationId: string, expiresAt: Date): DomainError {
  return new DomainError(
    'RESERVATION_EXPIRED',
    `reservation ${reservationId} expired at ${expiresAt.toISOString()}`,
    { reservationId, expiresAt: expiresAt.toISOString() },
  );
}
