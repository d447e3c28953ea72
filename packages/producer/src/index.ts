// Public surface of @tidings/producer.
export { createProducer } from './producer.js';
export { ProducerOptions } from './options.js';
export type { Notification, Producer, Recipients, SendOptions, SendResult } from './types.js';
export { PRODUCER_ERRORS, ProducerError } from './errors.js';
export type { ProducerErrorCode } from './errors.js';
// Shared with ingest, so a notification gets the same ids and checks on either path.
export { buildEnvelopes, checkEnvelopes, recipientIssues } from './envelopes.js';
export type { EnvelopeCheck } from './envelopes.js';
export { baseId, explicitEventId, recipientId } from './ids.js';
export type { IdSource } from './ids.js';
