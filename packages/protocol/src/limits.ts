/** Size and shape limits of SPEC §4; one place, shared by every edge. */
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
});

/** userId and topic alphabet (SPEC §4): safe in URLs, logs and Kafka keys. */
export const USER_ID_PATTERN = '^[A-Za-z0-9_.:@-]+$';
/** Printable ASCII without spaces, so ids survive headers, URLs and logs. */
export const ID_PATTERN = '^[\\x21-\\x7E]+$';
