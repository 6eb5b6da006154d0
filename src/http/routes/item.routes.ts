import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createItem } from '../../app/create-item.ts';
import { getItem } from '../../app/get-item.ts';
import { listItems, reportLowStock } from '../../app/list-items.ts';
import type { AppDeps } from '../../app/ports.ts';
import { updateItem } from '../../app/update-item.ts';
import { ErrorResponseSchema, envelope, UuidSchema } from '../schemas/common.schemas.ts';
import {
  CreateItemBodySchema,
  ItemListSchema,
  ItemParamsSchema,
  ItemSchema,
  ListItemsQuerySchema,
  LowStockReportSchema,
  PageLimitSchema,
  ProductItemParamsSchema,
  ProductItemQuerySchema,
  SkuParamsSchema,
  UpdateItemBodySchema,
} from '../schemas/item.schemas.ts';
import { toItemListView, toItemView, toLowStockView } from '../views/item.views.ts';
import { ok } from '../views/seed000.views.ts';

const BASE = '/api/inventory/items';

/** The item catalog (seed 004's inventory items) and the low-stock report. */
export function itemRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const errors = { '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };
  const itemResponse = envelope(ItemSchema);
  const tags = ['items'];

  return async (app) => {
    app.post(
      BASE,
      {
        schema: {
          tags,
          summary: 'Create an item, or a kit of existing items (409 ITEM_ALREADY_EXISTS if taken)',
          body: CreateItemBodySchema,
          response: { 201: itemResponse, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const detail = await createItem(deps, {
          productId: body.product_id,
          variantId: body.variant_id ?? '',
          sku: body.sku ?? null,
          name: body.name ?? null,
          reorderPoint: body.reorder_point,
          reorderQuantity: body.reorder_quantity,
          lowStockThreshold: body.low_stock_threshold ?? null,
          backorder: {
            allowed: body.backorder?.allowed ?? false,
            limit: body.backorder?.limit ?? 0,
          },
          components: body.components?.map((c) => ({
            itemId: c.item_id,
            sku: c.sku,
            quantity: c.quantity,
          })),
        });
        return reply.code(201).send(ok('Item created', toItemView(detail)));
      },
    );

    app.get(
      BASE,
      {
        schema: {
          tags,
          summary: 'List items in id order, filtered by status, product, SKU prefix or low stock',
          querystring: ListItemsQuerySchema,
          response: { 200: envelope(ItemListSchema), ...errors },
        },
      },
      async (request) => {
        const query = request.query;
        const page = await listItems(deps, {
          status: query.status,
          productId: query.product_id,
          skuPrefix: query.sku_prefix,
          lowStock: query.low_stock,
          afterId: query.cursor,
          limit: query.limit,
        });
        return ok('Items listed', toItemListView(page));
      },
    );

    app.get(
      `${BASE}/:id`,
      {
        schema: {
          tags,
          summary: 'Get an item with its stock totals over all warehouses',
          params: ItemParamsSchema,
          response: { 200: itemResponse, ...errors },
        },
      },
      async (request) => {
        const detail = await getItem(deps, { itemId: request.params.id });
        return ok('Item retrieved', toItemView(detail));
      },
    );

    app.get(
      `${BASE}/by-sku/:sku`,
      {
        schema: {
          tags,
          summary: 'Get an item by SKU',
          params: SkuParamsSchema,
          response: { 200: itemResponse, ...errors },
        },
      },
      async (request) => {
        const detail = await getItem(deps, { sku: request.params.sku });
        return ok('Item retrieved', toItemView(detail));
      },
    );

    app.get(
      `${BASE}/by-product/:product_id`,
      {
        schema: {
          tags,
          summary: 'Get the item of a product, or of one of its variants (?variant_id=)',
          params: ProductItemParamsSchema,
          querystring: ProductItemQuerySchema,
          response: { 200: itemResponse, ...errors },
        },
      },
      async (request) => {
        const detail = await getItem(deps, {
          productId: request.params.product_id,
          variantId: request.query.variant_id ?? '',
        });
        return ok('Item retrieved', toItemView(detail));
      },
    );

    app.patch(
      `${BASE}/:id`,
      {
        schema: {
          tags,
          summary:
            'Change an item’s SKU, name, reorder rules, backorder policy or discontinued flag',
          params: ItemParamsSchema,
          body: UpdateItemBodySchema,
          response: { 200: itemResponse, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const detail = await updateItem(deps, request.params.id, {
          sku: body.sku,
          name: body.name,
          reorderPoint: body.reorder_point,
          reorderQuantity: body.reorder_quantity,
          lowStockThreshold: body.low_stock_threshold,
          backorder:
            body.backorder === undefined
              ? undefined
              : { allowed: body.backorder.allowed, limit: body.backorder.limit ?? 0 },
          discontinued: body.discontinued,
        });
        return ok('Item updated', toItemView(detail));
      },
    );

    app.get(
      '/api/inventory/reports/low-stock',
      {
        schema: {
          tags: ['reports'],
          summary:
            'Items at or under their low-stock threshold or reorder point, with a suggested ' +
            'reorder quantity (kits and discontinued items are left out)',
          querystring: Type.Object(
            { limit: PageLimitSchema, cursor: Type.Optional(UuidSchema) },
            { additionalProperties: false },
          ),
          response: { 200: envelope(LowStockReportSchema), ...errors },
        },
      },
      async (request) => {
        const page = await reportLowStock(deps, {
          afterId: request.query.cursor,
          limit: request.query.limit,
        });
        return ok('Low stock report', toLowStockView(page));
      },
    );
  };
}
