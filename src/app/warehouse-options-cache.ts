import type { AllocationRepository, WarehouseOptionRecord } from './ports.ts';
import { createReadCoalescer } from './read-coalescer.ts';

/**
 * Short-lived per-item warehouse options (each active warehouse with the units it has available)
 * for planning carts on the batched path, so a cart joins its batch without first reading stock
 * levels. A plan made from here can be stale, and that is safe: the batch re-checks every unit at
 * apply time, and reserveStock plans again from the tables (`reload`) whenever a plan made from
 * here is refused, so a stale entry can cost a cart a second plan, never a wrong refusal or an
 * oversell. Units this instance holds are taken off the cached figures at once (`noteHeld`), which
 * keeps them close to the truth between reads; releases and other instances' holds show up when
 * an entry is read again (after `ttlMs`, or after a refusal). Expired entries of concurrent
 * requests are read together (read-coalescer.ts), and so are the reloads of concurrent refusals:
 * each read starts after its callers asked, so a refusal is always checked against figures read
 * after it.
 */
export interface WarehouseOptionsCache {
  options(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]>;
  /** Reads every item from the tables and keeps the fresh figures. */
  reload(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]>;
  /**
   * Whether a read has shown a stock level of the item at the warehouse. Stock levels are never
   * deleted (migration 0006), so the answer holds however long ago the read was, and whatever the
   * TTL (0 included); an item no read has shown is "not known".
   */
  knowsStockLevel(itemId: string, warehouseId: string): boolean;
  noteHeld(
    lines: readonly {
      itemId: string;
      warehouseId: string;
      quantity: number;
      backordered: number;
    }[],
  ): void;
}

/** The cached figure itself: noteHeld lowers `available` in place (see below). */
type MutableOption = { -readonly [K in keyof WarehouseOptionRecord]: WarehouseOptionRecord[K] };

interface Entry {
  readonly options: MutableOption[];
  expiresAt: number;
}

export function createWarehouseOptionsCache(
  reads: Pick<AllocationRepository, 'findWarehouseOptions'>,
  options: { ttlMs: number; entriesMax: number; now?: () => number },
): WarehouseOptionsCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /**
   * The warehouses each item was seen stocked at, by every read, kept whatever the TTL (0
   * included): a stock level never goes away, so this needs no expiry, only a bound.
   */
  const stockedAt = new Map<string, Set<string>>();

  // Entries live for seconds, long enough to outlive two young-generation collections, so every
  // replaced entry or option object became garbage in the old generation: under cart load that
  // grew the heap to ~270 MB between full collections. So an entry whose warehouses are unchanged
  // (the usual case) is refreshed in place, and noteHeld lowers figures in place. Callers may do
  // so safely because they read the options they got before their next await (planning is
  // synchronous once they arrive), and nothing here runs in between.
  function refresh(itemId: string, fresh: readonly WarehouseOptionRecord[], expiresAt: number) {
    const entry = entries.get(itemId);
    const same =
      entry !== undefined &&
      entry.options.length === fresh.length &&
      fresh.every((row, i) => entry.options[i]?.warehouseId === row.warehouseId);
    if (!same) {
      entries.set(itemId, { options: fresh.map((row) => ({ ...row })), expiresAt });
      return;
    }
    fresh.forEach((row, i) => {
      const option = entry.options[i];
      if (option !== undefined) {
        Object.assign(option, row);
      }
    });
    entry.expiresAt = expiresAt;
  }

  /** Reads the items' options and keeps them; answers each item's rows, in order. */
  async function readItems(itemIds: readonly string[]): Promise<WarehouseOptionRecord[][]> {
    const rows = await reads.findWarehouseOptions(itemIds);
    noteStocked(rows);
    const byItem = Map.groupBy(rows, (row) => row.itemId);
    const perItem = itemIds.map((itemId) => byItem.get(itemId) ?? []);
    if (options.ttlMs === 0) {
      return perItem;
    }
    if (entries.size + itemIds.length > options.entriesMax) {
      entries.clear();
    }
    const expiresAt = now() + options.ttlMs;
    itemIds.forEach((itemId, index) => {
      refresh(itemId, perItem[index] ?? [], expiresAt);
    });
    return perItem;
  }

  function noteStocked(rows: readonly WarehouseOptionRecord[]): void {
    if (stockedAt.size + rows.length > options.entriesMax) {
      stockedAt.clear();
    }
    for (const row of rows) {
      if (row.stocked !== true) {
        continue;
      }
      const warehouses = stockedAt.get(row.itemId);
      if (warehouses === undefined) {
        stockedAt.set(row.itemId, new Set([row.warehouseId]));
      } else {
        warehouses.add(row.warehouseId);
      }
    }
  }

  const expired = createReadCoalescer<string, WarehouseOptionRecord[]>({
    fetch: readItems,
    keyOf: (itemId) => itemId,
  });

  /** Reads the items now (a read that starts after the call), shared with concurrent callers. */
  async function read(itemIds: readonly string[]): Promise<WarehouseOptionRecord[]> {
    return (await expired.read(itemIds)).flatMap((rows) => rows ?? []);
  }

  return {
    async options(requested) {
      const itemIds = [...new Set(requested)];
      if (options.ttlMs === 0) {
        // No cache: every plan reads the tables after it asks.
        return read(itemIds);
      }
      const at = now();
      const missing = itemIds.filter((id) => {
        const entry = entries.get(id);
        return entry === undefined || entry.expiresAt <= at;
      });
      const fresh = missing.length === 0 ? [] : await read(missing);
      const wanted = new Set(missing);
      return [
        ...fresh,
        ...itemIds.filter((id) => !wanted.has(id)).flatMap((id) => entries.get(id)?.options ?? []),
      ];
    },

    reload: read,

    knowsStockLevel(itemId, warehouseId) {
      return stockedAt.get(itemId)?.has(warehouseId) === true;
    },

    noteHeld(lines) {
      for (const line of lines) {
        const held = line.quantity - line.backordered;
        if (held <= 0) {
          continue;
        }
        const option = entries
          .get(line.itemId)
          ?.options.find((o) => o.warehouseId === line.warehouseId);
        if (option !== undefined) {
          option.available = Math.max(0, option.available - held);
        }
      }
    },
  };
}
