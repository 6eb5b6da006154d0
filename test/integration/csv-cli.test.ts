import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { adjust, createItem, insertWarehouse, levelOf } from '../helpers/catalog-client.ts';
import { reserve } from '../helpers/inventory-client.ts';
import { runCli } from '../helpers/spawn-cli.ts';
import { useTestService } from '../helpers/test-service.ts';

/**
 * `inventory-service export` and `import` as real child processes against the test database: the
 * export's columns, an import with a bad row applying nothing, a good import applying every row in
 * one go with recount ledger rows, and the books still balancing (`verify-ledger`).
 */
const items: Record<string, string> = {};
const t = useTestService({}, async (service) => {
  await insertWarehouse(service, 'csv-east');
  await insertWarehouse(service, 'csv-closed', { active: false });
  items.a = (await createItem(service, { product_id: 'csv-a', sku: 'CSV-A' })).id;
  items.b = (
    await createItem(service, { product_id: 'csv-b', variant_id: 'blue', sku: 'CSV-B' })
  ).id;
  items.c = (await createItem(service, { product_id: 'csv-c' })).id;
  await adjust(service, { sku: 'CSV-A', quantity: 10 });
  await adjust(service, { sku: 'CSV-A', warehouse_id: 'csv-east', quantity: 4 });
  await adjust(service, { sku: 'CSV-B', quantity: 7 });
});

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-csv-'));
after(() => {
  fs.rmSync(tempDir, { recursive: true, force: true });
});

function cli(args: readonly string[]) {
  return runCli(args, { DATABASE_URL: t.database.url }, 60_000);
}

