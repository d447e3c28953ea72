/** Size and shape limits of docs/contract.md §4; one place, shared by every edge. */
export const LIMITS = Object.freeze({
  /** Event ids double as idempotency keys. */
  idMaxLength: 128,
  userIdMaxLength: 256,
  topicMaxLength: 256,
  /** Serialized `data.payload`. */
  payloadMaxBytes: 16 * 1024,
  /** Serialized whole envelope. */
  envelopeMaxBytes: 64 * 1024,
  recipientsMax: 1000,
  batchMax: 1000,
  stateIdsMax: 1000,
  /**
   * Nesting of any JSON document a service takes (HTTP bodies, WebSocket
   * frames, Kafka records), checked by a scan of the raw text before
   * anything recursive (the JSON parser, Ajv, JSON.stringify, Postgres'
   * jsonb parser) touches it. An envelope's `data.payload` sits at depth 3.
   */
  jsonMaxDepth: 64,
  /**
   * Largest position (Kafka offset, dead-letter id, audit id) a request may
   * name: Postgres `bigint`, 2^63-1. Larger decimal strings are refused at
   * the edge instead of failing the query (22003).
   */
  positionMax: 9223372036854775807n,
});

/** userId and topic alphabet (docs/contract.md §4): safe in URLs, logs and Kafka keys. */
export const USER_ID_PATTERN = '^[A-Za-z0-9_.:@-]+$';
/** Printable ASCII without spaces, so ids survive headers, URLs and logs. */
export const ID_PATTERN = '^[\\x21-\\x7E]+$';

/**
 * A JSON Schema `pattern` for decimal strings from 0 to `max` (leading zeros
 * allowed, at most as many digits as `max`), so a schema can bound a number
 * too large for a JavaScript number exactly.
 */
export function decimalAtMostPattern(max: bigint): string {
  const m = max.toString();
  const n = m.length;
  const alts = n > 1 ? [`[0-9]{1,${n - 1}}`] : [];
  for (let i = 0; i < n; i++) {
    const d = Number(m[i]);
    const rest = n - i - 1;
    if (d > 0) alts.push(`${m.slice(0, i)}[0-${d - 1}]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  alts.push(m);
  return `^(?:${alts.join('|')})$`;
}

/** Decimal strings naming a position: 0..2^63-1. */
export const POSITION_PATTERN = decimalAtMostPattern(LIMITS.positionMax);
