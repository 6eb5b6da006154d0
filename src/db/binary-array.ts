import { arrayLiteral } from './array-literal.ts';

/**
 * One-dimensional PostgreSQL arrays in the binary format of the wire protocol (array_send's),
 * for the batch statements' parameters. The pg driver sends a Buffer parameter as binary, and so
 * does PGlite; the parameter's cast in SQL (`$1::uuid[]`) gives its type, which must match the
 * element type written here (PostgreSQL refuses another).
 *
 * PostgreSQL reads these without parsing text: a uuid is 16 bytes, a bigint 8. With the 16 columns
 * of a 30-reservation batch as array literals (array-literal.ts), the backend spent 170-183 µs of
 * CPU a call just reading them; as binary arrays 71-80 µs (docs/PERFORMANCE.md, thirteenth
 * sitting).
 *
 * Layout: dimensions (1, or 0 for an empty array), a has-NULLs flag, the element type's OID, then
 * per dimension its length and lower bound (1); then per element its byte length (-1 for NULL)
 * and its bytes. Integers are big-endian.
 *
 * The values come from the service (ids it made or read back, counts it computed), not from
 * callers unchecked; a value that does not fit its type is a bug upstream and throws.
 */
export type BinaryElement = 'uuid' | 'text' | 'int4' | 'int8';

const ELEMENT_OID: Record<BinaryElement, number> = { uuid: 2950, text: 25, int4: 23, int8: 20 };
const HEADER_BYTES = 20;
const UUID_BYTES = 16;
const TWO_TO_32 = 4_294_967_296;

export function binaryArray(
  element: BinaryElement,
  values: readonly (string | number | null)[],
): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + capacityOf(element, values));
  const hasNull = values.includes(null);
  buffer.writeInt32BE(values.length === 0 ? 0 : 1, 0);
  buffer.writeInt32BE(hasNull ? 1 : 0, 4);
  buffer.writeUInt32BE(ELEMENT_OID[element], 8);
  if (values.length === 0) {
    return buffer.subarray(0, 12);
  }
  buffer.writeInt32BE(values.length, 12);
  buffer.writeInt32BE(1, 16);
  let at = HEADER_BYTES;
  for (const value of values) {
    if (value === null) {
      buffer.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    at = writeElement(buffer, at, element, value);
  }
  return buffer.subarray(0, at);
}

/** Bytes the elements may take: text is at most 3 UTF-8 bytes per UTF-16 unit. */
function capacityOf(element: BinaryElement, values: readonly (string | number | null)[]): number {
  if (element !== 'text') {
    const size = element === 'uuid' ? UUID_BYTES : element === 'int8' ? 8 : 4;
    return values.length * (4 + size);
  }
  let bytes = 0;
  for (const value of values) {
    bytes += 4 + (typeof value === 'string' ? value.length * 3 : 0);
  }
  return bytes;
}

function writeElement(
  buffer: Buffer,
  at: number,
  element: BinaryElement,
  value: string | number,
): number {
  switch (element) {
    case 'text': {
      if (typeof value !== 'string') {
        throw new Error(`assertion failed: text array element ${value} is not a string`);
      }
      const length = buffer.write(value, at + 4, 'utf8');
      buffer.writeInt32BE(length, at);
      return at + 4 + length;
    }
    case 'uuid': {
      buffer.writeInt32BE(UUID_BYTES, at);
      writeUuid(buffer, at + 4, value);
      return at + 4 + UUID_BYTES;
    }
    case 'int8': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new Error(`assertion failed: bigint array element ${value} is not a safe integer`);
      }
      buffer.writeInt32BE(8, at);
      // The high word (floored, so a negative number's carries into it), then the low 32 bits.
      buffer.writeInt32BE(Math.floor(value / TWO_TO_32), at + 4);
      buffer.writeUInt32BE(value >>> 0, at + 8);
      return at + 12;
    }
    case 'int4': {
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < -(2 ** 31) ||
        value >= 2 ** 31
      ) {
        throw new Error(`assertion failed: int array element ${value} is not a 32-bit integer`);
      }
      buffer.writeInt32BE(4, at);
      buffer.writeInt32BE(value, at + 4);
      return at + 8;
    }
  }
}

/** A uuid in its canonical text form (8-4-4-4-12 hex digits, either case) as its 16 bytes. */
function writeUuid(buffer: Buffer, at: number, value: string | number): void {
  if (typeof value !== 'string' || value.length !== 36) {
    throw new Error(`assertion failed: uuid array element ${value} is not a uuid`);
  }
  let byte = 0;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (value.charCodeAt(i) !== 45) {
        throw new Error(`assertion failed: uuid array element ${value} is not a uuid`);
      }
      i -= 1;
      continue;
    }
    const high = HEX[value.charCodeAt(i)] ?? -1;
    const low = HEX[value.charCodeAt(i + 1)] ?? -1;
    if (high < 0 || low < 0) {
      throw new Error(`assertion failed: uuid array element ${value} is not a uuid`);
    }
    buffer[at + byte] = (high << 4) | low;
    byte += 1;
  }
}

/** Hex digit values by character code; -1 for anything else. */
const HEX: readonly number[] = Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  return /[0-9a-fA-F]/.test(c) ? Number.parseInt(c, 16) : -1;
});

/**
 * How a batch sends its arrays: binary (the service, on either database), or as text literals
 * (bench/batch-instructions.ts, which writes them into a statement's text).
 */
export type ArrayEncoding = 'binary' | 'text';

export function arrayParameter(
  element: BinaryElement,
  values: readonly (string | number | null)[],
  encoding: ArrayEncoding,
): Buffer | string {
  return encoding === 'binary' ? binaryArray(element, values) : arrayLiteral(values);
}
