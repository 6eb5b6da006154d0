import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { arrayLiteral } from '../../src/db/array-literal.ts';
import type { Database } from '../../src/db/database.ts';
import { openMemoryPglite } from '../../src/db/pglite.database.ts';
import { openPostgres } from '../../src/db/postgres.database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { silentLogger } from '../helpers/test-service.ts';

/** Array literals must read back as the very values they were built from, on both databases. */
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
