import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addStock } from '../../app/add-stock.ts';
import { deductReservation, releaseReservation } from '../../app/end-reservation.ts';
import { getInventory } from '../../app/get-inventory.ts';
import { initInventory } from '../../app/init-inventory.ts';
import type { AppDeps } from '../../app/ports.ts';
import { reserveStock } from '../../app/reserve-stock.ts';
import { DEFAULT_WAREHOUSE_ID } from '../../domain/stock.ts';
import { requestContextOf } from '../request-context.ts';
import {
  ErrorResponseSchema,
  envelope,
  IdempotencyHeadersSchema,
} from '../schemas/common.schemas.ts';
import {
  AddStockBodySchema,
  InitBodySchema,
  InventoryReservationSchema,
  InventoryStockSchema,
  ProductParamsSchema,
  ReservationIdBodySchema,
  ReserveBodySchema,
} from '../schemas/seed000.schemas.ts';
import { ok, toInventoryReservation, toInventoryStock } from '../views/seed000.views.ts';

/** Seed 000's REST API, paths and envelopes exactly as that document shows them. */
export function inventoryRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const errors = { '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };
  const stockResponse = envelope(InventoryStockSchema);
  const reservationResponse = envelope(InventoryReservationSchema);
  const tags = ['inventory (seed 000)'];

  return async (app) => {
    app.post(
      '/inventory/init',
      {
        schema: {
          tags,
          summary: 'Create a product’s inventory with an opening quantity (never overwrites)',
          body: InitBodySchema,
          response: { 201: stockResponse, ...errors },
        },
      },
      async (request, reply) => {
        const stock = await initInventory(deps, request.body, requestContextOf(request));
        return reply.code(201).send(ok('Inventory initialized', toInventoryStock(stock)));
      },
    );

    app.get(
      '/inventory/:productId',
      {
        schema: {
          tags,
          summary: 'Available and reserved quantity of a product',
          params: ProductParamsSchema,
          response: { 200: stockResponse, ...errors },
        },
      },
      async (request) => {
        const stock = await getInventory(deps, request.params.productId);
        return ok('Inventory retrieved', toInventoryStock(stock));
      },
    );

    app.post(
      '/inventory/add-stock',
      {
        schema: {
          tags,
          summary: 'Receive units into stock',
          body: AddStockBodySchema,
          response: { 200: stockResponse, ...errors },
        },
      },
      async (request) => {
        const stock = await addStock(deps, request.body, requestContextOf(request));
        return ok('Stock added', toInventoryStock(stock));
      },
    );

    app.post(
      '/inventory/reserve',
      {
        schema: {
          tags,
          summary: 'Hold units for an order until RESERVATION_TTL passes',
          headers: IdempotencyHeadersSchema,
          body: ReserveBodySchema,
          response: { 201: reservationResponse, ...errors },
        },
      },
      async (request, reply) => {
        const outcome = await reserveStock(
          deps,
          {
            orderId: request.body.orderId,
            lines: [
              {
                ref: { productId: request.body.productId, variantId: '' },
                warehouseId: DEFAULT_WAREHOUSE_ID,
                quantity: request.body.quantity,
              },
            ],
            idempotencyKey: request.headers['idempotency-key'],
          },
          requestContextOf(request),
        );
        if (outcome.replayed) {
          reply.header('idempotent-replayed', 'true');
        }
        return reply.code(201).send(ok('Stock reserved', toInventoryReservation(outcome)));
      },
    );

    app.post(
      '/inventory/release',
      {
        schema: {
          tags,
          summary: 'Cancel a reservation; its units return to available',
          body: ReservationIdBodySchema,
          response: { 200: reservationResponse, ...errors },
        },
      },
      async (request) => {
        const outcome = await releaseReservation(
          deps,
          request.body.reservationId,
          requestContextOf(request),
        );
        return ok('Reservation released', toInventoryReservation(outcome));
      },
    );

    app.post(
      '/inventory/deduct',
      {
        schema: {
          tags,
          summary: 'Confirm a reservation; its units leave stock for good',
          body: ReservationIdBodySchema,
          response: { 200: reservationResponse, ...errors },
        },
      },
      async (request) => {
        const outcome = await deductReservation(
          deps,
          request.body.reservationId,
          requestContextOf(request),
        );
        return ok('Reservation deducted', toInventoryReservation(outcome));
      },
    );
  };
}
