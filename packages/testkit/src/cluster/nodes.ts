import { spawnService, type RunningService, type SpawnOptions } from '../stack/services.js';

export type Role = 'gateway' | 'persister' | 'ingest';

/**
 * The cluster's service processes by name (`gateway-2`, `persister-3`, …).
 * A name is a slot: starting a name again (after a stop or a kill) reuses
 * its instance id — for ingest and the persister that id is the Kafka
 * transactional id, so the new process fences the old one, as a restart by
 * a supervisor would. Every process it started is stopped by `stopAll`;
 * an exit nobody asked for is recorded as a crash.
 */
export interface NodeSet {
  /** Starts (or restarts) the named node and resolves when it serves. */
  start(role: Role, name: string, opts?: { port?: number }): Promise<RunningService>;
  /** The running process of a name, if any. */
  get(name: string): RunningService | undefined;
  /** Running processes of a role, in start order. */
  running(role: Role): RunningService[];
  /** SIGTERM (graceful) and wait for the exit; resolves with the exit code. */
  stop(name: string): Promise<number | null>;
  /** SIGKILL and wait for the exit. */
  kill(name: string): Promise<void>;
  /** Processes that exited without being asked, with their exit code or signal. */
  crashes(): string[];
  /** SIGTERM to everything still running, SIGKILL to whatever outlives `graceMs`. */
  stopAll(graceMs: number): Promise<void>;
}

export interface NodeSetOptions {
  /** Namespace environment (KAFKA_BROKERS, DATABASE_URL, KAFKA_TOPIC_PREFIX) plus the auth settings. */
  env: Record<string, string>;
  /** Makes node ids unique across runs sharing a Kafka (the namespace id). */
  runId: string;
  onLog?: SpawnOptions['onLog'];
}

const alive = (s: RunningService) => s.proc.exitCode === null && s.proc.signalCode === null;

export function createNodeSet(opts: NodeSetOptions): NodeSet {
  const current = new Map<string, { role: Role; service: RunningService }>();
  const all: RunningService[] = [];
  const asked = new WeakSet<RunningService>();
  const crashes: string[] = [];
  let starts = 0;

  function roleEnv(role: Role, name: string, port: number): Record<string, string> {
    starts += 1;
    switch (role) {
      case 'gateway':
        // Unique per process, not per slot: the gateway names its own consumer groups after it.
        return { GATEWAY_PORT: String(port), GATEWAY_NODE_ID: `${name}-${opts.runId}-${starts}` };
      case 'persister':
        return { PERSISTER_PORT: String(port), PERSISTER_INSTANCE_ID: name };
      case 'ingest':
        return { INGEST_PORT: String(port), INGEST_INSTANCE_ID: name };
    }
  }

  const set: NodeSet = {
    async start(role, name, startOpts = {}) {
      const previous = current.get(name);
      if (previous && alive(previous.service)) throw new Error(`${name} is already running`);
      const env = { ...opts.env, LOG_LEVEL: 'info', ...roleEnv(role, name, startOpts.port ?? 0) };
      const service = await spawnService(role, env, { label: name, ...(opts.onLog ? { onLog: opts.onLog } : {}) });
      all.push(service);
      current.set(name, { role, service });
      void service.exited.then((code) => {
        if (!asked.has(service)) crashes.push(`${name} (pid ${service.proc.pid}) exited on its own: ${code ?? service.proc.signalCode}`);
      });
      return service;
    },
    get: (name) => current.get(name)?.service,
    running: (role) => [...current.values()].filter((n) => n.role === role && alive(n.service)).map((n) => n.service),
    async stop(name) {
      const s = current.get(name)?.service;
      if (!s) throw new Error(`no node named ${name}`);
      asked.add(s);
      return s.stop();
    },
    async kill(name) {
      const s = current.get(name)?.service;
      if (!s) throw new Error(`no node named ${name}`);
      asked.add(s);
      await s.kill();
    },
    crashes: () => [...crashes],
    async stopAll(graceMs) {
      const left = all.filter(alive);
      for (const s of left) asked.add(s);
      await Promise.all(
        left.map(async (s) => {
          const timer = setTimeout(() => s.proc.kill('SIGKILL'), graceMs);
          await s.stop();
          clearTimeout(timer);
        }),
      );
    },
  };
  return set;
}
