import type { AllocationStrategyName, Destination } from '../domain/allocation.ts';
import { DomainError } from '../domain/errors.ts';
import type { ReservationStatus } from '../domain/reservation.ts';

import { recordLineStep } from './apply-line-step.ts';
import { claimIdempotencyKey, hashFingerprint, replayOf } from './idempotency.ts';
import {
  type CartLineRequest,
  cachedPlanSources,
  type LineFailure,
  type PlannedAllocation,
  planCart,
} from './plan-cart.ts';
import type {
  AppDeps,
  BatchedIdempotencyKey,
  BatchedReservationRefusal,
  CartItemRecord,
  PlannedReservation,
  RequestContext,
  ReservationLineDetail,
  ReservationRecord,
  UnitOfWork,
} from './ports.ts';

export interface ReserveCommand {
  readonly orderId: string;
  readonly lines: readonly CartLineRequest[];
  /** Defaults to the configured RESERVATION_TTL. */
  readonly ttlMs?: number | undefined;
  readonly strategy?: AllocationStrategyName | undefined;
  readonly destination?: Destination | undefined;
  readonly allowSplit?: boolean | undefined;
  readonly idempotencyKey?: string | undefined;
}

export interface ReservationOutcome {
  readonly reservation: ReservationRecord;
  readonly lines: readonly ReservationLineDetail[];
}

export interface ReserveOutcome extends ReservationOutcome {
  /** True when an Idempotency-Key matched an earlier request and its result is returned again. */
  readonly replayed: boolean;
}

const IDEMPOTENCY_SCOPE = 'reserve';
/**
 * Plans made from a snapshot that moved on are re-made this many times before giving up. A re-plan
 * that finds the stock really gone ends the loop at once (a true refusal); the bound only stops a
 * request that keeps losing races for stock that is still there, which under group commit happens
 * when many carts plan from one snapshot and pick the same warehouse.
 */
const PLAN_ATTEMPTS_MAX = 10;

/** A planned unit was taken by someone else between the snapshot and the conditional update. */
class PlanOutdated extends Error {}

/** A batch answered KEY_BUSY this often in a row: the request's own transaction waits instead. */
class KeyStillBusy extends Error {}

/**
 * A request's Idempotency-Key, before the answer to store for it is known. `checked` is set once a
 * batch claimed the key and refused the request: the key held no answer then.
 */
type KeyClaim = Omit<BatchedIdempotencyKey, 'answer'> & { checked: boolean };

/**
 * Holds stock for an order, all lines or none. The cart is planned from a snapshot (which item,
 * which warehouse), then applied:
 * - normally through group commit (deps.reservationBatcher): the plan joins the next batch, which
 *   one server-side call applies in arrival order, one transaction per batch. An Idempotency-Key
 *   is claimed by that batch, before it takes any stock, and the answer stored with the
 *   reservation; a key that already holds an answer replays it (or is refused as reused);
 * - in its own transaction when it carries backorders (their cap is checked under a lock on the
 *   item), and when a keyed request found its key busy in ten batches in a row (below).
 * A keyed request refused before any batch saw its key asks the key (deps.keyChecker) and replays
 * what it holds.
 * If planned units were taken meanwhile, nothing is kept and the plan is made again from fresh
 * numbers (a few times at most); a stale plan can fail, never oversell.
 */
export async function reserveStock(
  deps: AppDeps,
  command: ReserveCommand,
  context: RequestContext,
): Promise<ReserveOutcome> {
  if (command.idempotencyKey === undefined) {
    return (
      (await reserveBatched(deps, command, context, undefined)) ??
      reserveInTransaction(deps, command, context)
    );
  }
  const key: KeyClaim = {
    scope: IDEMPOTENCY_SCOPE,
    key: command.idempotencyKey,
    requestHash: hashFingerprint(fingerprintOf(command)),
    retentionMs: deps.settings.idempotencyKeyRetentionMs,
    checked: false,
  };
  let outcome: ReserveOutcome | undefined;
  try {
    outcome = await reserveBatched(deps, command, context, key);
  } catch (error) {
    // A refusal of a keyed request is not final until its key was asked: the request may be the
    // retry of one that took the last units, refused by the plan before any batch saw the key. The
    // key check waits for a transaction or batch that holds the key, and a stored answer is
    // replayed; a key that holds none leaves the refusal standing (the plan that refused had read
    // the tables afresh). A batch that refused the request had claimed the key first, so that
    // refusal stands without asking.
    const refused = error instanceof DomainError && error.code !== 'IDEMPOTENCY_KEY_REUSED';
    if (refused && !key.checked) {
      const stored = await deps.keyChecker.check(key.scope, key.key);
      if (stored === undefined) {
        throw error;
      }
      const replay = replayOf(key.key, key.requestHash, stored);
      return { ...reviveOutcome(replay.body), replayed: true };
    }
    if (!(error instanceof KeyStillBusy)) {
      throw error;
    }
  }
  return outcome ?? reserveInTransaction(deps, command, context);
}

