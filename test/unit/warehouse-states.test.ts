import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWarehouseStates } from '../../src/app/warehouse-states.ts';

test('warehouse states are read fresh, shared by the plans that ask while a read is in flight', async () => {
  const table = new Map([
    ['w1', true],
    ['w2', false],
  ]);
  const calls: string[][] = [];
  const states = createWarehouseStates({
    async findWarehouseStates(ids) {
      calls.push([...ids]);
      return ids.flatMap((id) => {
        const active = table.get(id);
        return active === undefined ? [] : [{ id, active }];
      });
    },
  });
  const first = states(['w1']);
  // Deactivated while the first read is in flight: the plans asking now must see it.
  table.set('w1', false);
  const rest = await Promise.all([states(['w1', 'w2']), states(['w2', 'gone']), states(['w1'])]);
  assert.deepEqual(await first, [{ id: 'w1', active: true }]);
  assert.deepEqual(rest, [
    [
      { id: 'w1', active: false },
      { id: 'w2', active: false },
    ],
    [{ id: 'w2', active: false }],
    [{ id: 'w1', active: false }],
  ]);
  assert.deepEqual(calls, [['w1'], ['w1', 'w2', 'gone']], 'an unknown warehouse is simply absent');
  assert.deepEqual(await states(['w1']), [{ id: 'w1', active: false }]);
  assert.equal(calls.length, 3, 'nothing is cached');
});
