import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Every process whose ancestry leads to `pid`, from /proc (Linux). */
export async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // the process exited while we looked
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      out.push(child);
      frontier.push(child);
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The processes of `pids` still alive after up to `graceMs` (grandchildren
 * may take a moment to notice their parent is gone), named by command line.
 */
export async function survivors(pids: Iterable<number>, graceMs = 5000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  let left = [...pids].filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(alive);
  }
  return Promise.all(left.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => `${pid} ${c.replaceAll('\0', ' ')}`, () => String(pid))));
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat
 * (Linux). Benches report CPU per unit of work next to throughput because,
 * on a shared machine, the first does not depend on the neighbours and the
 * second does. Throws when the process is gone.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ") ";
  // utime and stime are fields 14 and 15, in clock ticks (USER_HZ = 100).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** This process's open-file limit (soft), which caps connections per process. */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}