/**
 * Through group commit. Returns undefined for a plan the batches do not take (backorders): the
 * caller runs it in a transaction of its own.
 */
async function reserveBatched(
  deps: AppDeps,
  command: ReserveCommand,
  context: RequestContext,
  key: KeyClaim | undefined,
): Promise<ReserveOutcome | undefined> {
  const strategy = command.strategy ?? deps.settings.allocationStrategy;
  const direct = await reserveNamedWarehouses(deps, command, context, strategy, key);
  if (direct !== undefined) {
    return direct;
  }
  for (let attempt = 1; ; attempt++) {
    // The first plan reads items and warehouse options through the caches; whatever it refuses
    // may have been refused on stale figures (an unblock or a release a moment ago), so every
    // later plan reads them again from the tables, refreshing the caches.
    const fromCache = attempt === 1;
    const plan = await planCart(
      deps.reader,
      {
        lines: command.lines,
        strategy,
        destination: command.destination,
        allowSplit: command.allowSplit ?? true,
      },
      cachedPlanSources(deps, fromCache ? 'caches' : 'tables'),
    );
    if (!plan.ok) {
      if (fromCache) {
        continue;
      }
      throw rejectCart(plan.failures);
    }
    if (plan.allocations.some((a) => a.backordered > 0)) {
      return undefined;
    }
    const lines = plan.allocations.map((a, index) => toLine(a, index + 1));
    const result = await submitPlanned(
      deps,
      plannedReservation(deps, command, context, strategy, lines),
      lines,
      key,
    );
    if (!('ok' in result)) {
      return result;
    }
    // A refusal other than stock (a block, a discontinued item, an inactive warehouse) means the
    // plan used stale facts: planning again from the tables words the precise error.
    if (result.code !== 'INSUFFICIENT_STOCK' && attempt < PLAN_ATTEMPTS_MAX) {
      continue;
    }
    // Only a line the service chose a warehouse for can be planned differently next time.
    const everyLinePinned = command.lines.every((line) => line.warehouseId !== undefined);
    if (everyLinePinned || attempt >= PLAN_ATTEMPTS_MAX) {
      throw stockRefusal(result, lines);
    }
  }
}

/**
 * A batch's INSUFFICIENT_STOCK, worded for the line it failed on. The batch decided it under the
 * stock level's lock, against what earlier requests left: no read can refute it.
 */
function stockRefusal(
  result: BatchedReservationRefusal,
  lines: readonly ReservationLineDetail[],
): DomainError {
  const line = lines.find(
    (l) => l.itemId === result.itemId && l.warehouseId === result.warehouseId,
  );
  return rejectCart([
    {
      line: line?.requestLine ?? 1,
      code: 'INSUFFICIENT_STOCK',
      message: `insufficient stock for product ${line?.productId ?? result.itemId}: requested ${line?.quantity ?? 0}, available ${result.available}`,
      ...(line === undefined ? {} : { productId: line.productId, requested: line.quantity }),
      available: result.available,
    },
  ]);
}

/**
 * The hot path: every line names its warehouse (seed 000's reserve always does), so there is
 * nothing to plan. Items come from the short-lived cache and the lines go straight into the next
 * batch, which re-checks availability, sales blocks and warehouse state at apply time. Anything
 * else (kits, backorder policies, unknown items) or any refusal goes the planned way, which also
 * words the precise error. Returns undefined when it did not hold the cart.
 */
