import type { AllocationStrategyName, WarehouseOption } from '../domain/allocation.ts';
import type { ItemStatus } from '../domain/item-status.ts';
import type { ReservationState, ReservationStatus } from '../domain/reservation.ts';
import type { Bucket, MovementKind, StockBuckets } from '../domain/stock.ts';
import type { AdjustmentChange } from '../domain/stock-adjustment.ts';
import type { WarehouseSpec } from '../domain/warehouse-fields.ts';
import type { AvailabilityReader } from './availability-reader.ts';
import type { CartItemCache } from './cart-item-cache.ts';
import type { KeyChecker } from './key-checker.ts';
import type { ProductStockReader } from './product-stock-reader.ts';
import type { WarehouseOptionsCache } from './warehouse-options-cache.ts';
import type { WarehouseStates } from './warehouse-states.ts';

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
  readonly sku: string | null;
  readonly name: string | null;
  readonly discontinued: boolean;
  readonly reorderPoint: number;
  readonly reorderQuantity: number;
  /** null: the service's default (settings.lowStockThreshold) applies. */
  readonly lowStockThreshold: number | null;
  readonly backorderAllowed: boolean;
  readonly backorderLimit: number;
  readonly salesBlocked: boolean;
  readonly salesBlockedReason: string | null;
  readonly isKit: boolean;
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

/** One allocation of a reservation: a request line split over two warehouses is two of these. */
export interface ReservationLine {
  readonly lineNo: number;
  readonly itemId: string;
  readonly warehouseId: string;
  readonly quantity: number;
  /** Part of `quantity` promised beyond stock (backorder). */
  readonly backordered: number;
  /** Set by commit: units kept, and how many of those were backordered. */
  readonly committedQuantity: number;
  readonly committedBackordered: number;
  /** The request line (1-based) this allocation serves, and the quantity that line asked for. */
  readonly requestLine: number;
  readonly requestQuantity: number;
  /** The kit this line is a component of, when the request named a kit. */
  readonly kitItemId: string | null;
  readonly allocationReason: string | null;
}

export interface ReservationRecord {
  readonly id: string;
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly expiresAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly endedAt: Date | null;
  readonly allocationStrategy: string | null;
  readonly destinationPostalCode: string | null;
  readonly committedAt: Date | null;
  readonly fulfilledAt: Date | null;
}

/** A line with the product it holds, as the APIs show it. */
export interface ReservationLineDetail extends ReservationLine {
  readonly productId: string;
  readonly variantId: string;
  readonly sku: string | null;
  /** The kit's product id when this line is a kit component. */
  readonly kitProductId: string | null;
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
  /** Each product's own item (variant ''), one entry per id in order; undefined where none. */
  findOfProducts(productIds: readonly string[]): Promise<(ItemRecord | undefined)[]>;
  /** Inserts the item unless its SKU or (productId, variantId) is taken; undefined when it was. */
  insert(item: NewItem): Promise<ItemRecord | undefined>;
  findById(id: string): Promise<ItemRecord | undefined>;
  findBySku(sku: string): Promise<ItemRecord | undefined>;
  findByIds(ids: readonly string[]): Promise<ItemRecord[]>;
  update(id: string, changes: ItemChanges): Promise<ItemUpdateResult>;
  /** Items with stock totals, in id order (keyset pagination on id). */
  list(filter: ItemListFilter): Promise<ItemSummary[]>;
  /** The same summaries for the given ids (any order). */
  findSummaries(ids: readonly string[]): Promise<ItemSummary[]>;
  /** Blocks or unblocks sales of every item of a product; returns the items changed. */
  setSalesBlocked(change: {
    productId: string;
    blocked: boolean;
    reason: string | null;
  }): Promise<ItemRecord[]>;
}

/** A new catalog item. Its stock comes later (adjustments, receipts, transfers). */
export interface NewItem {
  readonly id: string;
  readonly productId: string;
  readonly variantId: string;
  readonly sku: string | null;
  readonly name: string | null;
  readonly reorderPoint: number;
  readonly reorderQuantity: number;
  readonly lowStockThreshold: number | null;
  readonly backorderAllowed: boolean;
  readonly backorderLimit: number;
  readonly isKit: boolean;
}

