// Who holds the apt and dpkg locks right now, read from /proc/locks (the kernel's table of
// file locks: apt and dpkg take POSIX record locks on these files). No extra tool needed.
import { readFileSync, statSync } from 'node:fs';

/** The locks apt-get update and apt-get install take, in the order apt takes them. */
export const packageManagerLocks = ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock', '/var/cache/apt/archives/lock'];

/** The device and inode of a file as /proc/locks prints them ("fd:01:1234"), or undefined if it is absent. */
function lockKey(file) {
  try {
    const { dev, ino } = statSync(file);
    const major = (dev >> 8) & 0xfff;
    const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
  } catch {
    return undefined;
  }
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').replace(/\s+/g, ' ').trim() || `pid ${pid}`;
  } catch {
    return 'a process in another namespace';
  }
}

/**
 * The files among `files` that some process holds a lock on, with that process. Waiters
 * (lines marked "->") are not holders.
 */
export function lockHolders(files = packageManagerLocks, table = '/proc/locks') {
  const wanted = new Map(files.map((f) => [lockKey(f), f]).filter(([key]) => key !== undefined));
  if (wanted.size === 0) return [];
  let text;
  try {
    text = readFileSync(table, 'utf8');
  } catch {
    return [];
  }
  const held = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[1] === '->') continue;
    const file = wanted.get(fields[5]);
    if (!file || held.some((h) => h.file === file)) continue;
    const pid = Number(fields[4]);
    held.push({ file, pid, command: pid > 0 ? commandOf(pid) : 'an open file description lock' });
  }
  return held;
}
