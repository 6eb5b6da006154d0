import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LoadResult } from './load.ts';

/**
 * Drives a single-request scenario with wrk (a C load generator, Debian package `wrk`), which
 * leaves more of a 2-core machine to the service and PostgreSQL than the Node driver does. wrk
 * reports its own percentiles; the result carries those.
 */
export async function runWrk(options: {
  readonly baseUrl: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly env: Readonly<Record<string, string>>;
}): Promise<LoadResult> {
  const script = path.join(import.meta.dirname, '../wrk/request.lua');
  const args = [
    '-t2',
    `-c${options.connections}`,
    `-d${Math.round(options.durationMs / 1000)}s`,
    '--latency',
    '-s',
    script,
    options.baseUrl,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { env: { ...process.env, ...options.env } });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`)),
    );
  });
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
  const millis = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
    if (match === null) {
      return Number.NaN;
    }
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const requests = number(/(\d+) requests in/);
  const seconds = number(/requests in ([\d.]+)s/);
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/);
  const errors = [...output.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  return {
    requests,
    durationMs: seconds * 1000,
    statuses: {
      200: requests - (Number.isNaN(non2xx) ? 0 : non2xx),
      599: Number.isNaN(non2xx) ? 0 : non2xx,
    },
    errors,
    latenciesMs: new Float64Array(0),
    p50Ms: millis('50'),
    p99Ms: millis('99'),
  };
}
