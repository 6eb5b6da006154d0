import { DomainError } from './errors.ts';

/**
 * Rules of the item catalog (seed 004's inventory items): kits, and when an item counts as low on
 * stock and how much to reorder.
 */

/** A kit lists at most this many components, each 1..1,000,000 per kit. */
export const KIT_COMPONENTS_MAX = 50;
export const KIT_COMPONENT_QUANTITY_MAX = 1_000_000;

/** Page sizes of item lists and reports. */
export const ITEM_PAGE_SIZE_MAX = 500;
export const ITEM_PAGE_SIZE_DEFAULT = 100;

export const ITEM_NAME_LENGTH_MAX = 200;
export const SALES_BLOCKED_REASON_LENGTH_MAX = 500;
/** Same bounds as the CHECK constraints on items. */
export const REORDER_MAX = 1_000_000_000_000;
export const BACKORDER_LIMIT_MAX = 1_000_000_000;

/** A kit's size is checked before its components are looked up. */
export function checkKitSize(count: number): void {
  if (count === 0) {
    throw kitInvalid('a kit needs at least one component', 'components');
  }
  if (count > KIT_COMPONENTS_MAX) {
    throw kitInvalid(
      `a kit has at most ${KIT_COMPONENTS_MAX} components, got ${count}`,
      'components',
    );
  }
}

export interface KitComponentCandidate {
  /** How the request named the component (an item id or a SKU), for the message. */
  readonly requested: string;
  readonly quantity: number;
  /** The item found for it; undefined when none matched. */
  readonly item: { readonly id: string; readonly isKit: boolean } | undefined;
}

/**
 * Refuses a kit definition that cannot be reserved: too many components or none, a quantity out of
 * range, a component that does not exist, one that is itself a kit (kits do not nest, so reserving
 * a kit is always one level deep), or one listed twice. Returns the components in order.
 */
export function checkKitComponents(
  components: readonly KitComponentCandidate[],
): { componentItemId: string; quantity: number }[] {
  checkKitSize(components.length);
  const seen = new Set<string>();
  return components.map((component, index) => {
    const field = `components.${index}`;
    if (
      !Number.isInteger(component.quantity) ||
      component.quantity < 1 ||
      component.quantity > KIT_COMPONENT_QUANTITY_MAX
    ) {
      throw kitInvalid(
        `${field}.quantity must be from 1 to ${KIT_COMPONENT_QUANTITY_MAX}`,
        `${field}.quantity`,
      );
    }
    const item = component.item;
    if (item === undefined) {
      throw kitInvalid(`${field}: no item ${component.requested} exists`, field);
    }
    if (item.isKit) {
      throw kitInvalid(`${field}: item ${component.requested} is a kit; kits do not nest`, field);
    }
    if (seen.has(item.id)) {
      throw kitInvalid(`${field}: item ${component.requested} is listed twice`, field);
    }
    seen.add(item.id);
    return { componentItemId: item.id, quantity: component.quantity };
  });
}

function kitInvalid(message: string, field: string): DomainError {
  return new DomainError('KIT_INVALID', message, { field });
}

/**
 * Units of a kit that can be sold: each component limits it to floor(available / per-kit quantity).
 */
export function kitAvailable(
  components: readonly { readonly available: number; readonly quantity: number }[],
): number {
  if (components.length === 0) {
    return 0;
  }
  return Math.min(...components.map((c) => Math.floor(Math.max(0, c.available) / c.quantity)));
}

export interface ReorderPolicy {
  readonly available: number;
  readonly incoming: number;
  readonly reorderPoint: number;
  readonly reorderQuantity: number;
  /** The item's own low-stock threshold, or the service default. */
  readonly lowStockThreshold: number;
}

/** Low on stock: available at or under the low-stock threshold, or at or under the reorder point. */
export function isLowStock(policy: ReorderPolicy): boolean {
  return policy.available <= policy.lowStockThreshold || policy.available <= policy.reorderPoint;
}

/**
 * What to order now: nothing while stock already on its way lifts the item above both alert
 * levels; otherwise the item's reorder quantity, or more when that would still leave it at or under
 * them.
 */
export function suggestedReorderQuantity(policy: ReorderPolicy): number {
  const target = Math.max(policy.lowStockThreshold, policy.reorderPoint) + 1;
  const shortfall = target - (policy.available + policy.incoming);
  if (shortfall <= 0) {
    return 0;
  }
  return Math.max(policy.reorderQuantity, shortfall);
}
