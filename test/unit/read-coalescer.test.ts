import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadCoalescer } from '../../src/app/read-coalescer.ts';

// A coalescer that loses a caller leaves its promise pending forever: fail instead of hanging.
const within = { timeout: 5_000 };

/** A fetch whose reads stay in flight until the test answers them. */
function manualFetch() {
  const reads: { keys: string[]; answer: () => void; fail: (error: Error) => void }[] = [];
  return {
    reads,
    fetch(keys: readonly string[]): Promise<(string | undefined)[]> {
      return new Promise((resolve, reject) => {
        reads.push({
          keys: [...keys],
          answer: () =>
            resolve(keys.map((key) => (key.startsWith('none') ? undefined : `v-${key}`))),
          fail: reject,
        });
      });
    },
  };
}

function coalescer(fetch: ReturnType<typeof manualFetch>, keysMax = 100) {
  return createReadCoalescer<string, string>({
    fetch: (keys) => fetch.fetch(keys),
    keyOf: (key) => key,
    keysMax,
  });
}

test('a read asked for while none is in flight leaves at once', within, () => {
  const fetch = manualFetch();
  void coalescer(fetch).read(['a', 'b']);
  assert.deepEqual(
    fetch.reads.map((r) => r.keys),
    [['a', 'b']],
    'sent before read() returned, with no timer',
  );
});

test(
  'keys asked for during a read leave together as the next read, each key once',
  within,
  async () => {
    const fetch = manualFetch();
    const reads = coalescer(fetch);
    const first = reads.read(['a']);
    const second = reads.read(['b', 'c']);
    const third = reads.read(['c', 'none-d', 'b']);
    assert.equal(fetch.reads.length, 1, 'the others wait for the read in flight');
    fetch.reads[0]?.answer();
    assert.deepEqual(await first, ['v-a']);
    assert.deepEqual(
      fetch.reads.map((r) => r.keys),
      [['a'], ['b', 'c', 'none-d']],
    );
    fetch.reads[1]?.answer();
    assert.deepEqual(await second, ['v-b', 'v-c']);
    assert.deepEqual(await third, ['v-c', undefined, 'v-b'], 'answers in the order asked');
  },
);

test(
  'a read in flight is never joined: a key asked for meanwhile is read again',
  within,
  async () => {
    const fetch = manualFetch();
    const reads = coalescer(fetch);
    const early = reads.read(['a']);
    const late = reads.read(['a']);
    fetch.reads[0]?.answer();
    await early;
    assert.deepEqual(
      fetch.reads.map((r) => r.keys),
      [['a'], ['a']],
    );
    fetch.reads[1]?.answer();
    assert.deepEqual(await late, ['v-a']);
  },
);

test('keysMax bounds each read; the rest leave in the reads after it', within, async () => {
  const fetch = manualFetch();
  const reads = coalescer(fetch, 2);
  const first = reads.read(['a']);
  const rest = reads.read(['b', 'c', 'd', 'e', 'f']);
  for (let i = 0; i < 4; i++) {
    fetch.reads[i]?.answer();
    await new Promise(setImmediate);
  }
  assert.deepEqual(await first, ['v-a']);
  assert.deepEqual(await rest, ['v-b', 'v-c', 'v-d', 'v-e', 'v-f']);
  assert.deepEqual(
    fetch.reads.map((r) => r.keys),
    [['a'], ['b', 'c'], ['d', 'e'], ['f']],
  );
});

test('a failed read fails every caller it carried; the next read works', within, async () => {
  const fetch = manualFetch();
  const reads = coalescer(fetch);
  const first = reads.read(['a']);
  const joined = [reads.read(['b']), reads.read(['c'])];
  fetch.reads[0]?.answer();
  await first;
  fetch.reads[1]?.fail(new Error('connection lost'));
  for (const caller of joined) {
    await assert.rejects(caller, /connection lost/);
  }
  const after = reads.read(['b']);
  assert.equal(fetch.reads.length, 3);
  fetch.reads[2]?.answer();
  assert.deepEqual(await after, ['v-b']);
});

test('a fetch that answers the wrong number of values fails its callers', within, async () => {
  const reads = createReadCoalescer<string, string>({
    fetch: async () => ['only one'],
    keyOf: (key) => key,
  });
  await assert.rejects(reads.read(['a', 'b']), /a read of 2 keys answered 1 values/);
});
