import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { arrayLiteral } from '../../src/db/array-literal.ts';
import {
  type ArrayColumn,
  type ArrayScratch,
  type BinaryElement,
  binaryArray,
  createScratchPool,
  encodeArrays,
} from '../../src/db/binary-array.ts';
import type { Database } from '../../src/db/database.ts';
import { openMemoryPglite } from '../../src/db/pglite.database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * Array parameters, as literals or binary, must read back as the very values they were built from,
 * on both databases.
 */
const AWKWARD_TEXT = [
  'plain',
  '',
  'NULL',
  'null',
  'a,b',
  '{braces}',
  ' spaced ',
  'quote " inside',
  'back\\slash',
  '\\"',
  'line\nbreak\ttab',
  'ünïcödé ✓ 📦',
  "single ' quote",
];

let database: TestDatabase;
const databases: [string, Database][] = [];
before(async () => {
  database = await createTestDatabase();
  databases.push(
    ['PostgreSQL', await openPostgres({ url: database.url, poolMax: 1, logger: silentLogger })],
    ['PGlite', await openMemoryPglite()],
  );
});
after(async () => {
  for (const [, db] of databases) {
    await db.close();
  }
  await database.drop();
});

describe('arrayLiteral', () => {
  test('text, with NULLs among it, reads back element for element', async () => {
    const values = [...AWKWARD_TEXT, null];
    for (const [name, db] of databases) {
      const rows = await db.query<{ value: (string | null)[] }>('SELECT $1::text[] AS value', [
        arrayLiteral(values),
      ]);
      assert.deepEqual(rows[0]?.value, values, name);
    }
  });

  test('numbers and uuids read back in their types', async () => {
    const ids = ['01a2271b-96c8-7171-9ce5-7df6533a5cf7', null];
    for (const [name, db] of databases) {
      const rows = await db.query<{ counts: string[]; ids: (string | null)[] }>(
        'SELECT $1::bigint[]::text[] AS counts, $2::uuid[] AS ids',
        [arrayLiteral([0, -7, 1_000_000_000_000]), arrayLiteral(ids)],
      );
      assert.deepEqual(rows[0], { counts: ['0', '-7', '1000000000000'], ids }, name);
    }
  });

  test('an empty array is {} and a non-finite number is refused as a bug', () => {
    assert.equal(arrayLiteral([]), '{}');
    assert.throws(() => arrayLiteral([1, Number.NaN]), /NaN is not a finite number/);
    assert.throws(() => arrayLiteral([Number.POSITIVE_INFINITY]), /Infinity is not a finite/);
  });
});

