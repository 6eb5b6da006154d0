import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { checkCart, getProductAvailability } from '../../app/check-availability.ts';
import {
  commitReservation,
  expireReservationNow,
  extendReservation,
  fulfilReservation,
  getReservation,
  releaseReservation,
} from '../../app/end-reservation.ts';
import type { CartLineRequest } from '../../app/plan-cart.ts';
import type { AppDeps } from '../../app/ports.ts';
import { reserveStock } from '../../app/reserve-stock.ts';
import type { Destination } from '../../domain/allocation.ts';
import { DomainError } from '../../domain/errors.ts';
import { requestContextOf } from '../request-context.ts';
import {
  ErrorResponseSchema,
  envelope,
  IdempotencyHeadersSchema,
} from '../schemas/common.schemas.ts';
import {
  type CartItemSchema,
  CheckCartBodySchema,
  ConfirmBodySchema,
  CreateReservationBodySchema,
  type DestinationSchema,
  ExtendBodySchema,
  ProductAvailabilityParamsSchema,
  ProductAvailabilityQuerySchema,
  ReservationParamsSchema,
} from '../schemas/reservation.schemas.ts';
import {
  toAvailabilityView,
  toCartCheckView,
  toReservationView,
} from '../views/reservation.views.ts';
import { ok } from '../views/seed000.views.ts';

/**
 * Seed 002's reservation and availability API (with seed 001/004's TTL, confirm/commit, cancel,
 * partial commit, extend and fulfil), and the admin runbook's manual expiry.
 */
