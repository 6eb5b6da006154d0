import { Type } from 'typebox';
import { BULK_LINES_MAX } from '../../app/bulk-adjust.ts';
import { ID_LENGTH_MAX, IDEMPOTENCY_KEY_PATTERN, ON_HAND_MAX } from '../../domain/limits.ts';
import { MOVEMENT_KINDS } from '../../domain/stock.ts';
import {
  ADJUSTMENT_MODES,
  ADJUSTMENT_REASONS,
  NOTE_LENGTH_MAX,
} from '../../domain/stock-adjustment.ts';
import { IdSchema, QuantitySchema, STOCK_BUCKET_FIELDS, UuidSchema } from './common.schemas.ts';
import { NextCursorSchema, PageLimitSchema, SkuSchema } from './item.schemas.ts';

/** Adjustments, transfers, incoming stock, receipts and the ledger, in seed 002's style. */

/** The item, by exactly one of item_id, sku, or product_id (+ variant_id). */
const ItemRefFields = {
  item_id: Type.Optional(UuidSchema),
  sku: Type.Optional(SkuSchema),
  product_id: Type.Optional(IdSchema),
  variant_id: Type.Optional(IdSchema),
};

const NoteSchema = Type.String({ minLength: 1, maxLength: NOTE_LENGTH_MAX });
const ReferenceSchema = Type.Object(
  {
    type: IdSchema,
    id: Type.String({
      minLength: 1,
      maxLength: NOTE_LENGTH_MAX,
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description: 'An order, purchase order or document id or URI (visible ASCII).',
    }),
  },
  { additionalProperties: false },
);
const DateTimeSchema = Type.String({ format: 'date-time' });
const ExpectedAtSchema = Type.String({
  format: 'date-time',
  description: 'When the units are expected to arrive (RFC 3339, with a time zone).',
});

export const AdjustmentBodySchema = Type.Object(
  {
    ...ItemRefFields,
    warehouse_id: Type.Optional(IdSchema),
    bucket: Type.Optional(Type.Enum(['on_hand', 'damaged', 'safety_stock'])),
    mode: Type.Enum(ADJUSTMENT_MODES),
    quantity: Type.Integer({
      minimum: 0,
      maximum: ON_HAND_MAX,
      description: 'add / remove: 1 to 1,000,000,000 units; set: the new value.',
    }),
    reason: Type.Enum(ADJUSTMENT_REASONS),
    expected: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: ON_HAND_MAX,
        description: 'The bucket’s current value; a mismatch is 409 STOCK_VERSION_CONFLICT.',
      }),
    ),
    note: Type.Optional(NoteSchema),
    reference: Type.Optional(ReferenceSchema),
  },
  { additionalProperties: false },
);

export const BulkAdjustmentBodySchema = Type.Object(
  { lines: Type.Array(AdjustmentBodySchema, { minItems: 1, maxItems: BULK_LINES_MAX }) },
  { additionalProperties: false },
);

export const TransferBodySchema = Type.Object(
  {
    ...ItemRefFields,
    from_warehouse_id: IdSchema,
    to_warehouse_id: IdSchema,
    quantity: QuantitySchema,
    receive_step: Type.Optional(Type.Boolean()),
    expected_at: Type.Optional(ExpectedAtSchema),
    note: Type.Optional(NoteSchema),
  },
  { additionalProperties: false },
);

export const IncomingBodySchema = Type.Object(
  {
    ...ItemRefFields,
    warehouse_id: Type.Optional(IdSchema),
    quantity: QuantitySchema,
    expected_at: Type.Optional(ExpectedAtSchema),
    reference: Type.Optional(ReferenceSchema),
    note: Type.Optional(NoteSchema),
  },
  { additionalProperties: false },
);

export const ReceiptBodySchema = Type.Object(
  {
    ...ItemRefFields,
    warehouse_id: Type.Optional(IdSchema),
    quantity: QuantitySchema,
    reference: Type.Optional(ReferenceSchema),
    note: Type.Optional(NoteSchema),
  },
  { additionalProperties: false },
);

export const TransferParamsSchema = Type.Object({ id: UuidSchema });

const ItemIdentitySchema = {
  item_id: Type.String({ format: 'uuid' }),
  sku: Type.Union([Type.String(), Type.Null()]),
  product_id: Type.String(),
  variant_id: Type.String(),
};

export const StockLevelSchema = Type.Object({
  warehouse_id: Type.String(),
  ...STOCK_BUCKET_FIELDS,
  updated_at: DateTimeSchema,
});

export const AdjustmentSchema = Type.Object({
  ...ItemIdentitySchema,
  warehouse_id: Type.String(),
  bucket: Type.String(),
  previous: Type.Integer(),
  value: Type.Integer(),
  delta: Type.Integer(),
  stock: StockLevelSchema,
});

export const BulkAdjustmentSchema = Type.Object({
  summary: Type.Object({ applied: Type.Integer(), failed: Type.Integer() }),
  results: Type.Array(
    Type.Object({
      line: Type.Integer({ description: 'Position in `lines`, from 0.' }),
      status: Type.Union([Type.Literal('applied'), Type.Literal('failed')]),
      data: Type.Optional(AdjustmentSchema),
      error: Type.Optional(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          field: Type.Optional(Type.String()),
          details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
      ),
    }),
  ),
});

export const TransferSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  ...ItemIdentitySchema,
  from_warehouse_id: Type.String(),
  to_warehouse_id: Type.String(),
  quantity: Type.Integer(),
  status: Type.Union([Type.Literal('IN_TRANSIT'), Type.Literal('RECEIVED')]),
  note: Type.Union([Type.String(), Type.Null()]),
  actor: Type.String(),
  created_at: DateTimeSchema,
  received_at: Type.Union([DateTimeSchema, Type.Null()]),
});

export const StockChangeSchema = Type.Object({
  ...ItemIdentitySchema,
  stock: StockLevelSchema,
});

export const ListMovementsQuerySchema = Type.Object(
  {
    item_id: Type.Optional(UuidSchema),
    product_id: Type.Optional(IdSchema),
    warehouse_id: Type.Optional(IdSchema),
    kind: Type.Optional(Type.Enum(MOVEMENT_KINDS)),
    reservation_id: Type.Optional(UuidSchema),
    since: Type.Optional(DateTimeSchema),
    until: Type.Optional(DateTimeSchema),
    limit: PageLimitSchema,
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$', maxLength: ID_LENGTH_MAX })),
  },
  { additionalProperties: false },
);

export const MovementSchema = Type.Object({
  id: Type.Integer(),
  ...ItemIdentitySchema,
  warehouse_id: Type.String(),
  kind: Type.String(),
  deltas: Type.Object({
    on_hand: Type.Integer(),
    reserved: Type.Integer(),
    committed: Type.Integer(),
    incoming: Type.Integer(),
    damaged: Type.Integer(),
    safety_stock: Type.Integer(),
    backordered: Type.Integer(),
  }),
  reason: Type.Union([Type.String(), Type.Null()]),
  reference: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  reservation_id: Type.Union([Type.String(), Type.Null()]),
  actor: Type.String(),
  correlation_id: Type.Union([Type.String(), Type.Null()]),
  created_at: DateTimeSchema,
});

export const MovementListSchema = Type.Object({
  movements: Type.Array(MovementSchema),
  next_cursor: NextCursorSchema,
});
