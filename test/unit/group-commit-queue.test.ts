import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { HeldConnection } from '../../src/db/database.ts';
import { createGroupCommitQueue } from '../../src/db/group-commit-queue.ts';
import { silentLogger } from '../helpers/test-service.ts';

/**
 * A database whose batches stay in flight until the test ends them. Its connections are numbered
 * in the order they are held; `connections` logs holding and giving back.
 */
function controlledSend(options: { holdFails?: Error; wantedBack?: () => boolean } = {}) {
  const batches: { requests: readonly number[]; end: (error?: Error) => void }[] = [];
  const events: string[] = [];
  const connections: string[] = [];
  const names = new Map<HeldConnection, string>();
  return {
    batches,
    events,
    connections,
    async hold(): Promise<HeldConnection> {
      if (options.holdFails !== undefined) {
        throw options.holdFails;
      }
      const name = `c${names.size + 1}`;
      connections.push(`hold ${name}`);
      const connection: HeldConnection = {
        queryPrepared: () => Promise.reject(new Error('not used by the queue')),
        release: (broken) => connections.push(`${broken ? 'close' : 'release'} ${name}`),
        wantedBack: options.wantedBack ?? (() => false),
      };
      names.set(connection, name);
      return connection;
    },
    send(requests: readonly number[], connection: HeldConnection): Promise<number[]> {
      events.push(`send ${requests.join(',')}`);
      connections.push(`send ${requests.join(',')} on ${names.get(connection)}`);
      return new Promise((resolve, reject) => {
        batches.push({
          requests,
          end: (error) =>
            error === undefined ? resolve(requests.map((r) => r * 10)) : reject(error),
        });
      });
    },
  };
}

/** A queue over `db` with the test defaults (batches of up to 10). */
function queueOn(
  db: ReturnType<typeof controlledSend>,
  options: { batchSizeMax?: number; gatherOneTurn?: boolean } = {},
) {
  return createGroupCommitQueue({
    name: 't',
    batchSizeMax: 10,
    ...options,
    logger: silentLogger,
    hold: db.hold,
    send: db.send,
  });
}

/** An error as PostgreSQL reports one (a unique violation). */
function sqlError(): Error {
  return Object.assign(new Error('duplicate key'), { code: '23505' });
}