describe('binaryArray', () => {
  /** Each array sent binary, read back as text by PostgreSQL, against the same sent as a literal. */
  async function readBack(
    db: Database,
    cast: string,
    element: BinaryElement,
    values: readonly (string | number | null)[],
  ): Promise<{ binary: unknown; literal: unknown }> {
    const rows = await db.query<{ binary: unknown; literal: unknown }>(
      `SELECT $1::${cast}::text[] AS binary, $2::${cast}::text[] AS literal`,
      [binaryArray(element, values), arrayLiteral(values)],
    );
    return rows[0] ?? { binary: undefined, literal: undefined };
  }

  test('text, with NULLs among it, reads back element for element', async () => {
    const values = [...AWKWARD_TEXT, null, 'x'.repeat(5000)];
    for (const [name, db] of databases) {
      const rows = await db.query<{ value: (string | null)[] }>('SELECT $1::text[] AS value', [
        binaryArray('text', values),
      ]);
      assert.deepEqual(rows[0]?.value, values, name);
    }
  });

  test('uuids, in either case and with NULLs, read back as the literal does', async () => {
    const ids = [
      '01a2271b-96c8-7171-9ce5-7df6533a5cf7',
      'FFFFFFFF-0000-4ABC-8DEF-0123456789AB',
      null,
      '00000000-0000-0000-0000-000000000000',
    ];
    for (const [name, db] of databases) {
      const { binary, literal } = await readBack(db, 'uuid[]', 'uuid', ids);
      assert.deepEqual(binary, literal, name);
      assert.deepEqual(binary, [
        '01a2271b-96c8-7171-9ce5-7df6533a5cf7',
        'ffffffff-0000-4abc-8def-0123456789ab',
        null,
        '00000000-0000-0000-0000-000000000000',
      ]);
    }
  });

  test('bigints across the 32-bit words and to the safe limits, and ints to their limits', async () => {
    const bigints = [
      0,
      1,
      -1,
      -7,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      -(2 ** 32),
      -(2 ** 32) - 1,
      1_000_000_000_000,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      null,
    ];
    const ints = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), null];
    for (const [name, db] of databases) {
      const big = await readBack(db, 'bigint[]', 'int8', bigints);
      assert.deepEqual(big.binary, big.literal, name);
      assert.deepEqual(
        big.binary,
        bigints.map((n) => (n === null ? null : String(n))),
      );
      const small = await readBack(db, 'int[]', 'int4', ints);
      assert.deepEqual(small.binary, small.literal, name);
    }
  });

  test('an empty array of each type reads back empty', async () => {
    for (const [name, db] of databases) {
      const rows = await db.query<Record<string, unknown>>(
        `SELECT cardinality($1::uuid[]) AS u, cardinality($2::text[]) AS t,
           cardinality($3::int[]) AS i, cardinality($4::bigint[]) AS b`,
        [
          binaryArray('uuid', []),
          binaryArray('text', []),
          binaryArray('int4', []),
          binaryArray('int8', []),
        ],
      );
      assert.deepEqual(rows[0], { u: 0, t: 0, i: 0, b: 0 }, name);
    }
  });

  test('an element type other than the parameter cast is refused by the database', async () => {
    for (const [name, db] of databases) {
      await assert.rejects(
        db.query('SELECT $1::bigint[] AS value', [binaryArray('int4', [1])]),
        /array element type 23 \(integer\) instead of expected 20 \(bigint\)/,
        name,
      );
    }
  });

  test('a value that does not fit its type is refused as a bug before anything is sent', () => {
    const refusals: [BinaryElement, string | number, RegExp][] = [
      ['uuid', '01a2271b96c871719ce57df6533a5cf7', /is not a uuid/],
      ['uuid', '01a2271b-96c8-7171-9ce5-7df6533a5cfg', /is not a uuid/],
      ['uuid', '01a2271b-96c87-171-9ce5-7df6533a5cf7', /is not a uuid/],
      ['uuid', '01a2271b-96c8-7171-9ce5-7df6533a5cf', /is not a uuid/],
      ['uuid', 'é1a2271b-96c8-7171-9ce5-7df6533a5cf7', /is not a uuid/],
      ['uuid', 7, /is not a uuid/],
      ['text', 7, /is not a string/],
      ['int8', Number.NaN, /is not a safe integer/],
      ['int8', 2 ** 53, /is not a safe integer/],
      ['int8', 1.5, /is not a safe integer/],
      ['int8', '7', /is not a safe integer/],
      ['int4', 2 ** 31, /is not a 32-bit integer/],
      ['int4', -(2 ** 31) - 1, /is not a 32-bit integer/],
      ['int4', 0.5, /is not a 32-bit integer/],
    ];
    for (const [element, value, message] of refusals) {
      assert.throws(() => binaryArray(element, [value]), message);
    }
  });
});

