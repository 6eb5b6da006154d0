import { type TSchema, Type } from 'typebox';
import {
  ID_LENGTH_MAX,
  ID_PATTERN,
  IDEMPOTENCY_KEY_LENGTH_MAX,
  IDEMPOTENCY_KEY_PATTERN,
  QUANTITY_MAX,
} from '../../domain/limits.ts';

export const IdSchema = Type.String({
  minLength: 1,
  maxLength: ID_LENGTH_MAX,
  pattern: ID_PATTERN,
});

export const QuantitySchema = Type.Integer({ minimum: 1, maximum: QUANTITY_MAX });

export const UuidSchema = Type.String({ format: 'uuid', maxLength: 36 });

export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: IDEMPOTENCY_KEY_LENGTH_MAX,
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description:
        'Makes a retry safe: the same key and body return the first result; the same key with ' +
        'another body is refused with IDEMPOTENCY_KEY_REUSED.',
    }),
  ),
});

export const ErrorResponseSchema = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

/** Seed 000's success envelope around `data`. */
export function envelope<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), message: Type.String(), data });
}

/** A stock level's buckets and derived `available`, as every snake_case view shows them. */
export const STOCK_BUCKET_FIELDS = {
  on_hand: Type.Integer(),
  reserved: Type.Integer(),
  committed: Type.Integer(),
  incoming: Type.Integer(),
  damaged: Type.Integer(),
  safety_stock: Type.Integer(),
  backordered: Type.Integer(),
  available: Type.Integer(),
};
