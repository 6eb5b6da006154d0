import type { IdempotencyRepository, StoredIdempotentResult } from '../app/ports.ts';
import type { Queryable } from './database.ts';

export function createIdempotencyRepository(db: Queryable): IdempotencyRepository {
  return {
    async claim(claim) {
      // A concurrent request with the same key blocks on the unique index until the first one
      // commits (then DO NOTHING) or rolls back (then this insert wins). The follow-up SELECT is a
      // new statement, so it sees the row the first request committed.
      const inserted = await db.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
         VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
         ON CONFLICT (scope, key) DO NOTHING
         RETURNING key`,
        [claim.scope, claim.key, claim.requestHash, claim.retentionMs],
      );
      if (inserted.length === 1) {
        return undefined;
      }
      const rows = await db.query<StoredIdempotentResult>(
        `SELECT request_hash AS "requestHash", response_body AS "responseBody"
         FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [claim.scope, claim.key],
      );
      const existing = rows[0];
      if (existing === undefined) {
        throw new Error('assertion failed: idempotency key conflicted but cannot be read');
      }
      return existing;
    },

    async saveResponse(record) {
      await db.query(
        'UPDATE idempotency_keys SET response_body = $3::jsonb WHERE scope = $1 AND key = $2',
        [record.scope, record.key, JSON.stringify(record.responseBody)],
      );
    },

    async purgeExpired(limit) {
      const rows = await db.query(
        `DELETE FROM idempotency_keys WHERE (scope, key) IN (
           SELECT scope, key FROM idempotency_keys WHERE expires_at <= now()
           LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING key`,
        [limit],
      );
      return rows.length;
    },
  };
}
