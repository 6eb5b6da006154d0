import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config.ts';
import {
  parseWarehousesFile,
  readWarehousesFile,
  WAREHOUSES_FILE_SIZE_MAX_BYTES,
} from '../../src/config/warehouses-file.ts';

/** The warehouses YAML file: seed 002's format, its optional extensions, and every refusal. */
const FILE = '/etc/inventory/warehouses.yaml';
const SHIPPED_FILE = path.resolve(import.meta.dirname, '../../config/warehouses.yaml');

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function tempFile(name: string, contents: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warehouses-file-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, contents);
  return file;
}

/** The ConfigError a text is refused with; fails when it is accepted. */
function refusal(text: string): ConfigError {
  try {
    parseWarehousesFile(text, FILE);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
    assert.equal(error.variable, 'WAREHOUSES_FILE');
    assert.ok(error.message.includes(FILE), `the message names no file: ${error.message}`);
    return error;
  }
  assert.fail(`accepted: ${text}`);
}

/** One valid entry as YAML lines, with fields replaced or removed (undefined) by `changes`. */
function entry(changes: Record<string, string | undefined> = {}): string {
  const fields: Record<string, string | undefined> = {
    id: 'wh-a',
    name: 'DC A',
    region: 'south',
    priority: '1',
    ...changes,
  };
  const lines = Object.entries(fields)
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([key, value], index) => `${index === 0 ? '  - ' : '    '}${key}: ${value}`);
  return lines.join('\n');
}

describe('parsing', () => {
  test("seed 002's format: id, name, region, priority", () => {
    const parsed = parseWarehousesFile(
      [
        'warehouses:',
        '  - id: wh-sp-001',
        '    name: DC Sao Paulo',
        '    region: southeast',
        '    priority: 1',
        '  - id: wh-rj-001',
        '    name: DC Rio de Janeiro',
        '    region: southeast',
        '    priority: 2',
      ].join('\n'),
      FILE,
    );
    assert.deepEqual(parsed, [
      {
        id: 'wh-sp-001',
        name: 'DC Sao Paulo',
        region: 'southeast',
        priority: 1,
        active: undefined,
        latitude: null,
        longitude: null,
        postalPrefixes: [],
      },
      {
        id: 'wh-rj-001',
        name: 'DC Rio de Janeiro',
        region: 'southeast',
        priority: 2,
        active: undefined,
        latitude: null,
        longitude: null,
        postalPrefixes: [],
      },
    ]);
  });

  test('the optional fields: active, latitude with longitude, quoted postal prefixes', () => {
    const parsed = parseWarehousesFile(
      [
        'warehouses:',
        entry({
          active: 'false',
          latitude: '-25.4284',
          longitude: '-49.2733',
          postal_prefixes: "['80', '81']",
        }),
      ].join('\n'),
      FILE,
    );
    assert.deepEqual(parsed, [
      {
        id: 'wh-a',
        name: 'DC A',
        region: 'south',
        priority: 1,
        active: false,
        latitude: -25.4284,
        longitude: -49.2733,
        postalPrefixes: ['80', '81'],
      },
    ]);
  });

  test('an empty list is valid and declares nothing', () => {
    assert.deepEqual(parseWarehousesFile('warehouses: []\n', FILE), []);
  });

  test('the shipped config/warehouses.yaml holds seed 002’s three warehouses, located', () => {
    const parsed = readWarehousesFile(SHIPPED_FILE);
    assert.ok(parsed !== undefined);
    assert.deepEqual(
      parsed.map((w) => [w.id, w.name, w.region, w.priority]),
      [
        ['wh-sp-001', 'DC Sao Paulo', 'southeast', 1],
        ['wh-rj-001', 'DC Rio de Janeiro', 'southeast', 2],
        ['wh-pr-001', 'DC Curitiba', 'south', 1],
      ],
    );
    for (const warehouse of parsed) {
      assert.equal(typeof warehouse.latitude, 'number', warehouse.id);
      assert.equal(typeof warehouse.longitude, 'number', warehouse.id);
      assert.ok(warehouse.postalPrefixes.length > 0, warehouse.id);
      // Absent in the file: a warehouse deactivated through the API stays deactivated.
      assert.equal(warehouse.active, undefined, warehouse.id);
    }
    assert.ok(parsed[0]?.postalPrefixes.includes('01'), 'São Paulo serves CEP 01...');
    assert.ok(parsed[1]?.postalPrefixes.includes('20'), 'Rio serves CEP 20...');
    assert.ok(parsed[2]?.postalPrefixes.includes('80'), 'Curitiba serves CEP 80...');
  });
});

