import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainUnendable } from '../../src/domain/reservation.ts';

const id = '00000000-0000-4000-8000-000000000001';
const expiresAt = new Date('2026-01-01T00:00:00Z');

test('explains why a reservation could not be ended', () => {
  assert.equal(explainUnendable(id, undefined, 'RELEASED').code, 'RESERVATION_NOT_FOUND');
  const state = (status: 'RELEASED' | 'COMMITTED' | 'FULFILLED' | 'EXPIRED' | 'PENDING') => ({
    id,
    status,
    expiresAt,
  });
  assert.equal(
    explainUnendable(id, state('RELEASED'), 'COMMITTED').code,
    'RESERVATION_ALREADY_RELEASED',
  );
  assert.equal(
    explainUnendable(id, state('FULFILLED'), 'RELEASED').code,
    'RESERVATION_ALREADY_DEDUCTED',
  );
  assert.equal(
    explainUnendable(id, state('COMMITTED'), 'FULFILLED').code,
    'RESERVATION_ALREADY_COMMITTED',
  );
  assert.equal(explainUnendable(id, state('EXPIRED'), 'RELEASED').code, 'RESERVATION_EXPIRED');
  assert.equal(explainUnendable(id, state('PENDING'), 'FULFILLED').code, 'RESERVATION_EXPIRED');
  const pastDue = explainUnendable(id, state('PENDING'), 'COMMITTED');
  assert.equal(pastDue.code, 'RESERVATION_EXPIRED');
  assert.match(pastDue.message, /2026-01-01T00:00:00.000Z/);
});

test('a pending reservation that refused a release is a bug, not a user error', () => {
  assert.throws(
    () => explainUnendable(id, { id, status: 'PENDING', expiresAt }, 'RELEASED'),
    /assertion/,
  );
});
