import { readdirSync, readFileSync } from 'node:fs';

const PAGE_KIB = 4;

/** Children of every process, from /proc/<pid>/stat (field 4 is the parent pid). */
function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces; fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  return map;
}

function rssKiB(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(statm[1]) * PAGE_KIB;
  } catch {
    return 0;
  }
}

/**
 * Resident memory of an instance: its process and every descendant (an instance may be a launcher
 * plus the Node process that serves), in MiB.
 */
export function processTreeRssMiB(pid: number): number {
  const children = childrenByParent();
  let total = 0;
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    total += rssKiB(p);
    stack.push(...(children.get(p) ?? []));
  }
  return total / 1024;
}
