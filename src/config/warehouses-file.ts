import fs from 'node:fs';
import { parseDocument } from 'yaml';
import type { DeclaredWarehouse } from '../app/sync-warehouses.ts';
import {
  findDeactivationProblem,
  findWarehouseFieldProblem,
  WAREHOUSES_SYNC_MAX,
} from '../domain/warehouse-fields.ts';
import { ConfigError } from './config.ts';

/**
 * The warehouses file (WAREHOUSES_FILE, default config/warehouses.yaml): seed 002's format, with
 * optional location and postal prefixes for proximity allocation.
 *
 *   warehouses:
 *     - id: wh-sp-001
 *       name: DC Sao Paulo
 *       region: southeast
 *       priority: 1              # lower is served first
 *       active: true             # optional; absent keeps the stored state (new ones start active)
 *       latitude: -23.5505       # optional, with longitude
 *       longitude: -46.6333
 *       postal_prefixes: ['01', '02']   # optional; quote them so leading zeros stay
 *
 * Every problem is a ConfigError naming WAREHOUSES_FILE, the file, the entry and the field.
 */
const VARIABLE = 'WAREHOUSES_FILE';

/** Far above 1,000 entries with a few hundred prefixes each; a bigger file is a mistake. */
export const WAREHOUSES_FILE_SIZE_MAX_BYTES = 4 * 1024 * 1024;

const ENTRY_KEYS = new Set([
  'id',
  'name',
  'region',
  'priority',
  'active',
  'latitude',
  'longitude',
  'postal_prefixes',
]);

/** Reads and validates the file; undefined when it does not exist (the file is optional). */
export function readWarehousesFile(filePath: string): DeclaredWarehouse[] | undefined {
  let text: string;
  try {
    const size = fs.statSync(filePath).size;
    if (size > WAREHOUSES_FILE_SIZE_MAX_BYTES) {
      throw new ConfigError(
        VARIABLE,
        `${filePath}: file is ${size} bytes, more than the ${WAREHOUSES_FILE_SIZE_MAX_BYTES} allowed`,
      );
    }
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    if (error instanceof ConfigError) {
      throw error;
    }
    throw new ConfigError(VARIABLE, `${filePath}: cannot be read: ${(error as Error).message}`);
  }
  return parseWarehousesFile(text, filePath);
}

/** Parses the file's text; `fileName` only labels the errors. */
export function parseWarehousesFile(text: string, fileName: string): DeclaredWarehouse[] {
  const fail = (message: string): never => {
    throw new ConfigError(VARIABLE, `${fileName}: ${message}`);
  };
  // prettyErrors puts the line and column into the message; its first line is the sentence.
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    fail(`is not valid YAML: ${firstLine(syntax.message)}`);
  }
  const root: unknown = document.toJS({ maxAliasCount: 100 });
  if (!isPlainObject(root)) {
    return fail('must be a mapping with a "warehouses" list');
  }
  const unknownKey = Object.keys(root).find((key) => key !== 'warehouses');
  if (unknownKey !== undefined) {
    fail(`${unknownKey} is not a known key (the file holds only "warehouses")`);
  }
  const entries = root.warehouses;
  if (!Array.isArray(entries)) {
    return fail('warehouses must be a list');
  }
  if (entries.length > WAREHOUSES_SYNC_MAX) {
    fail(`warehouses must have at most ${WAREHOUSES_SYNC_MAX} entries, got ${entries.length}`);
  }
  const firstIndexOf = new Map<string, number>();
  return entries.map((entry: unknown, index) => {
    const warehouse = parseEntry(entry, (message) => fail(`warehouses[${index}]: ${message}`));
    const earlier = firstIndexOf.get(warehouse.id);
    if (earlier !== undefined) {
      fail(`warehouses[${index}].id: ${warehouse.id} is already listed at warehouses[${earlier}]`);
    }
    firstIndexOf.set(warehouse.id, index);
    return warehouse;
  });
}

function parseEntry(entry: unknown, fail: (message: string) => never): DeclaredWarehouse {
  if (!isPlainObject(entry)) {
    return fail('must be a mapping with id, name, region and priority');
  }
  const unknownKey = Object.keys(entry).find((key) => !ENTRY_KEYS.has(key));
  if (unknownKey !== undefined) {
    fail(`${unknownKey} is not a known field (known: ${[...ENTRY_KEYS].join(', ')})`);
  }
  const id = readString(entry, 'id', fail);
  const name = readString(entry, 'name', fail);
  const region = readString(entry, 'region', fail);
  const priority = entry.priority;
  if (priority === undefined) {
    fail('priority is required');
  }
  if (typeof priority !== 'number' || !Number.isInteger(priority)) {
    fail(`priority must be an integer, got ${JSON.stringify(priority)}`);
  }
  const active = entry.active;
  if (active !== undefined && typeof active !== 'boolean') {
    fail(`active must be true or false, got ${JSON.stringify(active)}`);
  }
  const latitude = readCoordinate(entry, 'latitude', fail);
  const longitude = readCoordinate(entry, 'longitude', fail);
  const postalPrefixes = readPostalPrefixes(entry, fail);
  const warehouse: DeclaredWarehouse = {
    id,
    name,
    region,
    priority: priority as number,
    active: active as boolean | undefined,
    latitude: latitude ?? null,
    longitude: longitude ?? null,
    postalPrefixes,
  };
  // The same rules as the API: ranges, lengths, patterns and the both-or-neither location.
  const problem =
    findWarehouseFieldProblem({ ...warehouse, latitude, longitude }) ??
    (active === false ? findDeactivationProblem(id) : undefined);
  if (problem !== undefined) {
    fail(problem.message);
  }
  return warehouse;
}

function readString(
  entry: Record<string, unknown>,
  field: string,
  fail: (message: string) => never,
): string {
  const value = entry[field];
  if (value === undefined || value === null) {
    return fail(`${field} is required`);
  }
  if (typeof value !== 'string') {
    return fail(`${field} must be a string, got ${JSON.stringify(value)} (quote it)`);
  }
  return value;
}

function readCoordinate(
  entry: Record<string, unknown>,
  field: string,
  fail: (message: string) => never,
): number | undefined {
  const value = entry[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fail(`${field} must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readPostalPrefixes(
  entry: Record<string, unknown>,
  fail: (message: string) => never,
): string[] {
  const value = entry.postal_prefixes;
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    return fail('postal_prefixes must be a list of strings');
  }
  return value.map((prefix: unknown, index) => {
    if (typeof prefix !== 'string') {
      // YAML reads 01 as the number 1: the leading zero, which is the point of a prefix, is lost.
      return fail(
        `postal_prefixes.${index} must be a string, got ${JSON.stringify(prefix)}; quote it ` +
          `(e.g. '01') so leading zeros are kept`,
      );
    }
    return prefix;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** yaml's pretty message is "<sentence> at line L, column C:" followed by the source excerpt. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}
