import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRequestTracker } from '../../src/http/request-tracker.ts';

test('idle waits for every entered request to leave; leaving twice or unentered counts nothing', async () => {
  const tracker = createRequestTracker();
  await tracker.idle();
  const first = {};
  const second = {};
  tracker.enter(first);
  tracker.enter(second);
  let idle = false;
  const waiting = tracker.idle().then(() => {
    idle = true;
  });
  tracker.leave(first);
  tracker.leave(first);
  tracker.leave({});
  await nextTurn();
  assert.equal(idle, false, 'the second request is still in its handler');
  tracker.leave(second);
  await waiting;
  assert.equal(idle, true);
});
