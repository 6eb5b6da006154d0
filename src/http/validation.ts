import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { ID_PATTERN, IDEMPOTENCY_KEY_PATTERN } from '../domain/limits.ts';

/**
 * Request validation. Bodies are validated strictly: a string is never coerced into a number
 * ("5" for a quantity is an error, not 5) and unknown fields are refused, not silently dropped.
 * Path and query parameters arrive as strings by nature, so those may be coerced.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const strictAjv = createAjv(false);
const coercingAjv = createAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
  return ajv.compile(schema as object);
};

export interface ValidationProblem {
  readonly field: string;
  readonly message: string;
}

/** Turns Ajv's first error into a sentence that names the field, e.g. "quantity must be an integer". */
export function describeValidationError(
  errors: readonly ErrorObject[],
  httpPart: string | undefined,
): ValidationProblem {
  const error = errors[0];
  if (error === undefined) {
    return { field: httpPart ?? 'request', message: 'request is invalid' };
  }
  const base = error.instancePath
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
  const join = (child: string): string => (base === '' ? child : `${base}.${child}`);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = join(String(params.missingProperty));
      return { field, message: `${field} is required` };
    }
    case 'additionalProperties': {
      const field = join(String(params.additionalProperty));
      return { field, message: `${field} is not a known field` };
    }
    case 'type': {
      const field = base === '' ? describePart(httpPart) : base;
      return { field, message: `${field} must be ${article(String(params.type))}` };
    }
    case 'pattern': {
      const rule = PATTERN_RULES[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      return { field: base, message: `${base} ${rule}` };
    }
    case 'enum': {
      const field = base === '' ? describePart(httpPart) : base;
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return { field, message: `${field} must be one of ${allowed.join(', ')}` };
    }
    case 'format': {
      return { field: base, message: `${base} must be a valid ${String(params.format)}` };
    }
    default: {
      const field = base === '' ? describePart(httpPart) : base;
      return { field, message: `${field} ${humanize(error.message ?? 'is invalid')}` };
    }
  }
}

/** Each pattern the schemas use, in words; the sentence must state the rule that was broken. */
const PATTERN_RULES: Readonly<Record<string, string>> = {
  [ID_PATTERN]:
    'may contain only letters, digits and . _ : @ ~ - and must start with a letter or digit',
  [IDEMPOTENCY_KEY_PATTERN]:
    'may contain only visible ASCII characters (no spaces or control characters)',
};

function describePart(httpPart: string | undefined): string {
  switch (httpPart) {
    case 'body':
      return 'request body';
    case 'querystring':
      return 'query string';
    case 'params':
      return 'path';
    case 'headers':
      return 'headers';
    default:
      return 'request';
  }
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'a JSON object';
    case 'array':
      return 'an array';
    default:
      return `a ${type}`;
  }
}

function humanize(message: string): string {
  return message
    .replace(/^must NOT have more than (\d+) characters$/, 'must be at most $1 characters long')
    .replace(/^must NOT have fewer than (\d+) characters$/, 'must be at least $1 characters long')
    .replace(/^must be <= (\S+)$/, 'must be at most $1')
    .replace(/^must be >= (\S+)$/, 'must be at least $1')
    .replace(/^must NOT have more than (\d+) items$/, 'must have at most $1 items')
    .replace(/^must NOT have fewer than (\d+) items$/, 'must have at least $1 items');
}
