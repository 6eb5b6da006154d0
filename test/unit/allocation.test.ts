import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type DemandLine,
  distanceKm,
  planAllocation,
  type WarehouseOption,
} from '../../src/domain/allocation.ts';

/** Seed 002's three warehouses with real coordinates and CEP prefixes. */
function option(warehouseId: string, available: number): WarehouseOption {
  const places: Record<string, Omit<WarehouseOption, 'warehouseId' | 'available'>> = {
    'wh-sp-001': { priority: 1, latitude: -23.55, longitude: -46.63, postalPrefixes: ['01', '0'] },
    'wh-rj-001': { priority: 2, latitude: -22.91, longitude: -43.17, postalPrefixes: ['2'] },
    'wh-pr-001': { priority: 1, latitude: -25.43, longitude: -49.27, postalPrefixes: ['8'] },
  };
  const place = places[warehouseId];
  assert.ok(place);
  return { warehouseId, available, ...place };
}

function line(itemId: string, quantity: number, extra: Partial<DemandLine> = {}): DemandLine {
  return { index: 0, itemId, quantity, allowSplit: true, backorderRoom: 0, ...extra };
}

const stock = (sp: number, rj: number, pr: number) =>
  new Map([['item', [option('wh-sp-001', sp), option('wh-rj-001', rj), option('wh-pr-001', pr)]]]);

const warehousesOf = (plan: ReturnType<typeof planAllocation>) =>
  plan.allocations.map((a) => [a.warehouseId, a.quantity, a.backordered]);

describe('priority', () => {
  test('the lowest priority number that covers the line whole, ties by id', () => {
    const plan = planAllocation([line('item', 5)], stock(10, 10, 10), 'priority');
    assert.deepEqual(warehousesOf(plan), [['wh-pr-001', 5, 0]]);
    assert.match(plan.allocations[0]?.reason ?? '', /priority 1/);
  });

  test('skips a preferred warehouse that cannot cover the line whole rather than splitting', () => {
    const plan = planAllocation([line('item', 5)], stock(3, 10, 2), 'priority');
    assert.deepEqual(warehousesOf(plan), [['wh-rj-001', 5, 0]]);
  });

  test('splits in rank order only when no single warehouse covers the line', () => {
    const plan = planAllocation([line('item', 12)], stock(5, 4, 6), 'priority');
    assert.deepEqual(warehousesOf(plan), [
      ['wh-pr-001', 6, 0],
      ['wh-sp-001', 5, 0],
      ['wh-rj-001', 1, 0],
    ]);
    assert.deepEqual(plan.shortfalls, []);
  });

  test('a line that may not split and fits nowhere is a shortfall naming the best single source', () => {
    const plan = planAllocation(
      [line('item', 12, { allowSplit: false })],
      stock(5, 4, 6),
      'priority',
    );
    assert.deepEqual(plan.allocations, []);
    assert.deepEqual(plan.shortfalls, [{ index: 0, itemId: 'item', requested: 12, available: 6 }]);
  });
});

describe('proximity', () => {
  test('coordinates: the nearest warehouse', () => {
    // Niterói, across the bay from Rio.
    const destination = { latitude: -22.88, longitude: -43.1 };
    const plan = planAllocation([line('item', 2)], stock(10, 10, 10), 'proximity', destination);
    assert.deepEqual(warehousesOf(plan), [['wh-rj-001', 2, 0]]);
    assert.match(plan.allocations[0]?.reason ?? '', /km from the destination/);
  });

  test('postal code: the longest matching prefix wins', () => {
    const plan = planAllocation([line('item', 2)], stock(10, 10, 10), 'proximity', {
      postalCode: '01310-100',
    });
    assert.deepEqual(warehousesOf(plan), [['wh-sp-001', 2, 0]]);
    assert.match(plan.allocations[0]?.reason ?? '', /serves postal codes 01\*/);
  });

  test('no match anywhere falls back to priority', () => {
    const plan = planAllocation([line('item', 2)], stock(10, 10, 10), 'proximity', {
      postalCode: '99999',
    });
    assert.deepEqual(warehousesOf(plan), [['wh-pr-001', 2, 0]]);
  });

  test('distances are real: São Paulo to Rio is about 360 km', () => {
    const km = distanceKm(
      { latitude: -23.55, longitude: -46.63 },
      { latitude: -22.91, longitude: -43.17 },
    );
    assert.ok(km > 340 && km < 380, String(km));
  });
});

