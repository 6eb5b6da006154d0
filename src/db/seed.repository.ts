import { DEFAULT_WAREHOUSE_ID } from '../domain/stock.ts';
import type { Queryable } from './database.ts';

/** The statements behind `inventory-service seed --products`: demo data, written in bulk. */

export interface DemoProduct {
  /** Used only when the product is new; an existing product keeps its item. */
  readonly itemId: string;
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly stock: ReadonlyArray<{ readonly warehouseId: string; readonly onHand: number }>;
}

export interface DemoInsertResult {
  readonly itemsCreated: number;
  readonly stockLevelsCreated: number;
  readonly unitsCreated: number;
}

/** Rows per statement: large enough to be fast, small enough to keep each statement short. */
export const DEMO_BATCH_SIZE_MAX = 500;

export interface SeedRepository {
  /** Where demo stock goes: every active warehouse but the default one, in id order. */
  listStockedWarehouseIds(): Promise<string[]>;
  /**
   * Inserts the products that do not exist yet (by product or SKU), each with its stock levels and
   * one INIT ledger row per level, in one statement; existing products are skipped untouched.
   */
  insertDemoProducts(products: readonly DemoProduct[]): Promise<DemoInsertResult>;
}

export function createSeedRepository(db: Queryable): SeedRepository {
  return {
    async listStockedWarehouseIds() {
      const rows = await db.query<{ id: string }>(
        'SELECT id FROM warehouses WHERE active AND id <> $1 ORDER BY id',
        [DEFAULT_WAREHOUSE_ID],
      );
      return rows.map((row) => row.id);
    },

    async insertDemoProducts(products) {
      if (products.length > DEMO_BATCH_SIZE_MAX) {
        throw new Error(
          `assertion failed: ${products.length} demo products in one batch (max ${DEMO_BATCH_SIZE_MAX})`,
        );
      }
      if (products.length === 0) {
        return { itemsCreated: 0, stockLevelsCreated: 0, unitsCreated: 0 };
      }
      const levels = products.flatMap((p) =>
        p.stock.map((s) => ({ itemId: p.itemId, warehouseId: s.warehouseId, onHand: s.onHand })),
      );
      // Stock levels and ledger rows join on the items this statement actually inserted, so a
      // product that already exists gets nothing new. Foreign keys are checked at the end of the
      // statement, after all three inserts. Each level has exactly one ledger row, so counting the
      // ledger rows counts the levels (and makes the final SELECT read every CTE).
      const rows = await db.query<DemoInsertResult>(
        `WITH product AS (
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
             AS p(id, product_id, sku, name)
         ), new_item AS (
           INSERT INTO items (id, product_id, variant_id, sku, name)
           SELECT id, product_id, '', sku, name FROM product
           ON CONFLICT DO NOTHING
           RETURNING id, product_id
         ), level AS (
           INSERT INTO stock_levels (item_id, warehouse_id, on_hand)
           SELECT s.item_id, s.warehouse_id, s.on_hand
           FROM unnest($5::uuid[], $6::text[], $7::bigint[]) AS s(item_id, warehouse_id, on_hand)
           JOIN new_item n ON n.id = s.item_id
           RETURNING item_id, warehouse_id, on_hand
         ), movement AS (
           INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, reason,
             reference_type, reference_id, actor)
           SELECT l.item_id, l.warehouse_id, 'INIT', l.on_hand, 'seed', 'product', n.product_id,
             'system:seed'
           FROM level l JOIN new_item n ON n.id = l.item_id
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM new_item)::int AS "itemsCreated",
           (SELECT count(*) FROM movement)::int AS "stockLevelsCreated",
           (SELECT coalesce(sum(on_hand), 0) FROM level)::bigint AS "unitsCreated"`,
        [
          products.map((p) => p.itemId),
          products.map((p) => p.productId),
          products.map((p) => p.sku),
          products.map((p) => p.name),
          levels.map((l) => l.itemId),
          levels.map((l) => l.warehouseId),
          levels.map((l) => l.onHand),
        ],
      );
      const result = rows[0];
      if (result === undefined) {
        throw new Error('assertion failed: a SELECT of counts returned no row');
      }
      return result;
    },
  };
}