/** Fields to change: undefined keeps the value, null clears a nullable one. */
export interface ItemChanges {
  readonly sku?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly reorderPoint?: number | undefined;
  readonly reorderQuantity?: number | undefined;
  readonly lowStockThreshold?: number | null | undefined;
  readonly backorder?: { readonly allowed: boolean; readonly limit: number } | undefined;
  readonly discontinued?: boolean | undefined;
}

export type ItemUpdateResult =
  | { readonly kind: 'updated'; readonly item: ItemRecord }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'sku-taken' };

export interface ItemListFilter {
  /** Derived status (see domain/item-status.ts), computed by the query the same way. */
  readonly status?: ItemStatus | undefined;
  readonly productId?: string | undefined;
  readonly skuPrefix?: string | undefined;
  /**
   * Only items low on stock (domain/item-catalog.ts isLowStock), kits and discontinued items left
   * out: a kit holds no stock to reorder, and a discontinued item is not reordered.
   */
  readonly lowStock?: boolean | undefined;
  /** LOW_STOCK_THRESHOLD, for items without their own threshold. */
  readonly lowStockThresholdDefault: number;
  readonly afterId?: string | undefined;
  readonly limit: number;
}

/**
 * An item with its buckets summed over warehouses. For a kit, the buckets are 0 (it holds no stock)
 * and `available` is what its components allow (domain/item-catalog.ts kitAvailable).
 */
export interface ItemSummary extends ItemRecord, StockBuckets {
  readonly available: number;
}

export interface KitComponentDetail {
  readonly kitItemId: string;
  readonly componentItemId: string;
  readonly quantity: number;
  readonly sku: string | null;
  readonly productId: string;
  readonly variantId: string;
}

export interface KitComponentRepository {
  insert(
    kitItemId: string,
    components: readonly { componentItemId: string; quantity: number }[],
  ): Promise<void>;
  /** Components of the given kits, by kit then component id. */
  findByKits(kitItemIds: readonly string[]): Promise<KitComponentDetail[]>;
}

/** The statements behind adjustments, transfers and receipts (db/stock-adjustment.repository.ts). */
export interface StockAdjustmentRepository {
  findWarehouseState(id: string): Promise<{ id: string; active: boolean } | undefined>;
  /** Creates the item's empty stock level at the warehouse unless it exists. */
  ensureLevel(itemId: string, warehouseId: string): Promise<void>;
  /** Locks the item's stock levels at these warehouses in key order, so two transfers between the
   * same warehouses in opposite directions cannot deadlock. */
  lockLevels(itemId: string, warehouseIds: readonly string[]): Promise<void>;
  /**
   * Applies one adjustment in one conditional statement: only when `expected` (if given) equals the
   * bucket's value and the result keeps every rule (domain/stock-adjustment.ts). Returns the level
   * and the bucket's previous value; undefined when refused (nothing changed).
   */
  adjust(
    change: AdjustmentChange & { itemId: string; warehouseId: string; valueMax: number },
  ): Promise<{ level: StockLevelRecord; previous: number } | undefined>;
  /** Takes units out of on hand only if that many are available; undefined when refused. */
  takeAvailable(change: {
    itemId: string;
    warehouseId: string;
    quantity: number;
  }): Promise<StockLevelRecord | undefined>;
  /** Puts units on hand unless that passes `onHandMax`; undefined when refused or absent. */
  putOnHand(change: {
    itemId: string;
    warehouseId: string;
    quantity: number;
    onHandMax: number;
  }): Promise<StockLevelRecord | undefined>;
  /** Announces incoming units, keeping the earliest expected arrival; undefined when refused. */
  addIncoming(change: {
    itemId: string;
    warehouseId: string;
    quantity: number;
    expectedAt: Date | null;
    incomingMax: number;
  }): Promise<StockLevelRecord | undefined>;
  /** Moves units from incoming to on hand only if that many are incoming; undefined if refused. */
  receiveIncoming(change: {
    itemId: string;
    warehouseId: string;
    quantity: number;
    onHandMax: number;
  }): Promise<StockLevelRecord | undefined>;
}

