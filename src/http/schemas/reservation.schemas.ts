import { Type } from 'typebox';
import { ALLOCATION_STRATEGIES } from '../../domain/allocation.ts';
import { RESERVATION_TTL_MS_MAX, RESERVATION_TTL_MS_MIN } from '../../domain/limits.ts';
import { IdSchema, QuantitySchema, UuidSchema } from './common.schemas.ts';

/** Seed 002's reservation API (snake_case), extended with seed 001/004's TTL and allocation. */
export const RESERVATION_LINES_MAX = 100;

const TtlSecondsSchema = Type.Integer({
  minimum: RESERVATION_TTL_MS_MIN / 1000,
  maximum: RESERVATION_TTL_MS_MAX / 1000,
  description: 'How long the hold lasts; default RESERVATION_TTL',
});

export const CartItemSchema = Type.Object(
  {
    product_id: Type.Optional(IdSchema),
    variant_id: Type.Optional(IdSchema),
    sku: Type.Optional(IdSchema),
    item_id: Type.Optional(UuidSchema),
    quantity: QuantitySchema,
    warehouse_id: Type.Optional(IdSchema),
  },
  {
    additionalProperties: false,
    description: 'Names its item by exactly one of product_id (+ variant_id), sku or item_id.',
  },
);

export const DestinationSchema = Type.Object(
  {
    postal_code: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9 -]*$' }),
    ),
    latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  },
  { additionalProperties: false },
);

const CartFields = {
  items: Type.Array(CartItemSchema, { minItems: 1, maxItems: RESERVATION_LINES_MAX }),
  strategy: Type.Optional(Type.Union(ALLOCATION_STRATEGIES.map((name) => Type.Literal(name)))),
  destination: Type.Optional(DestinationSchema),
  allow_split: Type.Optional(Type.Boolean()),
};

export const CreateReservationBodySchema = Type.Object(
  { order_id: IdSchema, ttl_seconds: Type.Optional(TtlSecondsSchema), ...CartFields },
  { additionalProperties: false },
);

export const CheckCartBodySchema = Type.Object(CartFields, { additionalProperties: false });

export const ReservationParamsSchema = Type.Object({ id: UuidSchema });

export const ConfirmBodySchema = Type.Object(
  {
    items: Type.Optional(
      Type.Array(
        Type.Object(
          {
            line: Type.Integer({ minimum: 1, maximum: RESERVATION_LINES_MAX }),
            quantity: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: RESERVATION_LINES_MAX },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ExtendBodySchema = Type.Object(
  { ttl_seconds: TtlSecondsSchema },
  { additionalProperties: false },
);

export const ProductAvailabilityParamsSchema = Type.Object({ id: IdSchema });
export const ProductAvailabilityQuerySchema = Type.Object(
  { variant_id: Type.Optional(IdSchema) },
  { additionalProperties: false },
);