describe('highest_stock', () => {
  test('the warehouse with the most available units', () => {
    const plan = planAllocation([line('item', 2)], stock(10, 30, 20), 'highest_stock');
    assert.deepEqual(warehousesOf(plan), [['wh-rj-001', 2, 0]]);
  });
});

describe('balanced (seed 002: availability, proximity, priority, balancing)', () => {
  test('nearest first when it has the stock', () => {
    const plan = planAllocation([line('item', 3)], stock(10, 10, 10), 'balanced', {
      postalCode: '80010-000',
    });
    assert.deepEqual(warehousesOf(plan), [['wh-pr-001', 3, 0]]);
  });

  test('equally near and equal priority: the one with more stock (spreads load)', () => {
    // No destination: SP and PR tie on nearness and priority 1; PR has more stock.
    const plan = planAllocation([line('item', 3)], stock(10, 50, 40), 'balanced');
    assert.deepEqual(warehousesOf(plan), [['wh-pr-001', 3, 0]]);
  });

  test('availability comes first: the nearest without enough stock is passed over', () => {
    const plan = planAllocation([line('item', 8)], stock(10, 10, 2), 'balanced', {
      postalCode: '80010-000',
    });
    assert.deepEqual(warehousesOf(plan), [['wh-sp-001', 8, 0]]);
  });
});

describe('fewest_warehouses', () => {
  test('one warehouse that covers the whole cart beats better-ranked ones that cover parts', () => {
    const options = new Map([
      ['a', [option('wh-sp-001', 5), option('wh-rj-001', 5), option('wh-pr-001', 0)]],
      ['b', [option('wh-sp-001', 0), option('wh-rj-001', 5), option('wh-pr-001', 5)]],
    ]);
    const plan = planAllocation(
      [line('a', 2, { index: 0 }), line('b', 2, { index: 1 })],
      options,
      'fewest_warehouses',
    );
    assert.deepEqual(warehousesOf(plan), [
      ['wh-rj-001', 2, 0],
      ['wh-rj-001', 2, 0],
    ]);
  });
});

describe('shared availability and constraints', () => {
  test('two lines of one item never count the same units', () => {
    const options = new Map([
      ['item', [option('wh-sp-001', 5), option('wh-rj-001', 0), option('wh-pr-001', 0)]],
    ]);
    const plan = planAllocation(
      [line('item', 3, { index: 0 }), line('item', 3, { index: 1 })],
      options,
      'priority',
    );
    assert.deepEqual(warehousesOf(plan), [['wh-sp-001', 3, 0]]);
    assert.deepEqual(plan.shortfalls, [{ index: 1, itemId: 'item', requested: 3, available: 2 }]);
  });

  test('a pinned warehouse is the only source', () => {
    const plan = planAllocation(
      [line('item', 4, { warehouseId: 'wh-rj-001' })],
      stock(10, 3, 10),
      'priority',
    );
    assert.deepEqual(plan.allocations, []);
    assert.deepEqual(plan.shortfalls, [{ index: 0, itemId: 'item', requested: 4, available: 3 }]);
  });

  test('backorder room covers what stock cannot, at the best-ranked warehouse', () => {
    const plan = planAllocation(
      [line('item', 10, { backorderRoom: 5 })],
      stock(3, 2, 1),
      'priority',
    );
    assert.deepEqual(warehousesOf(plan), [
      ['wh-pr-001', 5, 4],
      ['wh-sp-001', 3, 0],
      ['wh-rj-001', 2, 0],
    ]);
    assert.match(plan.allocations[0]?.reason ?? '', /4 backordered/);
  });

  test('beyond the backorder room the line is a shortfall', () => {
    const plan = planAllocation(
      [line('item', 10, { backorderRoom: 3 })],
      stock(3, 2, 1),
      'priority',
    );
    assert.deepEqual(plan.allocations, []);
    assert.deepEqual(plan.shortfalls, [{ index: 0, itemId: 'item', requested: 10, available: 9 }]);
  });

  test('with no stock anywhere, the backorder goes to a warehouse that carries the item', () => {
    const carried = new Map([
      [
        'item',
        [
          option('wh-sp-001', 0),
          { ...option('wh-rj-001', 0), stocked: true },
          option('wh-pr-001', 0),
        ],
      ],
    ]);
    const plan = planAllocation([line('item', 2, { backorderRoom: 5 })], carried, 'priority');
    assert.deepEqual(warehousesOf(plan), [['wh-rj-001', 2, 2]]);
  });
});
