import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDurationMs } from '../../src/config/duration.ts';

test('parses Go-style durations into milliseconds', () => {
  const cases: Array<[string, number]> = [
    ['10m', 600_000],
    ['30s', 30_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['250ms', 250],
    ['2m3s', 123_000],
    ['1000us', 1],
    ['0s', 0],
  ];
  for (const [text, ms] of cases) {
    assert.equal(parseDurationMs(text), ms, text);
  }
});

test('refuses anything that is not a duration, including bare numbers', () => {
  for (const text of [
    '',
    '10',
    'm',
    '10 m',
    '-5s',
    '5d',
    '1h-30m',
    'abc',
    '5s ',
    `${'1'.repeat(70)}s`,
  ]) {
    assert.equal(parseDurationMs(text), undefined, JSON.stringify(text));
  }
});
