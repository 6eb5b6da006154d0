import { DomainError } from '../domain/errors.ts';
import { QUANTITY_MAX } from '../domain/limits.ts';
import type { ReservationStatus } from '../domain/reservation.ts';
import { availableOf } from '../domain/stock.ts';
import { claimIdempotencyKey } from './idempotency.ts';
import type {
  AppDeps,
  MovementDraft,
  RequestContext,
  ReservationLine,
  ReservationLineDetail,
  ReservationRecord,
  UnitOfWork,
} from './ports.ts';

export interface ReserveLineRequest {
  readonly productId: string;
  readonly variantId: string;
  readonly warehouseId: string;
  readonly quantity: number;
}

export interface ReserveCommand {
  readonly orderId: string;
  readonly lines: readonly ReserveLineRequest[];
  /** Defaults to the configured RESERVATION_TTL. */
  readonly ttlMs?: number | undefined;
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
 * Holds stock for an order, all lines or none. Lines for the same item and warehouse are summed
 * before checking (two lines of 3 against 5 available must fail, not pass twice), and stock rows are
 * updated in key order so two carts sharing items cannot deadlock.
 */
export async function reserveStock(
  deps: AppDeps,
  command: ReserveCommand,
  context: RequestContext,
): Promise<ReserveOutcome> {
  const ttlMs = command.ttlMs ?? deps.settings.reservationTtlMs;
  return deps.tx.run(async (uow) => {
    if (command.idempotencyKey !== undefined) {
      const claim = await claimIdempotencyKey(uow, {
        scope: IDEMPOTENCY_SCOPE,
        key: command.idempotencyKey,
        fingerprint: [command.orderId, command.lines, command.ttlMs ?? null],
        retentionMs: deps.settings.idempotencyKeyRetentionMs,
      });
      if (claim.kind === 'replay') {
        return { ...reviveOutcome(claim.body), replayed: true };
      }
    }
    const lines = await resolveLines(uow, command.lines);
    for (const line of [...lines].sort(compareStockKey)) {
      const level = await uow.stock.reserve(line);
      if (level === undefined) {
        const current = await uow.stock.find(line.itemId, line.warehouseId);
        const available = current === undefined ? 0 : availableOf(current);
        throw new DomainError(
          'INSUFFICIENT_STOCK',
          `insufficient stock for product ${line.productId}: requested ${line.quantity}, ` +
            `available ${available}`,
          { productId: line.productId, requested: line.quantity, available },
        );
      }
    }
    const reservation = await uow.reservations.insert({
      id: deps.newId(),
      orderId: command.orderId,
      ttlMs,
      actor: context.actor,
      correlationId: context.correlationId,
    });
    await uow.reservations.insertLines(reservation.id, lines);
    await uow.movements.append(
      lines.map((line) => reservationMovement(line, reservation, 'RESERVE', context)),
    );
    const outcome: ReservationOutcome = { reservation, lines };
    if (command.idempotencyKey !== undefined) {
      await uow.idempotency.saveResponse({
        scope: IDEMPOTENCY_SCOPE,
        key: command.idempotencyKey,
        responseBody: outcome,
      });
    }
    return { ...outcome, replayed: false };
  });
}

/** Looks up each line's item and merges lines of the same item and warehouse. */
async function resolveLines(
  uow: UnitOfWork,
  requested: readonly ReserveLineRequest[],
): Promise<ReservationLineDetail[]> {
  const merged = new Map<string, ReservationLineDetail>();
  for (const line of requested) {
    const item = await uow.items.findByProduct(line.productId, line.variantId);
    if (item === undefined) {
      throw new DomainError('PRODUCT_NOT_FOUND', `no inventory for product ${line.productId}`, {
        productId: line.productId,
      });
    }
    const key = `${item.id}|${line.warehouseId}`;
    const earlier = merged.get(key);
    const quantity = (earlier?.quantity ?? 0) + line.quantity;
    if (quantity > QUANTITY_MAX) {
      throw new DomainError(
        'VALIDATION_ERROR',
        `quantity for product ${line.productId} must total at most ${QUANTITY_MAX}`,
        { field: 'quantity' },
      );
    }
    merged.set(key, {
      lineNo: earlier?.lineNo ?? merged.size + 1,
      itemId: item.id,
      warehouseId: line.warehouseId,
      quantity,
      productId: item.productId,
      variantId: item.variantId,
    });
  }
  return [...merged.values()];
}

function compareStockKey(a: ReservationLine, b: ReservationLine): number {
  if (a.itemId !== b.itemId) {
    return a.itemId < b.itemId ? -1 : 1;
  }
  return a.warehouseId < b.warehouseId ? -1 : a.warehouseId > b.warehouseId ? 1 : 0;
}

export function reservationMovement(
  line: ReservationLine,
  reservation: { id: string; orderId: string },
  kind: 'RESERVE' | 'RELEASE' | 'EXPIRE' | 'DEDUCT',
  context: RequestContext,
): MovementDraft {
  const signed = kind === 'RESERVE' ? line.quantity : -line.quantity;
  return {
    itemId: line.itemId,
    warehouseId: line.warehouseId,
    kind,
    deltas: kind === 'DEDUCT' ? { onHand: -line.quantity, reserved: signed } : { reserved: signed },
    reason: kind.toLowerCase(),
    referenceType: 'order',
    referenceId: reservation.orderId,
    reservationId: reservation.id,
    actor: context.actor,
    correlationId: context.correlationId ?? null,
  };
}

/** A stored outcome comes back from JSON: dates are ISO strings again and must be revived. */
function reviveOutcome(body: unknown): ReservationOutcome {
  const stored = body as {
    reservation: Omit<ReservationRecord, 'expiresAt' | 'createdAt' | 'updatedAt' | 'endedAt'> & {
      status: ReservationStatus;
      expiresAt: string;
      createdAt: string;
      updatedAt: string;
      endedAt: string | null;
    };
    lines: ReservationLineDetail[];
  };
  return {
    reservation: {
      ...stored.reservation,
      expiresAt: new Date(stored.reservation.expiresAt),
      createdAt: new Date(stored.reservation.createdAt),
      updatedAt: new Date(stored.reservation.updatedAt),
      endedAt: stored.reservation.endedAt === null ? null : new Date(stored.reservation.endedAt),
    },
    lines: stored.lines,
  };
}
