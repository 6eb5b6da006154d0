import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { RequestLogger, requestLoggerFactory } from '../../src/http/request-logger.ts';

/** A pino logger writing JSON lines into `lines`, and the count of children made from it. */
function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  const logger = pino({ level }, stream);
  const made = { children: 0 };
  const child = logger.child;
  // Not bound to the root: pino's children inherit this method, and a child's child is its own.
  logger.child = function (this: typeof logger, bindings, options) {
    made.children++;
    return child.call(this, bindings, options);
  } as typeof logger.child;
  return { logger, lines, made };
}

test('makes no child until the request logs, then one, bound like the child it stands for', () => {
  const { logger, lines, made } = capture();
  const loggers = Array.from(
    { length: 100 },
    (_, i) => new RequestLogger(logger, { reqId: `r${i}` }, {}),
  );
  assert.equal(made.children, 0);
  const first = loggers[7];
  assert.ok(first !== undefined);
  first.error({ code: 'X' }, 'request failed');
  first.warn('then %s', 'more');
  first.debug('below the level');
  assert.equal(made.children, 1);
  assert.deepEqual(
    lines.map(({ reqId, msg, code, level }) => ({ reqId, msg, code, level })),
    [
      { reqId: 'r7', msg: 'request failed', code: 'X', level: 50 },
      { reqId: 'r7', msg: 'then more', code: undefined, level: 40 },
    ],
  );
});

test('answers the level the child would have, and passes options and child bindings on', () => {
  const { logger, lines } = capture('warn');
  const plain = new RequestLogger(logger, { reqId: 'a' }, {});
  assert.equal(plain.level, 'warn');
  const routed = new RequestLogger(logger, { reqId: 'b' }, { level: 'debug' });
  assert.equal(routed.level, 'debug');
  routed.debug('shown at the route level');
  plain.child({ part: 'inner' }).warn('nested');
  assert.deepEqual(
    lines.map(({ reqId, part, msg }) => ({ reqId, part, msg })),
    [
      { reqId: 'b', part: undefined, msg: 'shown at the route level' },
      { reqId: 'a', part: 'inner', msg: 'nested' },
    ],
  );
  plain.level = 'error';
  assert.equal(plain.level, 'error');
  assert.equal(logger.level, 'warn', 'the parent keeps its level');
});

test('through Fastify: a request that logs is bound to its id, one that does not makes no child', async () => {
  const { logger, lines, made } = capture();
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    disableRequestLogging: true,
    childLoggerFactory: requestLoggerFactory,
    genReqId: () => 'req-1',
  });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/loud', async (request) => {
    request.log.error({ step: 2 }, 'logged by the handler');
    return { ok: true };
  });
  const before = made.children;
  assert.equal((await app.inject('/quiet')).statusCode, 200);
  assert.equal(made.children, before);
  assert.equal((await app.inject('/loud')).statusCode, 200);
  assert.equal(made.children, before + 1);
  const line = lines.find((entry) => entry.msg === 'logged by the handler');
  assert.equal(line?.reqId, 'req-1');
  assert.equal(line?.step, 2);
  await app.close();
});
