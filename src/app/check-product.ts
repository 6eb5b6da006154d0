import { DomainError } from '../domain/errors.ts';
import type { AppDeps } from './ports.ts';

/**
 * Asks the product catalog whether a product exists before inventory is created for it. Called
 * outside any transaction: a slow product service must never hold database rows or connections.
 * Unknown: PRODUCT_UNKNOWN. Could not ask: PRODUCT_SERVICE_UNAVAILABLE under the strict policy;
 * allowed under the lenient one (the client has logged a warning with the cause).
 */
/** `field` names the product id in the caller's request (productId in seed 000, product_id here). */
export async function checkProductKnown(
  deps: AppDeps,
  productId: string,
  field: string,
): Promise<void> {
  const known = await deps.products.exists(productId);
  if (known === true) {
    return;
  }
  if (known === false) {
    throw new DomainError('PRODUCT_UNKNOWN', `the product service does not know ${productId}`, {
      productId,
      field,
    });
  }
  if (deps.settings.productValidation === 'strict') {
    throw new DomainError(
      'PRODUCT_SERVICE_UNAVAILABLE',
      `the product service could not be asked about ${productId}; retry later`,
      { productId },
    );
  }
}
