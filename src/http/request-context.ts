import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../app/ports.ts';
import { ACTOR_LENGTH_MAX, ID_PATTERN } from '../domain/limits.ts';

const ACTOR_REGEX = new RegExp(ID_PATTERN);
const ANONYMOUS_ACTOR = 'anonymous';

/**
 * Who is asking, for the ledger. Until authentication exists the caller may name itself with an
 * `X-Actor` header; a missing or malformed one is recorded as "anonymous" rather than refused, since
 * it is informational. The correlation id is the request id (X-Request-Id when the caller sent one).
 */
export function requestContextOf(request: FastifyRequest): RequestContext {
  const header = request.headers['x-actor'];
  const actor =
    typeof header === 'string' && header.length <= ACTOR_LENGTH_MAX && ACTOR_REGEX.test(header)
      ? header
      : ANONYMOUS_ACTOR;
  return { actor, correlationId: request.id };
}
