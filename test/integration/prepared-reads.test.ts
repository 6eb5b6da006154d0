import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createAllocationRepository } from '../../src/db/allocation.repository.ts';
import type { Database } from '../../src/db/database.ts';
import { createItemRepository } from '../../src/db/item.repository.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { createStockLevelRepository } from '../../src/db/stock-level.repository.ts';
import { insertStockLevel } from '../factories/stock.factory.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

/**
 * The reads the hot path coalesces (cart planning, availability, seed 000's stock read) run
 * hundreds of times a second, so each is a named prepared statement: planned once per connection,
 * not at every call. On one connection, after each read ran twice, PostgreSQL lists every one of
 * them as prepared, and the second answer equals the first.
 */
describe('the coalesced reads are prepared once per connection', () => {
  let database: TestDatabase;
  let db: Database;
  let itemId: string;

  before(async () => {
    database = await createTestDatabase();
    db = await openPostgres({ url: database.url, poolMax: 1, logger: pino({ level: 'silent' }) });
    itemId = await insertStockLevel(db, { productId: 'prepared-1', onHand: 7 });
  });

  after(async () => {
    await db.close();
    await database.drop();
  });

  test('each read is prepared under its name and answers the same the second time', async () => {
    const allocation = createAllocationRepository(db);
    const items = createItemRepository(db);
    const stock = createStockLevelRepository(db);
    const reads = {
      allocation_cart_items: () => allocation.findCartItems([{ productId: 'prepared-1' }]),
      allocation_warehouse_options: () => allocation.findWarehouseOptions([itemId]),
      allocation_stock_by_warehouse: () => allocation.findStockByWarehouse([itemId]),
      items_of_products: () => items.findOfProducts(['prepared-1']),
      stock_sum_for_items: () => stock.sumForItems([itemId]),
    };
    for (const [name, read] of Object.entries(reads)) {
      const first = await read();
      assert.notEqual(first[0], undefined, `${name} found the item`);
      assert.deepEqual(await read(), first, name);
    }

    const prepared = await db.query<{ name: string }>(
      'SELECT name FROM pg_prepared_statements ORDER BY name',
    );
    assert.deepEqual(
      prepared.map((row) => row.name),
      Object.keys(reads).sort(),
    );
  });
});
