import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { Static } from 'typebox';
import { type AdjustStockCommand, adjustStock } from '../../app/adjust-stock.ts';
import { BULK_LINES_MAX, bulkAdjust } from '../../app/bulk-adjust.ts';
import type { AppDeps, ItemRef } from '../../app/ports.ts';
import { receiveStock } from '../../app/receive-stock.ts';
import { registerIncoming } from '../../app/register-incoming.ts';
import { getTransfer, receiveTransfer, transferStock } from '../../app/transfer-stock.ts';
import { isDomainError } from '../../domain/errors.ts';
import { DEFAULT_WAREHOUSE_ID } from '../../domain/stock.ts';
import type { AdjustableBucket } from '../../domain/stock-adjustment.ts';
import { requestContextOf } from '../request-context.ts';
import { ErrorResponseSchema, envelope } from '../schemas/common.schemas.ts';
import {
  AdjustmentBodySchema,
  AdjustmentSchema,
  BulkAdjustmentBodySchema,
  BulkAdjustmentSchema,
  IncomingBodySchema,
  ReceiptBodySchema,
  StockChangeSchema,
  TransferBodySchema,
  TransferParamsSchema,
  TransferSchema,
} from '../schemas/stock-operation.schemas.ts';
import { ok } from '../views/seed000.views.ts';
import {
  type LineError,
  toAdjustmentView,
  toBulkAdjustmentView,
  toStockChangeView,
  toTransferView,
} from '../views/stock-operation.views.ts';

const BASE = '/api/inventory';

/** A bulk body holds up to 500 lines; the default 64 KiB would not fit them all. */
const BULK_BODY_LIMIT_BYTES = BULK_LINES_MAX * 1024;

const BUCKET_OF: Readonly<Record<string, AdjustableBucket>> = {
  on_hand: 'onHand',
  damaged: 'damaged',
  safety_stock: 'safetyStock',
};

interface ItemRefBody {
  readonly item_id?: string | undefined;
  readonly sku?: string | undefined;
  readonly product_id?: string | undefined;
  readonly variant_id?: string | undefined;
}

function itemRefOf(body: ItemRefBody): ItemRef {
  return {
    itemId: body.item_id,
    sku: body.sku,
    productId: body.product_id,
    variantId: body.variant_id,
  };
}

type AdjustmentBody = Static<typeof AdjustmentBodySchema>;

function adjustmentCommandOf(body: AdjustmentBody): AdjustStockCommand {
  return {
    item: itemRefOf(body),
    warehouseId: body.warehouse_id ?? DEFAULT_WAREHOUSE_ID,
    bucket: BUCKET_OF[body.bucket ?? 'on_hand'] ?? 'onHand',
    mode: body.mode,
    quantity: body.quantity,
    reason: body.reason,
    expected: body.expected,
    note: body.note,
    reference: body.reference,
  };
}

