import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { ERRORS } from '@tidings/protocol';
import { createNamespace, type Namespace } from '../../stack/namespace.js';
import { startStack, type Stack } from '../../stack/stack.js';
import { testAuthEnv, tokenFor } from '../../testing/auth.js';
import { testEnv } from '../../testing/config.js';
import { encodeFrame, rawExchange, text } from './frames.js';
import { assertAlive, checksumTables, fuzzRuns, fuzzSeed, runPool, tokenLeaks } from './harness.js';
import { caseBytes, wsCase } from './ws-cases.js';

/**
 * WebSocket fuzzing over raw TCP (G6): garbage, invalid UTF-8, reserved
 * opcodes and bits, unmasked and fragmented frames with interleaved control
 * frames, oversized frames, deep JSON, huge arrays and hostile protocol
 * messages, before and after a valid hello. The gateway never crashes,
 * answers each with a catalogued error or a defined close code, and the
 * stored data is unchanged.
 */
const env = testEnv();
const runs = fuzzRuns(process.env);
const seed = fuzzSeed(process.env);
let ns: Namespace;
let stack: Stack;
let pool: pg.Pool;
const logs: string[] = [];
const tokens: string[] = [];

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  stack = await startStack({ env: ns.env, authEnv: testAuthEnv(env.authSecret), gateways: 1, log: (_l, line) => logs.push(line) });
  pool = new pg.Pool({ connectionString: ns.databaseUrl, max: 2 });
});
after(async () => {
  await pool?.end();
  await stack?.stop();
  await ns?.drop();
});

/** Close codes a hostile peer may get (docs/contract.md §7 plus RFC 6455 protocol errors); 1011 (server error) is not one. */
const DEFINED_CLOSE = new Set([1000, 1001, 1002, 1003, 1005, 1007, 1008, 1009, 4001, 4002, 4003, 4004, 4008, 4009]);
const SERVER_TYPES = new Set(['welcome', 'event', 'synced', 'result', 'error', 'pong', 'token_expiring']);

function badMessage(messages: unknown[]): string | undefined {
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || !SERVER_TYPES.has((m as { type?: string }).type ?? '')) return `undefined server message ${JSON.stringify(m).slice(0, 200)}`;
    const e = m as { type: string; code?: string; message?: string };
    if (e.type === 'error' && (!e.code || !(e.code in ERRORS) || !e.message)) return `error outside the catalogue: ${JSON.stringify(m)}`;
  }
  return undefined;
}

test(`gateway survives ${runs} hostile WebSocket inputs with defined answers (seed ${seed})`, { timeout: 60 * 60 * 1000 }, async () => {
  const port = Number(new URL(stack.gateways[0]!.url).port);
  const before = await checksumTables(pool);
  const cases = fc.sample(wsCase, { numRuns: runs, seed });
  const counts = { closed: 0, answered: 0, ended: 0 };
  const failures = await runPool(cases, 6, async (c, i) => {
    if (c.kind === 'garbage') {
      const out = await rawExchange(port, { bytes: Buffer.from(c.bytes), timeoutMs: 5000 });
      if (!out.upgraded) return `upgrade refused: ${out.status}`;
      if (!out.ended) return 'connection still open after garbage and EOF';
      if (out.closeCode !== undefined && !DEFINED_CLOSE.has(out.closeCode)) return `close code ${out.closeCode}`;
      counts.ended += 1;
      return badMessage(out.messages);
    }
    const userId = `fuzz-${seed}-${i}`;
    let hello: string | undefined;
    if (c.authenticated) {
      const token = await tokenFor(env.authSecret, userId);
      if (tokens.length < 50) tokens.push(token);
      hello = JSON.stringify({ type: 'hello', token });
    }
    const probe = `probe-${i}`;
    const bytes = Buffer.concat([caseBytes(c.frames, hello), encodeFrame(text(JSON.stringify({ type: 'ping', id: probe })))]);
    const out = await rawExchange(port, { bytes, until: (ms) => ms.some((m) => (m as { id?: unknown }).id === probe), timeoutMs: 8000 });
    if (!out.upgraded) return `upgrade refused: ${out.status}`;
    const bad = badMessage(out.messages);
    if (bad) return bad;
    if (out.closeCode !== undefined) {
      // RFC 6455 §5.5.1: a server answering the client's own close frame echoes its code.
      const echoed = c.frames.some((f) => f.opcode === 8 && f.payload.length >= 2 && f.payload.readUInt16BE(0) === out.closeCode);
      if (!DEFINED_CLOSE.has(out.closeCode) && !echoed) return `close code ${out.closeCode} after ${JSON.stringify(out.messages).slice(0, 200)}`;
      counts.closed += 1;
      return undefined;
    }
    if (out.messages.some((m) => (m as { id?: unknown }).id === probe)) {
      counts.answered += 1;
      return undefined;
    }
    return `no answer and no close frame (ended ${out.ended}); got ${JSON.stringify(out.messages).slice(0, 200)}`;
  });
  await assertAlive(stack.gateways[0]!);
  process.stdout.write(`# ws fuzz: ${runs} cases (seed ${seed}): ${JSON.stringify(counts)}, failures ${failures.length}\n`);
  assert.deepEqual(failures, [], `seed ${seed}`);
  assert.deepEqual(await checksumTables(pool), before, 'stored data changed');
  assert.deepEqual(tokenLeaks(logs, tokens), [], 'tokens appear in the gateway log');
});
