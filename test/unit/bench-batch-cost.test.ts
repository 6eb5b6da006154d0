import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitBatchCost, microsPerReservation } from '../../bench/lib/batch-cost.ts';

test('the fit splits a batch into what every batch pays and what each reservation adds', () => {
  // 700 µs a batch plus 40 µs a reservation, measured twice at each size with ±10 µs of noise.
  const points = [1, 4, 16, 32, 64].flatMap((size) => [
    { size, cpuMicrosPerBatch: 700 + 40 * size + 10 },
    { size, cpuMicrosPerBatch: 700 + 40 * size - 10 },
  ]);
  const fit = fitBatchCost(points);
  assert.ok(Math.abs(fit.fixedMicros - 700) < 1e-6, `fixed ${fit.fixedMicros}`);
  assert.ok(Math.abs(fit.marginalMicros - 40) < 1e-9, `marginal ${fit.marginalMicros}`);
  assert.ok(Math.abs(microsPerReservation(fit, 1) - 740) < 1e-6);
  assert.ok(Math.abs(microsPerReservation(fit, 32) - (40 + 700 / 32)) < 1e-6);
});

test('the fit skips runs that measured nothing, and refuses a single batch size', () => {
  const fit = fitBatchCost([
    { size: 1, cpuMicrosPerBatch: 100 },
    { size: 2, cpuMicrosPerBatch: Number.NaN },
    { size: 3, cpuMicrosPerBatch: 300 },
  ]);
  assert.ok(Math.abs(fit.fixedMicros) < 1e-9 && Math.abs(fit.marginalMicros - 100) < 1e-9);
  assert.throws(
    () =>
      fitBatchCost([
        { size: 8, cpuMicrosPerBatch: 900 },
        { size: 8, cpuMicrosPerBatch: 950 },
      ]),
    /two batch sizes/,
  );
});
