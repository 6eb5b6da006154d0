import type { Logger } from 'pino';
import { createAvailabilityReader } from '../app/availability-reader.ts';
import { createCartItemCache } from '../app/cart-item-cache.ts';
import { createKeyChecker } from '../app/key-checker.ts';
import type { AppDeps } from '../app/ports.ts';
import { createProductStockReader } from '../app/product-stock-reader.ts';
import { createWarehouseOptionsCache } from '../app/warehouse-options-cache.ts';
import { createWarehouseStates } from '../app/warehouse-states.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { createEndBatcher } from '../db/end-batcher.ts';
import { createReservationBatcher } from '../db/reservation-batcher.ts';
import { createTransactionRunner, createUnitOfWork } from '../db/transaction-runner.ts';
import { createRequestTracker } from '../http/request-tracker.ts';
import { buildServer } from '../http/server.ts';
import {
  ANY_PRODUCT_CATALOG,
  createProductServiceClient,
} from '../integrations/product-service.client.ts';
import { createExpiryWorker, type ExpiryWorker } from '../workers/expiry.worker.ts';
import { newId } from './new-id.ts';

/**
 * The composition root: plain factories wire storage, use cases, HTTP and workers. Nothing here
 * decides behaviour; it only connects the pieces and owns their start and stop order.
 */
export interface Service {
  readonly app: Awaited<ReturnType<typeof buildServer>>;
  readonly db: Database;
  readonly deps: AppDeps;
  readonly expiryWorker: ExpiryWorker;
  /** Starts the background workers and listens; resolves with the bound address. */
  start(): Promise<string>;
  /**
   * Graceful stop: readiness turns false, the server stops accepting and finishes in-flight
   * requests, workers finish their current sweep, queued batches are applied, then the database
   * closes.
   */
  stop(): Promise<void>;
}

/** Bounds the hot path's item cache: 100k items is a few tens of MB at most. */
const ITEM_CACHE_ENTRIES_MAX = 100_000;
/** Bounds the cart planning cache: 100k items, each with a row per active warehouse. */
const ALLOCATION_CACHE_ITEMS_MAX = 100_000;

export async function createService(
  config: Config,
  logger: Logger,
  db: Database,
): Promise<Service> {
  const reader = createUnitOfWork(db);
  const deps: AppDeps = {
    tx: createTransactionRunner(db),
    reader,
    cartItems: createCartItemCache(reader.allocation, {
      ttlMs: config.itemCacheTtlMs,
      entriesMax: ITEM_CACHE_ENTRIES_MAX,
    }),
    warehouseOptions: createWarehouseOptionsCache(reader.allocation, {
      ttlMs: config.allocationCacheTtlMs,
      entriesMax: ALLOCATION_CACHE_ITEMS_MAX,
    }),
    keyChecker: createKeyChecker(reader.idempotency),
    warehouseStates: createWarehouseStates(reader.allocation),
    availability: createAvailabilityReader(reader.allocation),
    productStock: createProductStockReader(reader),
    // Time-ordered ids: new reservations, lines and ledger rows land at the right edge of their
    // indexes instead of on a random page of a multi-gigabyte B-tree (docs/PERFORMANCE.md).
    newId,
    reservationBatcher: createReservationBatcher(db, {
      batchSizeMax: config.reservationBatchSizeMax,
      batchesInFlightMax: config.reservationBatchesInFlightMax,
      logger,
    }),
    endBatcher: createEndBatcher(db, {
      batchSizeMax: config.reservationBatchSizeMax,
      batchesInFlightMax: config.reservationBatchesInFlightMax,
      logger,
    }),
    settings: {
      reservationTtlMs: config.reservationTtlMs,
      idempotencyKeyRetentionMs: config.idempotencyKeyRetentionMs,
      lowStockThreshold: config.lowStockThreshold,
      allocationStrategy: config.allocationStrategy,
      productValidation: config.productService.policy,
    },
    products:
      config.productService.url === undefined
        ? ANY_PRODUCT_CATALOG
        : createProductServiceClient({
            url: config.productService.url,
            timeoutMs: config.productService.timeoutMs,
            logger,
          }),
  };
  let shuttingDown = false;
  const requests = createRequestTracker();
  const app = await buildServer({
    deps,
    logger,
    tracker: requests,
    logRequests: config.mode === 'debug',
    health: {
      checkDatabase: async () => {
        await db.query('SELECT 1');
      },
      isShuttingDown: () => shuttingDown,
    },
  });
  const expiryWorker = createExpiryWorker({
    deps,
    logger,
    intervalMs: config.expirationPollIntervalMs,
    batchSizeMax: config.expirationBatchSizeMax,
    concurrency: config.expirationConcurrency,
  });
  let stopping: Promise<void> | undefined;

  return {
    app,
    db,
    deps,
    expiryWorker,
    async start() {
      expiryWorker.start();
      return app.listen({ port: config.port, host: config.host });
    },
    stop() {
      stopping ??= (async () => {
        shuttingDown = true;
        await app.close();
        await expiryWorker.stop();
        // Requests whose clients hung up no longer hold the server open, but their handlers run
        // on and may still be queued for a batch; they finish (and their batches are applied or
        // refused) before the database closes.
        await requests.idle();
        await Promise.all([deps.reservationBatcher.idle(), deps.endBatcher.idle()]);
        await db.close();
      })();
      return stopping;
    },
  };
}
