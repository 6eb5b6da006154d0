import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createWarehouse } from '../../app/create-warehouse.ts';
import { getWarehouse, listWarehouseStock, listWarehouses } from '../../app/get-warehouse.ts';
import type { AppDeps } from '../../app/ports.ts';
import { setWarehouseActive } from '../../app/set-warehouse-active.ts';
import { updateWarehouse } from '../../app/update-warehouse.ts';
import { ErrorResponseSchema, envelope } from '../schemas/common.schemas.ts';
import {
  CreateWarehouseBodySchema,
  ListWarehousesQuerySchema,
  UpdateWarehouseBodySchema,
  WarehouseListSchema,
  WarehouseParamsSchema,
  WarehouseSchema,
  WarehouseStockQuerySchema,
  WarehouseStockSchema,
} from '../schemas/warehouse.schemas.ts';
import { ok } from '../views/seed000.views.ts';
import {
  toWarehouseListView,
  toWarehouseStockView,
  toWarehouseView,
} from '../views/warehouse.views.ts';

const BASE = '/api/inventory/warehouses';

/** Warehouse management and stock by location (seed 004), in seed 002's snake_case style. */
export function warehouseRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const errors = { '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };
  const warehouseResponse = envelope(WarehouseSchema);
  const tags = ['warehouses'];

  return async (app) => {
    app.get(
      BASE,
      {
        schema: {
          tags,
          summary: 'List warehouses in id order, filtered by active state and region',
          querystring: ListWarehousesQuerySchema,
          response: { 200: envelope(WarehouseListSchema), ...errors },
        },
      },
      async (request) => {
        const page = await listWarehouses(deps, request.query);
        return ok('Warehouses listed', toWarehouseListView(page));
      },
    );

    app.post(
      BASE,
      {
        schema: {
          tags,
          summary: 'Create a warehouse (409 WAREHOUSE_ALREADY_EXISTS when the id is taken)',
          body: CreateWarehouseBodySchema,
          response: { 201: warehouseResponse, ...errors },
        },
      },
      async (request, reply) => {
        const { postal_prefixes: postalPrefixes, ...fields } = request.body;
        const warehouse = await createWarehouse(deps, { ...fields, postalPrefixes });
        return reply.code(201).send(ok('Warehouse created', toWarehouseView(warehouse)));
      },
    );

    app.get(
      `${BASE}/:id`,
      {
        schema: {
          tags,
          summary: 'Get a warehouse',
          params: WarehouseParamsSchema,
          response: { 200: warehouseResponse, ...errors },
        },
      },
      async (request) => {
        const warehouse = await getWarehouse(deps, request.params.id);
        return ok('Warehouse retrieved', toWarehouseView(warehouse));
      },
    );

    app.patch(
      `${BASE}/:id`,
      {
        schema: {
          tags,
          summary: 'Change a warehouse’s name, region, priority, location or postal prefixes',
          params: WarehouseParamsSchema,
          body: UpdateWarehouseBodySchema,
          response: { 200: warehouseResponse, ...errors },
        },
      },
      async (request) => {
        const { postal_prefixes: postalPrefixes, ...fields } = request.body;
        const warehouse = await updateWarehouse(deps, request.params.id, {
          ...fields,
          postalPrefixes,
        });
        return ok('Warehouse updated', toWarehouseView(warehouse));
      },
    );

    app.post(
      `${BASE}/:id/deactivate`,
      {
        schema: {
          tags,
          summary: 'Stop allocating new reservations to a warehouse (its stock stays)',
          params: WarehouseParamsSchema,
          response: { 200: warehouseResponse, ...errors },
        },
      },
      async (request) => {
        const warehouse = await setWarehouseActive(deps, request.params.id, false);
        return ok('Warehouse deactivated', toWarehouseView(warehouse));
      },
    );

    app.post(
      `${BASE}/:id/activate`,
      {
        schema: {
          tags,
          summary: 'Allocate new reservations to a warehouse again',
          params: WarehouseParamsSchema,
          response: { 200: warehouseResponse, ...errors },
        },
      },
      async (request) => {
        const warehouse = await setWarehouseActive(deps, request.params.id, true);
        return ok('Warehouse activated', toWarehouseView(warehouse));
      },
    );

    app.get(
      `${BASE}/:id/stock`,
      {
        schema: {
          tags,
          summary: 'Stock levels of every item at a warehouse (GetInventoryByLocation)',
          params: WarehouseParamsSchema,
          querystring: WarehouseStockQuerySchema,
          response: { 200: envelope(WarehouseStockSchema), ...errors },
        },
      },
      async (request) => {
        const page = await listWarehouseStock(deps, {
          warehouseId: request.params.id,
          cursor: request.query.cursor,
          limit: request.query.limit,
        });
        return ok('Warehouse stock retrieved', toWarehouseStockView(request.params.id, page));
      },
    );
  };
}