export function reservationRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  // `data` is declared loosely: a declared-but-partial schema would make the serializer drop fields.
  const responses = {
    '2xx': envelope(Type.Unknown()),
    '4xx': ErrorResponseSchema,
    '5xx': ErrorResponseSchema,
  };
  const tags = ['reservations (seed 002)'];

  return async (app) => {
    app.post(
      '/api/inventory/reservations',
      {
        schema: {
          tags,
          summary: 'Reserve a cart: all lines or none, allocated to warehouses',
          headers: IdempotencyHeadersSchema,
          body: CreateReservationBodySchema,
          response: responses,
        },
      },
      async (request, reply) => {
        const body = request.body;
        const outcome = await reserveStock(
          deps,
          {
            orderId: body.order_id,
            lines: toCartLines(body.items),
            ttlMs: body.ttl_seconds === undefined ? undefined : body.ttl_seconds * 1000,
            strategy: body.strategy,
            destination: toDestination(body.destination),
            allowSplit: body.allow_split,
            idempotencyKey: request.headers['idempotency-key'],
          },
          requestContextOf(request),
        );
        if (outcome.replayed) {
          reply.header('idempotent-replayed', 'true');
        }
        return reply.code(201).send(ok('Reservation created', toReservationView(outcome)));
      },
    );

    app.post(
      '/api/inventory/reservations/check',
      {
        schema: {
          tags,
          summary: 'Available-to-promise: how a cart would be allocated now, holding nothing',
          body: CheckCartBodySchema,
          response: responses,
        },
      },
      async (request) => {
        const strategy = request.body.strategy ?? deps.settings.allocationStrategy;
        const plan = await checkCart(deps, {
          lines: toCartLines(request.body.items),
          strategy,
          destination: toDestination(request.body.destination),
          allowSplit: request.body.allow_split ?? true,
        });
        return ok('Availability checked', toCartCheckView(strategy, plan));
      },
    );

    app.get(
      '/api/inventory/reservations/:id',
      {
        schema: {
          tags,
          summary: 'A reservation with its allocations',
          params: ReservationParamsSchema,
          response: responses,
        },
      },
      async (request) =>
        ok(
          'Reservation retrieved',
          toReservationView(await getReservation(deps, request.params.id)),
        ),
    );

    app.post(
      '/api/inventory/reservations/:id/confirm',
      {
        schema: {
          tags,
          summary: 'Confirm (commit) a reservation; items[] keeps fewer units of some lines',
          params: ReservationParamsSchema,
          body: ConfirmBodySchema,
          response: responses,
        },
      },
      async (request) => {
        const outcome = await commitReservation(
          deps,
          request.params.id,
          request.body.items ?? [],
          requestContextOf(request),
        );
        return ok('Reservation confirmed', toReservationView(outcome));
      },
    );

    app.post(
      '/api/inventory/reservations/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel a reservation (active or confirmed); its units return',
          params: ReservationParamsSchema,
          response: responses,
        },
      },
      async (request) => {
        const outcome = await releaseReservation(
          deps,
          request.params.id,
          requestContextOf(request),
        );
        return ok('Reservation cancelled', toReservationView(outcome));
      },
    );

    app.post(
      '/api/inventory/reservations/:id/extend',
      {
        schema: {
          tags,
          summary: 'Extend an active reservation: it now expires ttl_seconds from now',
          params: ReservationParamsSchema,
          body: ExtendBodySchema,
          response: responses,
        },
      },
      async (request) => {
        const outcome = await extendReservation(
          deps,
          request.params.id,
          request.body.ttl_seconds * 1000,
        );
        return ok('Reservation extended', toReservationView(outcome));
      },
    );

    app.post(
      '/api/inventory/reservations/:id/fulfil',
      {
        schema: {
          tags,
          summary: 'Ship a confirmed reservation: its units leave on hand',
          params: ReservationParamsSchema,
          response: responses,
        },
      },
      async (request) => {
        const outcome = await fulfilReservation(deps, request.params.id, requestContextOf(request));
        return ok('Reservation fulfilled', toReservationView(outcome));
      },
    );

    app.get(
      '/api/inventory/products/:id/availability',
      {
        schema: {
          tags: ['availability (seed 002)'],
          summary: 'Available units of a product per warehouse and in total',
          params: ProductAvailabilityParamsSchema,
          querystring: ProductAvailabilityQuerySchema,
          response: responses,
        },
      },
      async (request) => {
        const availability = await getProductAvailability(
          deps,
          request.params.id,
          request.query.variant_id ?? '',
        );
        return ok('Availability retrieved', toAvailabilityView(availability));
      },
    );

    app.post(
      '/admin/reservations/:id/expire',
      {
        schema: {
          tags: ['admin'],
          summary: 'Expire an active reservation now (its units return)',
          params: ReservationParamsSchema,
          response: responses,
        },
      },
      async (request) => {
        const outcome = await expireReservationNow(
          deps,
          request.params.id,
          requestContextOf(request),
        );
        return ok('Reservation expired', toReservationView(outcome));
      },
    );
  };
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_ERROR', `${field} ${message}`, { field });
}

/** Each line names its item exactly one way; variant_id goes with product_id only. */
function toCartLines(items: readonly Static<typeof CartItemSchema>[]): CartLineRequest[] {
  return items.map((item, index) => {
    const field = `items.${index}`;
    const ways = [item.product_id, item.sku, item.item_id].filter((v) => v !== undefined).length;
    if (ways !== 1) {
      throw invalid(field, 'must name its item by exactly one of product_id, sku or item_id');
    }
    if (item.variant_id !== undefined && item.product_id === undefined) {
      throw invalid(`${field}.variant_id`, 'may only be given with product_id');
    }
    return {
      ref: {
        productId: item.product_id,
        variantId: item.product_id === undefined ? undefined : (item.variant_id ?? ''),
        sku: item.sku,
        itemId: item.item_id,
      },
      quantity: item.quantity,
      warehouseId: item.warehouse_id,
    };
  });
}

function toDestination(
  destination: Static<typeof DestinationSchema> | undefined,
): Destination | undefined {
  if (destination === undefined) {
    return undefined;
  }
  if ((destination.latitude === undefined) !== (destination.longitude === undefined)) {
    throw invalid('destination', 'needs both latitude and longitude, or neither');
  }
  return {
    postalCode: destination.postal_code,
    latitude: destination.latitude,
    longitude: destination.longitude,
  };
}
