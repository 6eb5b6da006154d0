import { DomainError } from '../domain/errors.ts';
import { checkKitComponents, checkKitSize } from '../domain/item-catalog.ts';
import { DEFAULT_WAREHOUSE_ID } from '../domain/stock.ts';
import { checkProductKnown } from './check-product.ts';
import { getItemDetail, type ItemDetail } from './get-item.ts';
import { describeItemRef } from './item-ref.ts';
import type { AppDeps, UnitOfWork } from './ports.ts';

export interface BackorderPolicy {
  readonly allowed: boolean;
  readonly limit: number;
}

export interface KitComponentInput {
  readonly itemId?: string | undefined;
  readonly sku?: string | undefined;
  readonly quantity: number;
}

export interface CreateItemCommand {
  readonly productId: string;
  /** '' when the item is the product itself. */
  readonly variantId: string;
  readonly sku: string | null;
  readonly name: string | null;
  readonly reorderPoint: number;
  readonly reorderQuantity: number;
  readonly lowStockThreshold: number | null;
  readonly backorder: BackorderPolicy;
  /** Present: the item is a kit of these components. */
  readonly components?: readonly KitComponentInput[] | undefined;
}

/**
 * Creates a catalog item (seed 004's CreateInventoryItem). A plain item starts with an empty stock
 * level in the default warehouse (so seed 000's GET /inventory/:productId can read it); a kit gets
 * its components and no stock at all.
 */
export async function createItem(deps: AppDeps, command: CreateItemCommand): Promise<ItemDetail> {
  checkBackorder(command.backorder);
  if (command.components !== undefined) {
    checkKitSize(command.components.length);
    command.components.forEach(checkComponentRef);
  }
  await checkProductKnown(deps, command.productId, 'product_id');
  return deps.tx.run(async (uow) => {
    const components =
      command.components === undefined
        ? undefined
        : await resolveComponents(uow, command.components);
    const item = await uow.items.insert({
      id: deps.newId(),
      productId: command.productId,
      variantId: command.variantId,
      sku: command.sku,
      name: command.name,
      reorderPoint: command.reorderPoint,
      reorderQuantity: command.reorderQuantity,
      lowStockThreshold: command.lowStockThreshold,
      backorderAllowed: command.backorder.allowed,
      backorderLimit: command.backorder.limit,
      isKit: components !== undefined,
    });
    if (item === undefined) {
      throw await explainConflict(uow, command);
    }
    if (components !== undefined) {
      await uow.kits.insert(item.id, components);
    } else {
      await uow.adjustments.ensureLevel(item.id, DEFAULT_WAREHOUSE_ID);
    }
    return getItemDetail(uow, deps.settings, item.id);
  });
}

export function checkBackorder(backorder: BackorderPolicy, field = 'backorder.limit'): void {
  if (!backorder.allowed && backorder.limit !== 0) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `${field} must be 0 when backorders are not allowed`,
      { field },
    );
  }
}

function checkComponentRef(component: KitComponentInput, index: number): void {
  if ((component.itemId === undefined) === (component.sku === undefined)) {
    const field = `components.${index}`;
    throw new DomainError(
      'VALIDATION_ERROR',
      `${field} must name its item by exactly one of item_id or sku`,
      { field },
    );
  }
}

async function resolveComponents(
  uow: UnitOfWork,
  components: readonly KitComponentInput[],
): Promise<{ componentItemId: string; quantity: number }[]> {
  const candidates = [];
  for (const component of components) {
    const item =
      component.itemId !== undefined
        ? await uow.items.findById(component.itemId)
        : await uow.items.findBySku(component.sku ?? '');
    candidates.push({
      requested: describeItemRef(component),
      quantity: component.quantity,
      item,
    });
  }
  return checkKitComponents(candidates);
}

/** The insert left the row out: say which unique key was taken. */
async function explainConflict(uow: UnitOfWork, command: CreateItemCommand): Promise<DomainError> {
  if (command.sku !== null && (await uow.items.findBySku(command.sku)) !== undefined) {
    return new DomainError('ITEM_ALREADY_EXISTS', `an item with SKU ${command.sku} exists`, {
      field: 'sku',
      sku: command.sku,
    });
  }
  const variant = command.variantId === '' ? '' : ` variant ${command.variantId}`;
  return new DomainError(
    'ITEM_ALREADY_EXISTS',
    `an item for product ${command.productId}${variant} exists`,
    { field: 'product_id', productId: command.productId, variantId: command.variantId },
  );
}
