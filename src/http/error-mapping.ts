import type { ErrorCode } from '../domain/errors.ts';

/** HTTP status of every error code; docs/errors.md shows the same table. */
export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_ERROR: 400,
  PRODUCT_NOT_FOUND: 404,
  INVENTORY_ALREADY_EXISTS: 409,
  INSUFFICIENT_STOCK: 409,
  STOCK_LIMIT_EXCEEDED: 422,
  RESERVATION_NOT_FOUND: 404,
  RESERVATION_ALREADY_RELEASED: 409,
  RESERVATION_ALREADY_DEDUCTED: 409,
  RESERVATION_EXPIRED: 409,
  RESERVATION_ALREADY_COMMITTED: 409,
  RESERVATION_NOT_COMMITTED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  ITEM_NOT_FOUND: 404,
  ITEM_ALREADY_EXISTS: 409,
  ITEM_DISCONTINUED: 409,
  SALES_BLOCKED: 409,
  KIT_INVALID: 422,
  WAREHOUSE_NOT_FOUND: 404,
  WAREHOUSE_ALREADY_EXISTS: 409,
  WAREHOUSE_INACTIVE: 409,
  STOCK_VERSION_CONFLICT: 409,
  INSUFFICIENT_INCOMING: 409,
  TRANSFER_NOT_FOUND: 404,
  TRANSFER_ALREADY_RECEIVED: 409,
  PRODUCT_UNKNOWN: 422,
  PRODUCT_SERVICE_UNAVAILABLE: 503,
  ROUTE_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** The error envelope of seed 000: `{ success: false, error: { code, message } }`. */
export interface ErrorBody {
  readonly success: false;
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly field?: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

export function errorBody(
  code: ErrorCode,
  message: string,
  extra: {
    field?: string | undefined;
    details?: Readonly<Record<string, unknown>> | undefined;
  } = {},
): ErrorBody {
  return {
    success: false,
    error: {
      code,
      message,
      ...(extra.field === undefined ? {} : { field: extra.field }),
      ...(extra.details === undefined ? {} : { details: extra.details }),
    },
  };
}
