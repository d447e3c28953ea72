import type { ChaosClient } from '../chaos/clients.js';
import type { NodeSet } from './nodes.js';

/** What a scheduled step can do to the running cluster. */
export interface StepContext {
  nodes: NodeSet;
  clients: readonly ChaosClient[];
  /** Notifications per second the load runs at. */
  ratePerSec: number;
  /** Runs one node action and records it, with its start time and duration, in the node event log. */
  event<T>(what: string, action: () => Promise<T>): Promise<T>;
  /** Adds an observation to the node event log. */
  note(what: string): void;
  /** Waits (bounded) until ingest accepted `n` more notifications; resolves with how many it did. */
  accepted(n: number, timeoutMs: number): Promise<number>;
}

/** One node event of the run; it opens a phase of the same name. */
export interface Step {
  /** When it starts, as a fraction of the load duration. */
  at: number;
  phase: string;
  run(ctx: StepContext): Promise<void>;
}

/** Starts at 3 gateways, 2 persisters (one group), 2 ingest nodes. */
export const INITIAL_NODES = {
  gateway: ['gateway-1', 'gateway-2', 'gateway-3'],
  persister: ['persister-1', 'persister-2'],
  ingest: ['ingest-1', 'ingest-2'],
} as const;

const portOf = (url: string) => new URL(url).port;

async function stopCleanly(ctx: StepContext, name: string): Promise<void> {
  const code = await ctx.event(`${name} SIGTERM`, () => ctx.nodes.stop(name));
  // docs/contract.md §8: SIGTERM finishes in-flight work and exits; anything else is a failed shutdown.
  if (code !== 0) throw new Error(`${name} exited with ${code} after SIGTERM`);
}

export const STEPS: readonly Step[] = [
  {
    at: 0.1,
    phase: 'persister scale-out 2→3',
    async run(ctx) {
      await ctx.event('persister-3 joins the group (rebalance)', () => ctx.nodes.start('persister', 'persister-3'));
    },
  },
  {
    at: 0.22,
    phase: 'persister scale-in 3→2',
    async run(ctx) {
      // A graceful leave: it finishes its batch, commits and leaves the group, which rebalances at once.
      await stopCleanly(ctx, 'persister-1');
    },
  },
  {
    at: 0.36,
    phase: 'persister SIGKILL + restart',
    async run(ctx) {
      await ctx.event('persister-2 SIGKILL', () => ctx.nodes.kill('persister-2'));
      // Its partitions stall until the group notices (session timeout), so Postgres lags the live
      // feed. Clients that lose their socket now resume while it lags: their replay must wait for
      // the watermark, with live events buffered, and still show no gap (G3).
      const cut = ctx.clients.filter((_, i) => i % 6 === 0);
      for (const c of cut) c.cut();
      ctx.note(`${cut.length} client sockets cut (no close frame): they resume while Postgres lags`);
      const n = await ctx.accepted(ctx.ratePerSec * 3, 10000);
      ctx.note(`${n} notifications accepted while persister-2 was down`);
      await ctx.event('persister-2 restarted (same instance id)', () => ctx.nodes.start('persister', 'persister-2'));
    },
  },
  {
    at: 0.55,
    phase: 'gateway SIGKILL + new node',
    async run(ctx) {
      const victim = ctx.nodes.get('gateway-1')!;
      const port = portOf(victim.url);
      const onVictim = ctx.clients.filter((c) => c.client.state.state === 'live' && c.syncs.at(-1) && portOf(c.syncs.at(-1)!.url) === port);
      const before = new Map(onVictim.map((c) => [c, c.syncs.length]));
      await ctx.event(`gateway-1 SIGKILL (${onVictim.length} clients on it)`, () => ctx.nodes.kill('gateway-1'));
      await ctx.event(`${onVictim.length} clients of gateway-1 resumed on other nodes`, () =>
        Promise.all(
          onVictim.map((c) =>
            c.until('a resume on another node', () => c.syncs.length > before.get(c)! && c.client.state.state === 'live' && portOf(c.syncs.at(-1)!.url) !== port, 30000),
          ),
        ),
      );
      // The replacement takes the dead node's port, so every client's list of nodes stays valid.
      await ctx.event(`gateway-4 started on gateway-1's port ${port}`, () => ctx.nodes.start('gateway', 'gateway-4', { port: Number(port) }));
    },
  },
  {
    at: 0.72,
    phase: 'ingest restart',
    async run(ctx) {
      const port = Number(portOf(ctx.nodes.get('ingest-1')!.url));
      await stopCleanly(ctx, 'ingest-1');
      await ctx.event(`ingest-1 started again on port ${port}`, () => ctx.nodes.start('ingest', 'ingest-1', { port }));
    },
  },
];
