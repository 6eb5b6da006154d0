import type { Logger, ProductCatalog } from '../app/ports.ts';

export interface ProductServiceOptions {
  /** Base URL without a trailing slash (config.productService.url). */
  readonly url: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * Seed 000's optional product id validation: GET {url}/products/{id}. 2xx means the product exists,
 * 404 that it does not; anything else (another status, a network error, no answer within
 * `timeoutMs`) means the product service could not be asked, and the caller's policy decides.
 */
export function createProductServiceClient(options: ProductServiceOptions): ProductCatalog {
  return {
    async exists(productId) {
      const url = `${options.url}/products/${encodeURIComponent(productId)}`;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        options.logger.warn(
          { err: error, productId, timeoutMs: options.timeoutMs },
          'product service could not be asked',
        );
        return 'unavailable';
      }
      // The body is not needed; cancelling it frees the connection at once.
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) {
        return true;
      }
      if (response.status === 404) {
        return false;
      }
      options.logger.warn(
        { productId, status: response.status },
        'product service answered with an unexpected status',
      );
      return 'unavailable';
    },
  };
}

/** Used when PRODUCT_SERVICE_URL is unset: every product id is accepted. */
export const ANY_PRODUCT_CATALOG: ProductCatalog = {
  async exists() {
    return true;
  },
};