describe('reading the file', () => {
  test('a missing file is undefined, not an error (the file is optional)', () => {
    assert.equal(readWarehousesFile(path.join(os.tmpdir(), 'no-such-dir-x', 'w.yaml')), undefined);
  });

  test('reads and parses a file from disk', () => {
    const file = tempFile('w.yaml', `warehouses:\n${entry()}\n`);
    assert.deepEqual(
      readWarehousesFile(file)?.map((w) => w.id),
      ['wh-a'],
    );
  });

  test('a file larger than the limit is refused before it is parsed', () => {
    const file = tempFile('big.yaml', Buffer.alloc(WAREHOUSES_FILE_SIZE_MAX_BYTES + 1, 0x20));
    assert.throws(
      () => readWarehousesFile(file),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /WAREHOUSES_FILE .*big\.yaml: file is \d+ bytes, more than/);
        return true;
      },
    );
  });

  test('a directory in place of the file is refused with the reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warehouses-dir-'));
    tempDirs.push(dir);
    assert.throws(
      () => readWarehousesFile(dir),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /cannot be read: EISDIR/);
        return true;
      },
    );
  });
});

describe('refusals name the file, the entry and the field', () => {
  const cases: ReadonlyArray<readonly [what: string, text: string, expected: RegExp]> = [
    ['YAML syntax', 'warehouses: [\n  - id: x', /is not valid YAML: .*line/],
    ['a list at the top', '- id: wh-a\n', /must be a mapping with a "warehouses" list/],
    ['an empty file', '', /must be a mapping with a "warehouses" list/],
    ['an unknown top-level key', 'warehouses: []\nstores: []\n', /stores is not a known key/],
    ['warehouses not a list', 'warehouses: wh-a\n', /warehouses must be a list/],
    ['an entry that is not a mapping', 'warehouses:\n  - wh-a\n', /warehouses\[0\]: must be a/],
    ['a missing id', `warehouses:\n${entry({ id: undefined })}`, /warehouses\[0\]: id is required/],
    [
      'a numeric id',
      `warehouses:\n${entry({ id: '42' })}`,
      /warehouses\[0\]: id must be a string, got 42 \(quote it\)/,
    ],
    [
      'a bad id',
      `warehouses:\n${entry({ id: "'wh a'" })}`,
      /warehouses\[0\]: id may contain only letters, digits/,
    ],
    [
      'an over-long id',
      `warehouses:\n${entry({ id: 'w'.repeat(129) })}`,
      /warehouses\[0\]: id must be 1 to 128 characters/,
    ],
    [
      'a missing name',
      `warehouses:\n${entry({ name: undefined })}`,
      /warehouses\[0\]: name is required/,
    ],
    [
      'a blank name',
      `warehouses:\n${entry({ name: "'  '" })}`,
      /warehouses\[0\]: name must be 1 to 200 characters long and not blank/,
    ],
    [
      'a missing region',
      `warehouses:\n${entry({ region: undefined })}`,
      /warehouses\[0\]: region is required/,
    ],
    [
      'an over-long region',
      `warehouses:\n${entry({ region: 'r'.repeat(65) })}`,
      /warehouses\[0\]: region must be 1 to 64 characters/,
    ],
    [
      'a missing priority',
      `warehouses:\n${entry({ priority: undefined })}`,
      /warehouses\[0\]: priority is required/,
    ],
    [
      'a fractional priority',
      `warehouses:\n${entry({ priority: '1.5' })}`,
      /warehouses\[0\]: priority must be an integer, got 1\.5/,
    ],
    [
      'a quoted priority',
      `warehouses:\n${entry({ priority: "'1'" })}`,
      /warehouses\[0\]: priority must be an integer, got "1"/,
    ],
    [
      'a negative priority',
      `warehouses:\n${entry({ priority: '-1' })}`,
      /warehouses\[0\]: priority must be an integer from 0 to 1000000/,
    ],
    [
      'a non-boolean active',
      `warehouses:\n${entry({ active: 'yes' })}`,
      /warehouses\[0\]: active must be true or false, got "yes"/,
    ],
    [
      'latitude without longitude',
      `warehouses:\n${entry({ latitude: '-23.5' })}`,
      /warehouses\[0\]: latitude and longitude must be given together/,
    ],
    [
      'a latitude out of range',
      `warehouses:\n${entry({ latitude: '91', longitude: '0' })}`,
      /warehouses\[0\]: latitude must be a number from -90 to 90/,
    ],
    [
      'a longitude out of range',
      `warehouses:\n${entry({ latitude: '0', longitude: '-181' })}`,
      /warehouses\[0\]: longitude must be a number from -180 to 180/,
    ],
    [
      'a textual latitude',
      `warehouses:\n${entry({ latitude: 'north', longitude: '0' })}`,
      /warehouses\[0\]: latitude must be a number, got "north"/,
    ],
    [
      'an unquoted postal prefix (YAML reads 01 as the number 1)',
      `warehouses:\n${entry({ postal_prefixes: '[01, 02]' })}`,
      /warehouses\[0\]: postal_prefixes\.0 must be a string, got 1; quote it/,
    ],
    [
      'postal prefixes not a list',
      `warehouses:\n${entry({ postal_prefixes: "'01'" })}`,
      /warehouses\[0\]: postal_prefixes must be a list of strings/,
    ],
    [
      'a postal prefix with a separator',
      `warehouses:\n${entry({ postal_prefixes: "['01', '02-1']" })}`,
      /warehouses\[0\]: postal_prefixes\.1 may contain only letters and digits/,
    ],
    [
      'a repeated postal prefix',
      `warehouses:\n${entry({ postal_prefixes: "['01', '01']" })}`,
      /warehouses\[0\]: postal_prefixes\.1 repeats the prefix "01"/,
    ],
    [
      'an unknown field (a typo)',
      `warehouses:\n${entry({ postal_prefix: "['01']" })}`,
      /warehouses\[0\]: postal_prefix is not a known field/,
    ],
    [
      'a duplicate key',
      `warehouses:\n${entry()}\n    name: again`,
      /is not valid YAML: Map keys must be unique/,
    ],
    [
      'deactivating the default warehouse',
      `warehouses:\n${entry({ id: 'default', active: 'false' })}`,
      /warehouses\[0\]: warehouse id default cannot be deactivated/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    test(what, () => {
      assert.match(refusal(text).message, expected);
    });
  }

  test('a repeated id names both entries', () => {
    const text = `warehouses:\n${entry()}\n${entry({ name: 'Other' })}\n`;
    assert.match(
      refusal(text).message,
      /warehouses\[1\]\.id: wh-a is already listed at warehouses\[0\]/,
    );
  });

  test('the entry index points at the broken entry, not the first', () => {
    const text = `warehouses:\n${entry()}\n${entry({ id: 'wh-b', priority: 'high' })}\n`;
    assert.match(refusal(text).message, /warehouses\[1\]: priority must be an integer/);
  });

  test('more than 1000 entries are refused', () => {
    const entries = Array.from(
      { length: 1001 },
      (_, i) => `  - {id: wh-${i}, name: W, region: r, priority: 1}`,
    );
    assert.match(
      refusal(`warehouses:\n${entries.join('\n')}\n`).message,
      /warehouses must have at most 1000 entries, got 1001/,
    );
  });

  test('1000 entries are accepted', () => {
    const entries = Array.from(
      { length: 1000 },
      (_, i) => `  - {id: wh-${i}, name: W, region: r, priority: 1}`,
    );
    assert.equal(parseWarehousesFile(`warehouses:\n${entries.join('\n')}\n`, FILE).length, 1000);
  });

  test('the message has the ConfigError prefix and the variable', () => {
    assert.match(
      refusal(`warehouses:\n${entry({ priority: undefined })}`).message,
      /^invalid configuration: WAREHOUSES_FILE \/etc\/inventory\/warehouses\.yaml: /,
    );
  });
});
