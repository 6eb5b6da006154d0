import type { MovementRepository } from '../app/ports.ts';
import type { Queryable } from './database.ts';

export function createMovementRepository(db: Queryable): MovementRepository {
  return {
    async append(movements) {
      if (movements.length === 0) {
        return;
      }
      // One statement for any number of rows: arrays in, unnest out.
      await db.query(
        `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, reserved_delta,
           reason, reference_type, reference_id, reservation_id, actor, correlation_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
           $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[])`,
        [
          movements.map((m) => m.itemId),
          movements.map((m) => m.warehouseId),
          movements.map((m) => m.kind),
          movements.map((m) => m.onHandDelta),
          movements.map((m) => m.reservedDelta),
          movements.map((m) => m.reason),
          movements.map((m) => m.referenceType),
          movements.map((m) => m.referenceId),
          movements.map((m) => m.reservationId),
          movements.map((m) => m.actor),
          movements.map((m) => m.correlationId),
        ],
      );
    },
  };
}
