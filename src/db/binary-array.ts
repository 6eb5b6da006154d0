import { arrayLiteral } from './array-literal.ts';
import type { Queryable } from './database.ts';

/**
 * One-dimensional PostgreSQL arrays in the binary format of the wire protocol (array_send's),
 * for the batch statements' parameters, the ledger's appends and the stock levels' deltas. The
 * pg driver sends a Buffer parameter as binary, and so does PGlite; the parameter's cast in SQL
 * (`$1::uuid[]`) gives its type, which must match the element type written here (PostgreSQL
 * refuses another).
 *
 * PostgreSQL reads these without parsing text: a uuid is 16 bytes, a bigint 8. With the 16 columns
 * of a 31-reservation batch as array literals (array-literal.ts), its backend spent 125-164 µs of
 * CPU a call reading them; as binary arrays 60-64 µs (bench/array-params.ts, docs/PERFORMANCE.md,
 * thirteenth sitting).
 *
 * A batch's arrays share one Buffer, lent by the batcher for the batch (ArrayScratch) and kept
 * for the next: a Buffer's memory lies outside the JavaScript heap, and V8 starts a full garbage
 * collection when that memory grows. A Buffer of its own for every batch ran the service through
 * 18 full collections in a hot-reserve run instead of the 9 of text literals, and its hot p99 from
 * 16 to 21 ms (docs/PERFORMANCE.md, thirteenth sitting).
 *
 * Layout of an array: dimensions (1, or 0 for an empty array), a has-NULLs flag, the element
 * type's OID, then per dimension its length and lower bound (1); then per element its byte length
 * (-1 for NULL) and its bytes. Integers are big-endian.
 *
 * The values come from the service (ids it made or read back, counts it computed), not from
 * callers unchecked; a value that does not fit its type is a bug upstream and throws.
 */
export type BinaryElement = 'uuid' | 'text' | 'int4' | 'int8';
export type ArrayColumn = readonly [BinaryElement, readonly (string | number | null)[]];

/**
 * How a batch sends its arrays: binary (the service, on either database), or as text literals
 * (bench/batch-instructions.ts, which writes them into a statement's text).
 */
export type ArrayEncoding = 'binary' | 'text';

const ELEMENT_OID: Record<BinaryElement, number> = { uuid: 2950, text: 25, int4: 23, int8: 20 };
const FIXED_BYTES: Record<Exclude<BinaryElement, 'text'>, number> = { uuid: 16, int4: 4, int8: 8 };
const HEADER_BYTES = 20;
const EMPTY_HEADER_BYTES = 12;
const TWO_TO_32 = 4_294_967_296;

/**
 * A Buffer lent to one batch at a time, grown when a batch needs more. The arrays encoded into it
 * are views of it: the lender must not lend it again until the statement that carries them has
 * been sent (the batchers wait for its answer).
 */
export interface ArrayScratch {
  buffer: Buffer;
}

/**
 * What a scratch pool keeps between uses. A batcher's batches are bounded by its batch size and
 * the fields' length limits, so it keeps everything (the defaults). A repository's statements
 * vary more: an expiry sweep at the largest EXPIRATION_BATCH_SIZE (10,000) appends 2.5 MB or more
 * of ledger arrays, and a burst of admin requests may run many statements at once; its pool
 * keeps a few small Buffers and lets the rest go.
 */
export interface ScratchPoolLimits {
  /** A scratch grown beyond this many bytes is dropped after its use, not kept. */
  readonly keepBytesMax?: number;
  /** At most this many scratches wait between uses; one more is dropped. */
  readonly keepCountMax?: number;
}

/**
 * The scratch Buffers of one batcher (or repository): `use` lends one to `work` until the
 * promise it returns settles (the batch's answer came, or it failed), then keeps it for the next
 * batch, within `limits`. Batches in flight together get one each.
 */
export function createScratchPool(limits: ScratchPoolLimits = {}): {
  use<T>(work: (scratch: ArrayScratch) => Promise<T>): Promise<T>;
} {
  const keepBytesMax = limits.keepBytesMax ?? Number.POSITIVE_INFINITY;
  const keepCountMax = limits.keepCountMax ?? Number.POSITIVE_INFINITY;
  const free: ArrayScratch[] = [];
  return {
    async use(work) {
      const scratch = free.pop() ?? { buffer: Buffer.alloc(0) };
      try {
        return await work(scratch);
      } finally {
        if (scratch.buffer.length <= keepBytesMax && free.length < keepCountMax) {
          free.push(scratch);
        }
      }
    },
  };
}

/**
 * The repositories' pool: two Buffers kept (the expiry worker runs two sweeps side by side by
 * default), of up to 1 MiB each. A sweep of 500 expired lines sends about 110 KB of ledger arrays.
 */
const repositoryScratches = createScratchPool({ keepBytesMax: 1024 * 1024, keepCountMax: 2 });

