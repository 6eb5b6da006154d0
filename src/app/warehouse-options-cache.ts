import type { AllocationRepository, WarehouseOptionRecord } from './ports.ts';

/**
 * Short-lived per-item warehouse options (each active warehouse with the units it has available)
 * for planning carts on the batched path, so a cart joins its batch without first reading stock
 * levels. A plan made from here can be stale, and that is safe: the batch re-checks every unit at
 * apply time, and reserveStock plans again from the tables (`reload`) whenever a plan made from
 * here is refused, so a stale entry can cost a cart a second plan, never a wrong refusal or an
 * oversell. Units this instance holds are taken off the cached figures at once (`noteHeld`), which
 * keeps them close to the truth between reads; releases and other instances' holds show up when
 * an entry is read again (after `ttlMs`, or after a refusal).
 */
export interface WarehouseOptionsCache {
  options(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]>;
  /** Reads every item from the tables and keeps the fresh figures. */
  reload(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]>;
  noteHeld(
    lines: readonly {
      itemId: string;
      warehouseId: string;
      quantity: number;
      backordered: number;
    }[],
  ): void;
}

interface Entry {
  options: WarehouseOptionRecord[];
  readonly expiresAt: number;
}

export function createWarehouseOptionsCache(
  reads: Pick<AllocationRepository, 'findWarehouseOptions'>,
  options: { ttlMs: number; entriesMax: number; now?: () => number },
): WarehouseOptionsCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  async function read(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]> {
    const rows = await reads.findWarehouseOptions(itemIds);
    if (options.ttlMs === 0) {
      return rows;
    }
    if (entries.size + itemIds.length > options.entriesMax) {
      entries.clear();
    }
    const expiresAt = now() + options.ttlMs;
    for (const itemId of itemIds) {
      entries.set(itemId, { options: [], expiresAt });
    }
    for (const row of rows) {
      entries.get(row.itemId)?.options.push(row);
    }
    return rows;
  }

  return {
    async options(requested) {
      const itemIds = [...new Set(requested)];
      const at = now();
      const missing = itemIds.filter((id) => {
        const entry = entries.get(id);
        return entry === undefined || entry.expiresAt <= at;
      });
      const fresh = missing.length === 0 ? [] : await read(missing);
      if (options.ttlMs === 0) {
        return fresh;
      }
      const wanted = new Set(missing);
      return [
        ...fresh,
        ...itemIds.filter((id) => !wanted.has(id)).flatMap((id) => entries.get(id)?.options ?? []),
      ];
    },

    reload: read,

    noteHeld(lines) {
      for (const line of lines) {
        const entry = entries.get(line.itemId);
        const held = line.quantity - line.backordered;
        if (entry === undefined || held <= 0) {
          continue;
        }
        entry.options = entry.options.map((o) =>
          o.warehouseId === line.warehouseId
            ? { ...o, available: Math.max(0, o.available - held) }
            : o,
        );
      }
    },
  };
}
