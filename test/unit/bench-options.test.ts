import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wholeNumber, wholeNumbers } from '../../bench/lib/options.ts';

test('the bench scripts take whole numbers within their range, one or a list', () => {
  assert.deepEqual(wholeNumbers('--sizes', '1,4,128', 1, 4096), [1, 4, 128]);
  assert.equal(wholeNumber('--seconds', '10', 1, 600), 10);
  assert.equal(wholeNumber('--port', '65535', 1024, 65_535), 65_535);
});

test('the bench scripts refuse anything else, naming the flag', () => {
  for (const text of [undefined, '', '0', '601', '2.5', 'ten', '1,,2', ' ']) {
    assert.throws(() => wholeNumber('--seconds', text, 1, 600), /--seconds takes/);
  }
  assert.throws(() => wholeNumber('--seconds', '3,4', 1, 600), /--seconds takes one whole number/);
  assert.throws(() => wholeNumbers('--sizes', '1,5000', 1, 4096), /--sizes takes whole numbers/);
});
