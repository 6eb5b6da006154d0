/**
 * The one error type domain and app code throw. Each code is listed in docs/errors.md (a test keeps
 * the two in step); adapters map codes to their own statuses (HTTP in src/http/error-mapping.ts).
 * Domain and app code never throw transport errors.
 */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'PRODUCT_NOT_FOUND',
  'INVENTORY_ALREADY_EXISTS',
  'INSUFFICIENT_STOCK',
  'STOCK_LIMIT_EXCEEDED',
  'RESERVATION_NOT_FOUND',
  'RESERVATION_ALREADY_RELEASED',
  'RESERVATION_ALREADY_DEDUCTED',
  'RESERVATION_EXPIRED',
  'RESERVATION_ALREADY_COMMITTED',
  'RESERVATION_NOT_COMMITTED',
  'IDEMPOTENCY_KEY_REUSED',
  'ITEM_NOT_FOUND',
  'ITEM_ALREADY_EXISTS',
  'ITEM_DISCONTINUED',
  'SALES_BLOCKED',
  'KIT_INVALID',
  'WAREHOUSE_NOT_FOUND',
  'WAREHOUSE_ALREADY_EXISTS',
  'WAREHOUSE_INACTIVE',
  'STOCK_VERSION_CONFLICT',
  'INSUFFICIENT_INCOMING',
  'TRANSFER_NOT_FOUND',
  'TRANSFER_ALREADY_RECEIVED',
  'PRODUCT_UNKNOWN',
  'PRODUCT_SERVICE_UNAVAILABLE',
  'ROUTE_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** JSON-safe facts about a failure; per-line failures of a cart travel here as `lines`. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable facts about the failure (e.g. `{ field: 'quantity' }`, `{ available: 3 }`). */
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/**
 * Programmer errors crash loudly: an assertion that fails means the code is wrong, not the input.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(`assertion failed: ${message}`);
  }
}
