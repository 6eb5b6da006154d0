import { type AdjustmentOutcome, type AdjustStockCommand, adjustStock } from './adjust-stock.ts';
import type { AppDeps, RequestContext } from './ports.ts';

/** Lines one bulk call may carry (seed 004's BulkUpdateInventory). */
export const BULK_LINES_MAX = 500;

export type BulkLineResult =
  | { readonly status: 'applied'; readonly outcome: AdjustmentOutcome }
  /** `error` is a DomainError for a refused line; anything else is a fault, for the edge to log. */
  | { readonly status: 'failed'; readonly error: unknown };

/**
 * Applies each line in its own transaction, in order, so one refused line undoes nothing else and
 * a later line sees what earlier ones did. Every line gets its own result.
 */
export async function bulkAdjust(
  deps: AppDeps,
  lines: readonly AdjustStockCommand[],
  context: RequestContext,
): Promise<BulkLineResult[]> {
  if (lines.length > BULK_LINES_MAX) {
    throw new Error(`assertion failed: ${lines.length} bulk lines passed the schema's bound`);
  }
  const results: BulkLineResult[] = [];
  for (const line of lines) {
    try {
      results.push({ status: 'applied', outcome: await adjustStock(deps, line, context) });
    } catch (error) {
      // A refusal, or a fault (a bug, the database gone): either way later lines are still tried
      // and reported one by one, so the caller knows exactly which applied.
      results.push({ status: 'failed', error });
    }
  }
  return results;
}
