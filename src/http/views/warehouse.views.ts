import type { Page } from '../../app/get-warehouse.ts';
import type { WarehouseRecord, WarehouseStockRecord } from '../../app/ports.ts';
import { toBucketFields } from './stock-buckets.view.ts';

/** Seed 002-style (snake_case) views of warehouses and their stock. */
export function toWarehouseView(warehouse: WarehouseRecord) {
  return {
    id: warehouse.id,
    name: warehouse.name,
    region: warehouse.region,
    priority: warehouse.priority,
    active: warehouse.active,
    latitude: warehouse.latitude,
    longitude: warehouse.longitude,
    postal_prefixes: [...warehouse.postalPrefixes],
    created_at: warehouse.createdAt.toISOString(),
    updated_at: warehouse.updatedAt.toISOString(),
  };
}

export function toWarehouseListView(page: Page<WarehouseRecord>) {
  return { warehouses: page.rows.map(toWarehouseView), next_cursor: page.nextCursor ?? null };
}

export function toWarehouseStockView(warehouseId: string, page: Page<WarehouseStockRecord>) {
  return {
    warehouse_id: warehouseId,
    items: page.rows.map((level) => ({
      item_id: level.itemId,
      product_id: level.productId,
      variant_id: level.variantId,
      sku: level.sku,
      ...toBucketFields(level, level.available),
      updated_at: level.updatedAt.toISOString(),
    })),
    next_cursor: page.nextCursor ?? null,
  };
}
