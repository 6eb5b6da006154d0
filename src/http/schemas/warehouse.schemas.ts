import { Type } from 'typebox';
import {
  POSTAL_PREFIX_LENGTH_MAX,
  POSTAL_PREFIX_PATTERN,
  POSTAL_PREFIXES_MAX,
  WAREHOUSE_NAME_LENGTH_MAX,
  WAREHOUSE_PAGE_SIZE_DEFAULT,
  WAREHOUSE_PAGE_SIZE_MAX,
  WAREHOUSE_PRIORITY_MAX,
  WAREHOUSE_REGION_LENGTH_MAX,
} from '../../domain/warehouse-fields.ts';
import { IdSchema, STOCK_BUCKET_FIELDS, UuidSchema } from './common.schemas.ts';

/**
 * Warehouse management (seed 004's Create/Get/Update/ListWarehouses, GetInventoryByLocation) in
 * seed 002's style: snake_case fields inside seed 000's envelope. The use cases check the same rules
 * again (src/domain/warehouse-fields.ts) for callers that do not come through HTTP.
 */
const NameSchema = Type.String({ minLength: 1, maxLength: WAREHOUSE_NAME_LENGTH_MAX });
const RegionSchema = Type.String({ minLength: 1, maxLength: WAREHOUSE_REGION_LENGTH_MAX });
const PrioritySchema = Type.Integer({
  minimum: 0,
  maximum: WAREHOUSE_PRIORITY_MAX,
  description: 'Lower is served first.',
});
const LatitudeSchema = Type.Number({ minimum: -90, maximum: 90 });
const LongitudeSchema = Type.Number({ minimum: -180, maximum: 180 });
// The letters-and-digits rule (POSTAL_PREFIX_PATTERN) is checked by the use case, whose message
// says it in words; a schema pattern would answer with the bare regular expression.
const PostalPrefixesSchema = Type.Array(
  Type.String({ minLength: 1, maxLength: POSTAL_PREFIX_LENGTH_MAX }),
  {
    maxItems: POSTAL_PREFIXES_MAX,
    description: `Postal-code prefixes this warehouse serves, each matching ${POSTAL_PREFIX_PATTERN} (e.g. "01"), none repeated.`,
  },
);

export const WarehouseParamsSchema = Type.Object({ id: IdSchema });

export const CreateWarehouseBodySchema = Type.Object(
  {
    id: IdSchema,
    name: NameSchema,
    region: Type.Optional(Type.Union([RegionSchema, Type.Null()])),
    priority: Type.Optional(PrioritySchema),
    active: Type.Optional(Type.Boolean()),
    latitude: Type.Optional(Type.Union([LatitudeSchema, Type.Null()])),
    longitude: Type.Optional(Type.Union([LongitudeSchema, Type.Null()])),
    postal_prefixes: Type.Optional(PostalPrefixesSchema),
  },
  { additionalProperties: false },
);

export const UpdateWarehouseBodySchema = Type.Object(
  {
    name: Type.Optional(NameSchema),
    region: Type.Optional(Type.Union([RegionSchema, Type.Null()])),
    priority: Type.Optional(PrioritySchema),
    latitude: Type.Optional(Type.Union([LatitudeSchema, Type.Null()])),
    longitude: Type.Optional(Type.Union([LongitudeSchema, Type.Null()])),
    postal_prefixes: Type.Optional(PostalPrefixesSchema),
  },
  {
    additionalProperties: false,
    description:
      'At least one field. latitude and longitude go together (both null clears the location). ' +
      'The active state changes through /deactivate and /activate.',
  },
);

const LimitSchema = Type.Integer({
  minimum: 1,
  maximum: WAREHOUSE_PAGE_SIZE_MAX,
  default: WAREHOUSE_PAGE_SIZE_DEFAULT,
});

export const ListWarehousesQuerySchema = Type.Object(
  {
    active: Type.Optional(Type.Boolean()),
    region: Type.Optional(RegionSchema),
    limit: LimitSchema,
    /** next_cursor of the previous page. */
    cursor: Type.Optional(IdSchema),
  },
  { additionalProperties: false },
);

export const WarehouseStockQuerySchema = Type.Object(
  {
    limit: LimitSchema,
    /** next_cursor of the previous page. */
    cursor: Type.Optional(UuidSchema),
  },
  { additionalProperties: false },
);

const DateTimeSchema = Type.String({ format: 'date-time' });

export const WarehouseSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  region: Type.Union([Type.String(), Type.Null()]),
  priority: Type.Integer(),
  active: Type.Boolean(),
  latitude: Type.Union([Type.Number(), Type.Null()]),
  longitude: Type.Union([Type.Number(), Type.Null()]),
  postal_prefixes: Type.Array(Type.String()),
  created_at: DateTimeSchema,
  updated_at: DateTimeSchema,
});

const NextCursorSchema = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as ?cursor= for the next page; null on the last page.',
});

export const WarehouseListSchema = Type.Object({
  warehouses: Type.Array(WarehouseSchema),
  next_cursor: NextCursorSchema,
});

export const WarehouseStockItemSchema = Type.Object({
  item_id: Type.String({ format: 'uuid' }),
  product_id: Type.String(),
  variant_id: Type.String(),
  sku: Type.Union([Type.String(), Type.Null()]),
  ...STOCK_BUCKET_FIELDS,
  updated_at: DateTimeSchema,
});

export const WarehouseStockSchema = Type.Object({
  warehouse_id: Type.String(),
  items: Type.Array(WarehouseStockItemSchema),
  next_cursor: NextCursorSchema,
});
