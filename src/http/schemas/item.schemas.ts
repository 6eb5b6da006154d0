import { Type } from 'typebox';
import {
  BACKORDER_LIMIT_MAX,
  ITEM_NAME_LENGTH_MAX,
  ITEM_PAGE_SIZE_DEFAULT,
  ITEM_PAGE_SIZE_MAX,
  REORDER_MAX,
  SALES_BLOCKED_REASON_LENGTH_MAX,
} from '../../domain/item-catalog.ts';
import { ITEM_STATUSES } from '../../domain/item-status.ts';
import { ID_LENGTH_MAX, ID_PATTERN } from '../../domain/limits.ts';
import { IdSchema, STOCK_BUCKET_FIELDS, UuidSchema } from './common.schemas.ts';

/**
 * The item catalog (seed 004's Create/Get/Update/ListInventoryItems) in seed 002's style:
 * snake_case fields inside seed 000's envelope.
 */
export const SkuSchema = Type.String({
  minLength: 1,
  maxLength: ID_LENGTH_MAX,
  pattern: ID_PATTERN,
});
const NameSchema = Type.String({ minLength: 1, maxLength: ITEM_NAME_LENGTH_MAX });
const ReorderSchema = Type.Integer({ minimum: 0, maximum: REORDER_MAX });
const ThresholdSchema = Type.Integer({
  minimum: 0,
  maximum: REORDER_MAX,
  description: 'Alert when available is at or under this; null uses LOW_STOCK_THRESHOLD.',
});
const BackorderSchema = Type.Object(
  {
    allowed: Type.Boolean(),
    limit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: BACKORDER_LIMIT_MAX,
        description: 'Units that may be promised beyond stock; 0 when not allowed.',
      }),
    ),
  },
  { additionalProperties: false },
);
/** Range checks (1..1,000,000, at most 50) are KIT_INVALID from the use case, not a 400. */
const KIT_COMPONENTS_HARD_MAX = 1_000;
const ComponentSchema = Type.Object(
  {
    item_id: Type.Optional(UuidSchema),
    sku: Type.Optional(SkuSchema),
    quantity: Type.Integer(),
  },
  { additionalProperties: false },
);

export const CreateItemBodySchema = Type.Object(
  {
    product_id: IdSchema,
    variant_id: Type.Optional(IdSchema),
    sku: Type.Optional(SkuSchema),
    name: Type.Optional(NameSchema),
    reorder_point: ReorderSchema,
    reorder_quantity: ReorderSchema,
    low_stock_threshold: Type.Optional(Type.Union([ThresholdSchema, Type.Null()])),
    backorder: Type.Optional(BackorderSchema),
    components: Type.Optional(
      Type.Array(ComponentSchema, {
        maxItems: KIT_COMPONENTS_HARD_MAX,
        description:
          'Makes the item a kit: 1 to 50 components, each an existing item that is not a kit, ' +
          'named by item_id or sku, with a quantity per kit of 1 to 1,000,000.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateItemBodySchema = Type.Object(
  {
    sku: Type.Optional(Type.Union([SkuSchema, Type.Null()])),
    name: Type.Optional(Type.Union([NameSchema, Type.Null()])),
    reorder_point: Type.Optional(ReorderSchema),
    reorder_quantity: Type.Optional(ReorderSchema),
    low_stock_threshold: Type.Optional(Type.Union([ThresholdSchema, Type.Null()])),
    backorder: Type.Optional(BackorderSchema),
    discontinued: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: 'At least one field; absent fields keep their value.',
  },
);

export const ItemParamsSchema = Type.Object({ id: UuidSchema });
export const SkuParamsSchema = Type.Object({ sku: SkuSchema });
export const ProductItemParamsSchema = Type.Object({ product_id: IdSchema });
export const ProductItemQuerySchema = Type.Object(
  { variant_id: Type.Optional(IdSchema) },
  { additionalProperties: false },
);

export const PageLimitSchema = Type.Integer({
  minimum: 1,
  maximum: ITEM_PAGE_SIZE_MAX,
  default: ITEM_PAGE_SIZE_DEFAULT,
});

export const ItemStatusSchema = Type.Enum(ITEM_STATUSES);

export const ListItemsQuerySchema = Type.Object(
  {
    status: Type.Optional(ItemStatusSchema),
    product_id: Type.Optional(IdSchema),
    sku_prefix: Type.Optional(SkuSchema),
    low_stock: Type.Optional(Type.Boolean()),
    limit: PageLimitSchema,
    cursor: Type.Optional(UuidSchema),
  },
  { additionalProperties: false },
);

export const ProductParamsSchema = Type.Object({ id: IdSchema });
export const BlockSalesBodySchema = Type.Object(
  {
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: SALES_BLOCKED_REASON_LENGTH_MAX }),
    ),
  },
  { additionalProperties: false },
);

const DateTimeSchema = Type.String({ format: 'date-time' });
const NullableString = Type.Union([Type.String(), Type.Null()]);
export const NextCursorSchema = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as ?cursor= for the next page; null on the last page.',
});

export const StockTotalsSchema = Type.Object({
  ...STOCK_BUCKET_FIELDS,
});

export const ItemSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  product_id: Type.String(),
  variant_id: Type.String({ description: '"" when the item is the product itself' }),
  sku: NullableString,
  name: NullableString,
  status: ItemStatusSchema,
  discontinued: Type.Boolean(),
  reorder_point: Type.Integer(),
  reorder_quantity: Type.Integer(),
  low_stock_threshold: Type.Union([Type.Integer(), Type.Null()]),
  effective_low_stock_threshold: Type.Integer(),
  backorder: Type.Object({ allowed: Type.Boolean(), limit: Type.Integer() }),
  sales_blocked: Type.Boolean(),
  sales_blocked_reason: NullableString,
  is_kit: Type.Boolean(),
  components: Type.Array(
    Type.Object({
      item_id: Type.String({ format: 'uuid' }),
      sku: NullableString,
      product_id: Type.String(),
      variant_id: Type.String(),
      quantity: Type.Integer(),
    }),
  ),
  totals: StockTotalsSchema,
  created_at: DateTimeSchema,
  updated_at: DateTimeSchema,
});

export const ItemListSchema = Type.Object({
  items: Type.Array(ItemSchema),
  next_cursor: NextCursorSchema,
});

export const LowStockReportSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      ...ItemSchema.properties,
      suggested_reorder_quantity: Type.Integer(),
    }),
  ),
  next_cursor: NextCursorSchema,
});

export const SalesBlockSchema = Type.Object({
  product_id: Type.String(),
  sales_blocked: Type.Boolean(),
  reason: NullableString,
  items: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      variant_id: Type.String(),
      sku: NullableString,
    }),
  ),
});
