/**
 * PostgreSQL array literals (`{"a","b",NULL}`), for parameters cast to an array type in SQL: the
 * text form of binary-array.ts' encodeArrays, which bench/batch-instructions.ts writes into
 * statement text. The service itself sends its batches' arrays binary (binary-array.ts), which
 * PostgreSQL reads for less.
 *
 * The pg driver turns a JavaScript array into the same text itself, but element by element
 * through its general value conversion: for the 16 columns of a batch of 30 reservations that took
 * 54-73 µs of the service's thread, against 12-21 µs here (a scratch micro-benchmark, not
 * committed; JSON.stringify of the same batch as a document took 18-29 µs). PGlite takes the same
 * text.
 *
 * Strings are always quoted, so any text (commas, braces, spaces, the word NULL) stays one element;
 * backslashes and double quotes inside are escaped, as the array input syntax requires. null is SQL
 * NULL. Numbers must be finite (a NaN or Infinity here would be a bug upstream, not input).
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) {
      text += ',';
    }
    const value = values[i] ?? null;
    if (value === null) {
      text += 'NULL';
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        throw new Error(`assertion failed: array element ${value} is not a finite number`);
      }
      text += String(value);
    } else {
      text += `"${NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value}"`;
    }
  }
  return `${text}}`;
}

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPED = /[\\"]/g;