/** A bulk line's failure as the error envelope would show it; faults are logged, not described. */
function describeLineError(log: FastifyBaseLogger): (error: unknown) => LineError {
  return (error) => {
    if (isDomainError(error)) {
      const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
      return {
        code: error.code,
        message: error.message,
        ...(field === undefined ? {} : { field }),
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    }
    log.error({ err: error }, 'bulk adjustment line failed');
    return { code: 'INTERNAL_ERROR', message: 'internal error; it has been logged' };
  };
}

/** Adjustments, transfers, incoming stock and receipts (seed 004), in seed 002's style. */
export function stockOperationRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const errors = { '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };
  const transferResponse = envelope(TransferSchema);
  const stockResponse = envelope(StockChangeSchema);
  const tags = ['stock operations'];

  return async (app) => {
    app.post(
      `${BASE}/adjustments`,
      {
        schema: {
          tags,
          summary:
            'Add to, remove from or set one bucket (on_hand, damaged, safety_stock) of an item ' +
            'at a warehouse, with a reason; `expected` makes it a compare-and-set',
          body: AdjustmentBodySchema,
          response: { 200: envelope(AdjustmentSchema), ...errors },
        },
      },
      async (request) => {
        const outcome = await adjustStock(
          deps,
          adjustmentCommandOf(request.body),
          requestContextOf(request),
        );
        return ok('Stock adjusted', toAdjustmentView(outcome));
      },
    );

    app.post(
      `${BASE}/adjustments/bulk`,
      {
        bodyLimit: BULK_BODY_LIMIT_BYTES,
        schema: {
          tags,
          summary:
            'Up to 500 adjustments, each applied on its own (one refused line undoes nothing ' +
            'else), with a result per line in order',
          body: BulkAdjustmentBodySchema,
          response: { 200: envelope(BulkAdjustmentSchema), ...errors },
        },
      },
      async (request) => {
        const results = await bulkAdjust(
          deps,
          request.body.lines.map(adjustmentCommandOf),
          requestContextOf(request),
        );
        const view = toBulkAdjustmentView(results, describeLineError(request.log));
        return ok(
          `Bulk adjustment: ${view.summary.applied} applied, ${view.summary.failed} failed`,
          view,
        );
      },
    );

    app.post(
      `${BASE}/transfers`,
      {
        schema: {
          tags,
          summary:
            'Move available units between warehouses, at once or (receive_step) as incoming ' +
            'until received',
          body: TransferBodySchema,
          response: { 201: transferResponse, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const outcome = await transferStock(
          deps,
          {
            item: itemRefOf(body),
            fromWarehouseId: body.from_warehouse_id,
            toWarehouseId: body.to_warehouse_id,
            quantity: body.quantity,
            receiveStep: body.receive_step ?? false,
            expectedAt: body.expected_at === undefined ? undefined : new Date(body.expected_at),
            note: body.note,
          },
          requestContextOf(request),
        );
        return reply.code(201).send(ok('Stock transferred', toTransferView(outcome)));
      },
    );

    app.get(
      `${BASE}/transfers/:id`,
      {
        schema: {
          tags,
          summary: 'Get a transfer',
          params: TransferParamsSchema,
          response: { 200: transferResponse, ...errors },
        },
      },
      async (request) => {
        const outcome = await getTransfer(deps, request.params.id);
        return ok('Transfer retrieved', toTransferView(outcome));
      },
    );

    app.post(
      `${BASE}/transfers/:id/receive`,
      {
        schema: {
          tags,
          summary:
            'Receive an in-transit transfer: incoming becomes on hand (409 ' +
            'TRANSFER_ALREADY_RECEIVED the second time)',
          params: TransferParamsSchema,
          response: { 200: transferResponse, ...errors },
        },
      },
      async (request) => {
        const outcome = await receiveTransfer(deps, request.params.id, requestContextOf(request));
        return ok('Transfer received', toTransferView(outcome));
      },
    );

    app.post(
      `${BASE}/incoming`,
      {
        schema: {
          tags,
          summary: 'Announce units on their way to a warehouse (e.g. a purchase order)',
          body: IncomingBodySchema,
          response: { 200: stockResponse, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const outcome = await registerIncoming(
          deps,
          {
            item: itemRefOf(body),
            warehouseId: body.warehouse_id ?? DEFAULT_WAREHOUSE_ID,
            quantity: body.quantity,
            expectedAt: body.expected_at === undefined ? undefined : new Date(body.expected_at),
            reference: body.reference,
            note: body.note,
          },
          requestContextOf(request),
        );
        return ok('Incoming stock registered', toStockChangeView(outcome));
      },
    );

    app.post(
      `${BASE}/receipts`,
      {
        schema: {
          tags,
          summary:
            'Receive incoming units into on hand (409 INSUFFICIENT_INCOMING beyond what is ' +
            'incoming)',
          body: ReceiptBodySchema,
          response: { 200: stockResponse, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const outcome = await receiveStock(
          deps,
          {
            item: itemRefOf(body),
            warehouseId: body.warehouse_id ?? DEFAULT_WAREHOUSE_ID,
            quantity: body.quantity,
            reference: body.reference,
            note: body.note,
          },
          requestContextOf(request),
        );
        return ok('Stock received', toStockChangeView(outcome));
      },
    );
  };
}