describe('encodeArrays into a scratch Buffer', () => {
  const columns: ArrayColumn[] = [
    ['uuid', ['01a2271b-96c8-7171-9ce5-7df6533a5cf7', null]],
    ['text', ['wrk-1', 'ünïcödé ✓', null]],
    ['int8', [900_000, -1]],
    ['int4', [1, 2, 3]],
    ['text', []],
  ];

  test('writes the same bytes as Buffers of their own, as views of the scratch', () => {
    const alone = encodeArrays(columns, 'binary');
    const scratch: ArrayScratch = { buffer: Buffer.alloc(0) };
    const lent = encodeArrays(columns, 'binary', scratch);
    assert.deepEqual(lent, alone);
    for (const array of lent) {
      assert.ok(Buffer.isBuffer(array) && array.buffer === scratch.buffer.buffer);
    }
  });

  test('keeps its Buffer for batches that fit and grows it for one that does not', () => {
    const scratch: ArrayScratch = { buffer: Buffer.alloc(0) };
    encodeArrays(columns, 'binary', scratch);
    const grown = scratch.buffer;
    encodeArrays(columns.slice(0, 2), 'binary', scratch);
    assert.equal(scratch.buffer, grown);
    const big: ArrayColumn[] = [['text', ['x'.repeat(grown.length)]]];
    const [array] = encodeArrays(big, 'binary', scratch);
    assert.notEqual(scratch.buffer, grown);
    assert.deepEqual(array, binaryArray('text', ['x'.repeat(grown.length)]));
  });

  test('a pool lends a scratch to one batch at a time, and keeps it, failed or not', async () => {
    const pool = createScratchPool();
    const lent: ArrayScratch[] = [];
    const note = async (scratch: ArrayScratch) => {
      lent.push(scratch);
    };
    // Two batches in flight together get two scratches.
    await pool.use(async (outer) => {
      await note(outer);
      await pool.use(note);
    });
    assert.notEqual(lent[0], lent[1]);
    // A later batch gets one of them back, also after a batch that failed.
    await assert.rejects(
      pool.use(async (scratch) => {
        lent.push(scratch);
        throw new Error('the batch failed');
      }),
      /the batch failed/,
    );
    await pool.use(note);
    assert.ok(lent.slice(2).every((scratch) => scratch === lent[0] || scratch === lent[1]));
    assert.equal(lent.length, 4);
  });

  test("a repository's pool keeps few and small scratches, and lets the others go", async () => {
    const pool = createScratchPool({ keepBytesMax: 1024, keepCountMax: 2 });
    const lent: ArrayScratch[] = [];
    const hold = (scratch: ArrayScratch, bytes: number) => {
      lent.push(scratch);
      encodeArrays([['text', ['x'.repeat(bytes)]]], 'binary', scratch);
    };
    // Three statements at once: three scratches, of which two are kept.
    await pool.use(async (a) => {
      hold(a, 10);
      await pool.use(async (b) => {
        hold(b, 10);
        await pool.use(async (c) => hold(c, 10));
      });
    });
    assert.equal(new Set(lent).size, 3);
    await pool.use(async (d) => {
      hold(d, 10);
      await pool.use(async (e) => {
        hold(e, 10);
        await pool.use(async (f) => hold(f, 10));
      });
    });
    const again = new Set(lent.slice(3));
    assert.equal([...again].filter((scratch) => lent.slice(0, 3).includes(scratch)).length, 2);
    // A scratch grown past the limit by a large statement is not kept for the next.
    let large: ArrayScratch | undefined;
    await pool.use(async (scratch) => {
      hold(scratch, 4096);
      assert.ok(scratch.buffer.length > 1024);
      large = scratch;
    });
    const next: ArrayScratch[] = [];
    await pool.use(async (a) => {
      next.push(a);
      await pool.use(async (b) => next.push(b));
    });
    assert.ok(next.every((scratch) => scratch !== large && scratch.buffer.length <= 1024));
  });

  test('the text encoding is the array literals, whatever the scratch', () => {
    const scratch: ArrayScratch = { buffer: Buffer.alloc(0) };
    assert.deepEqual(
      encodeArrays(columns, 'text', scratch),
      columns.map(([, values]) => arrayLiteral(values)),
    );
    assert.equal(scratch.buffer.length, 0);
  });
});
