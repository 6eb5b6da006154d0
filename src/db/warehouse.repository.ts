import type { WarehouseRecord, WarehouseRepository, WarehouseStockRecord } from '../app/ports.ts';
import type { Queryable } from './database.ts';
import { AVAILABLE_SQL } from './stock-level.repository.ts';

const WAREHOUSE_COLUMNS = `id, name, region, priority, active, latitude, longitude,
  postal_prefixes AS "postalPrefixes", created_at AS "createdAt", updated_at AS "updatedAt"`;

export function createWarehouseRepository(db: Queryable): WarehouseRepository {
  return {
    async insert(warehouse) {
      const rows = await db.query<WarehouseRecord>(
        `INSERT INTO warehouses (id, name, region, priority, active, latitude, longitude,
           postal_prefixes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[])
         ON CONFLICT (id) DO NOTHING
         RETURNING ${WAREHOUSE_COLUMNS}`,
        [
          warehouse.id,
          warehouse.name,
          warehouse.region,
          warehouse.priority,
          warehouse.active,
          warehouse.latitude,
          warehouse.longitude,
          warehouse.postalPrefixes,
        ],
      );
      return rows[0];
    },

    async find(id) {
      const rows = await db.query<WarehouseRecord>(
        `SELECT ${WAREHOUSE_COLUMNS} FROM warehouses WHERE id = $1`,
        [id],
      );
      return rows[0];
    },

    async list(filter) {
      return db.query<WarehouseRecord>(
        `SELECT ${WAREHOUSE_COLUMNS} FROM warehouses
         WHERE ($1::boolean IS NULL OR active = $1)
           AND ($2::text IS NULL OR region = $2)
           AND ($3::text IS NULL OR id > $3)
         ORDER BY id
         LIMIT $4`,
        [filter.active ?? null, filter.region ?? null, filter.afterId ?? null, filter.limit],
      );
    },

    async update(id, changes) {
      // Absent fields keep their value. Region and location may be set to null, so each carries a
      // "given" flag rather than relying on COALESCE.
      const location = changes.location;
      const rows = await db.query<WarehouseRecord>(
        `UPDATE warehouses SET
           name = COALESCE($2::text, name),
           region = CASE WHEN $3::boolean THEN $4::text ELSE region END,
           priority = COALESCE($5::integer, priority),
           latitude = CASE WHEN $6::boolean THEN $7::double precision ELSE latitude END,
           longitude = CASE WHEN $6::boolean THEN $8::double precision ELSE longitude END,
           postal_prefixes = COALESCE($9::text[], postal_prefixes),
           updated_at = now()
         WHERE id = $1
         RETURNING ${WAREHOUSE_COLUMNS}`,
        [
          id,
          changes.name ?? null,
          changes.region !== undefined,
          changes.region ?? null,
          changes.priority ?? null,
          location !== undefined,
          location?.latitude ?? null,
          location?.longitude ?? null,
          changes.postalPrefixes ?? null,
        ],
      );
      return rows[0];
    },

    async setActive(id, active) {
      // updated_at moves only when the state does, so a repeated deactivate changes nothing.
      const rows = await db.query<WarehouseRecord>(
        `UPDATE warehouses SET active = $2,
           updated_at = CASE WHEN active = $2 THEN updated_at ELSE now() END
         WHERE id = $1
         RETURNING ${WAREHOUSE_COLUMNS}`,
        [id, active],
      );
      return rows[0];
    },

    async upsertMany(warehouses) {
      if (warehouses.length === 0) {
        return { created: 0, updated: 0 };
      }
      // One statement for the whole file. Rows go in as JSON because their postal_prefixes differ
      // in length (unnest would flatten a two-dimensional text array). A row is rewritten only when
      // something differs, so a repeated sync writes nothing and leaves updated_at alone; `existing`
      // is read from the statement's snapshot, before its own inserts, to tell created from updated.
      // An absent `active` keeps the stored one: a warehouse deactivated through the API stays so.
      const rows = await db.query<{ existed: boolean }>(
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(id text, name text, region text,
             priority integer, active boolean, latitude double precision,
             longitude double precision, postal_prefixes text[])
         ), existing AS (
           SELECT id FROM warehouses WHERE id IN (SELECT id FROM input)
         )
         INSERT INTO warehouses AS t (id, name, region, priority, active, latitude, longitude,
           postal_prefixes)
         SELECT id, name, region, priority, COALESCE(active, true), latitude, longitude,
           postal_prefixes
         FROM input ORDER BY id
         ON CONFLICT (id) DO UPDATE SET
           name = EXCLUDED.name, region = EXCLUDED.region, priority = EXCLUDED.priority,
           active = COALESCE((SELECT i.active FROM input i WHERE i.id = EXCLUDED.id), t.active),
           latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
           postal_prefixes = EXCLUDED.postal_prefixes, updated_at = now()
         WHERE (t.name, t.region, t.priority, t.latitude, t.longitude, t.postal_prefixes, t.active)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.region, EXCLUDED.priority, EXCLUDED.latitude,
             EXCLUDED.longitude, EXCLUDED.postal_prefixes,
             COALESCE((SELECT i.active FROM input i WHERE i.id = EXCLUDED.id), t.active))
         RETURNING t.id IN (SELECT id FROM existing) AS existed`,
        [
          JSON.stringify(
            warehouses.map((w) => ({
              id: w.id,
              name: w.name,
              region: w.region,
              priority: w.priority,
              active: w.active ?? null,
              latitude: w.latitude,
              longitude: w.longitude,
              postal_prefixes: w.postalPrefixes,
            })),
          ),
        ],
      );
      const updated = rows.filter((row) => row.existed).length;
      return { created: rows.length - updated, updated };
    },

    async listStock(page) {
      return db.query<WarehouseStockRecord>(
        `SELECT s.item_id AS "itemId", s.warehouse_id AS "warehouseId", i.product_id AS "productId",
           i.variant_id AS "variantId", i.sku, s.on_hand AS "onHand", s.reserved, s.committed,
           s.incoming, s.damaged, s.safety_stock AS "safetyStock", s.backordered,
           GREATEST(${AVAILABLE_SQL}, 0) AS available,
           s.created_at AS "createdAt", s.updated_at AS "updatedAt"
         FROM stock_levels s JOIN items i ON i.id = s.item_id
         WHERE s.warehouse_id = $1 AND ($2::uuid IS NULL OR s.item_id > $2::uuid)
         ORDER BY s.item_id
         LIMIT $3`,
        [page.warehouseId, page.afterItemId ?? null, page.limit],
      );
    },
  };
}
