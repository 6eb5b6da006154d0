import type { KitComponentDetail, KitComponentRepository } from '../app/ports.ts';
import type { Queryable } from './database.ts';

export function createKitComponentRepository(db: Queryable): KitComponentRepository {
  return {
    async insert(kitItemId, components) {
      if (components.length === 0) {
        return;
      }
      await db.query(
        `INSERT INTO kit_components (kit_item_id, component_item_id, quantity)
         SELECT $1, component_item_id, quantity
         FROM unnest($2::uuid[], $3::bigint[]) AS c(component_item_id, quantity)`,
        [kitItemId, components.map((c) => c.componentItemId), components.map((c) => c.quantity)],
      );
    },

    async findByKits(kitItemIds) {
      return db.query<KitComponentDetail>(
        `SELECT kc.kit_item_id AS "kitItemId", kc.component_item_id AS "componentItemId",
           kc.quantity, i.sku, i.product_id AS "productId", i.variant_id AS "variantId"
         FROM kit_components kc JOIN items i ON i.id = kc.component_item_id
         WHERE kc.kit_item_id = ANY($1::uuid[])
         ORDER BY kc.kit_item_id, kc.component_item_id`,
        [kitItemIds],
      );
    },
  };
}
