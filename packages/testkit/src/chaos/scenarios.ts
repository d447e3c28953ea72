import { SignJWT } from 'jose';
import { TEST_AUDIENCE, TEST_ISSUER } from '../testing/auth.js';
import { sendOne } from './load.js';
import type { Scenario } from './runner.js';

/**
 * One fault per scenario (issue 8). Each runs under the steady load with the
 * clients connected; the runner then drains and checks every client's
 * sequence against the log. Scenarios needing their own broker or database
 * (Kafka/Postgres restarts) live in infra-scenarios.ts.
 */

export const gatewayKill: Scenario = {
  name: 'gateway SIGKILL',
  async fault(ctx) {
    const victim = ctx.stack.gateways[0]!;
    await victim.kill();
    ctx.note(`killed ${victim.label}; its clients resume on the other node`);
    await ctx.progress(20);
    await ctx.stack.addGateway();
  },
};

export const persisterKill: Scenario = {
  name: 'persister SIGKILL',
  async fault(ctx) {
    await ctx.stack.persister.kill();
    // Clients cut now must resume while Postgres lags behind the live feed (G3). Their
    // replay cannot complete before the persister is back (it waits for the watermark),
    // so the wait here is on the producer side, not on the clients.
    for (const c of ctx.clients.filter((_, i) => i % 2 === 0)) c.cut();
    await ctx.accepted(300, 30000);
    await ctx.stack.restartPersister();
    await ctx.progress(20);
  },
};

export const ingestKill: Scenario = {
  name: 'ingest SIGKILL',
  async fault(ctx) {
    await ctx.restartIngest(true);
    ctx.note('ingest killed with requests in flight and restarted on the same port');
  },
};

export const networkCuts: Scenario = {
  name: 'client network cuts',
  ratePerSec: 200,
  async fault(ctx) {
    // Short cuts: the socket dies without a close frame and the client reconnects at once.
    for (const c of ctx.clients) c.cut();
    await ctx.progress(10);
    // A long cut: half the clients stay offline until hundreds of their user's events were missed.
    const away = ctx.clients.filter((_, i) => i % 2 === 1);
    for (const c of away) {
      c.block(true);
      c.cut();
    }
    const n = await ctx.accepted(800, 30000);
    ctx.note(`long cut: ${n} events accepted while ${away.length} clients were offline`);
    for (const c of away) c.block(false);
  },
};

export const slowClients: Scenario = {
  name: 'slow clients',
  ratePerSec: 200,
  // A small send buffer so a paused reader overflows it quickly and is closed with 4009.
  extraEnv: { gateway: { GATEWAY_SEND_BUFFER_BYTES: '16384' } },
  async fault(ctx) {
    const slow = ctx.clients.filter((_, i) => i % 2 === 0);
    for (const c of slow) c.pause(true);
    const n = await ctx.accepted(600, 20000);
    for (const c of slow) c.pause(false);
    ctx.note(`${slow.length} clients stopped reading for ${n} events`);
  },
};

export const duplicateBurst: Scenario = {
  name: 'duplicate submissions',
  explicitIds: true,
  async fault(ctx) {
    // The same explicit ids, each posted 5 times concurrently (G4: stored once, shown once).
    const users = [...ctx.load.accepted.keys()];
    const posts: Promise<unknown>[] = [];
    // Event ids as ingest answered them: derived from the explicit id and the producer (docs/pipeline.md).
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const userId = users[i % users.length]!;
      const id = `dup-${Date.now()}-${i}`;
      for (let k = 0; k < 5; k++)
        posts.push(
          sendOne(ctx.stack.ingest.url, ctx.producerToken, userId, `dup-${i}`, id).then((r) => {
            if (r.status !== 202 || ids.has(r.ids[0]!)) return;
            ids.add(r.ids[0]!);
            ctx.load.accepted.get(userId)!.push(r.ids[0]!);
          }),
        );
    }
    await Promise.all(posts);
    const stored = await ctx.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE id = ANY($1)', [[...ids]]);
    ctx.note(`500 posts of 100 ids; ${stored.rows[0]!.n} stored so far`);
  },
};

/**
 * Tokens from an issuer whose clock runs `skewSec` behind the gateway's,
 * living `ttlSec`: they expire (by the gateway's clock) within seconds, so
 * clients refresh or reconnect repeatedly under load, relying on
 * AUTH_CLOCK_TOLERANCE_SEC.
 */
export function skewedToken(skewSec: number, ttlSec: number) {
  return (secret: string, userId: string): Promise<string> => {
    const issued = Math.floor(Date.now() / 1000) - skewSec;
    return new SignJWT({ scope: '' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(issued)
      .setExpirationTime(issued + ttlSec)
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .sign(new TextEncoder().encode(secret));
  };
}

export const clockSkew: Scenario = {
  name: 'token expiry with clock skew',
  extraEnv: { gateway: { AUTH_CLOCK_TOLERANCE_SEC: '3', GATEWAY_TOKEN_WARNING_MS: '1000' } },
  userToken: skewedToken(4, 8),
  afterMs: 10000,
  async fault(ctx) {
    ctx.note('tokens live 8 s by an issuer clock 4 s behind, tolerance 3 s: several refreshes per client');
    await ctx.progress(50, 30000);
  },
};

/** The shared-infrastructure scenarios, in the order the full run executes them. */
export const PROCESS_SCENARIOS: readonly Scenario[] = [gatewayKill, persisterKill, ingestKill, networkCuts, slowClients, duplicateBurst, clockSkew];