describe('group commit queue', () => {
  test('an idle queue sends a request at once; those arriving meanwhile leave together next', async () => {
    const db = controlledSend();
    const queue = queueOn(db);
    const first = queue.submit(1);
    await nextTurn();
    assert.deepEqual(db.events, ['send 1'], 'no waiting when idle: it leaves within the turn');
    const rest = [queue.submit(2), queue.submit(3), queue.submit(4)];
    assert.equal(db.batches.length, 1, 'one batch in flight at a time');
    db.batches[0]?.end();
    assert.equal(await first, 10);
    await nextTurn();
    assert.deepEqual(db.events, ['send 1', 'send 2,3,4']);
    db.batches[1]?.end();
    assert.deepEqual(await Promise.all(rest), [20, 30, 40]);
  });

  test('a batch holds at most batchSizeMax requests', async () => {
    const db = controlledSend();
    const queue = queueOn(db, { batchSizeMax: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => queue.submit(n));
    for (let i = 0; i < 3; i++) {
      await nextTurn();
      db.batches[i]?.end();
    }
    assert.deepEqual(await Promise.all(all), [10, 20, 30, 40, 50]);
    assert.deepEqual(db.events, ['send 1', 'send 2,3', 'send 4,5']);
  });

  test('the next batch leaves before the finished batch’s callers continue', async () => {
    const db = controlledSend();
    const queue = queueOn(db);
    const first = queue.submit(1).then(() => db.events.push('caller of 1 continues'));
    const second = queue.submit(2);
    await nextTurn();
    db.batches[0]?.end();
    await first;
    assert.deepEqual(db.events, ['send 1', 'send 2', 'caller of 1 continues']);
    db.batches[1]?.end();
    assert.equal(await second, 20);
  });

  test('a failed batch rejects each of its requests and the queue goes on', async () => {
    const db = controlledSend();
    const queue = queueOn(db);
    const failed = queue.submit(1);
    const next = queue.submit(2);
    await nextTurn();
    db.batches[0]?.end(new Error('boom'));
    await assert.rejects(failed, /boom/);
    await nextTurn();
    db.batches[1]?.end();
    assert.equal(await next, 20);
  });

  test('gatherOneTurn: requests of one event-loop turn leave as one batch, one turn later', async () => {
    const db = controlledSend();
    const queue = queueOn(db, { batchSizeMax: 10, gatherOneTurn: true });
    const all = [queue.submit(1), queue.submit(2), queue.submit(3)];
    assert.deepEqual(db.events, [], 'nothing leaves within the turn');
    await nextTurn();
    assert.deepEqual(db.events, ['send 1,2,3']);
    db.batches[0]?.end();
    assert.deepEqual(await Promise.all(all), [10, 20, 30]);
  });

  test('idle resolves only when nothing is queued or in flight, failed batches included', async () => {
    const db = controlledSend();
    const queue = queueOn(db, { batchSizeMax: 1 });
    await queue.idle();
    const first = queue.submit(1);
    const second = queue.submit(2).catch((error: Error) => error.message);
    let idle = false;
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    await nextTurn();
    db.batches[0]?.end();
    assert.equal(await first, 10);
    await nextTurn();
    assert.equal(idle, false, 'the second request is still in the database');
    db.batches[1]?.end(new Error('boom'));
    assert.equal(await second, 'boom');
    await waiting;
    assert.equal(idle, true);
  });

  test('while batches follow one another they share one held connection, given back when idle', async () => {
    const db = controlledSend();
    const queue = queueOn(db);
    const first = queue.submit(1);
    await nextTurn();
    const rest = [queue.submit(2), queue.submit(3)];
    db.batches[0]?.end();
    assert.equal(await first, 10);
    db.batches[1]?.end();
    assert.deepEqual(await Promise.all(rest), [20, 30]);
    assert.deepEqual(db.connections, ['hold c1', 'send 1 on c1', 'send 2,3 on c1', 'release c1']);
    const later = queue.submit(4);
    await nextTurn();
    db.batches[2]?.end();
    assert.equal(await later, 40);
    assert.deepEqual(db.connections.slice(4), ['hold c2', 'send 4 on c2', 'release c2']);
  });

  test('a connection that failed is closed; after a statement error it goes back to the pool', async () => {
    const db = controlledSend();
    const queue = queueOn(db);
    const lost = queue.submit(1);
    await nextTurn();
    db.batches[0]?.end(new Error('Connection terminated unexpectedly'));
    await assert.rejects(lost, /terminated/);
    const refused = queue.submit(2);
    await nextTurn();
    db.batches[1]?.end(sqlError());
    await assert.rejects(refused, /duplicate key/);
    assert.deepEqual(db.connections, [
      'hold c1',
      'send 1 on c1',
      'close c1',
      'hold c2',
      'send 2 on c2',
      'release c2',
    ]);
  });

  test('when no connection can be had the batch fails and the queue goes on', async () => {
    const db = controlledSend({ holdFails: new Error('timeout exceeded when trying to connect') });
    const queue = queueOn(db);
    await assert.rejects(queue.submit(1), /timeout exceeded/);
    await assert.rejects(queue.submit(2), /timeout exceeded/);
    await queue.idle();
    assert.deepEqual(db.events, []);
  });

  test('while its connection is wanted back, the queue gives it back after each batch', async () => {
    let wantedBack = true;
    const db = controlledSend({ wantedBack: () => wantedBack });
    const queue = queueOn(db);
    const first = queue.submit(1);
    await nextTurn();
    const second = queue.submit(2);
    db.batches[0]?.end();
    assert.equal(await first, 10);
    await nextTurn();
    wantedBack = false;
    const third = queue.submit(3);
    db.batches[1]?.end();
    assert.equal(await second, 20);
    await nextTurn();
    db.batches[2]?.end();
    assert.equal(await third, 30);
    assert.deepEqual(db.connections, [
      'hold c1',
      'send 1 on c1',
      'release c1',
      'hold c2',
      'send 2 on c2',
      'send 3 on c2',
      'release c2',
    ]);
  });
});
