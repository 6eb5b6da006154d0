/**
 * What a group-commit batch costs PostgreSQL, split in two: a part every batch pays whatever its
 * size (the call, executor start-up of each statement inside the function, the commit) and a part
 * each reservation adds. A least-squares line through (batch size, CPU per batch): the intercept is
 * the fixed part, the slope the marginal one. With both, the CPU a reservation costs in a batch of
 * n is `marginal + fixed / n`, which is what decides whether smaller batches (two in flight, fewer
 * connections) pay.
 */
export interface BatchCostPoint {
  /** Reservations in each batch. */
  readonly size: number;
  /** PostgreSQL CPU per batch, µs. */
  readonly cpuMicrosPerBatch: number;
}

export interface BatchCostFit {
  /** CPU every batch pays, µs. */
  readonly fixedMicros: number;
  /** CPU each reservation adds, µs. */
  readonly marginalMicros: number;
}

export function fitBatchCost(points: readonly BatchCostPoint[]): BatchCostFit {
  const usable = points.filter(
    (p) => Number.isFinite(p.size) && Number.isFinite(p.cpuMicrosPerBatch) && p.size > 0,
  );
  if (new Set(usable.map((p) => p.size)).size < 2) {
    throw new Error('fitBatchCost: needs measurements at two batch sizes or more');
  }
  const n = usable.length;
  const meanSize = usable.reduce((sum, p) => sum + p.size, 0) / n;
  const meanCpu = usable.reduce((sum, p) => sum + p.cpuMicrosPerBatch, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of usable) {
    covariance += (p.size - meanSize) * (p.cpuMicrosPerBatch - meanCpu);
    variance += (p.size - meanSize) ** 2;
  }
  const marginalMicros = covariance / variance;
  return { fixedMicros: meanCpu - marginalMicros * meanSize, marginalMicros };
}

/** CPU per reservation in batches of `size`, by the fit. */
export function microsPerReservation(fit: BatchCostFit, size: number): number {
  return fit.marginalMicros + fit.fixedMicros / size;
}