async function reserveNamedWarehouses(
  deps: AppDeps,
  command: ReserveCommand,
  context: RequestContext,
  strategy: AllocationStrategyName,
  key: KeyClaim | undefined,
): Promise<ReserveOutcome | undefined> {
  const warehouses = command.lines.map((line) => line.warehouseId);
  if (warehouses.some((id) => id === undefined)) {
    return undefined;
  }
  const items = await deps.cartItems.resolve(command.lines.map((line) => line.ref));
  const usable = items.every(
    (item) =>
      item !== undefined &&
      !item.isKit &&
      !item.backorderAllowed &&
      !item.salesBlocked &&
      !item.discontinued,
  );
  if (!usable) {
    return undefined;
  }
  const lines = command.lines.map((line, index): ReservationLineDetail => {
    const item = items[index] as CartItemRecord;
    return {
      lineNo: index + 1,
      itemId: item.id,
      warehouseId: line.warehouseId as string,
      quantity: line.quantity,
      backordered: 0,
      committedQuantity: 0,
      committedBackordered: 0,
      requestLine: index + 1,
      requestQuantity: line.quantity,
      kitItemId: null,
      kitProductId: null,
      allocationReason: 'warehouse named in the request',
      productId: item.productId,
      variantId: item.variantId,
      sku: item.sku,
    };
  });
  const planned = plannedReservation(deps, command, context, strategy, lines);
  const result = await submitPlanned(deps, planned, lines, key);
  if (!('ok' in result)) {
    return result;
  }
  // A one-line request the batch found short of stock at a stock level known to exist is refused
  // here and now. When a flash sale has sold out, every request is one of these: planning each
  // again (four reads for the error's wording) made a refusal cost several times a sale
  // (docs/PERFORMANCE.md). The batch reports a missing stock level as short of stock too, where
  // the plan says why (an unknown or inactive warehouse), so only a level a read has shown counts.
  // A cart of several lines still goes the planned way, which names every line that cannot be
  // served; other refusals (a block, an inactive warehouse) mean the cached item was stale.
  const line = lines[0];
  if (
    result.code === 'INSUFFICIENT_STOCK' &&
    lines.length === 1 &&
    line !== undefined &&
    deps.warehouseOptions.knowsStockLevel(line.itemId, line.warehouseId)
  ) {
    throw stockRefusal(result, lines);
  }
  return undefined;
}

/**
 * Sends a plan to the next batch, with its key and the answer to store for it. Answers the held
 * or replayed outcome, or the batch's refusal.
 */
async function submitPlanned(
  deps: AppDeps,
  planned: PlannedReservation,
  lines: readonly ReservationLineDetail[],
  key: KeyClaim | undefined,
): Promise<ReserveOutcome | BatchedReservationRefusal> {
  // Without a key the plan goes as it is: no copy on the hot path.
  const request: PlannedReservation =
    key === undefined
      ? planned
      : {
          ...planned,
          idempotency: {
            scope: key.scope,
            key: key.key,
            requestHash: key.requestHash,
            retentionMs: key.retentionMs,
            answer: { reservation: pendingRecord(planned), lines },
          },
        };
  for (let attempt = 1; ; attempt++) {
    const result = await deps.reservationBatcher.submit(request);
    if (result.ok) {
      deps.warehouseOptions.noteHeld(lines);
      return heldOutcome(planned, lines, result);
    }
    if (result.code !== 'REPLAY' && result.code !== 'KEY_BUSY') {
      if (key !== undefined) {
        key.checked = true;
      }
      return result;
    }
    if (key === undefined) {
      throw new Error(`assertion failed: a reservation without a key was answered ${result.code}`);
    }
    if (result.code === 'REPLAY') {
      const replay = replayOf(key.key, key.requestHash, result.stored);
      return { ...reviveOutcome(replay.body), replayed: true };
    }
    // Another request of that batch came first with the same key: by the next batch the key holds
    // its answer or is free again.
    if (attempt >= PLAN_ATTEMPTS_MAX) {
      throw new KeyStillBusy();
    }
  }
}

function plannedReservation(
  deps: AppDeps,
  command: ReserveCommand,
  context: RequestContext,
  strategy: AllocationStrategyName,
  lines: readonly ReservationLineDetail[],
): PlannedReservation {
  return {
    id: deps.newId(),
    orderId: command.orderId,
    ttlMs: command.ttlMs ?? deps.settings.reservationTtlMs,
    actor: context.actor,
    correlationId: context.correlationId,
    allocationStrategy: strategy,
    destinationPostalCode: command.destination?.postalCode,
    lines,
  };
}

/** A new reservation as the batch writes it, but for the times only the batch knows. */
function pendingRecord(
  planned: PlannedReservation,
): Omit<ReservationRecord, 'createdAt' | 'updatedAt' | 'expiresAt'> {
  return {
    id: planned.id,
    orderId: planned.orderId,
    status: 'PENDING',
    endedAt: null,
    allocationStrategy: planned.allocationStrategy ?? null,
    destinationPostalCode: planned.destinationPostalCode ?? null,
    committedAt: null,
    fulfilledAt: null,
  };
}

