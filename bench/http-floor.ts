import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { processCpuMillis } from './lib/cpu.ts';
import { wholeNumber } from './lib/options.ts';

/**
 * `node bench/http-floor.ts [--seconds 10] [--connections 64]`: the CPU a request costs the
 * service's process before the service does anything, on this machine: a bare `node:http` server
 * and a bare Fastify app each answer seed 000's reserve (the same JSON body in, a reservation-sized
 * JSON answer out, 201) and wrk drives them as the bench drives the service (`wrk -t2`, 64
 * connections). Compare their µs a request with the bench's `svc µs/req`: what lies between is the
 * service's own (validation, hooks, the use case, the batch, the pg driver, its garbage).
 *
 * Each server runs in a child process of its own (this file with `--serve`), whose CPU time is
 * read from /proc before and after the run.
 */
const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    serve: { type: 'string' },
    port: { type: 'string', default: '3990' },
  },
});

const ANSWER = JSON.stringify({
  success: true,
  message: 'Stock reserved',
  data: {
    reservationId: '019ad2f1-6b3c-7e5f-8a9b-0c1d2e3f4a5b',
    productId: 'uni0001234',
    orderId: 'wrk-1-123456789',
    quantity: 1,
    status: 'RESERVED',
    expiresAt: '2026-11-30T03:15:00.000Z',
    createdAt: '2026-11-30T03:00:00.000Z',
  },
});
const BODY = '{"productId":"uni0001234","orderId":"wrk-1-123456789","quantity":1}';
const seconds = wholeNumber('--seconds', options.seconds, 1, 600);
const connections = wholeNumber('--connections', options.connections, 1, 1024);
const port = wholeNumber('--port', options.port, 1024, 65_535);
if (options.serve !== undefined && options.serve !== 'node' && options.serve !== 'fastify') {
  throw new Error(`--serve: unknown server ${options.serve}; node or fastify`);
}

if (options.serve === 'node') {
  http
    .createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        text += chunk;
      });
      request.on('end', () => {
        JSON.parse(text);
        response.writeHead(201, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(ANSWER),
        });
        response.end(ANSWER);
      });
    })
    .listen(port, '127.0.0.1', () => process.send?.('ready'));
} else if (options.serve === 'fastify') {
  const app = Fastify({ logger: false });
  const answer = JSON.parse(ANSWER) as unknown;
  const text = { type: 'string' } as const;
  app.post(
    '/inventory/reserve',
    {
      schema: {
        body: {
          type: 'object',
          required: ['productId', 'orderId', 'quantity'],
          additionalProperties: false,
          properties: {
            productId: { type: 'string', minLength: 1, maxLength: 128 },
            orderId: { type: 'string', minLength: 1, maxLength: 128 },
            quantity: { type: 'integer', minimum: 1 },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              success: { type: 'boolean' },
              message: text,
              data: {
                type: 'object',
                properties: {
                  reservationId: text,
                  productId: text,
                  orderId: text,
                  quantity: { type: 'integer' },
                  status: text,
                  expiresAt: text,
                  createdAt: text,
                },
              },
            },
          },
        },
      },
    },
    async (_request, reply) => reply.code(201).send(answer),
  );
  await app.listen({ port, host: '127.0.0.1' });
  process.send?.('ready');
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-floor-'));
  const script = path.join(dir, 'post.lua');
  fs.writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  process.stdout.write(
    `command: node bench/http-floor.ts --seconds ${seconds} --connections ${connections}\n`,
  );
  process.stdout.write('server     req/s   µs a request (server process CPU)\n');
  for (const kind of ['node', 'fastify']) {
    const child = spawn(
      process.execPath,
      [import.meta.filename, '--serve', kind, '--port', String(port)],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
    });
    const pid = String(child.pid);
    const run = (runSeconds: number) =>
      new Promise<string>((resolve, reject) => {
        const wrk = spawn('wrk', [
          '-t2',
          `-c${connections}`,
          `-d${runSeconds}s`,
          '-s',
          script,
          `http://127.0.0.1:${port}/inventory/reserve`,
        ]);
        let out = '';
        wrk.stdout.on('data', (chunk) => {
          out += String(chunk);
        });
        wrk.on('error', reject);
        wrk.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk: ${out}`))));
      });
    await run(2); // warm-up: the JIT
    const before = processCpuMillis(pid);
    const out = await run(seconds);
    const after = processCpuMillis(pid);
    // The next server listens on the same port: wait until this one is gone.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    if (!(requests > 0) || non2xx > 0) {
      throw new Error(`${kind}: ${requests} requests, ${non2xx} not 2xx:\n${out}`);
    }
    const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    process.stdout.write(
      `${kind.padEnd(8)} ${perSecond.toFixed(0).padStart(7)}   ${(((after - before) * 1000) / requests).toFixed(1)}\n`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
