import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../../domain/errors.ts';
import { ErrorResponseSchema, envelope } from '../schemas/common.schemas.ts';

export interface HealthProbe {
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase(): Promise<void>;
  /** True once shutdown has begun: readiness turns false so load balancers stop sending. */
  isShuttingDown(): boolean;
}

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  database: Type.Literal('up'),
  uptimeSeconds: Type.Integer(),
});

export function healthRoutes(probe: HealthProbe): FastifyPluginAsyncTypebox {
  const tags = ['health'];
  const response = { 200: envelope(HealthSchema), '5xx': ErrorResponseSchema };

  async function check() {
    try {
      await probe.checkDatabase();
    } catch (error) {
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        `database is unreachable: ${(error as Error).message}`,
      );
    }
    return {
      success: true as const,
      message: 'ok',
      data: {
        status: 'ok' as const,
        database: 'up' as const,
        uptimeSeconds: Math.floor(process.uptime()),
      },
    };
  }

  return async (app) => {
    app.get(
      '/health',
      { schema: { tags, summary: 'Liveness and database check', response } },
      check,
    );
    app.get(
      '/readiness',
      { schema: { tags, summary: 'Ready for traffic (false while shutting down)', response } },
      async () => {
        if (probe.isShuttingDown()) {
          throw new DomainError('SERVICE_UNAVAILABLE', 'the service is shutting down');
        }
        return check();
      },
    );
  };
}