function heldOutcome(
  planned: PlannedReservation,
  lines: readonly ReservationLineDetail[],
  held: { createdAt: Date; expiresAt: Date },
): ReserveOutcome {
  const reservation: ReservationRecord = {
    ...pendingRecord(planned),
    expiresAt: held.expiresAt,
    createdAt: held.createdAt,
    updatedAt: held.createdAt,
  };
  return { reservation, lines, replayed: false };
}

async function reserveInTransaction(
  deps: AppDeps,
  command: ReserveCommand,
  context: RequestContext,
): Promise<ReserveOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.tx.run((uow) => reserveOnce(deps, uow, command, context));
    } catch (error) {
      if (!(error instanceof PlanOutdated) || attempt >= PLAN_ATTEMPTS_MAX) {
        throw error instanceof PlanOutdated
          ? new DomainError('INSUFFICIENT_STOCK', `insufficient stock: ${error.message}`)
          : error;
      }
    }
  }
}

async function reserveOnce(
  deps: AppDeps,
  uow: UnitOfWork,
  command: ReserveCommand,
  context: RequestContext,
): Promise<ReserveOutcome> {
  if (command.idempotencyKey !== undefined) {
    const claim = await claimIdempotencyKey(uow, {
      scope: IDEMPOTENCY_SCOPE,
      key: command.idempotencyKey,
      fingerprint: fingerprintOf(command),
      retentionMs: deps.settings.idempotencyKeyRetentionMs,
    });
    if (claim.kind === 'replay') {
      return { ...reviveOutcome(claim.body), replayed: true };
    }
  }
  const strategy = command.strategy ?? deps.settings.allocationStrategy;
  const plan = await planCart(uow, {
    lines: command.lines,
    strategy,
    destination: command.destination,
    allowSplit: command.allowSplit ?? true,
  });
  if (!plan.ok) {
    throw rejectCart(plan.failures);
  }
  const parts = stockParts(plan.allocations);
  // A plan with backorders takes its stock first, as it always did: it locks the items to check
  // their caps before it may create the stock levels its lines name.
  const backorders = parts.backordered.length > 0;
  if (backorders) {
    await holdPlannedStock(uow, parts);
  }
  const lines = plan.allocations.map((a, index) => toLine(a, index + 1));
  const reservation = await uow.reservations.insert(
    plannedReservation(deps, command, context, strategy, lines),
  );
  await uow.reservations.insertLines(reservation.id, lines);
  await recordLineStep(uow, 'reserve', lines, reservation, context);
  const outcome: ReservationOutcome = { reservation, lines };
  if (command.idempotencyKey !== undefined) {
    await uow.idempotency.saveResponse({
      scope: IDEMPOTENCY_SCOPE,
      key: command.idempotencyKey,
      responseBody: outcome,
    });
  }
  // Otherwise the stock rows last: their locks are held until the commit, and every statement
  // before the commit would wait with them. Taken first, four inserts held them too, and on one
  // SKU these transactions queue on its row (docs/PERFORMANCE.md, eighth sitting). If the stock
  // is gone, the transaction rolls back whole, the rows above with it.
  if (!backorders) {
    await holdPlannedStock(uow, parts);
  }
  return { ...outcome, replayed: false };
}

/** What makes two reservation requests the same request, for their Idempotency-Key. */
function fingerprintOf(command: ReserveCommand): readonly unknown[] {
  return [
    command.orderId,
    command.lines,
    command.ttlMs ?? null,
    command.strategy ?? null,
    command.destination ?? null,
    command.allowSplit ?? null,
  ];
}

interface StockPart {
  readonly itemId: string;
  readonly warehouseId: string;
  readonly quantity: number;
  readonly productId: string;
}

/**
 * What a plan takes from each stock level, summed per level in key order: the held units, and the
 * backordered ones.
 */
