/**
 * Limits on everything a caller can send. Each bound exists so that a hostile or buggy client gets a
 * clear 4xx instead of an overflow, a huge allocation or a slow query.
 */

/** Largest quantity a single request may move (issue #2: 1..1,000,000,000). */
export const QUANTITY_MAX = 1_000_000_000;

/**
 * Largest on-hand count one stock level may reach. Far below 2^53 so every sum stays exact in a JS
 * number, and enforced again by a CHECK constraint in the schema.
 */
export const ON_HAND_MAX = 1_000_000_000_000;

/** Product, order, variant and warehouse ids: 1..128 characters. */
export const ID_LENGTH_MAX = 128;

/**
 * Ids are opaque to us but travel in URL paths, log lines and CSV files, so they are limited to
 * characters that need no escaping in any of them.
 */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@~-]*$';

/** Idempotency-Key header: 1..255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]+$';

/** Actor and correlation ids recorded on ledger rows. */
export const ACTOR_LENGTH_MAX = 128;
export const CORRELATION_ID_LENGTH_MAX = 128;

/** A reservation's time to live: at least 1 second, at most 30 days. */
export const RESERVATION_TTL_MS_MIN = 1_000;
export const RESERVATION_TTL_MS_MAX = 30 * 24 * 60 * 60 * 1_000;
