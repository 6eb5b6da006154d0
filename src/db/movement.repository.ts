import type { MovementRepository } from '../app/ports.ts';
import { queryArrays } from './binary-array.ts';
import type { Queryable } from './database.ts';

export function createMovementRepository(db: Queryable): MovementRepository {
  return {
    async append(movements) {
      if (movements.length === 0) {
        return;
      }
      const delta = (bucket: keyof (typeof movements)[number]['deltas']) =>
        movements.map((m) => m.deltas[bucket] ?? 0);
      // One statement for any number of rows: arrays in (binary, for less of PostgreSQL's CPU
      // than text; the expiry worker appends a sweep's rows at a time), unnest out.
      await queryArrays(
        db,
        `INSERT INTO stock_movements (item_id, warehouse_id, kind, on_hand_delta, reserved_delta,
           committed_delta, incoming_delta, damaged_delta, safety_stock_delta, backordered_delta,
           reason, reference_type, reference_id, reservation_id, actor, correlation_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
           $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[],
           $11::text[], $12::text[], $13::text[], $14::uuid[], $15::text[], $16::text[])`,
        [
          ['uuid', movements.map((m) => m.itemId)],
          ['text', movements.map((m) => m.warehouseId)],
          ['text', movements.map((m) => m.kind)],
          ['int8', delta('onHand')],
          ['int8', delta('reserved')],
          ['int8', delta('committed')],
          ['int8', delta('incoming')],
          ['int8', delta('damaged')],
          ['int8', delta('safetyStock')],
          ['int8', delta('backordered')],
          ['text', movements.map((m) => m.reason)],
          ['text', movements.map((m) => m.referenceType)],
          ['text', movements.map((m) => m.referenceId)],
          ['uuid', movements.map((m) => m.reservationId)],
          ['text', movements.map((m) => m.actor)],
          ['text', movements.map((m) => m.correlationId)],
        ],
      );
    },
  };
}
