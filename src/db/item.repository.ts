import type { ItemRecord, ItemRepository } from '../app/ports.ts';
import type { Queryable } from './database.ts';

const ITEM_COLUMNS = `id, product_id AS "productId", variant_id AS "variantId",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export function createItemRepository(db: Queryable): ItemRepository {
  return {
    async insertIfAbsent(item) {
      const rows = await db.query<ItemRecord>(
        `INSERT INTO items (id, product_id, variant_id) VALUES ($1, $2, $3)
         ON CONFLICT (product_id, variant_id) DO NOTHING
         RETURNING ${ITEM_COLUMNS}`,
        [item.id, item.productId, item.variantId],
      );
      return rows[0];
    },

    async findByProduct(productId, variantId) {
      const rows = await db.query<ItemRecord>(
        `SELECT ${ITEM_COLUMNS} FROM items WHERE product_id = $1 AND variant_id = $2`,
        [productId, variantId],
      );
      return rows[0];
    },
  };
}
