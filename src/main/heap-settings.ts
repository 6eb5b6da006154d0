import v8 from 'node:v8';

/**
 * How much memory V8 keeps for the service's heap. With V8's defaults the service under load held
 * 318-340 MiB with about 32 MB live (hot-reserve at ~13,000 requests/s, `--trace-gc`): a 64 MB
 * young generation, an old generation allowed to reach four times what survived the last full
 * collection, and freed pages kept in V8's pool. Both settings below trade a few more collections
 * for that memory; the measurements are in docs/PERFORMANCE.md.
 *
 * The young generation's size is fixed when the process starts, so it is a command-line flag:
 * `npm start` and bin/inventory-service.js pass SERVE_NODE_FLAGS (a unit test keeps them equal).
 * The old generation's growth is read at every collection, so `serve` sets it itself.
 *
 * 8 MB semi-spaces rather than 16: one flag serves both databases, and in four alternating bench
 * runs (2026-11-29) the embedded service peaked at 238-242 MB instead of 245-256 MB, the
 * PostgreSQL-backed one about 13 MB lower on average, with no throughput difference outside the
 * noise.
 */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=8'] as const;

/** The old generation may grow to 1.5x what survived the last full collection (V8: up to 4x). */
export const HEAP_GROWING_PERCENT = 50;

export function applyHeapSettings(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
