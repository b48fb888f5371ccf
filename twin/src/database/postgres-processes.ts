import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../processes.js';

/** The pid in a data dir's postmaster.pid when that process is alive and is a postgres of that dir. */
export function postmasterPid(pgdata: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!isAlive(pid)) return undefined;
    // A stale file can name a pid the system has since given to another process.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(pgdata) ? pid : undefined;
  } catch {
    return undefined;
  }
}
