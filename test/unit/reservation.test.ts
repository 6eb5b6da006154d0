import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainRefusedMove } from '../../src/domain/reservation.ts';

const id = '00000000-0000-4000-8000-000000000001';
const expiresAt = new Date('2026-01-01T00:00:00Z');

test('explains why a reservation could not be ended', () => {
  assert.equal(explainRefusedMove(id, undefined, 'release').code, 'RESERVATION_NOT_FOUND');
  const state = (status: 'RELEASED' | 'COMMITTED' | 'FULFILLED' | 'EXPIRED' | 'PENDING') => ({
    id,
    status,
    expiresAt,
  });
  assert.equal(
    explainRefusedMove(id, state('RELEASED'), 'commit').code,
    'RESERVATION_ALREADY_RELEASED',
  );
  assert.equal(
    explainRefusedMove(id, state('FULFILLED'), 'release').code,
    'RESERVATION_ALREADY_DEDUCTED',
  );
  assert.equal(
    explainRefusedMove(id, state('COMMITTED'), 'commit').code,
    'RESERVATION_ALREADY_COMMITTED',
  );
  assert.equal(explainRefusedMove(id, state('EXPIRED'), 'release').code, 'RESERVATION_EXPIRED');
  assert.equal(
    explainRefusedMove(id, state('PENDING'), 'fulfil').code,
    'RESERVATION_NOT_COMMITTED',
  );
  assert.equal(explainRefusedMove(id, state('PENDING'), 'extend').code, 'RESERVATION_EXPIRED');
  const pastDue = explainRefusedMove(id, state('PENDING'), 'commit');
  assert.equal(pastDue.code, 'RESERVATION_EXPIRED');
  assert.match(pastDue.message, /2026-01-01T00:00:00.000Z/);
});

test('a pending reservation that refused a release is a bug, not a user error', () => {
  assert.throws(
    () => explainRefusedMove(id, { id, status: 'PENDING', expiresAt }, 'release'),
    /assertion/,
  );
});