function writeCsv(name: string, lines: readonly string[]): string {
  const file = path.join(tempDir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function ledgerRows(): Promise<number> {
  const rows = await t.db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM stock_movements');
  return rows[0]?.n ?? 0;
}

function itemId(key: string): string {
  const id = items[key];
  assert.ok(id !== undefined, `fixture item ${key}`);
  return id;
}

describe('inventory-service export', () => {
  test('writes every stock level with its item and buckets, to stdout', async () => {
    await reserve(t, 'csv-a', 3, 'order-csv');
    const result = await cli(['export']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      'sku,product_id,variant_id,warehouse_id,on_hand,reserved,committed,incoming,damaged,' +
        'safety_stock,backordered,available',
    );
    assert.ok(lines.includes('CSV-A,csv-a,,default,10,3,0,0,0,0,0,7'), result.stdout);
    assert.ok(lines.includes('CSV-A,csv-a,,csv-east,4,0,0,0,0,0,0,4'));
    assert.ok(lines.includes('CSV-B,csv-b,blue,default,7,0,0,0,0,0,0,7'));
    assert.ok(lines.includes(',csv-c,,default,0,0,0,0,0,0,0,0'));
    const levels = await t.db.query('SELECT 1 FROM stock_levels');
    assert.equal(lines.length, levels.length + 1);
  });

  test('--output writes the same to a file', async () => {
    const file = path.join(tempDir, 'export.csv');
    const result = await cli(['export', '--output', file]);
    assert.equal(result.code, 0, result.stderr);
    const stdout = await cli(['export']);
    assert.equal(fs.readFileSync(file, 'utf8'), stdout.stdout);
    assert.match(result.stderr, /exported \d+ stock levels/);
  });
});

describe('inventory-service import', () => {
  test('a file with bad rows reports each by line number, exits 1 and applies nothing', async () => {
    const file = writeCsv('bad.csv', [
      'sku,product_id,variant_id,warehouse_id,on_hand',
      'CSV-A,,,default,12',
      'CSV-NOPE,,,default,5',
      ',csv-b,blue,csv-east,x',
      ',csv-c,,csv-closed,1',
      ',csv-c,,nowhere,1',
      'CSV-A,,,default,13',
      'CSV-A,,,csv-east,-1',
      ',,,default,1',
      'CSV-B,csv-a,,default,1',
    ]);
    const before = await ledgerRows();
    const result = await cli(['import', file]);
    assert.equal(result.code, 1, result.stdout);
    for (const line of [3, 4, 5, 6, 7, 8, 9, 10]) {
      assert.match(result.stderr, new RegExp(`bad\\.csv:${line}: `), `line ${line}`);
    }
    assert.doesNotMatch(result.stderr, /bad\.csv:2: /);
    assert.match(result.stderr, /nothing was applied/);
    assert.equal(await ledgerRows(), before);
    assert.equal((await levelOf(t, itemId('a'), 'default')).onHand, 10);
  });

  test('a count below what is reserved is refused before anything is applied', async () => {
    const file = writeCsv('under-held.csv', [
      'sku,warehouse_id,on_hand',
      'CSV-B,default,9',
      'CSV-A,default,2',
    ]);
    const before = await ledgerRows();
    const result = await cli(['import', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /under-held\.csv:3: on_hand 2 is below the 3 units/);
    assert.equal(await ledgerRows(), before);
    assert.equal((await levelOf(t, itemId('b'), 'default')).onHand, 7);
  });

  test('--dry-run shows the changes and applies nothing', async () => {
    const file = writeCsv('dry.csv', ['sku,warehouse_id,on_hand', 'CSV-B,default,9']);
    const before = await ledgerRows();
    const result = await cli(['import', file, '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /line 2: SKU CSV-B at default: on_hand 7 -> 9/);
    assert.match(result.stdout, /nothing applied/);
    assert.equal(await ledgerRows(), before);
  });

  test('a good file applies every row as a recount by system:import; the books balance', async () => {
    const file = writeCsv('good.csv', [
      'product_id,variant_id,warehouse_id,on_hand,note',
      'csv-a,,default,15,ignored column',
      'csv-a,,csv-east,0,',
      'csv-b,blue,csv-east,6,',
      'csv-c,,default,2,',
    ]);
    const result = await cli(['import', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /imported 4 rows from good\.csv \(4 changed\)/);
    assert.equal((await levelOf(t, itemId('a'), 'default')).onHand, 15);
    assert.equal((await levelOf(t, itemId('a'), 'csv-east')).onHand, 0);
    assert.equal((await levelOf(t, itemId('b'), 'csv-east')).onHand, 6);
    assert.equal((await levelOf(t, itemId('c'), 'default')).onHand, 2);
    const ledger = await t.db.query<{ delta: number; reason: string; correlationId: string }>(
      `SELECT on_hand_delta AS delta, reason, correlation_id AS "correlationId"
       FROM stock_movements WHERE actor = 'system:import' AND kind = 'ADJUST' ORDER BY id`,
    );
    assert.deepEqual(
      ledger.map((row) => row.delta),
      [5, -4, 6, 2],
    );
    assert.ok(ledger.every((row) => row.reason.startsWith('recount: import good.csv line ')));
    assert.equal(new Set(ledger.map((row) => row.correlationId)).size, 1, 'one import, one id');

    const verify = await runCli(['verify-ledger'], { DATABASE_URL: t.database.url });
    assert.equal(verify.code, 0, verify.stdout);
  });

  test('an export can be imported back unchanged', async () => {
    const file = path.join(tempDir, 'roundtrip.csv');
    assert.equal((await cli(['export', '--output', file])).code, 0);
    const result = await cli(['import', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\(0 changed\)/);
  });

  test('a missing file, an empty file or a header without the needed columns exits 1', async () => {
    const cases: [string, RegExp][] = [
      [path.join(tempDir, 'missing.csv'), /cannot read/],
      [writeCsv('empty.csv', []), /empty/],
      [writeCsv('no-count.csv', ['sku,warehouse_id', 'CSV-A,default']), /on_hand/],
      [writeCsv('no-item.csv', ['warehouse_id,on_hand', 'default,1']), /sku or a product_id/],
    ];
    for (const [file, message] of cases) {
      const result = await cli(['import', file]);
      assert.equal(result.code, 1, file);
      assert.match(result.stderr, message);
    }
  });
});
