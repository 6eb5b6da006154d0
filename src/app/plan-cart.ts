import {
  type AllocationStrategyName,
  type DemandLine,
  type Destination,
  planAllocation,
  type WarehouseOption,
} from '../domain/allocation.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { CartItemCache } from './cart-item-cache.ts';
import type {
  AppDeps,
  CartItemRecord,
  ItemRef,
  UnitOfWork,
  WarehouseOptionRecord,
} from './ports.ts';
import type { WarehouseStates } from './warehouse-states.ts';

/**
 * Turns a cart (lines naming items by id, SKU or product + variant, optionally a warehouse) into
 * an allocation plan, or into the list of lines that cannot be served and why. Reads only: the
 * caller applies the plan with conditional updates, or shows it (available-to-promise).
 */
export interface CartLineRequest {
  readonly ref: ItemRef;
  readonly quantity: number;
  readonly warehouseId?: string | undefined;
}

export interface CartRequest {
  readonly lines: readonly CartLineRequest[];
  readonly strategy: AllocationStrategyName;
  readonly destination?: Destination | undefined;
  /** May a line be split across warehouses when no single one covers it (default true)? */
  readonly allowSplit: boolean;
}

export interface LineFailure {
  /** 1-based position of the line in the request. */
  readonly line: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly productId?: string;
  readonly requested?: number;
  readonly available?: number;
}

/** A piece of one request line at one warehouse. */
export interface PlannedAllocation {
  readonly requestLine: number;
  readonly requestQuantity: number;
  /** The kit's product id when this is a kit component. */
  readonly kitProductId: string | null;
  readonly itemId: string;
  readonly productId: string;
  readonly variantId: string;
  readonly sku: string | null;
  readonly kitItemId: string | null;
  readonly warehouseId: string;
  readonly quantity: number;
  readonly backordered: number;
  readonly reason: string;
}

export type CartPlan =
  | { readonly ok: true; readonly allocations: readonly PlannedAllocation[] }
  | { readonly ok: false; readonly failures: readonly LineFailure[] };

/** One request line's share of a merged demand (a kit line contributes one per component). */
interface Contribution {
  readonly requestLine: number;
  readonly requestQuantity: number;
  readonly kitProductId: string | null;
  readonly kitItemId: string | null;
  readonly quantity: number;
}

interface MergedDemand {
  readonly item: CartItemRecord;
  readonly warehouseId: string | undefined;
  quantity: number;
  readonly contributions: Contribution[];
}

function describe(ref: ItemRef): string {
  if (ref.productId !== undefined) {
    return ref.variantId === undefined || ref.variantId === ''
      ? `product ${ref.productId}`
      : `product ${ref.productId} variant ${ref.variantId}`;
  }
  return ref.sku !== undefined ? `SKU ${ref.sku}` : `item ${ref.itemId ?? '?'}`;
}

function refusalOf(
  item: CartItemRecord,
  what: string,
): Pick<LineFailure, 'code' | 'message'> | undefined {
  if (item.salesBlocked) {
    return { code: 'SALES_BLOCKED', message: `sales of ${what} are blocked` };
  }
  if (item.discontinued) {
    return { code: 'ITEM_DISCONTINUED', message: `${what} is discontinued` };
  }
  return undefined;
}

/**
 * Where a plan reads the cart's items and each item's warehouse options. The batched path passes
 * its caches (whatever they hold stale, the batch re-checks at apply time); the transactional path
 * and availability checks read the tables through `uow`.
 */
export interface PlanSources {
  readonly items: Pick<CartItemCache, 'resolve'>;
  readonly warehouseOptions: (itemIds: readonly string[]) => Promise<WarehouseOptionRecord[]>;
  /** The named warehouses' states; by default read through `uow`. */
  readonly warehouseStates?: WarehouseStates;
}

/**
 * The sources of a plan that does not run in a transaction (a reservation through group commit,
 * an available-to-promise check): the caches first; then, for a plan the cached figures refused,
 * the tables, read through the caches' coalescers (shared reads, each started after its callers
 * asked). The named warehouses' states are read fresh either way.
 */
export function cachedPlanSources(
  deps: Pick<AppDeps, 'cartItems' | 'warehouseOptions' | 'warehouseStates'>,
  from: 'caches' | 'tables',
): PlanSources {
  return from === 'caches'
    ? {
        items: deps.cartItems,
        warehouseOptions: (ids) => deps.warehouseOptions.options(ids),
        warehouseStates: deps.warehouseStates,
      }
    : {
        items: { resolve: (refs) => deps.cartItems.reload(refs) },
        warehouseOptions: (ids) => deps.warehouseOptions.reload(ids),
        warehouseStates: deps.warehouseStates,
      };
}