export type TransferStatus = 'IN_TRANSIT' | 'RECEIVED';

export interface TransferRecord {
  readonly id: string;
  readonly itemId: string;
  readonly fromWarehouseId: string;
  readonly toWarehouseId: string;
  readonly quantity: number;
  readonly status: TransferStatus;
  readonly reason: string | null;
  readonly actor: string;
  readonly correlationId: string | null;
  readonly createdAt: Date;
  readonly receivedAt: Date | null;
}

export interface TransferRepository {
  insert(transfer: {
    id: string;
    itemId: string;
    fromWarehouseId: string;
    toWarehouseId: string;
    quantity: number;
    status: TransferStatus;
    reason: string | null;
    actor: string;
    correlationId: string | null;
  }): Promise<TransferRecord>;
  find(id: string): Promise<TransferRecord | undefined>;
  /** IN_TRANSIT -> RECEIVED in one conditional statement; undefined when it was not in transit. */
  markReceived(id: string): Promise<TransferRecord | undefined>;
}

/** A ledger row with its item's identity, as the movements API shows it. */
export interface MovementRecord {
  readonly id: number;
  readonly itemId: string;
  readonly productId: string;
  readonly variantId: string;
  readonly sku: string | null;
  readonly warehouseId: string;
  readonly kind: MovementKind;
  readonly onHandDelta: number;
  readonly reservedDelta: number;
  readonly committedDelta: number;
  readonly incomingDelta: number;
  readonly damagedDelta: number;
  readonly safetyStockDelta: number;
  readonly backorderedDelta: number;
  readonly reason: string | null;
  readonly referenceType: string | null;
  readonly referenceId: string | null;
  readonly reservationId: string | null;
  readonly actor: string;
  readonly correlationId: string | null;
  readonly createdAt: Date;
}

export interface MovementFilter {
  readonly itemId?: string | undefined;
  readonly productId?: string | undefined;
  readonly warehouseId?: string | undefined;
  readonly kind?: MovementKind | undefined;
  readonly reservationId?: string | undefined;
  /** created_at >= since */
  readonly since?: Date | undefined;
  /** created_at < until */
  readonly until?: Date | undefined;
  /** Keyset pagination, newest first: only movements with a smaller id. */
  readonly beforeId?: number | undefined;
  readonly limit: number;
}

export interface MovementHistoryRepository {
  /** Newest first (by id). */
  list(filter: MovementFilter): Promise<MovementRecord[]>;
}

/** The product service (seed 000's optional product id validation). */
export interface ProductCatalog {
  /** true: known; false: unknown; 'unavailable': could not be asked (error, 5xx, timeout). */
  exists(productId: string): Promise<boolean | 'unavailable'>;
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
  /**
   * Applies signed bucket changes to many stock levels in one statement (summed per level, rows
   * locked in key order). Unconditional: callers only pass changes a reservation's state move
   * allows; the schema's CHECK constraints refuse anything that would break the buckets. Returns
   * how many stock levels changed.
   */
  applyDeltas(changes: readonly StockDelta[]): Promise<number>;
  /** Promises `quantity` more units beyond stock (the caller checked the item's backorder cap). */
  addBackordered(change: { itemId: string; warehouseId: string; quantity: number }): Promise<void>;
  /** Creates empty stock levels that do not exist yet (a backorder may land where none was). */
  ensureLevels(levels: readonly { itemId: string; warehouseId: string }[]): Promise<void>;
  find(itemId: string, warehouseId: string): Promise<StockLevelRecord | undefined>;
  sumForItem(itemId: string): Promise<StockTotals | undefined>;
  /** sumForItem for each item, one entry per id in order. */
  sumForItems(itemIds: readonly string[]): Promise<(StockTotals | undefined)[]>;
}

