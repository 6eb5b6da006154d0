import type { AllocationRepository } from './ports.ts';
import { createReadCoalescer } from './read-coalescer.ts';

export interface WarehouseState {
  readonly id: string;
  readonly active: boolean;
}

/**
 * The states of the warehouses a cart names, read fresh for every plan (a line naming an inactive
 * or unknown warehouse is refused by name), and shared by concurrent plans: the reads queue behind
 * the one in flight and never join it (read-coalescer.ts), so each answer comes from a read that
 * started after its caller asked. Why: a paused flash sale (its SKU's sales blocked) plans every
 * refused request twice, and each plan read the named warehouse alone (docs/PERFORMANCE.md, tenth
 * sitting). Answers the states of the warehouses that exist, as the table read does.
 */
export type WarehouseStates = (ids: readonly string[]) => Promise<WarehouseState[]>;

export function createWarehouseStates(
  reads: Pick<AllocationRepository, 'findWarehouseStates'>,
): WarehouseStates {
  const states = createReadCoalescer<string, WarehouseState>({
    async fetch(ids) {
      const rows = await reads.findWarehouseStates(ids);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    },
    keyOf: (id) => id,
  });
  return async (ids) =>
    (await states.read(ids)).filter((state): state is WarehouseState => state !== undefined);
}
