import { LIMITS } from './limits.js';

/**
 * Every error code a client can see on the wire (HTTP bodies and WebSocket
 * `error` frames). Codes are stable: never rename one, add a new one.
 * `docs/errors.md` documents each; a test keeps the two in step.
 */
export const ERRORS = Object.freeze({
  TIDINGS_ERR_VALIDATION: { status: 400, retryable: false, message: 'request failed validation' },
  TIDINGS_ERR_BAD_JSON: { status: 400, retryable: false, message: 'body is not valid JSON' },
  TIDINGS_ERR_TOO_DEEP: { status: 400, retryable: false, message: `JSON nests deeper than ${LIMITS.jsonMaxDepth} levels` },
  TIDINGS_ERR_BAD_FRAME: { status: 400, retryable: false, message: 'frame is not a JSON text message' },
  TIDINGS_ERR_UNKNOWN_TYPE: { status: 400, retryable: false, message: 'unknown message type' },
  TIDINGS_ERR_AUTH_MISSING: { status: 401, retryable: false, message: 'no bearer token' },
  TIDINGS_ERR_AUTH_INVALID: { status: 401, retryable: false, message: 'token is invalid' },
  TIDINGS_ERR_AUTH_EXPIRED: { status: 401, retryable: false, message: 'token has expired' },
  TIDINGS_ERR_FORBIDDEN: { status: 403, retryable: false, message: 'token lacks the required scope' },
  TIDINGS_ERR_NOT_FOUND: { status: 404, retryable: false, message: 'not found' },
  TIDINGS_ERR_REQUEST_TIMEOUT: { status: 408, retryable: true, message: 'the request body did not arrive in time' },
  TIDINGS_ERR_CONFLICT: { status: 409, retryable: true, message: 'conflicts with an operation in progress' },
  TIDINGS_ERR_TOO_LARGE: { status: 413, retryable: false, message: 'request is too large' },
  TIDINGS_ERR_UNSUPPORTED_MEDIA: { status: 415, retryable: false, message: 'content-type must be application/json' },
  TIDINGS_ERR_IDEMPOTENCY_MISMATCH: { status: 422, retryable: false, message: 'Idempotency-Key was already used for a different request' },
  TIDINGS_ERR_RATE_LIMITED: { status: 429, retryable: true, message: 'rate limit exceeded' },
  TIDINGS_ERR_UNAVAILABLE: { status: 503, retryable: true, message: 'a dependency is unavailable; nothing was accepted' },
  TIDINGS_ERR_INTERNAL: { status: 500, retryable: true, message: 'internal error' },
  TIDINGS_ERR_HELLO_REQUIRED: { status: 400, retryable: false, message: 'send hello first' },
  TIDINGS_ERR_ALREADY_HELLO: { status: 400, retryable: false, message: 'hello was already received' },
});
export type ErrorCode = keyof typeof ERRORS;

export function errorStatus(code: ErrorCode): number {
  return ERRORS[code].status;
}
