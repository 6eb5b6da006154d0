import { DomainError } from '../domain/errors.ts';
import { deriveItemStatus, type ItemStatus } from '../domain/item-status.ts';
import { type CartPlan, type CartRequest, cachedPlanSources, planCart } from './plan-cart.ts';
import type { AppDeps, CartItemRecord, ItemWarehouseStockRecord } from './ports.ts';

/**
 * Available-to-promise: the allocation a reservation would make right now, without holding
 * anything (so a storefront can show "ships from ..."). A later reservation may see other numbers.
 * Planned as a reservation plans: from the caches (ALLOCATION_CACHE_TTL, ITEM_CACHE_TTL), and
 * again from the tables when that plan refuses, so a stale figure never shows a cart as
 * unavailable. Reading the tables for every check cost PostgreSQL about 0.8 ms a check, most of
 * it planning the two reads at every Bind (docs/PERFORMANCE.md, tenth sitting); those reads now
 * go through the caches' coalescers, shared by concurrent checks and started after they asked.
 */
export async function checkCart(deps: AppDeps, request: CartRequest): Promise<CartPlan> {
  const cached = await planCart(deps.reader, request, cachedPlanSources(deps, 'caches'));
  return cached.ok ? cached : planCart(deps.reader, request, cachedPlanSources(deps, 'tables'));
}

export interface WarehouseAvailability {
  readonly warehouseId: string;
  readonly active: boolean;
  readonly available: number;
  /** Absent for a kit (its stock is its components'). */
  readonly stock?: ItemWarehouseStockRecord;
}

export interface ProductAvailability {
  readonly item: CartItemRecord;
  readonly status: ItemStatus;
  /** Units that can be sold now, over active warehouses (kits: whole kits from components). */
  readonly available: number;
  readonly warehouses: readonly WarehouseAvailability[];
}

/** Seed 002's availability per warehouse and in total, for a product (or one of its variants). */
export async function getProductAvailability(
  deps: AppDeps,
  productId: string,
  variantId: string,
): Promise<ProductAvailability> {
  const item = await deps.availability.item(productId, variantId);
  if (item === undefined) {
    throw new DomainError(
      'PRODUCT_NOT_FOUND',
      `no inventory for product ${productId}${variantId === '' ? '' : ` variant ${variantId}`}`,
      { productId },
    );
  }
  const warehouses = item.isKit
    ? await kitWarehouses(deps, item.id)
    : await itemWarehouses(deps, item.id);
  const available = item.isKit
    ? await kitTotal(deps, item.id)
    : warehouses.filter((w) => w.active).reduce((sum, w) => sum + w.available, 0);
  const status = deriveItemStatus({
    available,
    reorderPoint: item.reorderPoint,
    discontinued: item.discontinued,
  });
  return { item, status, available, warehouses };
}

async function itemWarehouses(deps: AppDeps, itemId: string): Promise<WarehouseAvailability[]> {
  const levels = await deps.availability.stock([itemId]);
  return levels.map((stock) => ({
    warehouseId: stock.warehouseId,
    active: stock.active,
    // An inactive warehouse sells nothing, whatever it holds.
    available: stock.active ? stock.available : 0,
    stock,
  }));
}

/** A kit ships whole from one warehouse only if every component is there. */
async function kitWarehouses(deps: AppDeps, kitId: string): Promise<WarehouseAvailability[]> {
  const parts = await deps.reader.allocation.findKitComponents([kitId]);
  const levels = await deps.availability.stock(parts.map((p) => p.componentItemId));
  const warehouseIds = [...new Set(levels.map((l) => l.warehouseId))];
  return warehouseIds.map((warehouseId) => {
    const here = levels.filter((l) => l.warehouseId === warehouseId);
    const active = here[0]?.active ?? false;
    const kits = Math.min(
      ...parts.map((part) => {
        const level = here.find((l) => l.itemId === part.componentItemId);
        return level === undefined ? 0 : Math.floor(level.available / part.quantity);
      }),
    );
    return { warehouseId, active, available: active ? kits : 0 };
  });
}

/** Kits can draw each component from any warehouse, so the total is per component over all. */
async function kitTotal(deps: AppDeps, kitId: string): Promise<number> {
  const parts = await deps.reader.allocation.findKitComponents([kitId]);
  if (parts.length === 0) {
    return 0;
  }
  const levels = await deps.availability.stock(parts.map((p) => p.componentItemId));
  return Math.min(
    ...parts.map((part) => {
      const total = levels
        .filter((l) => l.itemId === part.componentItemId && l.active)
        .reduce((sum, l) => sum + l.available, 0);
      return Math.floor(total / part.quantity);
    }),
  );
}
