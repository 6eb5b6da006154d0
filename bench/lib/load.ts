import { Pool } from 'undici';

/**
 * A closed-loop load generator: `connections` workers each send a request, wait for its answer,
 * record the latency and send the next, until `durationMs` has passed. Closed-loop means the
 * figures are throughput at that concurrency, and latency includes queueing in the service.
 */
export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationMs: number;
  readonly statuses: Readonly<Record<number, number>>;
  readonly errors: number;
  readonly latenciesMs: Float64Array;
  /** Set when the driver reports percentiles itself (wrk) instead of every latency. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** One unit of work for a worker: usually one request, or a short chain (mixed checkout). */
export type Step = (send: Send, worker: number, iteration: number) => Promise<void>;
export type Send = (request: LoadRequest) => Promise<{ status: number; body: unknown }>;

const LATENCY_SAMPLES_MAX = 5_000_000;

export async function runLoad(options: {
  readonly baseUrl: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly step: Step;
}): Promise<LoadResult> {
  const pool = new Pool(options.baseUrl, { connections: options.connections, pipelining: 1 });
  const latencies = new Float64Array(LATENCY_SAMPLES_MAX);
  let count = 0;
  let errors = 0;
  const statuses: Record<number, number> = {};
  const send: Send = async (request) => {
    const started = performance.now();
    try {
      const response = await pool.request({
        method: request.method,
        path: request.path,
        headers: {
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...request.headers,
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      const body = await response.body.json();
      if (count < LATENCY_SAMPLES_MAX) {
        latencies[count] = performance.now() - started;
      }
      count++;
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      return { status: response.statusCode, body };
    } catch (error) {
      errors++;
      throw error;
    }
  };
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        await options.step(send, worker, iteration).catch(() => undefined);
      }
    }),
  );
  const durationMs = performance.now() - started;
  await pool.close();
  return {
    requests: count,
    durationMs,
    statuses,
    errors,
    latenciesMs: latencies.slice(0, Math.min(count, LATENCY_SAMPLES_MAX)).sort(),
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[index] ?? Number.NaN;
}