export async function planCart(
  uow: UnitOfWork,
  request: CartRequest,
  sources: PlanSources = {
    items: { resolve: (refs) => uow.allocation.findCartItems(refs) },
    warehouseOptions: (itemIds) => uow.allocation.findWarehouseOptions(itemIds),
  },
): Promise<CartPlan> {
  const items = sources.items;
  const failures: LineFailure[] = [];
  const fail = (failure: LineFailure) => {
    if (!failures.some((f) => f.line === failure.line)) {
      failures.push(failure);
    }
  };
  const found = await items.resolve(request.lines.map((line) => line.ref));

  // Kits expand into their components; components are items with their own rules.
  const kitIds = found.filter((item) => item?.isKit === true).map((item) => item?.id as string);
  const components = kitIds.length === 0 ? [] : await uow.allocation.findKitComponents(kitIds);
  const componentItems = new Map<string, CartItemRecord>();
  if (components.length > 0) {
    const ids = [...new Set(components.map((c) => c.componentItemId))];
    const found = await uow.allocation.findCartItems(ids.map((itemId) => ({ itemId })));
    for (const item of found) {
      if (item !== undefined) {
        componentItems.set(item.id, item);
      }
    }
  }

  // Demands in the order their first line came, found by item, then warehouse (undefined when
  // the line names none). Maps within a map, not one keyed by a joined string: hashing freshly
  // joined keys cost 8 µs of a 5-line cart's 28 µs plan (bench/plan-cart.ts).
  const merged: MergedDemand[] = [];
  const mergedByItem = new Map<string, Map<string | undefined, MergedDemand>>();
  const addDemand = (item: CartItemRecord, warehouseId: string | undefined, part: Contribution) => {
    let ofItem = mergedByItem.get(item.id);
    if (ofItem === undefined) {
      ofItem = new Map();
      mergedByItem.set(item.id, ofItem);
    }
    let demand = ofItem.get(warehouseId);
    if (demand === undefined) {
      demand = { item, warehouseId, quantity: 0, contributions: [] };
      ofItem.set(warehouseId, demand);
      merged.push(demand);
    }
    demand.quantity += part.quantity;
    demand.contributions.push(part);
  };

  request.lines.forEach((line, index) => {
    const lineNo = index + 1;
    const item = found[index];
    const what = describe(line.ref);
    if (item === undefined) {
      fail({
        line: lineNo,
        code: line.ref.productId !== undefined ? 'PRODUCT_NOT_FOUND' : 'ITEM_NOT_FOUND',
        message: `no inventory for ${what}`,
        ...(line.ref.productId === undefined ? {} : { productId: line.ref.productId }),
      });
      return;
    }
    const refused = refusalOf(item, what);
    if (refused !== undefined) {
      fail({ line: lineNo, ...refused, productId: item.productId });
      return;
    }
    if (!item.isKit) {
      addDemand(item, line.warehouseId, {
        requestLine: lineNo,
        requestQuantity: line.quantity,
        kitProductId: null,
        kitItemId: null,
        quantity: line.quantity,
      });
      return;
    }
    const parts = components.filter((c) => c.kitItemId === item.id);
    if (parts.length === 0) {
      fail({
        line: lineNo,
        code: 'KIT_INVALID',
        message: `kit ${what} has no components`,
        productId: item.productId,
      });
      return;
    }
    for (const part of parts) {
      const component = componentItems.get(part.componentItemId);
      const componentRefusal =
        component === undefined
          ? undefined
          : refusalOf(component, `component ${component.productId} of ${what}`);
      if (component === undefined || componentRefusal !== undefined) {
        fail({
          line: lineNo,
          ...(componentRefusal ?? {
            code: 'KIT_INVALID',
            message: `a component of kit ${what} no longer exists`,
          }),
          productId: item.productId,
        });
        return;
      }
    }
    for (const part of parts) {
      const component = componentItems.get(part.componentItemId) as CartItemRecord;
      addDemand(component, line.warehouseId, {
        requestLine: lineNo,
        requestQuantity: line.quantity,
        kitProductId: item.productId,
        kitItemId: item.id,
        quantity: line.quantity * part.quantity,
      });
    }
  });

  // Lines naming a warehouse: it must exist and take reservations.
  const pinned = [
    ...new Set(request.lines.map((l) => l.warehouseId).filter((id) => id !== undefined)),
  ];
  const states = new Map(
    (pinned.length === 0
      ? []
      : await (sources.warehouseStates ?? uow.allocation.findWarehouseStates)(pinned)
    ).map((w) => [w.id, w.active]),
  );
  request.lines.forEach((line, index) => {
    if (line.warehouseId === undefined) {
      return;
    }
    const active = states.get(line.warehouseId);
    if (active === undefined) {
      fail({
        line: index + 1,
        code: 'WAREHOUSE_NOT_FOUND',
        message: `warehouse ${line.warehouseId} does not exist`,
      });
    } else if (!active) {
      fail({
        line: index + 1,
        code: 'WAREHOUSE_INACTIVE',
        message: `warehouse ${line.warehouseId} is inactive`,
      });
    }
  });

  const demands = merged.filter((d) =>
    d.contributions.every((c) => !failures.some((f) => f.line === c.requestLine)),
  );
  const itemIds = [...new Set(demands.map((d) => d.item.id))];
  const optionsByItem: Map<string, WarehouseOption[]> = Map.groupBy(
    itemIds.length === 0 ? [] : await sources.warehouseOptions(itemIds),
    (option) => option.itemId,
  );
  // Backorder room is per item; demands of one item (pinned and not) share it in order.
  const roomLeft = new Map(
    demands.map((d) => [
      d.item.id,
      d.item.backorderAllowed ? Math.max(0, d.item.backorderLimit - d.item.backordered) : 0,
    ]),
  );
  const demandLines: DemandLine[] = demands.map((d, index) => ({
    index,
    itemId: d.item.id,
    quantity: d.quantity,
    warehouseId: d.warehouseId,
    allowSplit: request.allowSplit,
    backorderRoom: roomLeft.get(d.item.id) ?? 0,
  }));
  const plan = planAllocation(demandLines, optionsByItem, request.strategy, request.destination);

  const backorderedByItem = new Map<string, number>();
  for (const allocation of plan.allocations) {
    backorderedByItem.set(
      allocation.itemId,
      (backorderedByItem.get(allocation.itemId) ?? 0) + allocation.backordered,
    );
  }
  for (const shortfall of plan.shortfalls) {
    markShortfall(
      demands[shortfall.index] as MergedDemand,
      shortfall.requested,
      shortfall.available,
    );
  }
  demands.forEach((demand) => {
    // Two demands of one item each within the room may still exceed it together.
    if ((backorderedByItem.get(demand.item.id) ?? 0) > (roomLeft.get(demand.item.id) ?? 0)) {
      markShortfall(demand, demand.quantity, demand.quantity - 1);
    }
  });

  function markShortfall(demand: MergedDemand, requested: number, available: number): void {
    for (const part of demand.contributions) {
      const what =
        part.kitItemId === null
          ? `product ${demand.item.productId}`
          : `component ${demand.item.productId} of the kit`;
      fail({
        line: part.requestLine,
        code: 'INSUFFICIENT_STOCK',
        message: `insufficient stock for ${what}: requested ${requested}, available ${available}`,
        productId: demand.item.productId,
        requested,
        available,
      });
    }
  }

  if (failures.length > 0) {
    return { ok: false, failures: failures.sort((a, b) => a.line - b.line) };
  }
  return { ok: true, allocations: distribute(demands, plan.allocations) };
}

