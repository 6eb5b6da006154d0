import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import { HTTP_STATUS_OF } from '../../src/http/error-mapping.ts';

/** docs/errors.md is the public list of error codes; it must match the code, row for row. */
const doc = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

function documentedRows(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

test('every error code is documented with its HTTP status', () => {
  const rows = documentedRows();
  for (const code of ERROR_CODES) {
    assert.equal(rows.get(code), HTTP_STATUS_OF[code], `docs/errors.md row for ${code}`);
  }
});

test('the doc lists no code that does not exist', () => {
  const known = new Set<string>(ERROR_CODES);
  for (const code of documentedRows().keys()) {
    assert.ok(known.has(code), `docs/errors.md lists unknown code ${code}`);
  }
});
