import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadRequest } from '../../bench/lib/load.ts';
import { hotReserveIdempotent, soldOutCartIdempotent } from '../../bench/scenarios.ts';

for (const scenario of [hotReserveIdempotent, soldOutCartIdempotent]) {
  test(`${scenario.name} sends a key once, though every run counts its iterations from 0`, async () => {
    const keys: string[] = [];
    const send = async (request: LoadRequest) => {
      keys.push(request.headers?.['idempotency-key'] ?? '');
      return { status: 201, body: {} };
    };
    // Two runs (the warm-up, then the measured one), each of two workers' first two iterations.
    for (let run = 0; run < 2; run++) {
      for (const worker of [0, 1]) {
        for (const iteration of [0, 1]) {
          await scenario.step(send, worker, iteration);
        }
      }
    }
    assert.equal(keys.length, 8);
    assert.equal(new Set(keys).size, 8);
    assert.ok(keys.every((key) => key.length > 0));
  });
}
