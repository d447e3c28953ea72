import { spawnService, type RunningService, type SpawnOptions } from './services.js';

export interface StackOptions {
  /** Namespace or infra environment: KAFKA_BROKERS, DATABASE_URL, KAFKA_TOPIC_PREFIX. */
  env: Record<string, string>;
  /** Auth settings every service shares (AUTH_HS256_SECRET, AUTH_ISSUER, AUTH_AUDIENCE). */
  authEnv: Record<string, string>;
  gateways?: number;
  /** Fixed ports (npm start); 0 picks free ones (tests). */
  ports?: { ingest?: number; gateway?: number; ops?: number; persister?: number; web?: number };
  withOps?: boolean;
  /**
   * Also start the inbox web page (services/web), pointed at this stack's
   * gateways and ingest, with development tokens on (it mints with `authEnv`'s secret).
   */
  withWeb?: boolean;
  /** Extra environment per service. */
  extraEnv?: Partial<Record<'ingest' | 'persister' | 'gateway' | 'ops' | 'web', Record<string, string>>>;
  log?: SpawnOptions['onLog'];
  /**
   * LOG_LEVEL for every service; at least `info`, because readiness is read
   * from the services' own log lines (what gets shown is the `log` callback's choice).
   */
  logLevel?: 'info' | 'debug' | 'trace';
}

/** A running platform: every service a separate process. */
export interface Stack {
  ingest: RunningService;
  persister: RunningService;
  gateways: RunningService[];
  ops?: RunningService | undefined;
  web?: RunningService | undefined;
  /** Starts one more gateway node (e.g. after killing one). */
  addGateway(port?: number): Promise<RunningService>;
  /** Starts the persister again after stop/kill. */
  restartPersister(): Promise<RunningService>;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const base = { ...opts.env, ...opts.authEnv, LOG_LEVEL: opts.logLevel ?? 'info' };
  const ports = opts.ports ?? {};
  const spawnOpts = (label: string): SpawnOptions => ({ label, ...(opts.log ? { onLog: opts.log } : {}) });
  let gatewayCount = 0;
  const startGateway = (port?: number) => {
    gatewayCount += 1;
    const p = port ?? (ports.gateway !== undefined && ports.gateway !== 0 ? ports.gateway + gatewayCount - 1 : 0);
    return spawnService(
      'gateway',
      // Development stack: the web page's Origin is only known once it listens,
      // so any Origin may connect — written out, as production requires.
      { ...base, GATEWAY_ALLOWED_ORIGINS: '*', GATEWAY_PORT: String(p), GATEWAY_NODE_ID: `gw${gatewayCount}-${opts.env['KAFKA_TOPIC_PREFIX'] ?? ''}${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, ''), ...opts.extraEnv?.gateway },
      spawnOpts(`gateway-${gatewayCount}`),
    );
  };
  const startPersister = () =>
    spawnService('persister', { ...base, PERSISTER_PORT: String(ports.persister ?? 0), ...opts.extraEnv?.persister }, spawnOpts('persister'));

  const started: RunningService[] = [];
  const track = async (p: Promise<RunningService>) => {
    const s = await p;
    started.push(s);
    return s;
  };
  try {
    // allSettled: when one fails, the others are still tracked and stopped below.
    const settled = await Promise.allSettled([
      track(spawnService('ingest', { ...base, INGEST_PORT: String(ports.ingest ?? 0), ...opts.extraEnv?.ingest }, spawnOpts('ingest'))),
      track(startPersister()),
      opts.withOps ? track(spawnService('ops', { ...base, OPS_PORT: String(ports.ops ?? 0), ...opts.extraEnv?.ops }, spawnOpts('ops'))) : Promise.resolve(undefined),
    ]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [ingest, persister, ops] = settled.map((s) => (s as PromiseFulfilledResult<RunningService | undefined>).value) as [
      RunningService,
      RunningService,
      RunningService | undefined,
    ];
    const gateways: RunningService[] = [];
    for (let i = 0; i < (opts.gateways ?? 1); i++) gateways.push(await track(startGateway()));
    const web = opts.withWeb
      ? await track(
          spawnService(
            'web',
            {
              ...opts.authEnv,
              LOG_LEVEL: base.LOG_LEVEL,
              WEB_PORT: String(ports.web ?? 0),
              WEB_GATEWAY_URLS: gateways.map((g) => g.url).join(','),
              WEB_INGEST_URL: ingest.url,
              WEB_DEV_TOKENS: 'true',
              ...opts.extraEnv?.web,
            },
            spawnOpts('web'),
          ),
        )
      : undefined;
    const stack: Stack = {
      ingest,
      persister,
      gateways,
      ops,
      web,
      async addGateway(port) {
        const g = await track(startGateway(port));
        stack.gateways.push(g);
        return g;
      },
      async restartPersister() {
        stack.persister = await track(startPersister());
        return stack.persister;
      },
      async stop() {
        await Promise.all(started.map((s) => s.stop()));
      },
    };
    return stack;
  } catch (error) {
    await Promise.all(started.map((s) => s.kill()));
    throw error;
  }
}
