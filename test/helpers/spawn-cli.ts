import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/**
 * Runs the real CLI (`node src/cli/main.ts <command>`) as a child process with a clean environment:
 * only PATH and the variables a test passes, so nothing (DATABASE_URL above all) leaks in from the
 * shell that runs the tests. Every wait is bounded.
 */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(PROJECT_ROOT, 'node_modules/.bin/node');

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited; rejects after timeoutMs. */
  exited(timeoutMs: number): Promise<CliExit>;
  /** SIGKILL if still running (for after hooks); safe to call more than once. */
  kill(): void;
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function cliEnv(vars: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'silent', ...vars };
}

export function startCli(args: readonly string[], vars: Record<string, string>): CliProcess {
  const child = spawn(NODE, ['src/cli/main.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: cliEnv(vars),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<CliExit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' (not 'exit') so the output streams are fully read.
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  // Keep an unobserved rejection from failing the run when a test never awaits exited().
  exit.catch(() => undefined);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: (timeoutMs) =>
      withTimeout(exit, timeoutMs, () => {
        return `${args.join(' ')} did not exit within ${timeoutMs}ms; stderr: ${err}`;
      }),
    kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    },
  };
}

/** Runs a command to completion; kills it and rejects if it runs longer than timeoutMs. */
export async function runCli(
  args: readonly string[],
  vars: Record<string, string>,
  timeoutMs = 20_000,
): Promise<CliExit> {
  const cli = startCli(args, vars);
  try {
    return await cli.exited(timeoutMs);
  } finally {
    cli.kill();
  }
}

export async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port nothing listens on right now: bind port 0, read it, close. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('assertion failed: a TCP server has no port');
  }
  return address.port;
}

export interface HttpResult {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field and asserted
  readonly body: any;
}

/**
 * One HTTP request on its own connection (agent: false, `Connection: close`), so no pooled
 * keep-alive socket outlives it. Rejects with the socket error (ECONNREFUSED, ECONNRESET, ...).
 */
export function httpRequest(
  port: number,
  method: 'GET' | 'POST',
  urlPath: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent: false,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve({
              status: response.statusCode ?? 0,
              body: text === '' ? null : JSON.parse(text),
            });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${urlPath} timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** Polls GET /health until 200; fails early if the process exits, and after timeoutMs. */
export async function waitForHealthy(cli: CliProcess, port: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) {
      throw new Error(
        `service exited (${cli.child.exitCode ?? cli.child.signalCode}) before it was healthy; ` +
          `stderr: ${cli.stderr()}`,
      );
    }
    try {
      const response = await httpRequest(port, 'GET', '/health', undefined, 2_000);
      if (response.status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`service on port ${port} not healthy within ${timeoutMs}ms: ${cli.stderr()}`);
    }
    await sleep(100);
  }
}