/**
 * A repository's statement whose parameters are `columns`, in order, sent as binary arrays
 * written into a Buffer of the repositories' shared pool (the ledger's appends, the stock levels'
 * deltas; the expiry worker sends both once a sweep).
 */
export function queryArrays<Row extends object>(
  db: Queryable,
  sql: string,
  columns: readonly ArrayColumn[],
): Promise<Row[]> {
  return repositoryScratches.use((scratch) =>
    db.query<Row>(sql, encodeArrays(columns, 'binary', scratch)),
  );
}

/**
 * The columns in order, each an array parameter in the encoding asked for. Binary arrays are
 * written into `scratch` when given (grown to fit), otherwise into a Buffer of their own.
 */
export function encodeArrays(
  columns: readonly ArrayColumn[],
  encoding: ArrayEncoding,
  scratch?: ArrayScratch,
): (Buffer | string)[] {
  if (encoding === 'text') {
    return columns.map(([, values]) => arrayLiteral(values));
  }
  const sizes = columns.map(([element, values]) => sizeOf(element, values));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (scratch !== undefined && scratch.buffer.length < total) {
    // Room for batches up to twice this one's without growing again.
    scratch.buffer = Buffer.allocUnsafeSlow(2 * total);
  }
  const buffer = scratch?.buffer ?? Buffer.allocUnsafe(total);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const arrays: Buffer[] = [];
  let at = 0;
  columns.forEach(([element, values], index) => {
    const end = at + (sizes[index] ?? 0);
    const written = writeArray(buffer, view, at, element, values);
    if (written !== end) {
      throw new Error(
        `assertion failed: a ${element} array took ${written - at} bytes, not ${end - at}`,
      );
    }
    arrays.push(buffer.subarray(at, end));
    at = end;
  });
  return arrays;
}

/** One array on its own, binary. */
export function binaryArray(
  element: BinaryElement,
  values: readonly (string | number | null)[],
): Buffer {
  const [array] = encodeArrays([[element, values]], 'binary');
  return array as Buffer;
}

function sizeOf(element: BinaryElement, values: readonly (string | number | null)[]): number {
  if (values.length === 0) {
    return EMPTY_HEADER_BYTES;
  }
  let bytes = HEADER_BYTES + 4 * values.length;
  for (const value of values) {
    if (value === null) {
      continue;
    }
    if (element !== 'text') {
      bytes += FIXED_BYTES[element];
    } else if (typeof value !== 'string') {
      throw new Error(`assertion failed: text array element ${value} is not a string`);
    } else {
      bytes += utf8Length(value);
    }
  }
  return bytes;
}

/** UTF-8 bytes of a string: its length when it is ASCII, as the service's mostly are. */
function utf8Length(value: string): number {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) {
      return Buffer.byteLength(value, 'utf8');
    }
  }
  return value.length;
}

/** Writes one array at `at`; returns where it ended. */
function writeArray(
  buffer: Buffer,
  view: DataView,
  start: number,
  element: BinaryElement,
  values: readonly (string | number | null)[],
): number {
  view.setInt32(start, values.length === 0 ? 0 : 1);
  view.setInt32(start + 4, values.includes(null) ? 1 : 0);
  view.setUint32(start + 8, ELEMENT_OID[element]);
  if (values.length === 0) {
    return start + EMPTY_HEADER_BYTES;
  }
  view.setInt32(start + 12, values.length);
  view.setInt32(start + 16, 1);
  let at = start + HEADER_BYTES;
  for (const value of values) {
    if (value === null) {
      view.setInt32(at, -1);
      at += 4;
    } else if (element === 'text') {
      at = writeText(buffer, view, at, value);
    } else if (element === 'uuid') {
      view.setInt32(at, 16);
      writeUuid(buffer, at + 4, value);
      at += 20;
    } else if (element === 'int8') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new Error(`assertion failed: bigint array element ${value} is not a safe integer`);
      }
      view.setInt32(at, 8);
      // The high word (floored, so a negative number's carries into it), then the low 32 bits.
      view.setInt32(at + 4, Math.floor(value / TWO_TO_32));
      view.setUint32(at + 8, value >>> 0);
      at += 12;
    } else {
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < -(2 ** 31) ||
        value >= 2 ** 31
      ) {
        throw new Error(`assertion failed: int array element ${value} is not a 32-bit integer`);
      }
      view.setInt32(at, 4);
      view.setInt32(at + 4, value);
      at += 8;
    }
  }
  return at;
}

function writeText(buffer: Buffer, view: DataView, at: number, value: string | number): number {
  if (typeof value !== 'string') {
    throw new Error(`assertion failed: text array element ${value} is not a string`);
  }
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f) {
      ascii = false;
      break;
    }
    buffer[at + 4 + i] = code;
  }
  const length = ascii ? value.length : buffer.write(value, at + 4, 'utf8');
  view.setInt32(at, length);
  return at + 4 + length;
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
      // The dash takes one character; the next pair starts after it.
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
