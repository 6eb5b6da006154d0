import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/main/create-logger.ts';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== ''),
  };
}

test('release mode writes JSON lines at info and drops debug', () => {
  const out = capture();
  const logger = createLogger({ mode: 'release', logLevel: 'info' }, out.stream);
  logger.debug({ step: 1 }, 'hidden');
  logger.info({ step: 2 }, 'shown');
  const lines = out.lines();
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0] ?? '');
  assert.equal(entry.msg, 'shown');
  assert.equal(entry.step, 2);
  assert.equal(entry.service, 'inventory-service');
});

test('debug mode writes readable (non-JSON) lines including debug', () => {
  const out = capture();
  const logger = createLogger({ mode: 'debug', logLevel: 'debug' }, out.stream);
  logger.debug({ step: 1 }, 'verbose detail');
  const text = out.lines().join('\n');
  assert.match(text, /DEBUG/);
  assert.match(text, /verbose detail/);
  assert.throws(() => JSON.parse(out.lines()[0] ?? ''));
});

test('the level given (LOG_LEVEL) filters either mode', () => {
  const out = capture();
  const logger = createLogger({ mode: 'release', logLevel: 'warn' }, out.stream);
  logger.info('dropped');
  logger.warn('kept');
  assert.deepEqual(
    out.lines().map((line) => JSON.parse(line).msg),
    ['kept'],
  );
});

test('a database URL logged by mistake is redacted', () => {
  const out = capture();
  const logger = createLogger({ mode: 'release', logLevel: 'info' }, out.stream);
  logger.info({ databaseUrl: 'postgres://u:secret@h/db' }, 'x');
  assert.doesNotMatch(out.lines().join(''), /secret/);
});
