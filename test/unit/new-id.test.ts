import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { newId } from '../../src/main/new-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp at the front of a UUIDv7. */
function millisecondsOf(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

test('ids are UUIDv7, unique across many pool refills, stamped with the time they were made', () => {
  const before = Date.now();
  const ids = Array.from({ length: 20_000 }, () => newId());
  const after = Date.now();
  for (const id of ids) {
    assert.match(id, UUID_V7);
    const at = millisecondsOf(id);
    assert.ok(at >= before && at <= after, `${id} is stamped ${at}, outside ${before}..${after}`);
  }
  assert.equal(new Set(ids).size, ids.length);
  const stamps = ids.map(millisecondsOf);
  assert.deepEqual(
    stamps,
    [...stamps].sort((a, b) => a - b),
    'ids of later milliseconds sort after earlier ones',
  );
});

test('ids draw their random bits from the pool, not from crypto.getRandomValues per id', () => {
  const getRandomValues = mock.method(globalThis.crypto, 'getRandomValues');
  try {
    for (let i = 0; i < 1_000; i++) {
      newId();
    }
    assert.equal(getRandomValues.mock.callCount(), 0);
  } finally {
    getRandomValues.mock.restore();
  }
});
