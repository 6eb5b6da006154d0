import type { ItemDetail } from '../../app/get-item.ts';
import type { ItemPage, LowStockPage } from '../../app/list-items.ts';
import type { ItemRecord } from '../../app/ports.ts';
import { toBucketFields } from './stock-buckets.view.ts';

/** Seed 002-style (snake_case) views of catalog items. */
export function toItemView(detail: ItemDetail) {
  const item = detail.item;
  return {
    id: item.id,
    product_id: item.productId,
    variant_id: item.variantId,
    sku: item.sku,
    name: item.name,
    status: detail.status,
    discontinued: item.discontinued,
    reorder_point: item.reorderPoint,
    reorder_quantity: item.reorderQuantity,
    low_stock_threshold: item.lowStockThreshold,
    effective_low_stock_threshold: detail.effectiveLowStockThreshold,
    backorder: { allowed: item.backorderAllowed, limit: item.backorderLimit },
    sales_blocked: item.salesBlocked,
    sales_blocked_reason: item.salesBlockedReason,
    is_kit: item.isKit,
    components: detail.components.map((component) => ({
      item_id: component.componentItemId,
      sku: component.sku,
      product_id: component.productId,
      variant_id: component.variantId,
      quantity: component.quantity,
    })),
    totals: {
      ...toBucketFields(item, item.available),
    },
    created_at: item.createdAt.toISOString(),
    updated_at: item.updatedAt.toISOString(),
  };
}

export function toItemListView(page: ItemPage) {
  return { items: page.items.map(toItemView), next_cursor: page.nextCursor };
}

export function toLowStockView(page: LowStockPage) {
  return {
    items: page.items.map((entry) => ({
      ...toItemView(entry),
      suggested_reorder_quantity: entry.suggestedReorderQuantity,
    })),
    next_cursor: page.nextCursor,
  };
}

export function toSalesBlockView(
  productId: string,
  blocked: boolean,
  reason: string | null,
  items: readonly ItemRecord[],
) {
  return {
    product_id: productId,
    sales_blocked: blocked,
    reason: blocked ? reason : null,
    items: items.map((item) => ({ id: item.id, variant_id: item.variantId, sku: item.sku })),
  };
}
