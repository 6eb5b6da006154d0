import { DomainError } from '../domain/errors.ts';
import { deriveItemStatus, type ItemStatus } from '../domain/item-status.ts';
import { getItemByRef } from './item-ref.ts';
import type {
  AppDeps,
  AppSettings,
  ItemRef,
  ItemSummary,
  KitComponentDetail,
  UnitOfWork,
} from './ports.ts';

/** An item as the item API shows it: stock totals, derived status and, for a kit, components. */
export interface ItemDetail {
  readonly item: ItemSummary;
  readonly status: ItemStatus;
  /** The item's own low-stock threshold, or LOW_STOCK_THRESHOLD when it has none. */
  readonly effectiveLowStockThreshold: number;
  readonly components: readonly KitComponentDetail[];
}

/** By id, SKU, or product + variant (exactly one); ITEM_NOT_FOUND when none matches. */
export async function getItem(deps: AppDeps, ref: ItemRef): Promise<ItemDetail> {
  const item = await getItemByRef(deps.reader, ref);
  return getItemDetail(deps.reader, deps.settings, item.id);
}

export async function getItemDetail(
  uow: UnitOfWork,
  settings: AppSettings,
  itemId: string,
): Promise<ItemDetail> {
  const [summary] = await uow.items.findSummaries([itemId]);
  if (summary === undefined) {
    throw new DomainError('ITEM_NOT_FOUND', `no item with id ${itemId}`, { itemId });
  }
  const [detail] = await describeItems(uow, settings, [summary]);
  if (detail === undefined) {
    throw new Error('assertion failed: describeItems dropped an item');
  }
  return detail;
}

/** Adds status and kit components to summaries (one query for all kits among them). */
export async function describeItems(
  uow: UnitOfWork,
  settings: AppSettings,
  summaries: readonly ItemSummary[],
): Promise<ItemDetail[]> {
  const kitIds = summaries.filter((s) => s.isKit).map((s) => s.id);
  const components = kitIds.length === 0 ? [] : await uow.kits.findByKits(kitIds);
  return summaries.map((item) => ({
    item,
    status: deriveItemStatus(item),
    effectiveLowStockThreshold: item.lowStockThreshold ?? settings.lowStockThreshold,
    components: components.filter((c) => c.kitItemId === item.id),
  }));
}
