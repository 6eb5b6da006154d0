import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SERVE_NODE_FLAGS } from '../../src/main/heap-settings.ts';

/** The young generation's size can only be set on the node command line: every way in passes it. */
const ROOT = path.resolve(import.meta.dirname, '../..');

test('npm start passes the serve flags to node', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.equal(pkg.scripts.start, `node ${SERVE_NODE_FLAGS.join(' ')} src/cli/main.ts serve`);
});

test('bin/inventory-service.js passes them in its #! line', () => {
  const [shebang] = fs
    .readFileSync(path.join(ROOT, 'bin/inventory-service.js'), 'utf8')
    .split('\n');
  assert.equal(shebang, `#!/usr/bin/env -S node ${SERVE_NODE_FLAGS.join(' ')}`);
});
