import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTime } from '../../src/http/views/iso-time.ts';

test('isoTime writes what toISOString writes, for instants that alternate and for new ones', () => {
  const created = new Date('2026-11-30T02:15:00.123Z');
  const expires = new Date('2026-11-30T02:30:00.123Z');
  const instants = [created, expires, created, expires, new Date(0), created, new Date(-1)];
  for (const date of instants) {
    assert.equal(isoTime(date), date.toISOString());
    // A copy of an instant already written answers the same.
    assert.equal(isoTime(new Date(date.getTime())), date.toISOString());
  }
});

test('isoTime follows a Date changed after it was written', () => {
  const date = new Date('2026-11-30T02:15:00.000Z');
  assert.equal(isoTime(date), '2026-11-30T02:15:00.000Z');
  date.setTime(Date.parse('2027-01-01T00:00:00.000Z'));
  assert.equal(isoTime(date), '2027-01-01T00:00:00.000Z');
});

test('isoTime refuses an invalid Date as toISOString does', () => {
  assert.throws(() => isoTime(new Date(Number.NaN)), RangeError);
  // And the invalid Date is not remembered as anything.
  assert.throws(() => isoTime(new Date(Number.NaN)), RangeError);
});
