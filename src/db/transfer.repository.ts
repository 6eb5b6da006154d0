import type { TransferRecord, TransferRepository } from '../app/ports.ts';
import type { Queryable } from './database.ts';

const TRANSFER_COLUMNS = `id, item_id AS "itemId", from_warehouse_id AS "fromWarehouseId",
  to_warehouse_id AS "toWarehouseId", quantity, status, reason, actor,
  correlation_id AS "correlationId", created_at AS "createdAt", received_at AS "receivedAt"`;

export function createTransferRepository(db: Queryable): TransferRepository {
  return {
    async insert(transfer) {
      const rows = await db.query<TransferRecord>(
        `INSERT INTO transfers (id, item_id, from_warehouse_id, to_warehouse_id, quantity, status,
           reason, actor, correlation_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
           CASE WHEN $6 = 'RECEIVED' THEN now() END)
         RETURNING ${TRANSFER_COLUMNS}`,
        [
          transfer.id,
          transfer.itemId,
          transfer.fromWarehouseId,
          transfer.toWarehouseId,
          transfer.quantity,
          transfer.status,
          transfer.reason,
          transfer.actor,
          transfer.correlationId,
        ],
      );
      const row = rows[0];
      if (row === undefined) {
        throw new Error('assertion failed: INSERT ... RETURNING returned no row');
      }
      return row;
    },

    async find(id) {
      const rows = await db.query<TransferRecord>(
        `SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE id = $1`,
        [id],
      );
      return rows[0];
    },

    async markReceived(id) {
      // Conditional on IN_TRANSIT: of two racing receives exactly one moves the stock.
      const rows = await db.query<TransferRecord>(
        `UPDATE transfers SET status = 'RECEIVED', received_at = now()
         WHERE id = $1 AND status = 'IN_TRANSIT'
         RETURNING ${TRANSFER_COLUMNS}`,
        [id],
      );
      return rows[0];
    },
  };
}
