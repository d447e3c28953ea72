/** Batches get room for 1000 notifications at the envelope limit, with headroom for JSON escaping. */
export const BATCH_BODY_LIMIT = 16 * 1024 * 1024;
/** A single request is bounded by its one `data` (≤64 KiB as an envelope) plus 1000 recipient ids. */
export const SINGLE_BODY_LIMIT = 1024 * 1024;
