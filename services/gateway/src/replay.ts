import type pg from 'pg';

export interface ReplayRow {
  offset: bigint;
  /** The envelope as JSON text, rebuilt from the mirror's columns. */
  json: string;
}

/**
 * One page of a user's mirrored events with `after < offset < before` (and,
 * for redelivery from a time, `time >= since`), in log order. The envelope is
 * assembled by Postgres so the gateway only forwards text. `time` comes back
 * normalized to UTC with milliseconds.
 */
export async function replayPage(
  pool: pg.Pool,
  userId: string,
  partition: number,
  after: bigint,
  before: bigint,
  limit: number,
  since?: Date,
): Promise<ReplayRow[]> {
  const r = await pool.query<{ offset: string; json: string }>(
    `SELECT "offset"::text AS offset,
            json_build_object('id', id, 'type', type, 'userId', user_id,
              'time', to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'source', source, 'data', data)::text AS json
       FROM events
      WHERE user_id = $1 AND partition = $2 AND "offset" > $3 AND "offset" < $4
        AND ($6::timestamptz IS NULL OR time >= $6)
      ORDER BY events."offset" -- qualified: a bare "offset" would sort by the text alias above ('10' < '9')
      LIMIT $5`,
    [userId, partition, after.toString(), before.toString(), limit, since ?? null],
  );
  return r.rows.map((row) => ({ offset: BigInt(row.offset), json: row.json }));
}
