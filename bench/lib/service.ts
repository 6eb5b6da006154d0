import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SERVE_NODE_FLAGS } from '../../src/main/heap-settings.ts';

/** The service under test, as its own process (as in production), with its peak memory. */
export interface RunningService {
  readonly baseUrl: string;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const CLI = path.join(ROOT, 'src/cli/main.ts');
/** A CLI command here loads or checks a bench's data directory; none should take this long. */
const CLI_TIMEOUT_MS = 300_000;

/** Runs `inventory-service <args>` to completion on the embedded database under dataDir. */
export function runCliOnDataDir(
  args: readonly string[],
  dataDir: string,
): SpawnSyncReturns<string> {
  return spawnSync(NODE, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

export async function startService(env: Record<string, string>): Promise<RunningService> {
  const port = await freePort();
  // The flags `npm start` passes, so the bench measures the memory users get.
  const args = [...SERVE_NODE_FLAGS, path.join(ROOT, 'src/cli/main.ts'), 'serve'];
  const child: ChildProcess = spawn(NODE, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      EXPIRATION_POLL_INTERVAL: '1h',
      // e.g. BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the service.
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) {
        break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('the service did not start within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = child.pid ?? 0;
  return {
    baseUrl,
    pid,
    peakRssMiB() {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
      return kib / 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
