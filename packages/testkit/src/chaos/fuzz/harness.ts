import { ERRORS } from '@tidings/protocol';
import type pg from 'pg';
import type { RunningService } from '../../stack/services.js';

/**
 * Shared checks of the fuzz suites: every answer is a defined error, the
 * service stays alive, and rejected input leaves the stored data alone.
 */

/** Cases per fuzz target: 300 in `npm test`, 10,000 in `npm run chaos` (CHAOS_FUZZ_RUNS; `variable` overrides it for one target). */
export function fuzzRuns(env: Record<string, string | undefined>, variable = 'CHAOS_FUZZ_RUNS'): number {
  const n = Number(env[variable] ?? env['CHAOS_FUZZ_RUNS'] ?? 300);
  return Number.isInteger(n) && n > 0 ? n : 300;
}

/** A fixed seed per run unless CHAOS_FUZZ_SEED is given, printed so failures replay. */
export function fuzzSeed(env: Record<string, string | undefined>): number {
  const s = Number(env['CHAOS_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  return Number.isInteger(s) ? s : 42;
}

/** Runs `cases` through `run` with at most `concurrency` at a time; collects failures (first 20). */
export async function runPool<T>(cases: readonly T[], concurrency: number, run: (c: T, i: number) => Promise<string | undefined>): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      let problem: string | undefined;
      try {
        problem = await run(cases[i]!, i);
      } catch (error) {
        problem = `threw: ${describeError(error)}`;
      }
      if (problem && failures.length < 20) failures.push(`case ${i}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

/**
 * An error with its cause chain: fetch reports every transport failure as
 * "fetch failed" and puts what happened (ECONNRESET, EPIPE, "other side
 * closed") in `cause`.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e !== undefined && e !== null; i++) {
    const err = e as { message?: unknown; code?: unknown; cause?: unknown };
    parts.push([err.code, err.message ?? String(e)].filter((x) => x !== undefined && x !== '').join(' '));
    e = err.cause;
  }
  return parts.join(' ← caused by: ');
}

const STATUSES = new Set<number>(Object.values(ERRORS).map((e) => e.status));

/** undefined when `status`/`body` is a catalogued error (`{code,message}` with the code's own status), else why not. */
export function undefinedError(status: number, body: unknown): string | undefined {
  if (!STATUSES.has(status) || status === 500) return `status ${status} is not a defined client error: ${JSON.stringify(body).slice(0, 200)}`;
  if (typeof body !== 'object' || body === null) return `status ${status} with a non-JSON body ${String(body).slice(0, 100)}`;
  const { code, message } = body as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !(code in ERRORS)) return `status ${status} with unknown code ${String(code)}`;
  if (typeof message !== 'string' || message.length === 0) return `${code} without a message`;
  if (ERRORS[code as keyof typeof ERRORS].status !== status) return `${code} answered with status ${status}`;
  return undefined;
}

/** The process is running and /healthz answers 200. */
export async function assertAlive(service: RunningService): Promise<void> {
  if (service.proc.exitCode !== null || service.proc.signalCode !== null)
    throw new Error(`${service.label} exited (${service.proc.exitCode ?? service.proc.signalCode}); last logs:\n${service.logs.slice(-10).join('\n')}`);
  const res = await fetch(`${service.url}/healthz`);
  if (res.status !== 200) throw new Error(`${service.label} /healthz answered ${res.status}`);
}

/** md5 of every public table's rows (sorted), so "unchanged" is one comparison. */
export async function checksumTables(pool: pg.Pool, except: readonly string[] = []): Promise<Record<string, string>> {
  const tables = await pool.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables.rows) {
    if (except.includes(t)) continue;
    const r = await pool.query<{ h: string | null }>(`SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${t.replace(/"/g, '')}" x`);
    out[t] = r.rows[0]!.h ?? '';
  }
  return out;
}

/** Strings that probe SQL, path, header and template handling. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '" OR ""="',
  "1; SELECT pg_sleep(5)--",
  "x' UNION SELECT id, user_id FROM events--",
  '%27%20OR%201%3D1',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  '😀'.repeat(50),
  'a'.repeat(5000),
  '__proto__',
  'constructor',
  '$where',
  '\\',
  '\ud800',
];

/** Log lines captured from services, to prove no token appears in them (docs/security.md). */
export function tokenLeaks(lines: readonly string[], tokens: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const token of tokens) {
    // The signature is the secret part; its presence alone is a leak.
    const sig = token.split('.')[2] ?? token;
    for (const line of lines) if (line.includes(sig)) leaks.push(line.slice(0, 200));
  }
  return leaks;
}
