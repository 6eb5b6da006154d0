import type { ItemRecord, ItemRepository, ItemSummary, ItemUpdateResult } from '../app/ports.ts';
import { isSqlError, type Queryable } from './database.ts';
import { availableSql } from './stock-level.repository.ts';

/** Every item column, under alias `i`, in the camelCase the records use. */
const ITEM_COLUMNS = `i.id, i.product_id AS "productId", i.variant_id AS "variantId", i.sku, i.name,
  i.discontinued, i.reorder_point AS "reorderPoint", i.reorder_quantity AS "reorderQuantity",
  i.low_stock_threshold AS "lowStockThreshold", i.backorder_allowed AS "backorderAllowed",
  i.backorder_limit AS "backorderLimit", i.sales_blocked AS "salesBlocked",
  i.sales_blocked_reason AS "salesBlockedReason", i.is_kit AS "isKit",
  i.created_at AS "createdAt", i.updated_at AS "updatedAt"`;

const UNIQUE_VIOLATION = '23505';

/**
 * An item with its buckets summed over its stock levels; a kit's `available` is the least, over its
 * components, of floor(component available / per-kit quantity) (domain/item-catalog.ts kitAvailable
 * says the same in TypeScript). Per-item LATERAL sums rather than one GROUP BY over stock_levels, so
 * a page of items reads only those items' rows.
 */
const SUMMARY_FROM = `
  FROM items i
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(s.on_hand), 0)::bigint AS on_hand,
      coalesce(sum(s.reserved), 0)::bigint AS reserved,
      coalesce(sum(s.committed), 0)::bigint AS committed,
      coalesce(sum(s.incoming), 0)::bigint AS incoming,
      coalesce(sum(s.damaged), 0)::bigint AS damaged,
      coalesce(sum(s.safety_stock), 0)::bigint AS safety_stock,
      coalesce(sum(s.backordered), 0)::bigint AS backordered,
      coalesce(sum(GREATEST(${availableSql('s')}, 0)), 0)::bigint AS available
    FROM stock_levels s WHERE s.item_id = i.id
  ) t
  CROSS JOIN LATERAL (
    SELECT coalesce(min(c.available / kc.quantity), 0)::bigint AS available
    FROM kit_components kc
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(GREATEST(${availableSql('cs')}, 0)), 0)::bigint AS available
      FROM stock_levels cs WHERE cs.item_id = kc.component_item_id
    ) c
    WHERE kc.kit_item_id = i.id
  ) k`;

const SUMMARY_COLUMNS = `${ITEM_COLUMNS}, t.on_hand AS "onHand", t.reserved, t.committed,
  t.incoming, t.damaged, t.safety_stock AS "safetyStock", t.backordered,
  CASE WHEN i.is_kit THEN k.available ELSE t.available END AS available`;

/** domain/item-status.ts deriveItemStatus, spelled in SQL so a list can filter on it. */
const STATUS_SQL = `CASE WHEN discontinued THEN 'DISCONTINUED'
  WHEN available <= 0 THEN 'OUT_OF_STOCK'
  WHEN available <= "reorderPoint" THEN 'LOW_STOCK'
  ELSE 'IN_STOCK' END`;

/** domain/item-catalog.ts isLowStock, in SQL; `$n` is the default threshold. */
function lowStockSql(defaultParam: string): string {
  return `NOT discontinued AND NOT "isKit"
    AND (available <= coalesce("lowStockThreshold", ${defaultParam}::bigint)
         OR available <= "reorderPoint")`;
}

