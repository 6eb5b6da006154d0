import { isLowStock, suggestedReorderQuantity } from '../domain/item-catalog.ts';
import type { ItemStatus } from '../domain/item-status.ts';
import { describeItems, type ItemDetail } from './get-item.ts';
import type { AppDeps } from './ports.ts';

export interface ListItemsQuery {
  readonly status?: ItemStatus | undefined;
  readonly productId?: string | undefined;
  readonly skuPrefix?: string | undefined;
  readonly lowStock?: boolean | undefined;
  /** Items after this id (the previous page's next cursor). */
  readonly afterId?: string | undefined;
  readonly limit: number;
}

export interface ItemPage {
  readonly items: readonly ItemDetail[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Seed 004's ListInventoryItems: filtered, in id order, one page at a time. */
export async function listItems(deps: AppDeps, query: ListItemsQuery): Promise<ItemPage> {
  // One row more than asked tells whether another page exists without a count query.
  const rows = await deps.reader.items.list({
    ...query,
    lowStockThresholdDefault: deps.settings.lowStockThreshold,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const items = await describeItems(deps.reader, deps.settings, page);
  const last = page.at(-1);
  return {
    items,
    nextCursor: rows.length > query.limit && last !== undefined ? last.id : null,
  };
}

export interface LowStockEntry extends ItemDetail {
  readonly suggestedReorderQuantity: number;
}

export interface LowStockPage {
  readonly items: readonly LowStockEntry[];
  readonly nextCursor: string | null;
}

/**
 * Seed 004's low stock report: items whose available units are at or under their low-stock
 * threshold or their reorder point, with how many to reorder.
 */
export async function reportLowStock(
  deps: AppDeps,
  query: { afterId?: string | undefined; limit: number },
): Promise<LowStockPage> {
  const page = await listItems(deps, { ...query, lowStock: true });
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((detail) => {
      const policy = {
        available: detail.item.available,
        incoming: detail.item.incoming,
        reorderPoint: detail.item.reorderPoint,
        reorderQuantity: detail.item.reorderQuantity,
        lowStockThreshold: detail.effectiveLowStockThreshold,
      };
      if (!isLowStock(policy)) {
        // The query and the domain rule must agree; a mismatch is a bug in one of them.
        throw new Error(`assertion failed: item ${detail.item.id} listed as low stock is not`);
      }
      return { ...detail, suggestedReorderQuantity: suggestedReorderQuantity(policy) };
    }),
  };
}
