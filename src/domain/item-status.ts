/**
 * Seed 004's inventory status, derived from available units against the reorder point; only
 * DISCONTINUED is set by hand.
 * - IN_STOCK: available > reorder point
 * - LOW_STOCK: 0 < available <= reorder point
 * - OUT_OF_STOCK: available = 0
 */
export const ITEM_STATUSES = ['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK', 'DISCONTINUED'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export function deriveItemStatus(item: {
  readonly available: number;
  readonly reorderPoint: number;
  readonly discontinued: boolean;
}): ItemStatus {
  if (item.discontinued) {
    return 'DISCONTINUED';
  }
  if (item.available <= 0) {
    return 'OUT_OF_STOCK';
  }
  return item.available <= item.reorderPoint ? 'LOW_STOCK' : 'IN_STOCK';
}
