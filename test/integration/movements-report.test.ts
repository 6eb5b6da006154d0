import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEDGER_EPOCH_BITS } from '../../src/db/movement-history.repository.ts';
import { adjust, createItem, errorOf, insertWarehouse } from '../helpers/catalog-client.ts';
import { reserve } from '../helpers/inventory-client.ts';
import { useTestService } from '../helpers/test-service.ts';

/** The ledger read back (GET /movements) and the low-stock report. LOW_STOCK_THRESHOLD is 5 here. */
const t = useTestService({ LOW_STOCK_THRESHOLD: '5' }, async (service) => {
  await insertWarehouse(service, 'mv-west');
});

interface MovementView {
  id: number;
  item_id: string;
  sku: string | null;
  warehouse_id: string;
  kind: string;
  deltas: Record<string, number>;
  reason: string | null;
  reference: { type: string; id: string } | null;
  reservation_id: string | null;
  actor: string;
  correlation_id: string | null;
  created_at: string;
}

async function movements(query: string): Promise<MovementView[]> {
  const response = await t.request('GET', `/api/inventory/movements?${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data.movements;
}

describe('GET /api/inventory/movements', () => {
  test('lists an item’s ledger newest first, with deltas, reason, reference, actor', async () => {
    const item = await createItem(t, { product_id: 'mv-1', sku: 'MV-1' });
    await adjust(t, { item_id: item.id, quantity: 10 });
    await t.request(
      'POST',
      '/api/inventory/adjustments',
      {
        item_id: item.id,
        mode: 'remove',
        quantity: 2,
        reason: 'damage',
        reference: { type: 'incident', id: 'INC-9' },
      },
      { 'x-actor': 'auditor', 'x-request-id': 'req-mv-1' },
    );
    const rows = await movements(`item_id=${item.id}`);
    assert.equal(rows.length, 2);
    const [newest, oldest] = rows;
    assert.ok(newest !== undefined && oldest !== undefined);
    assert.ok(newest.id > oldest.id);
    assert.equal(newest.kind, 'ADJUST');
    assert.equal(newest.sku, 'MV-1');
    assert.equal(newest.deltas.on_hand, -2);
    assert.equal(newest.deltas.reserved, 0);
    assert.equal(newest.reason, 'damage');
    assert.deepEqual(newest.reference, { type: 'incident', id: 'INC-9' });
    assert.equal(newest.actor, 'auditor');
    assert.equal(newest.correlation_id, 'req-mv-1');
    assert.equal(oldest.deltas.on_hand, 10);
    assert.equal(oldest.reference, null);
  });

  test('filters by product, warehouse, kind, reservation and time window', async () => {
    const a = await createItem(t, { product_id: 'mv-f', variant_id: 'a' });
    const b = await createItem(t, { product_id: 'mv-f', variant_id: 'b' });
    await adjust(t, { item_id: a.id, quantity: 5 });
    await adjust(t, { item_id: b.id, warehouse_id: 'mv-west', quantity: 7 });
    const other = await createItem(t, { product_id: 'mv-other' });
    await adjust(t, { item_id: other.id, quantity: 9 });
    await reserve(t, 'mv-other', 2, 'order-mv');
    const reservationRow = (await movements('kind=RESERVE')).find(
      (row) => row.item_id === other.id,
    );
    assert.ok(reservationRow?.reservation_id);

    assert.deepEqual(
      (await movements('product_id=mv-f')).map((row) => row.item_id).sort(),
      [a.id, b.id].sort(),
    );
    assert.deepEqual(
      (await movements('product_id=mv-f&warehouse_id=mv-west')).map((row) => row.item_id),
      [b.id],
    );
    const byReservation = await movements(`reservation_id=${reservationRow.reservation_id}`);
    assert.deepEqual(
      byReservation.map((row) => [row.kind, row.deltas.reserved]),
      [['RESERVE', 2]],
    );
    assert.ok((await movements('kind=RESERVE')).every((row) => row.kind === 'RESERVE'));

    const createdAt = new Date(reservationRow.created_at);
    const since = new Date(createdAt.getTime()).toISOString();
    const until = new Date(createdAt.getTime() + 1).toISOString();
    const window = await movements(
      `item_id=${other.id}&since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`,
    );
    assert.ok(window.some((row) => row.id === reservationRow.id));
    assert.ok(window.every((row) => Date.parse(row.created_at) >= createdAt.getTime()));
    const before = await movements(
      `item_id=${other.id}&until=${encodeURIComponent(new Date(0).toISOString())}`,
    );
    assert.deepEqual(before, []);
  });

  test('pages newest first with a cursor, each movement once', async () => {
    const item = await createItem(t, { product_id: 'mv-page' });
    for (let i = 1; i <= 7; i++) {
      await adjust(t, { item_id: item.id, quantity: i });
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const suffix: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await t.request(
        'GET',
        `/api/inventory/movements?item_id=${item.id}&limit=3${suffix}`,
      );
      assert.equal(response.status, 200);
      seen.push(...response.body.data.movements.map((row: MovementView) => row.deltas.on_hand));
      cursor = response.body.data.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [7, 6, 5, 4, 3, 2, 1]);
  });

  test('an item’s history spans ledger epochs newest first, by item, product and cursor', async () => {
    // The ledger's per-item index leads with the epoch (id >> LEDGER_EPOCH_BITS, migration 0012)
    // and the history walks the epochs newest first. Jumping the id sequence puts an item's
    // movements in epochs 0-or-so, 3 and 7, with empty epochs between them.
    const epoch = (n: number) => n * 2 ** LEDGER_EPOCH_BITS;
    const a = await createItem(t, { product_id: 'mv-ep', variant_id: 'a', sku: 'MV-EP-A' });
    const b = await createItem(t, { product_id: 'mv-ep', variant_id: 'b', sku: 'MV-EP-B' });
    await adjust(t, { item_id: a.id, quantity: 1 });
    await t.db.exec(`ALTER TABLE stock_movements ALTER COLUMN id RESTART WITH ${epoch(3)}`);
    await adjust(t, { item_id: a.id, quantity: 2 });
    await adjust(t, { item_id: b.id, quantity: 3 });
    await t.db.exec(`ALTER TABLE stock_movements ALTER COLUMN id RESTART WITH ${epoch(7) + 5}`);
    await adjust(t, { item_id: a.id, quantity: 4 });
    const onHand = (rows: MovementView[]) => rows.map((row) => row.deltas.on_hand);

    const all = await movements(`item_id=${a.id}`);
    assert.deepEqual(onHand(all), [4, 2, 1]);
    assert.equal(all[0]?.id, epoch(7) + 5);
    assert.equal(all[1]?.id, epoch(3));
    assert.deepEqual(onHand(await movements('product_id=mv-ep')), [4, 3, 2, 1]);
    assert.deepEqual(onHand(await movements('product_id=mv-ep&limit=2')), [4, 3]);
    assert.deepEqual(onHand(await movements(`item_id=${a.id}&limit=1`)), [4]);
    // A cursor in an empty epoch (5) and one inside epoch 3.
    assert.deepEqual(onHand(await movements(`item_id=${a.id}&cursor=${epoch(5) + 9}`)), [2, 1]);
    assert.deepEqual(onHand(await movements(`product_id=mv-ep&cursor=${epoch(3) + 1}`)), [2, 1]);
    assert.deepEqual(onHand(await movements(`item_id=${a.id}&cursor=${epoch(3)}`)), [1]);

    const seen: (number | undefined)[] = [];
    let cursor = '';
    for (let pages = 0; pages < 5; pages++) {
      const response = await t.request(
        'GET',
        `/api/inventory/movements?product_id=mv-ep&limit=1${cursor}`,
      );
      seen.push(...onHand(response.body.data.movements));
      if (response.body.data.next_cursor === null) {
        break;
      }
      cursor = `&cursor=${response.body.data.next_cursor}`;
    }
    assert.deepEqual(seen, [4, 3, 2, 1]);
  });

  test('the ledger’s per-item index leads with the epoch the history walks', async () => {
    const [index] = await t.db.query<{ definition: string | null; old: string | null }>(
      `SELECT pg_get_indexdef(to_regclass('stock_movements_epoch_level_idx')) AS definition,
         to_regclass('stock_movements_stock_level_idx')::text AS old`,
    );
    assert.equal(
      index?.definition,
      'CREATE INDEX stock_movements_epoch_level_idx ON public.stock_movements USING btree ' +
        `(((id >> ${LEDGER_EPOCH_BITS})), item_id, warehouse_id, id)`,
    );
    assert.equal(index?.old, null);
  });

  test('bad filters are 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=501', 'limit'],
      ['kind=STOLEN', 'kind'],
      ['item_id=abc', 'item_id'],
      ['since=yesterday', 'since'],
      ['cursor=-4', 'cursor'],
      ['colour=red', 'colour'],
      ['since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z', 'until'],
    ]) {
      const response = await t.request('GET', `/api/inventory/movements?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(errorOf(response.body).field, field, query);
    }
  });
});