/**
 * Hands each merged demand's allocations back to the request lines that make it up, in request
 * order: held units first, then backordered ones, so every line gets whole pieces it can show.
 */
function distribute(
  demands: readonly MergedDemand[],
  allocations: ReturnType<typeof planAllocation>['allocations'],
): PlannedAllocation[] {
  const result: PlannedAllocation[] = [];
  demands.forEach((demand, index) => {
    const units = allocations
      .filter((a) => a.index === index)
      .flatMap((a) => [
        {
          warehouseId: a.warehouseId,
          reason: a.reason,
          count: a.quantity - a.backordered,
          backordered: false,
        },
        { warehouseId: a.warehouseId, reason: a.reason, count: a.backordered, backordered: true },
      ])
      .filter((u) => u.count > 0);
    let cursor = 0;
    for (const part of demand.contributions) {
      let need = part.quantity;
      const pieces = new Map<string, PlannedAllocation>();
      while (need > 0) {
        const unit = units[cursor];
        if (unit === undefined) {
          throw new Error('assertion failed: allocations do not cover their demand');
        }
        const take = Math.min(need, unit.count);
        unit.count -= take;
        need -= take;
        if (unit.count === 0) {
          cursor++;
        }
        const earlier = pieces.get(unit.warehouseId);
        pieces.set(unit.warehouseId, {
          requestLine: part.requestLine,
          requestQuantity: part.requestQuantity,
          kitProductId: part.kitProductId,
          itemId: demand.item.id,
          productId: demand.item.productId,
          variantId: demand.item.variantId,
          sku: demand.item.sku,
          kitItemId: part.kitItemId,
          warehouseId: unit.warehouseId,
          quantity: (earlier?.quantity ?? 0) + take,
          backordered: (earlier?.backordered ?? 0) + (unit.backordered ? take : 0),
          reason: unit.reason,
        });
      }
      result.push(...pieces.values());
    }
  });
  return result.sort((a, b) => a.requestLine - b.requestLine);
}
