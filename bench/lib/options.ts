/**
 * Options of the bench's stand-alone scripts (batch-cost, http-floor, batch-instructions), checked
 * before anything loads: a number out of range names its flag instead of running with NaN.
 * (bench/run.ts parses its own through commander.)
 */
export function wholeNumbers(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number[] {
  const values = (text ?? '').split(',').map(parse);
  if (values.some((v) => !within(v, min, max))) {
    throw new Error(`${flag} takes whole numbers from ${min} to ${max}, comma-separated`);
  }
  return values;
}

export function wholeNumber(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number {
  const value = parse(text ?? '');
  if (!within(value, min, max)) {
    throw new Error(`${flag} takes one whole number from ${min} to ${max}`);
  }
  return value;
}

/** A blank part is not 0, as Number('') would have it. */
function parse(part: string): number {
  return part.trim() === '' ? Number.NaN : Number(part);
}

function within(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
