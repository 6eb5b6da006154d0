import fs from 'node:fs';
import path from 'node:path';

/**
 * PGlite is a single-process database: two processes opening one data directory would corrupt it.
 * A lock file holding the owner's pid guards the directory. Creation with O_EXCL is atomic, so of two
 * processes starting together exactly one wins; a lock left by a process that no longer exists
 * (crash, kill -9) is taken over. A lock naming our own pid is stale too: in a container the service
 * is often pid 1 on every start, so after a crash its old lock carries the new process's pid. The
 * lock guards against other processes; within one process the composition root opens the
 * directory once.
 */
export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

const LOCK_FILE = 'inventory-service.lock';
const TAKEOVER_ATTEMPTS_MAX = 3;

export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS_MAX; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return { path: lockPath, release: () => releaseLock(lockPath) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const ownerPid = readOwnerPid(lockPath);
    if (ownerPid !== undefined && ownerPid !== process.pid && isProcessAlive(ownerPid)) {
      throw new DataDirLockedError(
        `data directory ${dataDir} is in use by process ${ownerPid} (lock file ${lockPath}); ` +
          'stop that process, or set DATA_DIR to another directory, or set DATABASE_URL',
      );
    }
    // Stale: its owner is gone. Remove it and race for it again.
    fs.rmSync(lockPath, { force: true });
  }
  throw new DataDirLockedError(`could not take the lock file ${lockPath}`);
}

function readOwnerPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(lockPath: string): void {
  if (readOwnerPid(lockPath) === process.pid) {
    fs.rmSync(lockPath, { force: true });
  }
}
