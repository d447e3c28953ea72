import { untilPersisted } from './wait.js';

/** Resolves once every id is in the event-log mirror. */
export async function waitForPersisted(databaseUrl: string, ids: readonly string[], timeoutMs = 30000): Promise<void> {
  const want = new Set(ids).size;
  await untilPersisted(
    databaseUrl,
    async (client) => {
      const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE id = ANY($1)', [ids]);
      const n = Number(r.rows[0]?.n);
      return n === want ? null : `only ${n}/${want} events persisted`;
    },
    timeoutMs,
  );
}
