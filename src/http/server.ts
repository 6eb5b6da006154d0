import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { AppDeps } from '../app/ports.ts';
import { type ErrorCode, isDomainError } from '../domain/errors.ts';
import { CORRELATION_ID_LENGTH_MAX } from '../domain/limits.ts';
import { errorBody, HTTP_STATUS_OF } from './error-mapping.ts';
import { requestLoggerFactory } from './request-logger.ts';
import type { RequestTracker } from './request-tracker.ts';
import { adminProductRoutes } from './routes/admin-product.routes.ts';
import { type HealthProbe, healthRoutes } from './routes/health.routes.ts';
import { inventoryRoutes } from './routes/inventory.routes.ts';
import { itemRoutes } from './routes/item.routes.ts';
import { movementRoutes } from './routes/movement.routes.ts';
import { reservationRoutes } from './routes/reservation.routes.ts';
import { stockOperationRoutes } from './routes/stock-operation.routes.ts';
import { warehouseRoutes } from './routes/warehouse.routes.ts';
import { describeValidationError, validatorCompiler } from './validation.ts';

export interface ServerOptions {
  readonly deps: AppDeps;
  readonly logger: PinoLogger;
  readonly health: HealthProbe;
  /** Log every request (debug mode); off in release mode, where it would cost on the hot path. */
  readonly logRequests: boolean;
  readonly bodyLimitBytes?: number;
  /** Told when each request starts and when its answer is sent (see request-tracker.ts). */
  readonly tracker: RequestTracker;
}

const BODY_LIMIT_BYTES = 64 * 1024;
/**
 * The router refuses a longer path parameter before validation runs. Well above ID_LENGTH_MAX (the
 * router's default of 100 refused valid 101..128-character ids), so the schema names the problem.
 */
const PATH_PARAM_LENGTH_MAX = 1024;
/** A caller's X-Request-Id is kept when it is visible ASCII and not too long. */
const REQUEST_ID_PATTERN = new RegExp(`^[\\x21-\\x7E]{1,${CORRELATION_ID_LENGTH_MAX}}$`);

/** SQLSTATE classes and socket errors that mean "the database is not there right now". */
const UNAVAILABLE_SQLSTATE_PREFIXES = ['08', '57P'];
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

export async function buildServer(options: ServerOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    // request.log is made when a request first logs, not for every request (request-logger.ts).
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: options.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: PATH_PARAM_LENGTH_MAX },
    // Errors the router raises before any route runs (bad percent-encoding, an over-long path
    // parameter) get the same envelope as every other error.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
    // Honour a caller's X-Request-Id (bounded) so one id follows a request across services.
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
    },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  const tracker = options.tracker;
  app.addHook('onRequest', (request, _reply, done) => {
    tracker.enter(request);
    done();
  });
  app.addHook('onSend', async (request, reply) => {
    tracker.leave(request);
    reply.header('x-request-id', request.id);
  });

  // Only JSON bodies are accepted: a text/plain body is 415, like any other media type.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler(sendError);

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody('ROUTE_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
      ),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Inventory service',
        version: '0.1.0',
        description:
          'Stock levels, TTL reservations and a movement ledger. Errors: docs/errors.md.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes(options.health));
  await app.register(inventoryRoutes(options.deps));
  await app.register(reservationRoutes(options.deps));
  await app.register(warehouseRoutes(options.deps));
  await app.register(itemRoutes(options.deps));
  await app.register(stockOperationRoutes(options.deps));
  await app.register(movementRoutes(options.deps));
  await app.register(adminProductRoutes(options.deps));
  return app;
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const mapped = mapError(error);
  if (mapped.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }
  return reply
    .code(mapped.status)
    .send(errorBody(mapped.code, mapped.message, { field: mapped.field, details: mapped.details }));
}

interface MappedError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly field?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

function mapError(error: FastifyError): MappedError {
  if (isDomainError(error)) {
    const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
    return {
      status: HTTP_STATUS_OF[error.code],
      code: error.code,
      message: error.message,
      field,
      details: error.details,
    };
  }
  if (error.validation !== undefined) {
    const problem = describeValidationError(error.validation, error.validationContext);
    return {
      status: 400,
      code: 'VALIDATION_ERROR',
      message: problem.message,
      field: problem.field,
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'request body must be sent as Content-Type: application/json',
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 400,
        code: 'VALIDATION_ERROR',
        message: `a path parameter is longer than ${PATH_PARAM_LENGTH_MAX} characters`,
        field: 'path',
      };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        code: 'VALIDATION_ERROR',
        message: 'the URL path is not valid: it has a malformed percent-encoding',
        field: 'path',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        code: 'VALIDATION_ERROR',
        message: 'request body is empty; send a JSON object',
      };
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return {
      status: 400,
      code: 'VALIDATION_ERROR',
      message: `request body is not valid JSON: ${error.message}`,
    };
  }
  if (isUnavailable(error)) {
    return {
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'the database is unavailable; retry later',
    };
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Any other client error Fastify raises (e.g. a bad header) stays a 4xx with its own words.
    return { status, code: 'VALIDATION_ERROR', message: error.message };
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'internal error; it has been logged' };
}

function isUnavailable(error: FastifyError): boolean {
  const code = error.code;
  if (typeof code !== 'string') {
    return false;
  }
  return (
    UNAVAILABLE_ERRNOS.has(code) ||
    (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_PREFIXES.some((p) => code.startsWith(p)))
  );
}
