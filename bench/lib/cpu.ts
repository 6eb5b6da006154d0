import fs from 'node:fs';

/**
 * CPU time from /proc, for figures that say what a request costs rather than how many fit in a
 * second: on these shared 2-core machines requests/s of one build moves by up to ±30% from one
 * run to the next, while the CPU each request takes moves far less. User plus system time, all
 * threads; Linux only, and meaningful only when the bench's PostgreSQL runs on this machine and
 * nothing else uses it meanwhile.
 */
const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/** The name and user plus system CPU ms of one process, or undefined when it ended. */
function processCpu(pid: string): { name: string; millis: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the name (which may hold spaces): state is the 1st, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    millis: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
  };
}

/** User plus system CPU ms of one process; NaN when it has ended. */
export function processCpuMillis(pid: string): number {
  return processCpu(pid)?.millis ?? Number.NaN;
}

/** CPU ms by pid of every process whose name starts with `postgres`. */
export function postgresCpuMillis(): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const cpu = processCpu(entry);
    if (cpu?.name.startsWith('postgres')) {
      byPid.set(entry, cpu.millis);
    }
  }
  return byPid;
}

/**
 * CPU ms used between two snapshots by the processes alive at the second; NaN when none. Compared
 * by pid, so a backend that exits in between (a warm-up's) does not count negative.
 */
export function cpuMillisBetween(before: Map<string, number>, after: Map<string, number>): number {
  if (after.size === 0) {
    return Number.NaN;
  }
  let millis = 0;
  for (const [pid, total] of after) {
    millis += total - (before.get(pid) ?? 0);
  }
  return millis;
}

export interface CpuPerRequest {
  /** The service process's CPU µs a request. */
  readonly serviceMicros: number;
  /** All local PostgreSQL processes' CPU µs a request; NaN when none ran. */
  readonly postgresMicros: number;
}

/** Runs `load` and divides the CPU the service and PostgreSQL used meanwhile by its requests. */
export async function measureCpu<T extends { requests: number }>(
  servicePid: number,
  load: () => Promise<T>,
): Promise<T & { cpu: CpuPerRequest }> {
  const serviceBefore = processCpuMillis(String(servicePid));
  const postgresBefore = postgresCpuMillis();
  const result = await load();
  const serviceAfter = processCpuMillis(String(servicePid));
  const postgresAfter = postgresCpuMillis();
  const perRequest = (millis: number) => (millis * 1000) / Math.max(1, result.requests);
  return {
    ...result,
    cpu: {
      serviceMicros: perRequest(serviceAfter - serviceBefore),
      postgresMicros: perRequest(cpuMillisBetween(postgresBefore, postgresAfter)),
    },
  };
}
