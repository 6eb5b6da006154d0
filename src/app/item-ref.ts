import { DomainError } from '../domain/errors.ts';
import type { ItemRecord, ItemRef, UnitOfWork } from './ports.ts';

/**
 * Finds the item a request names: by item id, by SKU, or by product id (+ variant id). Exactly one
 * of the three must be given; `prefix` places the fields in the request (e.g. `lines.3.`).
 */
export async function getItemByRef(
  uow: UnitOfWork,
  ref: ItemRef,
  prefix = '',
): Promise<ItemRecord> {
  const given = [ref.itemId, ref.sku, ref.productId].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `${prefix}item_id: name the item by exactly one of item_id, sku or product_id ` +
        `(with variant_id), got ${given}`,
      { field: `${prefix}item_id` },
    );
  }
  if (ref.variantId !== undefined && ref.productId === undefined) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `${prefix}variant_id may only be given with product_id`,
      { field: `${prefix}variant_id` },
    );
  }
  const item =
    ref.itemId !== undefined
      ? await uow.items.findById(ref.itemId)
      : ref.sku !== undefined
        ? await uow.items.findBySku(ref.sku)
        : await uow.items.findByProduct(ref.productId ?? '', ref.variantId ?? '');
  if (item === undefined) {
    throw new DomainError('ITEM_NOT_FOUND', `no item ${describeItemRef(ref)}`, {
      ...refDetails(ref),
    });
  }
  return item;
}

export function describeItemRef(ref: ItemRef): string {
  if (ref.itemId !== undefined) {
    return `with id ${ref.itemId}`;
  }
  if (ref.sku !== undefined) {
    return `with SKU ${ref.sku}`;
  }
  return ref.variantId === undefined
    ? `for product ${ref.productId}`
    : `for product ${ref.productId} variant ${ref.variantId}`;
}

function refDetails(ref: ItemRef): Record<string, string> {
  const details: Record<string, string> = {};
  if (ref.itemId !== undefined) details.itemId = ref.itemId;
  if (ref.sku !== undefined) details.sku = ref.sku;
  if (ref.productId !== undefined) details.productId = ref.productId;
  if (ref.variantId !== undefined) details.variantId = ref.variantId;
  return details;
}

/** Kits hold no stock of their own: stock operations name their components instead. */
export function assertStocked(item: ItemRecord, prefix = ''): void {
  if (item.isKit) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `item ${item.sku ?? item.id} is a kit: kits hold no stock of their own; ` +
        'change the stock of its components',
      { field: `${prefix}item_id`, itemId: item.id },
    );
  }
}

/** The warehouse must exist, and unless `allowInactive`, take stock (be active). */
export async function checkWarehouse(
  uow: UnitOfWork,
  warehouseId: string,
  field: string,
  options: { allowInactive?: boolean } = {},
): Promise<void> {
  const warehouse = await uow.adjustments.findWarehouseState(warehouseId);
  if (warehouse === undefined) {
    throw new DomainError('WAREHOUSE_NOT_FOUND', `no warehouse ${warehouseId}`, {
      field,
      warehouseId,
    });
  }
  if (!warehouse.active && options.allowInactive !== true) {
    throw new DomainError(
      'WAREHOUSE_INACTIVE',
      `warehouse ${warehouseId} is inactive and takes no stock`,
      { field, warehouseId },
    );
  }
}
