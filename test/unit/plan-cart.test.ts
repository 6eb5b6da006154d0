import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CartLineRequest, type PlanSources, planCart } from '../../src/app/plan-cart.ts';
import type { UnitOfWork, WarehouseOptionRecord } from '../../src/app/ports.ts';
import { cartItemRecord } from '../factories/item-record.factory.ts';

/**
 * Planning a cart from its sources (faked here: one item, two warehouses), with no kits. Lines of one item are merged into one demand per warehouse choice
 * before allocation, which decides where the whole of it comes from.
 */
const shirt = cartItemRecord('shirt');

function sources(available: { 'wh-a': number; 'wh-b': number }): PlanSources {
  const options: WarehouseOptionRecord[] = [
    {
      itemId: shirt.id,
      warehouseId: 'wh-a',
      priority: 1,
      latitude: null,
      longitude: null,
      postalPrefixes: [],
      available: available['wh-a'],
    },
    {
      itemId: shirt.id,
      warehouseId: 'wh-b',
      priority: 2,
      latitude: null,
      longitude: null,
      postalPrefixes: [],
      available: available['wh-b'],
    },
  ];
  return {
    items: { resolve: async (refs) => refs.map(() => shirt) },
    warehouseOptions: async (itemIds) => options.filter((o) => itemIds.includes(o.itemId)),
  };
}

/** Planning asks the unit of work only whether named warehouses exist: here they all do. */
const unitOfWork = {
  allocation: {
    findWarehouseStates: async (ids: readonly string[]) => ids.map((id) => ({ id, active: true })),
  },
} as unknown as UnitOfWork;

async function plan(lines: CartLineRequest[], available: { 'wh-a': number; 'wh-b': number }) {
  const result = await planCart(
    unitOfWork,
    { lines, strategy: 'priority', allowSplit: true },
    sources(available),
  );
  assert.ok(result.ok, JSON.stringify(result));
  return result.allocations.map((a) => [a.requestLine, a.warehouseId, a.quantity]);
}

describe('planCart merges the lines of one item', () => {
  test('two lines of one item are one demand: the warehouse that covers both serves both', async () => {
    // Alone, each line of 3 fits wh-a (priority 1, 4 units). Together they need 6, which only
    // wh-b has, and a demand is not split while one warehouse covers it whole.
    const lines = [
      { ref: { productId: 'shirt' }, quantity: 3 },
      { ref: { productId: 'shirt' }, quantity: 3 },
    ];
    assert.deepEqual(await plan(lines, { 'wh-a': 4, 'wh-b': 6 }), [
      [1, 'wh-b', 3],
      [2, 'wh-b', 3],
    ]);
  });

  test('a line naming its warehouse is a demand of its own, planned in request order', async () => {
    // The unnamed line comes first and takes wh-a's 4; the line pinned to wh-a then finds 1 left
    // there and is refused, though wh-b had room for the unnamed line.
    const result = await planCart(
      unitOfWork,
      {
        lines: [
          { ref: { productId: 'shirt' }, quantity: 4 },
          { ref: { productId: 'shirt' }, quantity: 2, warehouseId: 'wh-a' },
        ],
        strategy: 'priority',
        allowSplit: true,
      },
      sources({ 'wh-a': 5, 'wh-b': 6 }),
    );
    assert.ok(!result.ok, JSON.stringify(result));
    assert.deepEqual(
      result.failures.map((f) => [f.line, f.code, f.available]),
      [[2, 'INSUFFICIENT_STOCK', 1]],
    );
  });
});