describe('GET /api/inventory/reports/low-stock', () => {
  interface ReportEntry {
    id: string;
    sku: string;
    status: string;
    suggested_reorder_quantity: number;
  }

  async function report(): Promise<Map<string, ReportEntry>> {
    const entries = new Map<string, ReportEntry>();
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const suffix: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await t.request('GET', `/api/inventory/reports/low-stock?limit=2${suffix}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      for (const entry of response.body.data.items as ReportEntry[]) {
        assert.ok(!entries.has(entry.sku), `${entry.sku} listed twice`);
        entries.set(entry.sku, entry);
      }
      cursor = response.body.data.next_cursor;
      if (cursor === null) {
        return entries;
      }
    }
    throw new Error('the report did not end within 20 pages');
  }

  test('lists items at or under their threshold or reorder point, with what to reorder', async () => {
    // Default threshold 5 (LOW_STOCK_THRESHOLD); reorder point 0 unless given.
    const plenty = await createItem(t, { product_id: 'rp-plenty', sku: 'RP-PLENTY' });
    await adjust(t, { item_id: plenty.id, quantity: 6 });
    const atDefault = await createItem(t, {
      product_id: 'rp-default',
      sku: 'RP-DEFAULT',
      reorder_quantity: 40,
    });
    await adjust(t, { item_id: atDefault.id, quantity: 5 });
    const ownThreshold = await createItem(t, {
      product_id: 'rp-own',
      sku: 'RP-OWN',
      low_stock_threshold: 20,
    });
    await adjust(t, { item_id: ownThreshold.id, quantity: 15 });
    const ownLow = await createItem(t, {
      product_id: 'rp-own-low',
      sku: 'RP-OWN-LOW',
      low_stock_threshold: 1,
      reorder_point: 12,
      reorder_quantity: 30,
    });
    await adjust(t, { item_id: ownLow.id, quantity: 12 });
    const covered = await createItem(t, {
      product_id: 'rp-covered',
      sku: 'RP-COVERED',
      reorder_quantity: 10,
    });
    await t.request('POST', '/api/inventory/incoming', { item_id: covered.id, quantity: 50 });
    const retired = await createItem(t, { product_id: 'rp-retired', sku: 'RP-RETIRED' });
    await t.request('PATCH', `/api/inventory/items/${retired.id}`, { discontinued: true });
    await createItem(t, {
      product_id: 'rp-kit',
      sku: 'RP-KIT',
      components: [{ item_id: atDefault.id, quantity: 1 }],
    });

    const entries = await report();
    assert.ok(!entries.has('RP-PLENTY'), 'available 6 is over the default threshold 5');
    assert.ok(!entries.has('RP-RETIRED'), 'discontinued items are not reordered');
    assert.ok(!entries.has('RP-KIT'), 'kits hold no stock to reorder');
    // 5 <= 5: low; lifting it over 5 needs 1, the reorder quantity (40) is more.
    assert.equal(entries.get('RP-DEFAULT')?.suggested_reorder_quantity, 40);
    assert.equal(entries.get('RP-DEFAULT')?.status, 'IN_STOCK');
    // Own threshold 20: 15 is low; reorder quantity 0, so the shortfall: 21 - 15 = 6.
    assert.equal(entries.get('RP-OWN')?.suggested_reorder_quantity, 6);
    // Under its own threshold 1 it is fine, but 12 is at its reorder point 12.
    assert.equal(entries.get('RP-OWN-LOW')?.status, 'LOW_STOCK');
    assert.equal(entries.get('RP-OWN-LOW')?.suggested_reorder_quantity, 30);
    // Nothing available, but 50 on the way: listed, nothing more to order.
    assert.equal(entries.get('RP-COVERED')?.status, 'OUT_OF_STOCK');
    assert.equal(entries.get('RP-COVERED')?.suggested_reorder_quantity, 0);
  });

  test('a limit over 500 or a bad cursor is 400', async () => {
    for (const [query, field] of [
      ['limit=501', 'limit'],
      ['cursor=7', 'cursor'],
    ]) {
      const response = await t.request('GET', `/api/inventory/reports/low-stock?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(errorOf(response.body).field, field);
    }
  });
});
