import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/database.ts';

/**
 * Writes warehouses, items, kits and stock straight into the database (each stock change with its
 * ledger row, so the books balance), for tests of reservations that should not depend on the
 * catalog API.
 */
export interface WarehouseFixture {
  readonly id: string;
  readonly priority: number;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly postalPrefixes?: readonly string[];
  readonly active?: boolean;
}

/** Seed 002's three distribution centres. */
export const SEED002_WAREHOUSES: readonly WarehouseFixture[] = [
  { id: 'wh-sp-001', priority: 1, latitude: -23.55, longitude: -46.63, postalPrefixes: ['0'] },
  { id: 'wh-rj-001', priority: 2, latitude: -22.91, longitude: -43.17, postalPrefixes: ['2'] },
  { id: 'wh-pr-001', priority: 1, latitude: -25.43, longitude: -49.27, postalPrefixes: ['8'] },
];

export async function insertWarehouses(
  db: Queryable,
  warehouses: readonly WarehouseFixture[],
): Promise<void> {
  for (const w of warehouses) {
    await db.query(
      `INSERT INTO warehouses (id, name, priority, latitude, longitude, postal_prefixes, active)
       VALUES ($1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [
        w.id,
        w.priority,
        w.latitude ?? null,
        w.longitude ?? null,
        w.postalPrefixes ?? [],
        w.active ?? true,
      ],
    );
  }
}

export interface ItemFixture {
  readonly productId: string;
  readonly variantId?: string;
  readonly sku?: string;
  readonly backorderLimit?: number;
  readonly salesBlocked?: boolean;
  readonly discontinued?: boolean;
  readonly reorderPoint?: number;
  /** Component product id -> units per kit: makes the item a kit. */
  readonly components?: Readonly<Record<string, number>>;
}

export async function insertItem(db: Queryable, item: ItemFixture): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO items (id, product_id, variant_id, sku, backorder_allowed, backorder_limit,
       sales_blocked, discontinued, reorder_point, is_kit)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      id,
      item.productId,
      item.variantId ?? '',
      item.sku ?? null,
      (item.backorderLimit ?? 0) > 0,
      item.backorderLimit ?? 0,
      item.salesBlocked ?? false,
      item.discontinued ?? false,
      item.reorderPoint ?? 0,
      item.components !== undefined,
    ],
  );
  for (const [componentProductId, quantity] of Object.entries(item.components ?? {})) {
    await db.query(
      `INSERT INTO kit_components (kit_item_id, component_item_id, quantity)
       SELECT $1, id, $3 FROM items WHERE product_id = $2 AND variant_id = ''`,
      [id, componentProductId, quantity],
    );
  }
  return id;
}

/** Puts `onHand` units of a product at a warehouse (a stock level plus its INIT ledger row). */
export async function stock(
  db: Queryable,
  productId: string,
  levels: Readonly<Record<string, number>>,
): Promise<void> {
  for (const [warehouseId, onHand] of Object.entries(levels)) {
    await db.query(
      `INSERT INTO stock_levels (item_id, warehouse_id, on_hand)
       SELECT id, $2, $3 FROM items WHERE product_id = $1 AND variant_id = ''`,
      [productId, warehouseId, onHand],
    );
    await db.query(
      `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor)
       SELECT id, $2, 'INIT', $3, 'test' FROM items WHERE product_id = $1 AND variant_id = ''`,
      [productId, warehouseId, onHand],
    );
  }
}
