import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/database.ts';

/**
 * Writes an item with a default-warehouse stock level and its opening ledger row straight into the
 * database, for tests of the schema and tools that must not go through the API. Only on-hand is
 * recorded in the ledger: a `reserved` given here is for constraint tests, and leaves the books
 * unbalanced on purpose.
 */
export async function insertStockLevel(
  db: Queryable,
  stock: { productId: string; onHand: number; reserved?: number },
): Promise<string> {
  const itemId = randomUUID();
  await db.query('INSERT INTO items (id, product_id) VALUES ($1, $2)', [itemId, stock.productId]);
  await db.query(
    `INSERT INTO stock_levels (item_id, warehouse_id, on_hand, reserved)
     VALUES ($1, 'default', $2, $3)`,
    [itemId, stock.onHand, stock.reserved ?? 0],
  );
  await db.query(
    `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, actor)
     VALUES ($1, 'default', 'INIT', $2, 'test')`,
    [itemId, stock.onHand],
  );
  return itemId;
}
