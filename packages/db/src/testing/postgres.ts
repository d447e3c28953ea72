import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { optionalDatabaseUrl } from '../config.js';

/** A Postgres server for one test file, handing out fresh databases. */
export interface TestPostgres {
  /** Where the databases live: DATABASE_URL's server, or an embedded one. */
  readonly kind: 'external' | 'embedded';
  /** Creates a new empty database and returns its URL; close() removes it. */
  createDatabase(): Promise<string>;
  /** Drops the databases created here (external) or stops the embedded server. */
  close(): Promise<void>;
}

/** The part of @tidings/testkit's Postgres launcher used here. */
interface Launcher {
  startPostgres(): Promise<{ databaseUrl: string; stop(): Promise<void> }>;
}

/**
 * With DATABASE_URL set (CI, a developer's own server), databases are created
 * on that server, named `tidings_test_…`, and dropped by close(): nothing
 * else on it is touched. Otherwise a throwaway embedded Postgres is started.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = optionalDatabaseUrl();
  if (external) return onServer(external, 'external', async () => {}, true);
  const postgres = await (await loadLauncher()).startPostgres();
  const admin = new URL(postgres.databaseUrl);
  admin.pathname = '/postgres';
  // Stopping the server deletes everything; no need to drop one by one.
  return onServer(admin.href, 'embedded', () => postgres.stop(), false);
}

function onServer(adminUrl: string, kind: TestPostgres['kind'], stop: () => Promise<void>, dropEach: boolean): TestPostgres {
  const created: string[] = [];
  return {
    kind,
    async createDatabase() {
      const name = `tidings_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.href;
    },
    async close() {
      if (dropEach) {
        await withClient(adminUrl, async (c) => {
          // FORCE: a test that leaked a pool must not make cleanup fail.
          for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
        });
      }
      created.length = 0;
      await stop();
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'tidings-test' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * @tidings/testkit depends on this package (its tsconfig references db), so
 * db cannot reference it back for types without a cycle; it is loaded at run
 * time instead, and only its postgres module (its index also pulls in the
 * Kafka helpers). Tests run after a full build, so its dist exists.
 */
async function loadLauncher(): Promise<Launcher> {
  try {
    const testkit = import.meta.resolve('@tidings/testkit');
    return (await import(new URL('./postgres/index.js', testkit).href)) as Launcher;
  } catch (cause) {
    throw new Error('error loading the embedded Postgres launcher: build @tidings/testkit (npx tsc -b packages/testkit) or set DATABASE_URL', { cause });
  }
}
