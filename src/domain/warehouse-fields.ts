import { ID_LENGTH_MAX, ID_PATTERN } from './limits.ts';
import { DEFAULT_WAREHOUSE_ID } from './stock.ts';

/**
 * Rules for a warehouse's fields, shared by the REST API, the warehouses YAML file and the use
 * cases, so a warehouse refused by one is refused by all, with the same words. Field names in
 * problems are the external (snake_case) ones that the API and the file use.
 */

/** Same bounds as the CHECK constraints on the warehouses table. */
export const WAREHOUSE_NAME_LENGTH_MAX = 200;
export const WAREHOUSE_REGION_LENGTH_MAX = 64;
export const WAREHOUSE_PRIORITY_MAX = 1_000_000;
/** Used when a warehouse is created without one: the table's default, behind seed 002's 1 and 2. */
export const WAREHOUSE_PRIORITY_DEFAULT = 100;

/**
 * Postal prefixes: enough for a country's worth of 3-digit prefixes, each short and free of
 * separators so "starts with" on a destination postal code means what it says.
 */
export const POSTAL_PREFIXES_MAX = 1_000;
export const POSTAL_PREFIX_LENGTH_MAX = 10;
export const POSTAL_PREFIX_PATTERN = '^[0-9A-Za-z]+$';

/** Page size bound for listing warehouses and a warehouse's stock. */
export const WAREHOUSE_PAGE_SIZE_MAX = 500;
export const WAREHOUSE_PAGE_SIZE_DEFAULT = 100;

/** Entries one sync (the warehouses file) may hold. */
export const WAREHOUSES_SYNC_MAX = 1_000;

/** A warehouse as declared by an operator: every field that is not bookkeeping. */
export interface WarehouseSpec {
  readonly id: string;
  readonly name: string;
  readonly region: string | null;
  readonly priority: number;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly postalPrefixes: readonly string[];
}

export interface WarehouseFieldProblem {
  readonly field: string;
  readonly message: string;
}

const ID_REGEX = new RegExp(ID_PATTERN);
const POSTAL_PREFIX_REGEX = new RegExp(POSTAL_PREFIX_PATTERN);

/**
 * The first broken rule among the fields given (absent fields are not checked), or undefined.
 * Types are the caller's business (TypeScript, a schema or the file parser); this checks values.
 */
export function findWarehouseFieldProblem(
  fields: Partial<WarehouseSpec>,
): WarehouseFieldProblem | undefined {
  if (fields.id !== undefined) {
    if (fields.id.length < 1 || fields.id.length > ID_LENGTH_MAX) {
      return { field: 'id', message: `id must be 1 to ${ID_LENGTH_MAX} characters long` };
    }
    if (!ID_REGEX.test(fields.id)) {
      return {
        field: 'id',
        message:
          'id may contain only letters, digits and . _ : @ ~ - and must start with a letter or digit',
      };
    }
  }
  if (fields.name !== undefined) {
    const problem = checkText('name', fields.name, WAREHOUSE_NAME_LENGTH_MAX);
    if (problem !== undefined) {
      return problem;
    }
  }
  if (fields.region !== undefined && fields.region !== null) {
    const problem = checkText('region', fields.region, WAREHOUSE_REGION_LENGTH_MAX);
    if (problem !== undefined) {
      return problem;
    }
  }
  if (fields.priority !== undefined) {
    if (
      !Number.isInteger(fields.priority) ||
      fields.priority < 0 ||
      fields.priority > WAREHOUSE_PRIORITY_MAX
    ) {
      return {
        field: 'priority',
        message: `priority must be an integer from 0 to ${WAREHOUSE_PRIORITY_MAX} (lower is served first)`,
      };
    }
  }
  const location = checkLocation(fields.latitude, fields.longitude);
  if (location !== undefined) {
    return location;
  }
  if (fields.postalPrefixes !== undefined) {
    return checkPostalPrefixes(fields.postalPrefixes);
  }
  return undefined;
}

/** Seed 000's API reads and writes the default warehouse, so it must stay active. */
export function findDeactivationProblem(id: string): WarehouseFieldProblem | undefined {
  if (id === DEFAULT_WAREHOUSE_ID) {
    return {
      field: 'id',
      message: `warehouse id ${DEFAULT_WAREHOUSE_ID} cannot be deactivated: seed 000's API uses it`,
    };
  }
  return undefined;
}

function checkText(
  field: string,
  value: string,
  lengthMax: number,
): WarehouseFieldProblem | undefined {
  if (value.trim().length === 0 || value.length > lengthMax) {
    return {
      field,
      message: `${field} must be 1 to ${lengthMax} characters long and not blank`,
    };
  }
  return undefined;
}

function checkLocation(
  latitude: number | null | undefined,
  longitude: number | null | undefined,
): WarehouseFieldProblem | undefined {
  // Both or neither: a single coordinate locates nothing (the table's CHECK says the same).
  if ((latitude === undefined) !== (longitude === undefined)) {
    const missing = latitude === undefined ? 'latitude' : 'longitude';
    return { field: missing, message: 'latitude and longitude must be given together' };
  }
  if ((latitude === null) !== (longitude === null)) {
    const missing = latitude === null ? 'latitude' : 'longitude';
    return { field: missing, message: 'latitude and longitude must both be set or both be null' };
  }
  if (typeof latitude === 'number' && !(latitude >= -90 && latitude <= 90)) {
    return { field: 'latitude', message: 'latitude must be a number from -90 to 90' };
  }
  if (typeof longitude === 'number' && !(longitude >= -180 && longitude <= 180)) {
    return { field: 'longitude', message: 'longitude must be a number from -180 to 180' };
  }
  return undefined;
}

function checkPostalPrefixes(prefixes: readonly string[]): WarehouseFieldProblem | undefined {
  if (prefixes.length > POSTAL_PREFIXES_MAX) {
    return {
      field: 'postal_prefixes',
      message: `postal_prefixes must have at most ${POSTAL_PREFIXES_MAX} items`,
    };
  }
  const seen = new Set<string>();
  for (const [index, prefix] of prefixes.entries()) {
    const field = `postal_prefixes.${index}`;
    if (prefix.length < 1 || prefix.length > POSTAL_PREFIX_LENGTH_MAX) {
      return {
        field,
        message: `${field} must be 1 to ${POSTAL_PREFIX_LENGTH_MAX} characters long`,
      };
    }
    if (!POSTAL_PREFIX_REGEX.test(prefix)) {
      return { field, message: `${field} may contain only letters and digits` };
    }
    if (seen.has(prefix)) {
      return { field, message: `${field} repeats the prefix ${JSON.stringify(prefix)}` };
    }
    seen.add(prefix);
  }
  return undefined;
}