export interface StockDelta {
  readonly itemId: string;
  readonly warehouseId: string;
  readonly deltas: Readonly<Partial<Record<Bucket, number>>>;
}

export interface ReservationRepository {
  insert(reservation: {
    id: string;
    orderId: string;
    ttlMs: number;
    actor: string;
    correlationId: string | undefined;
    allocationStrategy?: string | undefined;
    destinationPostalCode?: string | undefined;
  }): Promise<ReservationRecord>;
  insertLines(reservationId: string, lines: readonly ReservationLine[]): Promise<void>;
  /**
   * Moves the reservation from one of `from` to `to` (one conditional statement); undefined when it
   * was in none of them (or, with `requireUnexpired`, past its expiry).
   */
  moveStatus(change: {
    id: string;
    from: readonly ReservationStatus[];
    to: ReservationStatus;
    requireUnexpired: boolean;
  }): Promise<ReservationRecord | undefined>;
  find(id: string): Promise<ReservationRecord | undefined>;
  /** Records how many units of each line a commit kept. */
  setCommitted(
    reservationId: string,
    lines: readonly { lineNo: number; committedQuantity: number; committedBackordered: number }[],
  ): Promise<void>;
  /** Pushes a pending, unexpired reservation's expiry to now + ttlMs; undefined otherwise. */
  extend(id: string, ttlMs: number): Promise<ReservationRecord | undefined>;
  findState(id: string): Promise<ReservationState | undefined>;
  findLines(reservationId: string): Promise<ReservationLineDetail[]>;
  /**
   * Marks up to `limit` pending reservations past their expiry as EXPIRED, skipping rows another
   * transaction holds, and returns their lines.
   */
  expireDue(limit: number): Promise<ClaimedLine[]>;
}

export interface ItemRef {
  readonly itemId?: string | undefined;
  readonly sku?: string | undefined;
  readonly productId?: string | undefined;
  readonly variantId?: string | undefined;
}

/** What allocation needs to know of an item. */
export interface CartItemRecord {
  readonly id: string;
  readonly productId: string;
  readonly variantId: string;
  readonly sku: string | null;
  readonly isKit: boolean;
  readonly discontinued: boolean;
  readonly salesBlocked: boolean;
  readonly backorderAllowed: boolean;
  readonly backorderLimit: number;
  readonly reorderPoint: number;
  /** Units backordered now, over all warehouses. */
  readonly backordered: number;
}

export interface KitComponentRecord {
  readonly kitItemId: string;
  readonly componentItemId: string;
  readonly quantity: number;
}

export interface WarehouseOptionRecord extends WarehouseOption {
  readonly itemId: string;
}

/**
 * One stock level of an item with its warehouse's state, as availability and allocation read it.
 * (Not WarehouseStockRecord below: two interfaces of one name merge, and this one claimed the
 * other's item identity and timestamps, which its query never selects.)
 */
export interface ItemWarehouseStockRecord extends StockBuckets {
  readonly itemId: string;
  readonly warehouseId: string;
  readonly active: boolean;
  readonly available: number;
  readonly incomingExpectedAt: Date | null;
}

/** The reads allocation plans from, and the backorder cap lock. */
export interface AllocationRepository {
  /** One entry per ref, in order; undefined where no item matches. */
  findCartItems(refs: readonly ItemRef[]): Promise<(CartItemRecord | undefined)[]>;
  findKitComponents(kitItemIds: readonly string[]): Promise<KitComponentRecord[]>;
  /** Every active warehouse for every item, with the item's available units there (0 if none). */
  findWarehouseOptions(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]>;
  findWarehouseStates(ids: readonly string[]): Promise<{ id: string; active: boolean }[]>;
  /** Every stock level of the items, with its warehouse's active flag and the derived available. */
  findStockByWarehouse(itemIds: readonly string[]): Promise<ItemWarehouseStockRecord[]>;
  /**
   * Locks the items (in id order) so backorders against one cap are counted one at a time, and
   * returns each one's cap and current backordered total.
   */
  lockBackorderCaps(
    itemIds: readonly string[],
  ): Promise<{ itemId: string; backorderLimit: number; backordered: number }[]>;
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
  /**
   * What each key holds, in order: the earlier request's hash and answer, or undefined. Waits for
   * a transaction that holds one of the keys, and leaves nothing behind (migration 0015).
   */
  checkKeys(
    scope: string,
    keys: readonly string[],
  ): Promise<(StoredIdempotentResult | undefined)[]>;
  purgeExpired(limit: number): Promise<number>;
}

