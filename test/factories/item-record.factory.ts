import type { CartItemRecord } from '../../src/app/ports.ts';

/**
 * An item as allocation reads it (a plain product, sellable, no backorders), for unit tests that
 * fake the repository; `changes` overrides any field.
 */
export function cartItemRecord(
  productId: string,
  changes: Partial<CartItemRecord> = {},
): CartItemRecord {
  return {
    id: `id-${productId}`,
    productId,
    variantId: '',
    sku: null,
    isKit: false,
    discontinued: false,
    salesBlocked: false,
    backorderAllowed: false,
    backorderLimit: 0,
    reorderPoint: 0,
    backordered: 0,
    ...changes,
  };
}
