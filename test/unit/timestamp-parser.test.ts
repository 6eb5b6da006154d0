import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createTimestampParser } from '../../src/db/postgres.database.ts';

const driverParse = pg.types.getTypeParser(1184, 'text') as (text: string) => unknown;

test('timestamptz texts are parsed once while they alternate, each call answering its own Date', () => {
  const parsed: string[] = [];
  const parse = createTimestampParser((text) => {
    parsed.push(text);
    return driverParse(text);
  });
  const created = '2026-11-29 23:15:21.123456+00';
  const expires = '2026-11-29 23:25:21.123456+00';
  const answers = [created, expires, created, expires, created].map((text) => parse(text));
  assert.deepEqual(parsed, [created, expires], 'the batch rows cost two parses');
  assert.deepEqual(
    answers.map((date) => (date as Date).toISOString()),
    [
      '2026-11-29T23:15:21.123Z',
      '2026-11-29T23:25:21.123Z',
      '2026-11-29T23:15:21.123Z',
      '2026-11-29T23:25:21.123Z',
      '2026-11-29T23:15:21.123Z',
    ],
  );
  assert.notEqual(answers[0], answers[2], 'a new Date each time');
  (answers[0] as Date).setTime(0);
  assert.equal((parse(created) as Date).toISOString(), '2026-11-29T23:15:21.123Z');
  // A third text pushes out the older of the two kept.
  parse('2026-11-30 00:00:00+00');
  parse(created);
  assert.equal(parsed.length, 4);
});

test('what the driver answers other than a Date passes through and is not kept', () => {
  let calls = 0;
  const parse = createTimestampParser((text) => {
    calls++;
    return driverParse(text);
  });
  assert.equal(parse('infinity'), driverParse('infinity'));
  assert.equal(parse('infinity'), driverParse('infinity'));
  assert.equal(calls, 2);
});
