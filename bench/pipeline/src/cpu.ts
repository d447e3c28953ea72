import { cpuSeconds } from '@tidings/testkit';

/**
 * CPU time (user + system, ms) a process has used, from /proc (Linux). On a
 * machine shared with other work, throughput depends on what else runs;
 * CPU time per notification does not, so the bench reports both.
 */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return cpuSeconds(pid) * 1000;
  } catch {
    return undefined;
  }
}

/** µs of CPU per unit of work between two cpuMs readings. */
export function usPer(before: number | undefined, after: number | undefined, units: number): number | undefined {
  if (before === undefined || after === undefined || units === 0) return undefined;
  return Math.round(((after - before) * 1000 * 10) / units) / 10;
}
