import type { StockBuckets } from '../domain/stock.ts';
import type { Queryable } from './database.ts';
import { availableSql } from './stock-level.repository.ts';

/** One stock level with its item's identity, as `inventory-service export` writes it. */
export interface ExportedStockLevel extends StockBuckets {
  readonly sku: string | null;
  readonly productId: string;
  readonly variantId: string;
  readonly warehouseId: string;
  readonly available: number;
}

export interface ExportKey {
  readonly productId: string;
  readonly variantId: string;
  readonly warehouseId: string;
}

/**
 * A page of stock levels in (product, variant, warehouse) order, after `after` (keyset pagination,
 * so an export of any size reads in bounded pages and never skips or repeats a row).
 */
export async function listStockLevelsForExport(
  db: Queryable,
  after: ExportKey | undefined,
  limit: number,
): Promise<ExportedStockLevel[]> {
  return db.query<ExportedStockLevel>(
    `SELECT i.sku, i.product_id AS "productId", i.variant_id AS "variantId",
       s.warehouse_id AS "warehouseId", s.on_hand AS "onHand", s.reserved, s.committed,
       s.incoming, s.damaged, s.safety_stock AS "safetyStock", s.backordered,
       GREATEST(${availableSql('s')}, 0) AS available
     FROM stock_levels s JOIN items i ON i.id = s.item_id
     WHERE $1::boolean OR (i.product_id, i.variant_id, s.warehouse_id) > ($2, $3, $4)
     ORDER BY i.product_id, i.variant_id, s.warehouse_id
     LIMIT $5`,
    [
      after === undefined,
      after?.productId ?? '',
      after?.variantId ?? '',
      after?.warehouseId ?? '',
      limit,
    ],
  );
}
