import { after, before } from 'node:test';
import pg from 'pg';
import { startKafka, type RunningKafka } from '../kafka/index.js';
import { createNamespace, type Namespace } from '../stack/namespace.js';
import { startStack, type Stack, type StackOptions } from '../stack/stack.js';
import { testAuthEnv, tokenFor } from './auth.js';
import { testEnv, type TestEnvironment } from './config.js';

/** A test file's namespace (own database + topic prefix) and a small pool on its database. */
export interface NamespaceFixture {
  readonly env: TestEnvironment;
  readonly ns: Namespace;
  readonly pool: pg.Pool;
  /**
   * Resolves when the fixture is set up. node:test runs a file's root
   * `before` hooks concurrently, so a file's own `before` awaits this first.
   */
  ready(): Promise<void>;
  /** A token signed with the run's secret, accepted by the file's services. */
  token(sub: string, scopes?: string[], ttlSec?: number): Promise<string>;
}

/** The namespace plus the platform's services running in it as real processes. */
export interface StackFixture extends NamespaceFixture {
  readonly stack: Stack;
  /** The file's own broker (`ownBroker: true`), for tests that stop or restart it. */
  readonly kafka: RunningKafka;
}

export type StackFixtureOptions = Omit<StackOptions, 'env' | 'authEnv'> & {
  poolMax?: number;
  /** Start a broker for this file alone instead of using the run's shared one. */
  ownBroker?: boolean;
};

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is only available inside tests (after the file's before hook)`);
  return value;
}

/**
 * Registers the file's `before`/`after` hooks: a namespace, a pool on its
 * database and, with `useStack`, the services. Cleanup runs in reverse order
 * even when setup failed halfway.
 */
function useFixture(poolMax: number, stackOptions?: Omit<StackOptions, 'env' | 'authEnv'>, ownBroker = false): StackFixture {
  const env = testEnv();
  let kafka: RunningKafka | undefined;
  let ns: Namespace | undefined;
  let pool: pg.Pool | undefined;
  let stack: Stack | undefined;
  let setup: Promise<void> | undefined;
  before(() => (setup = setUp()));
  async function setUp(): Promise<void> {
    if (ownBroker) kafka = await startKafka({ heapMb: 384 });
    ns = await createNamespace(kafka ? kafka.brokers.join(',') : env.brokers, env.databaseUrl);
    pool = new pg.Pool({ connectionString: ns.databaseUrl, max: poolMax });
    // Dropping the namespace terminates connections still open; that ends the file, it is not a failure.
    pool.on('error', () => undefined);
    if (stackOptions) stack = await startStack({ ...stackOptions, env: ns.env, authEnv: testAuthEnv(env.authSecret) });
  }
  after(async () => {
    await setup?.catch(() => undefined);
    await pool?.end();
    await stack?.stop();
    await ns?.drop();
    await kafka?.stop();
  });
  return {
    env,
    get ns() {
      return required(ns, 'ns');
    },
    get pool() {
      return required(pool, 'pool');
    },
    get stack() {
      return required(stack, 'stack');
    },
    get kafka() {
      return required(kafka, 'kafka (ownBroker: true)');
    },
    ready: () => required(setup, 'ready()'),
    token: (sub, scopes = [], ttlSec) => tokenFor(env.authSecret, sub, scopes, ttlSec),
  };
}

export function useNamespace(opts: { poolMax?: number } = {}): NamespaceFixture {
  return useFixture(opts.poolMax ?? 3);
}

export function useStack(opts: StackFixtureOptions = {}): StackFixture {
  const { poolMax, ownBroker, ...stackOptions } = opts;
  return useFixture(poolMax ?? 3, stackOptions, ownBroker);
}