export interface WarehouseRecord extends WarehouseSpec {
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Fields to change; absent ones keep their value. Latitude and longitude change together. */
export interface WarehouseChanges {
  readonly name?: string | undefined;
  readonly region?: string | null | undefined;
  readonly priority?: number | undefined;
  readonly location?: { readonly latitude: number; readonly longitude: number } | null | undefined;
  readonly postalPrefixes?: readonly string[] | undefined;
}

export interface WarehouseFilter {
  readonly active?: boolean | undefined;
  readonly region?: string | undefined;
  /** Keyset pagination: only warehouses whose id sorts after this one. */
  readonly afterId?: string | undefined;
  readonly limit: number;
}

/** One item's stock at one warehouse, with the item's identity, as GetInventoryByLocation shows. */
export interface WarehouseStockRecord extends StockLevelRecord {
  readonly productId: string;
  readonly variantId: string;
  readonly sku: string | null;
  readonly available: number;
}

export interface WarehouseRepository {
  /** Inserts the warehouse unless its id exists; undefined when it did. */
  insert(warehouse: WarehouseSpec & { active: boolean }): Promise<WarehouseRecord | undefined>;
  find(id: string): Promise<WarehouseRecord | undefined>;
  /** In id order. */
  list(filter: WarehouseFilter): Promise<WarehouseRecord[]>;
  update(id: string, changes: WarehouseChanges): Promise<WarehouseRecord | undefined>;
  setActive(id: string, active: boolean): Promise<WarehouseRecord | undefined>;
  /**
   * Creates the missing warehouses and updates the ones that differ; `active` undefined keeps the
   * stored value (created ones start active). Never deletes or deactivates anything not listed.
   */
  upsertMany(
    warehouses: ReadonlyArray<WarehouseSpec & { active: boolean | undefined }>,
  ): Promise<{ created: number; updated: number }>;
  /** Stock levels at one warehouse in item id order. */
  listStock(page: {
    warehouseId: string;
    afterItemId?: string | undefined;
    limit: number;
  }): Promise<WarehouseStockRecord[]>;
}

/** The repositories bound to one transaction. */
export interface UnitOfWork {
  readonly items: ItemRepository;
  readonly stock: StockLevelRepository;
  readonly reservations: ReservationRepository;
  readonly movements: MovementRepository;
  readonly idempotency: IdempotencyRepository;
  readonly allocation: AllocationRepository;
  readonly warehouses: WarehouseRepository;
  readonly kits: KitComponentRepository;
  readonly adjustments: StockAdjustmentRepository;
  readonly transfers: TransferRepository;
  readonly history: MovementHistoryRepository;
}

/** A fully planned reservation (every line names its warehouse; no backorders) for group commit. */
export interface PlannedReservation {
  readonly id: string;
  readonly orderId: string;
  readonly ttlMs: number;
  readonly actor: string;
  readonly correlationId: string | undefined;
  readonly allocationStrategy: string | undefined;
  readonly destinationPostalCode: string | undefined;
  readonly lines: readonly ReservationLine[];
  /** An Idempotency-Key the batch claims for this reservation, with the answer to store for it. */
  readonly idempotency?: BatchedIdempotencyKey | undefined;
}

export interface BatchedIdempotencyKey {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  readonly retentionMs: number;
  /**
   * The outcome to remember (a JSON object), without the reservation's createdAt, updatedAt and
   * expiresAt: the batch knows them only when it applies the reservation, and adds them.
   */
  readonly answer: object;
}

/** The first line of a batched reservation that could not be held, and why. */
export interface BatchedReservationRefusal {
  readonly ok: false;
  readonly code:
    | 'INSUFFICIENT_STOCK'
    | 'SALES_BLOCKED'
    | 'ITEM_DISCONTINUED'
    | 'WAREHOUSE_INACTIVE';
  readonly itemId: string;
  readonly warehouseId: string;
  readonly available: number;
}

export type BatchedReservationResult =
  | { readonly ok: true; readonly createdAt: Date; readonly expiresAt: Date }
  | BatchedReservationRefusal
  /** The key already holds an answer (an earlier request's): nothing was applied. */
  | { readonly ok: false; readonly code: 'REPLAY'; readonly stored: StoredIdempotentResult }
  /** Another request of the same batch claimed the key first: send this one again. */
  | { readonly ok: false; readonly code: 'KEY_BUSY' };

/**
 * Group commit: concurrent reservations are queued while a batch is in the database and applied
 * together, each all-or-nothing, in arrival order, in one transaction.
 */
export interface ReservationBatcher {
  submit(reservation: PlannedReservation): Promise<BatchedReservationResult>;
  /** Resolves once nothing is queued or being applied (shutdown waits for it). */
  idle(): Promise<void>;
}

export interface EndRequest {
  readonly id: string;
  /** commit: a confirm that keeps every unit (a partial one runs in its own transaction). */
  readonly move: 'release' | 'deduct' | 'commit';
  readonly actor: string;
  readonly correlationId: string | undefined;
}

export type EndResult =
  | {
      readonly ok: true;
      readonly reservation: ReservationRecord;
      readonly lines: readonly ReservationLineDetail[];
    }
  | { readonly ok: false; readonly state: ReservationState | undefined };

/** Group commit for release, deduct and whole confirms (one transaction per batch). */
export interface ReservationEndBatcher {
  submit(request: EndRequest): Promise<EndResult>;
  /** Resolves once nothing is queued or being applied (shutdown waits for it). */
  idle(): Promise<void>;
}

/** What every use case receives from the composition root. */
export interface AppDeps {
  readonly tx: TransactionRunner;
  /** Repositories outside any transaction, for single-statement reads. */
  readonly reader: UnitOfWork;
  readonly newId: () => string;
  readonly settings: AppSettings;
  readonly reservationBatcher: ReservationBatcher;
  readonly endBatcher: ReservationEndBatcher;
  /** Item lookups for the reservation hot path (a few seconds stale at most; see the cache). */
  readonly cartItems: CartItemCache;
  /** Warehouse options for planning carts on the batched path (see the cache). */
  readonly warehouseOptions: WarehouseOptionsCache;
  /** What Idempotency-Keys hold, asked for concurrent refused requests together. */
  readonly keyChecker: KeyChecker;
  /** The states of warehouses carts name, read fresh and shared by concurrent plans. */
  readonly warehouseStates: WarehouseStates;
  /** Availability answers' reads, shared by concurrent requests (never cached). */
  readonly availability: AvailabilityReader;
  /** Seed 000's stock answers' reads, shared by concurrent requests (never cached). */
  readonly productStock: ProductStockReader;
  /** Asked before inventory is created for a product (a no-op when PRODUCT_SERVICE_URL is unset). */
  readonly products: ProductCatalog;
}

export interface AppSettings {
  readonly reservationTtlMs: number;
  readonly idempotencyKeyRetentionMs: number;
  /** Default low-stock alert level for items without their own (LOW_STOCK_THRESHOLD). */
  readonly lowStockThreshold: number;
  /** Allocation strategy for reservation lines that name no warehouse (ALLOCATION_STRATEGY). */
  readonly allocationStrategy: AllocationStrategyName;
  /** When the product service cannot be asked: refuse (strict) or allow (lenient). */
  readonly productValidation: 'strict' | 'lenient';
}

export interface TransactionRunner {
  /**
   * Runs `work` in one transaction (retried whole on serialization failure or deadlock, so `work`
   * must have no effect outside the database).
   */
  run<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T>;
}
