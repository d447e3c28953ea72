import pg from 'pg';

/** What a Postgres promises about a commit, recorded with every benchmark figure that depends on it. */
export interface PostgresDurability {
  version: string;
  fsync: string;
  synchronousCommit: string;
  fullPageWrites: string;
  sharedBuffers: string;
  /** Crash-safe commits: fsync on, full page writes on, synchronous commit not off. */
  durable: boolean;
}

/**
 * Reads the server's durability settings. A benchmark against the testkit's
 * default (throwaway, fsync off) Postgres measures cheaper commits than a
 * production server makes; results say which they had.
 */
export async function postgresDurability(databaseUrl: string): Promise<PostgresDurability> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM pg_settings
       WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')`,
    );
    const s = Object.fromEntries(r.rows.map((row) => [row.name, row.setting]));
    const fsync = s['fsync'] ?? 'unknown';
    const synchronousCommit = s['synchronous_commit'] ?? 'unknown';
    const fullPageWrites = s['full_page_writes'] ?? 'unknown';
    return {
      version: s['server_version'] ?? 'unknown',
      fsync,
      synchronousCommit,
      fullPageWrites,
      sharedBuffers: s['shared_buffers'] ?? 'unknown',
      durable: fsync === 'on' && fullPageWrites === 'on' && synchronousCommit !== 'off',
    };
  } finally {
    await client.end();
  }
}

/** One line for a bench's output: figures from a throwaway fsync-off server are not a production server's. */
export function describeDurability(p: PostgresDurability): string {
  const safety = p.durable ? 'crash-safe commits' : 'NOT crash-safe (throwaway dev server): commits are cheaper than in production';
  return `${p.version}, fsync ${p.fsync}, full_page_writes ${p.fullPageWrites}, synchronous_commit ${p.synchronousCommit}, shared_buffers ${p.sharedBuffers} — ${safety}`;
}
