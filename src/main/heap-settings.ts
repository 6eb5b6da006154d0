import v8 from 'node:v8';

/**
 * How much memory V8 keeps for the service's heap. With V8's defaults the service under load held
 * 318-340 MiB with about 32 MB live (hot-reserve at ~13,000 requests/s, `--trace-gc`): a 64 MB
 * young generation, an old generation allowed to reach four times what survived the last full
 * collection, and freed pages kept in V8's pool. The young generation's size and the old one's
 * growth below trade a few more collections for that memory; the measurements are in
 * docs/PERFORMANCE.md.
 *
 * The young generation's size is fixed when the process starts, so it is a command-line flag:
 * `npm start` and bin/inventory-service.js pass SERVE_NODE_FLAGS (a unit test keeps them equal).
 * The old generation's growth is read at every collection, so `serve` sets it itself, with the
 * pretenuring below.
 *
 * 8 MB semi-spaces rather than 16: one flag serves both databases, and in four alternating bench
 * runs (2026-11-29) the embedded service peaked at 238-242 MB instead of 245-256 MB, the
 * PostgreSQL-backed one about 13 MB lower on average, with no throughput difference outside the
 * noise.
 */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=8'] as const;

/** The old generation may grow to 1.5x what survived the last full collection (V8: up to 4x). */
export const HEAP_GROWING_PERCENT = 50;

/**
 * V8 turns an allocation site "pretenured" when most of what it allocated outlived a young
 * collection, and from then on allocates there straight into the old generation. The pg driver
 * builds every result row at one site and parses every timestamp at another, for every query, so
 * once V8 pretenures them (which results tip it was not traced) every batch's short-lived rows go
 * to the old generation too. A sampling heap profile of hot reserve (objects not freed by a
 * young collection) found 86 MB in 10 s with pretenuring, 60% of it rows and dates, and 27 MB
 * without; a hot-reserve and carts run had 21 full collections instead of 29. In eight
 * alternating pairs of bench runs the service spent less CPU per 5-line cart in seven; hot reserve
 * and mixed checkout moved within the noise (docs/PERFORMANCE.md, sixth sitting). V8 honours it
 * set at run time (test/unit/heap-settings-pretenuring.test.ts), so `serve` sets it with the
 * growth.
 */
const V8_RUNTIME_FLAGS = [
  `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
  '--no-allocation-site-pretenuring',
] as const;

export function applyHeapSettings(): void {
  for (const flag of V8_RUNTIME_FLAGS) {
    v8.setFlagsFromString(flag);
  }
}
