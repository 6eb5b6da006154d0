import pRetry from 'p-retry';
import type { TransactionRunner, UnitOfWork } from '../app/ports.ts';
import { createAllocationRepository } from './allocation.repository.ts';
import { type Database, isSqlError, type Queryable, RETRYABLE_SQLSTATES } from './database.ts';
import { createIdempotencyRepository } from './idempotency.repository.ts';
import { createItemRepository } from './item.repository.ts';
import { createKitComponentRepository } from './kit-component.repository.ts';
import { createMovementRepository } from './movement.repository.ts';
import { createMovementHistoryRepository } from './movement-history.repository.ts';
import { createReservationRepository } from './reservation.repository.ts';
import { createStockAdjustmentRepository } from './stock-adjustment.repository.ts';
import { createStockLevelRepository } from './stock-level.repository.ts';
import { createTransferRepository } from './transfer.repository.ts';
import { createWarehouseRepository } from './warehouse.repository.ts';

/** Attempts per transaction before a serialization failure or deadlock is reported as an error. */
const TRANSACTION_ATTEMPTS_MAX = 5;

export function createUnitOfWork(db: Queryable): UnitOfWork {
  return {
    items: createItemRepository(db),
    stock: createStockLevelRepository(db),
    reservations: createReservationRepository(db),
    movements: createMovementRepository(db),
    idempotency: createIdempotencyRepository(db),
    allocation: createAllocationRepository(db),
    warehouses: createWarehouseRepository(db),
    kits: createKitComponentRepository(db),
    adjustments: createStockAdjustmentRepository(db),
    transfers: createTransferRepository(db),
    history: createMovementHistoryRepository(db),
  };
}

export function createTransactionRunner(db: Database): TransactionRunner {
  return {
    run(work) {
      return pRetry(() => db.transaction((tx) => work(createUnitOfWork(tx))), {
        retries: TRANSACTION_ATTEMPTS_MAX - 1,
        minTimeout: 5,
        maxTimeout: 100,
        randomize: true,
        // Only the database's "try again" answers are retried; a domain error or a bug is final.
        shouldRetry: ({ error }) => isSqlError(error) && RETRYABLE_SQLSTATES.has(error.code),
      });
    },
  };
}
