import { hash } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import type { StoredIdempotentResult, UnitOfWork } from './ports.ts';

/**
 * Idempotency-Key handling shared by the use cases that accept one. The key is claimed inside the
 * use case's own transaction and the result stored in it, so "the change happened" and "the key
 * remembers it" commit together. A request that fails (e.g. INSUFFICIENT_STOCK) rolls its claim
 * back: the key stays free and a retry is evaluated afresh. (A reservation under group commit has
 * its key claimed and its answer stored by the batch, with the same guarantees: migration 0014.)
 */
export interface IdempotencyRequest {
  readonly scope: string;
  readonly key: string;
  /** The request's meaning, in a fixed field order, so that equal requests hash equally. */
  readonly fingerprint: readonly unknown[];
  readonly retentionMs: number;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly body: unknown };

export function hashFingerprint(fingerprint: readonly unknown[]): string {
  // The one-shot form: no Hash object per request (it showed in the keyed hot path's profile).
  return hash('sha256', JSON.stringify(fingerprint));
}

export async function claimIdempotencyKey(
  uow: UnitOfWork,
  request: IdempotencyRequest,
): Promise<ClaimOutcome> {
  const requestHash = hashFingerprint(request.fingerprint);
  const earlier = await uow.idempotency.claim({
    scope: request.scope,
    key: request.key,
    requestHash,
    retentionMs: request.retentionMs,
  });
  if (earlier === undefined) {
    return { kind: 'claimed' };
  }
  return replayOf(request.key, requestHash, earlier);
}

/**
 * What a request finds when its key already holds an earlier request's answer: that answer again
 * when the requests hash alike, else IDEMPOTENCY_KEY_REUSED. Group commit finds it in the batch.
 */
export function replayOf(
  key: string,
  requestHash: string,
  earlier: StoredIdempotentResult,
): { readonly kind: 'replay'; readonly body: unknown } {
  if (earlier.requestHash !== requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used for a different request; use a new key per request',
      { idempotencyKey: key },
    );
  }
  return { kind: 'replay', body: earlier.responseBody };
}
