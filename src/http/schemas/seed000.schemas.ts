import { Type } from 'typebox';
import { ON_HAND_MAX } from '../../domain/limits.ts';
import { IdSchema, QuantitySchema, UuidSchema } from './common.schemas.ts';

/** Seed 000's request and response shapes, with its camelCase field names. */
export const InitBodySchema = Type.Object(
  {
    productId: IdSchema,
    quantity: Type.Integer({ minimum: 0, maximum: ON_HAND_MAX }),
  },
  { additionalProperties: false },
);

export const AddStockBodySchema = Type.Object(
  { productId: IdSchema, quantity: QuantitySchema },
  { additionalProperties: false },
);

export const ReserveBodySchema = Type.Object(
  { productId: IdSchema, orderId: IdSchema, quantity: QuantitySchema },
  { additionalProperties: false },
);

export const ReservationIdBodySchema = Type.Object(
  { reservationId: UuidSchema },
  { additionalProperties: false },
);

export const ProductParamsSchema = Type.Object({ productId: IdSchema });

export const InventoryStockSchema = Type.Object({
  productId: Type.String(),
  availableQuantity: Type.Integer(),
  reservedQuantity: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const InventoryReservationSchema = Type.Object({
  reservationId: Type.String({ format: 'uuid' }),
  productId: Type.String(),
  orderId: Type.String(),
  quantity: Type.Integer(),
  status: Type.Union([
    Type.Literal('RESERVED'),
    Type.Literal('RELEASED'),
    Type.Literal('DEDUCTED'),
    Type.Literal('EXPIRED'),
  ]),
  expiresAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
});
