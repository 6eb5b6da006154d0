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

/** The moves out of PENDING that a caller asks for (expiry is the sweeper's). */
export type ReservationEnding = 'COMMITTED' | 'FULFILLED' | 'RELEASED';

export interface ReservationState {
  readonly id: string;
  readonly status: ReservationStatus;
  readonly expiresAt: Date;
}

/**
 * Why a reservation could not be ended with `ending`, given the state it was found in after the
 * conditional update matched nothing. A pending reservation past its expiry cannot be committed even
 * when the sweeper has not reached it yet; releasing it is allowed (it returns the same stock the
 * sweeper would).
 */
export function explainUnendable(
  reservationId: string,
  state: ReservationState | undefined,
  ending: ReservationEnding,
): DomainError {
  if (state === undefined) {
    return new DomainError('RESERVATION_NOT_FOUND', `reservation ${reservationId} does not exist`, {
      reservationId,
    });
  }
  switch (state.status) {
    case 'RELEASED':
      return new DomainError(
        'RESERVATION_ALREADY_RELEASED',
        `reservation ${reservationId} was already released`,
        { reservationId },
      );
    case 'FULFILLED':
      return new DomainError(
        'RESERVATION_ALREADY_DEDUCTED',
        `reservation ${reservationId} was already deducted (fulfilled)`,
        { reservationId },
      );
    case 'COMMITTED':
      return new DomainError(
        'RESERVATION_ALREADY_COMMITTED',
        `reservation ${reservationId} was already confirmed`,
        { reservationId },
      );
    case 'EXPIRED':
      return expired(reservationId, state.expiresAt);
    case 'PENDING':
      // Only a commit or fulfil refuses a pending row, and only because it is past its expiry.
      if (ending !== 'RELEASED') {
        return expired(reservationId, state.expiresAt);
      }
      throw new Error(
        `assertion failed: release of pending reservation ${reservationId} matched no row`,
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
