import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listMovements } from '../../app/list-movements.ts';
import type { AppDeps } from '../../app/ports.ts';
import { DomainError } from '../../domain/errors.ts';
import { ErrorResponseSchema, envelope } from '../schemas/common.schemas.ts';
import {
  ListMovementsQuerySchema,
  MovementListSchema,
} from '../schemas/stock-operation.schemas.ts';
import { ok } from '../views/seed000.views.ts';
import { toMovementListView } from '../views/stock-operation.views.ts';

/** The ledger (seed 004's inventory transactions), newest first. */
export function movementRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const errors = { '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };

  return async (app) => {
    app.get(
      '/api/inventory/movements',
      {
        schema: {
          tags: ['movements'],
          summary:
            'Ledger rows, newest first, filtered by item, product, warehouse, kind, reservation ' +
            'and time (since inclusive, until exclusive)',
          querystring: ListMovementsQuerySchema,
          response: { 200: envelope(MovementListSchema), ...errors },
        },
      },
      async (request) => {
        const query = request.query;
        const since = query.since === undefined ? undefined : new Date(query.since);
        const until = query.until === undefined ? undefined : new Date(query.until);
        if (since !== undefined && until !== undefined && until <= since) {
          throw new DomainError('VALIDATION_ERROR', 'until must be later than since', {
            field: 'until',
          });
        }
        const page = await listMovements(deps, {
          itemId: query.item_id,
          productId: query.product_id,
          warehouseId: query.warehouse_id,
          kind: query.kind,
          reservationId: query.reservation_id,
          since,
          until,
          beforeId: query.cursor === undefined ? undefined : Number(query.cursor),
          limit: query.limit,
        });
        return ok('Movements listed', toMovementListView(page));
      },
    );
  };
}
