/**
 * Go-style durations (seed 000 documents `RESERVATION_TTL=10m`, `EXPIRATION_POLL_INTERVAL=30s`):
 * a sequence of decimal numbers each with a unit, e.g. `1h30m`, `1.5s`, `250ms`. A bare number is
 * refused: `10` could mean seconds or minutes, and guessing wrong silently is worse than an error.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/** Milliseconds for a Go-style duration, or undefined when `text` is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (text.length > 64 || !WHOLE.test(text)) {
    return undefined;
  }
  let totalMs = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    const unitMs = UNIT_MS[unit ?? ''];
    if (unitMs === undefined || amount === undefined) {
      return undefined;
    }
    totalMs += Number(amount) * unitMs;
  }
  return Math.round(totalMs);
}