function stockParts(allocations: readonly PlannedAllocation[]): {
  held: StockPart[];
  backordered: StockPart[];
} {
  const held = new Map<string, StockPart>();
  const backordered = new Map<string, StockPart>();
  const add = (parts: Map<string, StockPart>, a: PlannedAllocation, quantity: number) => {
    const key = `${a.itemId}|${a.warehouseId}`;
    const before = parts.get(key)?.quantity ?? 0;
    parts.set(key, {
      itemId: a.itemId,
      warehouseId: a.warehouseId,
      quantity: before + quantity,
      productId: a.productId,
    });
  };
  for (const a of allocations) {
    if (a.quantity > a.backordered) {
      add(held, a, a.quantity - a.backordered);
    }
    if (a.backordered > 0) {
      add(backordered, a, a.backordered);
    }
  }
  const inKeyOrder = (parts: Map<string, StockPart>) =>
    [...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, part]) => part);
  return { held: inKeyOrder(held), backordered: inKeyOrder(backordered) };
}

/** Takes the held part of every allocation (conditional) and books the backordered part. */
async function holdPlannedStock(
  uow: UnitOfWork,
  parts: { held: readonly StockPart[]; backordered: readonly StockPart[] },
): Promise<void> {
  for (const part of parts.held) {
    if ((await uow.stock.reserve(part)) === undefined) {
      throw new PlanOutdated(
        `product ${part.productId} at ${part.warehouseId} no longer has ${part.quantity} available`,
      );
    }
  }
  if (parts.backordered.length === 0) {
    return;
  }
  // Backorders count against a per-item cap: lock the items so two carts cannot both fit under it.
  const caps = await uow.allocation.lockBackorderCaps([
    ...new Set(parts.backordered.map((p) => p.itemId)),
  ]);
  for (const cap of caps) {
    const wanted = parts.backordered
      .filter((p) => p.itemId === cap.itemId)
      .reduce((sum, p) => sum + p.quantity, 0);
    if (cap.backordered + wanted > cap.backorderLimit) {
      throw new PlanOutdated(`the backorder limit of item ${cap.itemId} was reached meanwhile`);
    }
  }
  await uow.stock.ensureLevels(parts.backordered);
  for (const part of parts.backordered) {
    await uow.stock.addBackordered(part);
  }
}

function toLine(a: PlannedAllocation, lineNo: number): ReservationLineDetail {
  return {
    lineNo,
    itemId: a.itemId,
    warehouseId: a.warehouseId,
    quantity: a.quantity,
    backordered: a.backordered,
    committedQuantity: 0,
    committedBackordered: 0,
    requestLine: a.requestLine,
    requestQuantity: a.requestQuantity,
    kitItemId: a.kitItemId,
    kitProductId: a.kitProductId,
    allocationReason: a.reason,
    productId: a.productId,
    variantId: a.variantId,
    sku: a.sku,
  };
}

/**
 * One error for a cart that cannot be held: INSUFFICIENT_STOCK when stock is all that is missing,
 * else the first other reason. `details.lines` lists every failing line; a single failing line's
 * facts are also at the top level (seed 000 callers read `details.available`).
 */
export function rejectCart(failures: readonly LineFailure[]): DomainError {
  const first = failures[0];
  if (first === undefined) {
    throw new Error('assertion failed: a rejected cart has failures');
  }
  const other = failures.find((f) => f.code !== 'INSUFFICIENT_STOCK');
  const code = other?.code ?? 'INSUFFICIENT_STOCK';
  const message =
    failures.length === 1
      ? first.message
      : `${failures.length} lines cannot be reserved: ${failures.map((f) => `line ${f.line}: ${f.message}`).join('; ')}`;
  const single =
    failures.length === 1
      ? {
          ...(first.productId === undefined ? {} : { productId: first.productId }),
          ...(first.requested === undefined ? {} : { requested: first.requested }),
          ...(first.available === undefined ? {} : { available: first.available }),
        }
      : {};
  return new DomainError(code, message, { ...single, lines: failures });
}

/** A stored outcome comes back from JSON: dates are ISO strings again and must be revived. */
function reviveOutcome(body: unknown): ReservationOutcome {
  const stored = body as {
    reservation: Record<string, unknown> & { status: ReservationStatus };
    lines: ReservationLineDetail[];
  };
  const date = (value: unknown) =>
    value === null || value === undefined ? null : new Date(String(value));
  const r = stored.reservation;
  return {
    reservation: {
      ...(r as unknown as ReservationRecord),
      expiresAt: new Date(String(r.expiresAt)),
      createdAt: new Date(String(r.createdAt)),
      updatedAt: new Date(String(r.updatedAt)),
      endedAt: date(r.endedAt),
      committedAt: date(r.committedAt),
      fulfilledAt: date(r.fulfilledAt),
    },
    lines: stored.lines,
  };
}
