import type { AllocationStrategyName } from '../domain/allocation.ts';
import type {
  ReservationEnding,
  ReservationState,
  ReservationStatus,
} from '../domain/reservation.ts';
import type { Bucket, MovementKind, StockBuckets } from '../domain/stock.ts';

/**
 * What the use cases need from the outside world. src/db implements the repositories; src/main wires
 * them. Each repository method is one SQL statement.
 */

/** Structured logger (pino's shape); the app never formats log lines itself. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Who asked for a change and under which request: recorded on every ledger row. */
export interface RequestContext {
  readonly actor: string;
  readonly correlationId: string | undefined;
}

export interface ItemRecord {
  readonly id: string;
  readonly productId: string;
  /** '' when the item is the product itself rather than one of its variants. */
  readonly variantId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface StockLevelRecord extends StockBuckets {
  readonly itemId: string;
  readonly warehouseId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An item's buckets summed over all warehouses. */
export interface StockTotals extends StockBuckets {
  readonly available: number;
  readonly updatedAt: Date;
}

export interface ReservationLine {
  readonly lineNo: number;
  readonly itemId: string;
  readonly warehouseId: string;
  readonly quantity: number;
}

export interface ReservationRecord {
  readonly id: string;
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly expiresAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly endedAt: Date | null;
}

/** A line with the product it holds, as the APIs show it. */
export interface ReservationLineDetail extends ReservationLine {
  readonly productId: string;
  readonly variantId: string;
}

export interface ClaimedLine extends ReservationLine {
  readonly reservationId: string;
  readonly orderId: string;
}

export interface MovementDraft {
  readonly itemId: string;
  readonly warehouseId: string;
  readonly kind: MovementKind;
  /** Signed change of each bucket this movement touches; absent buckets are unchanged. */
  readonly deltas: Readonly<Partial<Record<Bucket, number>>>;
  readonly reason: string;
  readonly referenceType: string | null;
  readonly referenceId: string | null;
  readonly reservationId: string | null;
  readonly actor: string;
  readonly correlationId: string | null;
}

export interface ItemRepository {
  /** Inserts the item unless (productId, variantId) exists; undefined when it did. */
  insertIfAbsent(item: {
    id: string;
    productId: string;
    variantId: string;
  }): Promise<ItemRecord | undefined>;
  findByProduct(productId: string, variantId: string): Promise<ItemRecord | undefined>;
}

export interface StockLevelRepository {
  insert(level: { itemId: string; warehouseId: string; onHand: number }): Promise<StockLevelRecord>;
  /** Adds to on hand unless that would pass `onHandMax`; undefined when refused or absent. */
  addOnHand(change: {
    itemId: string;
    warehouseId: string;
    quantity: number;
    onHandMax: number;
  }): Promise<StockLevelRecord | undefined>;
  /**
   * Moves `quantity` from available to reserved in one conditional statement; undefined when fewer
   * units are available (nothing changed).
   */
  reserve(change: {
    itemId: string;
    warehouseId: string;
    quantity: number;
  }): Promise<StockLevelRecord | undefined>;
  /** Returns reserved units of the given lines to available; returns how many levels changed. */
  unreserve(lines: readonly ReservationLine[]): Promise<number>;
  /** Removes reserved units of the given lines from reserved and from on hand (they left). */
  deductReserved(lines: readonly ReservationLine[]): Promise<number>;
  find(itemId: string, warehouseId: string): Promise<StockLevelRecord | undefined>;
  sumForItem(itemId: string): Promise<StockTotals | undefined>;
}

export interface ReservationRepository {
  insert(reservation: {
    id: string;
    orderId: string;
    ttlMs: number;
    actor: string;
    correlationId: string | undefined;
  }): Promise<ReservationRecord>;
  insertLines(reservationId: string, lines: readonly ReservationLine[]): Promise<void>;
  /**
   * Moves a PENDING reservation to `ending`; with `requireUnexpired`, only while it is not past its
   * expiry. Undefined when the row was not in that state (someone else ended it, or it expired).
   */
  endIfPending(change: {
    id: string;
    ending: ReservationEnding;
    requireUnexpired: boolean;
  }): Promise<ReservationRecord | undefined>;
  findState(id: string): Promise<ReservationState | undefined>;
  findLines(reservationId: string): Promise<ReservationLineDetail[]>;
  /**
   * Marks up to `limit` pending reservations past their expiry as EXPIRED, skipping rows another
   * transaction holds, and returns their lines.
   */
  expireDue(limit: number): Promise<ClaimedLine[]>;
}

export interface MovementRepository {
  append(movements: readonly MovementDraft[]): Promise<void>;
}

export interface StoredIdempotentResult {
  readonly requestHash: string;
  readonly responseBody: unknown;
}

export interface IdempotencyRepository {
  /** Claims the key for this request; returns the earlier record when the key was taken. */
  claim(claim: {
    scope: string;
    key: string;
    requestHash: string;
    retentionMs: number;
  }): Promise<StoredIdempotentResult | undefined>;
  saveResponse(record: { scope: string; key: string; responseBody: unknown }): Promise<void>;
  purgeExpired(limit: number): Promise<number>;
}

/** The repositories bound to one transaction. */
export interface UnitOfWork {
  readonly items: ItemRepository;
  readonly stock: StockLevelRepository;
  readonly reservations: ReservationRepository;
  readonly movements: MovementRepository;
  readonly idempotency: IdempotencyRepository;
}

/** What every use case receives from the composition root. */
export interface AppDeps {
  readonly tx: TransactionRunner;
  /** Repositories outside any transaction, for single-statement reads. */
  readonly reader: UnitOfWork;
  readonly newId: () => string;
  readonly settings: AppSettings;
}

export interface AppSettings {
  readonly reservationTtlMs: number;
  readonly idempotencyKeyRetentionMs: number;
  /** Default low-stock alert level for items without their own (LOW_STOCK_THRESHOLD). */
  readonly lowStockThreshold: number;
  /** Allocation strategy for reservation lines that name no warehouse (ALLOCATION_STRATEGY). */
  readonly allocationStrategy: AllocationStrategyName;
}

export interface TransactionRunner {
  /**
   * Runs `work` in one transaction (retried whole on serialization failure or deadlock, so `work`
   * must have no effect outside the database).
   */
  run<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T>;
}
