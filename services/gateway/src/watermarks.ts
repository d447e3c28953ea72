import pg from 'pg';
import { WATERMARK_CHANNEL } from '@tidings/db';
import type { Logger } from '@tidings/runtime';

/**
 * The persister's per-partition watermarks, kept current over LISTEN/NOTIFY
 * with a periodic re-read as a safety net (a notification is lost while the
 * listening connection is down). `get(p)` is how far Postgres is complete.
 */
export interface Watermarks {
  get(partition: number): bigint;
  /** Resolves once the watermark of `partition` is at least `offset`, or after `timeoutMs`. */
  waitFor(partition: number, offset: bigint, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startWatermarks(databaseUrl: string, logger: Logger, pollMs = 1000): Promise<Watermarks> {
  const marks = new Map<number, bigint>();
  const waiters = new Set<{ partition: number; offset: bigint; done: (ok: boolean) => void }>();
  let client: pg.Client | undefined;
  let closed = false;

  function update(partition: number, next: bigint): void {
    if ((marks.get(partition) ?? -1n) >= next) return;
    marks.set(partition, next);
    for (const w of waiters) if (w.partition === partition && next >= w.offset) w.done(true);
  }

  async function reload(c: pg.ClientBase | pg.Pool): Promise<void> {
    const r = await c.query<{ partition: number; next_offset: string }>('SELECT partition, next_offset FROM watermarks');
    for (const row of r.rows) update(row.partition, BigInt(row.next_offset));
  }

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'tidings-gateway-watermarks' });
    c.on('notification', (n) => {
      const [p, o] = (n.payload ?? '').split(':');
      if (p !== undefined && o !== undefined) update(Number(p), BigInt(o));
    });
    c.on('error', (error) => {
      logger.warn({ err: error }, 'watermark listener lost its connection');
      client = undefined;
    });
    await c.connect();
    await c.query(`LISTEN ${WATERMARK_CHANNEL}`);
    client = c;
    await reload(c);
  }

  await connect();
  const timer = setInterval(() => {
    const work = client ? reload(client) : connect();
    work.catch((error: unknown) => logger.warn({ err: error }, 'watermark refresh failed'));
  }, pollMs);
  timer.unref();

  return {
    get: (partition) => marks.get(partition) ?? 0n,
    waitFor(partition, offset, timeoutMs) {
      if ((marks.get(partition) ?? 0n) >= offset) return Promise.resolve(true);
      return new Promise((resolve) => {
        const w = {
          partition,
          offset,
          done: (ok: boolean) => {
            clearTimeout(t);
            waiters.delete(w);
            resolve(ok);
          },
        };
        const t = setTimeout(() => w.done(false), timeoutMs);
        waiters.add(w);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const w of waiters) w.done(false);
      await client?.end().catch(() => undefined);
    },
  };
}