/** A LIKE pattern matching values that start with `prefix` literally. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createItemRepository(db: Queryable): ItemRepository {
  return {
    async insertIfAbsent(item) {
      const rows = await db.query<ItemRecord>(
        `INSERT INTO items AS i (id, product_id, variant_id) VALUES ($1, $2, $3)
         ON CONFLICT (product_id, variant_id) DO NOTHING
         RETURNING ${ITEM_COLUMNS}`,
        [item.id, item.productId, item.variantId],
      );
      return rows[0];
    },

    async findByProduct(productId, variantId) {
      const rows = await db.query<ItemRecord>(
        `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.product_id = $1 AND i.variant_id = $2`,
        [productId, variantId],
      );
      return rows[0];
    },

    async findOfProducts(productIds) {
      const rows = await db.queryPrepared<ItemRecord & { ord: number }>(
        'items_of_products',
        `SELECT p.ord::int AS ord, ${ITEM_COLUMNS}
         FROM unnest($1::text[]) WITH ORDINALITY AS p(product_id, ord)
         JOIN items i ON i.product_id = p.product_id AND i.variant_id = ''`,
        [productIds],
      );
      const byOrdinal = new Map(rows.map(({ ord, ...item }) => [ord, item]));
      return productIds.map((_, index) => byOrdinal.get(index + 1));
    },

    async insert(item) {
      // No conflict target: a taken SKU and a taken product + variant both leave the row out.
      const rows = await db.query<ItemRecord>(
        `INSERT INTO items AS i (id, product_id, variant_id, sku, name, reorder_point,
           reorder_quantity, low_stock_threshold, backorder_allowed, backorder_limit, is_kit)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING
         RETURNING ${ITEM_COLUMNS}`,
        [
          item.id,
          item.productId,
          item.variantId,
          item.sku,
          item.name,
          item.reorderPoint,
          item.reorderQuantity,
          item.lowStockThreshold,
          item.backorderAllowed,
          item.backorderLimit,
          item.isKit,
        ],
      );
      return rows[0];
    },

    async findById(id) {
      const rows = await db.query<ItemRecord>(
        `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = $1`,
        [id],
      );
      return rows[0];
    },

    async findBySku(sku) {
      const rows = await db.query<ItemRecord>(
        `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.sku = $1`,
        [sku],
      );
      return rows[0];
    },

    async findByIds(ids) {
      return db.query<ItemRecord>(
        `SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = ANY($1::uuid[])`,
        [ids],
      );
    },

    async update(id, changes): Promise<ItemUpdateResult> {
      // Each column changes only when its field was given (a flag per nullable column, since null
      // is a value there), so two callers changing different fields never undo each other.
      try {
        const rows = await db.query<ItemRecord>(
          `UPDATE items i SET
             sku = CASE WHEN $2::boolean THEN $3::text ELSE i.sku END,
             name = CASE WHEN $4::boolean THEN $5::text ELSE i.name END,
             reorder_point = coalesce($6::bigint, i.reorder_point),
             reorder_quantity = coalesce($7::bigint, i.reorder_quantity),
             low_stock_threshold =
               CASE WHEN $8::boolean THEN $9::bigint ELSE i.low_stock_threshold END,
             backorder_allowed = coalesce($10::boolean, i.backorder_allowed),
             backorder_limit = coalesce($11::bigint, i.backorder_limit),
             discontinued = coalesce($12::boolean, i.discontinued),
             updated_at = now()
           WHERE i.id = $1
           RETURNING ${ITEM_COLUMNS}`,
          [
            id,
            changes.sku !== undefined,
            changes.sku ?? null,
            changes.name !== undefined,
            changes.name ?? null,
            changes.reorderPoint ?? null,
            changes.reorderQuantity ?? null,
            changes.lowStockThreshold !== undefined,
            changes.lowStockThreshold ?? null,
            changes.backorder?.allowed ?? null,
            changes.backorder?.limit ?? null,
            changes.discontinued ?? null,
          ],
        );
        const item = rows[0];
        return item === undefined ? { kind: 'not-found' } : { kind: 'updated', item };
      } catch (error) {
        if (
          isSqlError(error) &&
          error.code === UNIQUE_VIOLATION &&
          error.constraint === 'items_sku_key'
        ) {
          return { kind: 'sku-taken' };
        }
        throw error;
      }
    },

    async list(filter) {
      const params: unknown[] = [filter.limit];
      const inner: string[] = [];
      const outer: string[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.afterId !== undefined) {
        inner.push(`i.id > ${param(filter.afterId)}::uuid`);
      }
      if (filter.productId !== undefined) {
        inner.push(`i.product_id = ${param(filter.productId)}`);
      }
      if (filter.skuPrefix !== undefined) {
        inner.push(`i.sku LIKE ${param(prefixPattern(filter.skuPrefix))}`);
      }
      if (filter.status !== undefined) {
        outer.push(`${STATUS_SQL} = ${param(filter.status)}`);
      }
      if (filter.lowStock === true) {
        outer.push(lowStockSql(param(filter.lowStockThresholdDefault)));
      }
      const where = (conditions: string[]) =>
        conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
      return db.query<ItemSummary>(
        `SELECT * FROM (SELECT ${SUMMARY_COLUMNS} ${SUMMARY_FROM} ${where(inner)}) summary
         ${where(outer)}
         ORDER BY id
         LIMIT $1`,
        params,
      );
    },

    async findSummaries(ids) {
      return db.query<ItemSummary>(
        `SELECT ${SUMMARY_COLUMNS} ${SUMMARY_FROM} WHERE i.id = ANY($1::uuid[])`,
        [ids],
      );
    },

    async setSalesBlocked(change) {
      return db.query<ItemRecord>(
        `UPDATE items i SET sales_blocked = $2, sales_blocked_reason = $3, updated_at = now()
         WHERE i.product_id = $1
         RETURNING ${ITEM_COLUMNS}`,
        [change.productId, change.blocked, change.blocked ? change.reason : null],
      );
    },
  };
}
