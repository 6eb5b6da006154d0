import { createHash } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import type { UnitOfWork } from './ports.ts';

/**
 * Idempotency-Key handling shared by the use cases that accept one. The key is claimed inside the
 * use case's own transaction and the result stored in it, so "the change happened" and "the key
 * remembers it" commit together. A request that fails (e.g. INSUFFICIENT_STOCK) rolls its claim
 * back: the key stays free and a retry is evaluated afresh.
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
  return createHash('sha256').update(JSON.stringify(fingerprint)).digest('hex');
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
  if (earlier.requestHash !== requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used for a different request; use a new key per request',
      { idempotencyKey: request.key },
    );
  }
  return { kind: 'replay', body: earlier.responseBody };
}
