import type {
  AllocationRepository,
  CartItemRecord,
  ItemWarehouseStockRecord,
  KitComponentRecord,
  WarehouseOptionRecord,
} from '../app/ports.ts';
import type { Queryable } from './database.ts';
import { availableSql } from './stock-level.repository.ts';

export function createAllocationRepository(db: Queryable): AllocationRepository {
  return {
    async findCartItems(refs) {
      // One round trip for the whole cart: each ref matches by id, SKU, or product + variant.
      const rows = await db.queryPrepared<CartItemRecord & { ord: number }>(
        'allocation_cart_items',
        `SELECT ref.ord::int AS ord, i.id, i.product_id AS "productId",
           i.variant_id AS "variantId", i.sku, i.is_kit AS "isKit", i.discontinued,
           i.sales_blocked AS "salesBlocked", i.backorder_allowed AS "backorderAllowed",
           i.backorder_limit AS "backorderLimit", i.reorder_point AS "reorderPoint",
           (SELECT coalesce(sum(s.backordered), 0)::bigint FROM stock_levels s
             WHERE s.item_id = i.id) AS backordered
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
           AS ref(item_id, sku, product_id, variant_id, ord)
         JOIN items i ON (ref.item_id IS NOT NULL AND i.id = ref.item_id)
           OR (ref.sku IS NOT NULL AND i.sku = ref.sku)
           OR (ref.product_id IS NOT NULL AND i.product_id = ref.product_id
               AND i.variant_id = coalesce(ref.variant_id, ''))`,
        [
          refs.map((ref) => ref.itemId ?? null),
          refs.map((ref) => ref.sku ?? null),
          refs.map((ref) => ref.productId ?? null),
          refs.map((ref) => ref.variantId ?? null),
        ],
      );
      const byOrdinal = new Map(rows.map(({ ord, ...item }) => [ord, item]));
      return refs.map((_, index) => byOrdinal.get(index + 1));
    },

    async findKitComponents(kitItemIds) {
      return db.query<KitComponentRecord>(
        `SELECT kit_item_id AS "kitItemId", component_item_id AS "componentItemId", quantity
         FROM kit_components WHERE kit_item_id = ANY($1::uuid[])
         ORDER BY kit_item_id, component_item_id`,
        [kitItemIds],
      );
    },

    async findWarehouseOptions(itemIds) {
      return db.queryPrepared<WarehouseOptionRecord>(
        'allocation_warehouse_options',
        `SELECT item.id AS "itemId", w.id AS "warehouseId", w.priority, w.latitude, w.longitude,
           w.postal_prefixes AS "postalPrefixes", s.item_id IS NOT NULL AS stocked,
           coalesce(GREATEST(${availableSql('s')}, 0), 0)::bigint AS available
         FROM unnest($1::uuid[]) AS item(id)
         CROSS JOIN warehouses w
         LEFT JOIN stock_levels s ON s.item_id = item.id AND s.warehouse_id = w.id
         WHERE w.active
         ORDER BY item.id, w.id`,
        [itemIds],
      );
    },

    async findWarehouseStates(ids) {
      return db.queryPrepared<{ id: string; active: boolean }>(
        'allocation_warehouse_states',
        'SELECT id, active FROM warehouses WHERE id = ANY($1::text[])',
        [ids],
      );
    },

    async findStockByWarehouse(itemIds) {
      return db.queryPrepared<ItemWarehouseStockRecord>(
        'allocation_stock_by_warehouse',
        `SELECT s.item_id AS "itemId", s.warehouse_id AS "warehouseId", w.active,
           s.on_hand AS "onHand", s.reserved, s.committed, s.incoming, s.damaged,
           s.safety_stock AS "safetyStock", s.backordered,
           GREATEST(${availableSql('s')}, 0)::bigint AS available,
           s.incoming_expected_at AS "incomingExpectedAt"
         FROM stock_levels s JOIN warehouses w ON w.id = s.warehouse_id
         WHERE s.item_id = ANY($1::uuid[])
         ORDER BY s.item_id, w.priority, s.warehouse_id`,
        [itemIds],
      );
    },

    async lockBackorderCaps(itemIds) {
      return db.query<{ itemId: string; backorderLimit: number; backordered: number }>(
        `WITH locked AS (
           SELECT id, backorder_limit FROM items WHERE id = ANY($1::uuid[])
           ORDER BY id FOR UPDATE
         )
         SELECT locked.id AS "itemId", locked.backorder_limit AS "backorderLimit",
           coalesce(sum(s.backordered), 0)::bigint AS backordered
         FROM locked LEFT JOIN stock_levels s ON s.item_id = locked.id
         GROUP BY locked.id, locked.backorder_limit`,
        [itemIds],
      );
    },
  };
}
