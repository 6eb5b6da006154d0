import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { setSalesBlocked } from '../../app/block-sales.ts';
import type { AppDeps } from '../../app/ports.ts';
import { ErrorResponseSchema, envelope } from '../schemas/common.schemas.ts';
import {
  BlockSalesBodySchema,
  ProductParamsSchema,
  SalesBlockSchema,
} from '../schemas/item.schemas.ts';
import { toSalesBlockView } from '../views/item.views.ts';
import { ok } from '../views/seed000.views.ts';

/** Seed 002's troubleshooting switch: block a product's sales while its stock is reconciled. */
export function adminProductRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const errors = { '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };
  const response = { 200: envelope(SalesBlockSchema), ...errors };
  const tags = ['admin'];

  return async (app) => {
    app.post(
      '/admin/products/:id/block-sales',
      {
        schema: {
          tags,
          summary: 'Block sales of every item of a product (reservations answer SALES_BLOCKED)',
          params: ProductParamsSchema,
          body: BlockSalesBodySchema,
          response,
        },
        // The body is optional: a bare POST (no reason) reads as an empty object.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const productId = request.params.id;
        const reason = request.body.reason ?? null;
        const items = await setSalesBlocked(deps, { productId, blocked: true, reason });
        return ok('Sales blocked', toSalesBlockView(productId, true, reason, items));
      },
    );

    app.post(
      '/admin/products/:id/unblock-sales',
      {
        schema: {
          tags,
          summary: 'Lift a sales block on every item of a product',
          params: ProductParamsSchema,
          response,
        },
      },
      async (request) => {
        const productId = request.params.id;
        const items = await setSalesBlocked(deps, { productId, blocked: false, reason: null });
        return ok('Sales unblocked', toSalesBlockView(productId, false, null, items));
      },
    );
  };
}
