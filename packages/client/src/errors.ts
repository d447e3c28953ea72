/**
 * Errors the SDK raises. Codes are stable (never renamed); docs/client.md
 * documents each and a unit test keeps the two in step. Server error codes
 * (`TIDINGS_ERR_*` from the protocol catalogue) pass through unchanged in
 * `code` when the gateway answered a request with an `error` frame.
 */
export const CLIENT_ERRORS = Object.freeze({
  TIDINGS_ERR_CLIENT_TIMEOUT: { retryable: true, message: 'the request got no answer in time' },
  TIDINGS_ERR_CLIENT_CONNECTION_LOST: { retryable: true, message: 'the connection closed before the answer arrived; the outcome is unknown' },
  TIDINGS_ERR_CLIENT_CLOSED: { retryable: false, message: 'the client was closed' },
  TIDINGS_ERR_CLIENT_TOKEN: { retryable: true, message: 'getToken failed' },
  TIDINGS_ERR_CLIENT_HTTP: { retryable: true, message: 'no gateway answered the HTTP request' },
  TIDINGS_ERR_CLIENT_PROTOCOL: { retryable: true, message: 'the server sent a frame the client does not understand' },
  TIDINGS_ERR_CLIENT_CATCH_UP: { retryable: true, message: 'could not catch up from the inbox cursor' },
});
export type ClientErrorCode = keyof typeof CLIENT_ERRORS;

export class TidingsClientError extends Error {
  readonly retryable: boolean;
  /** HTTP status, when the error came from an HTTP answer. */
  readonly status: number | undefined;
  constructor(
    /** A client code above, or a server `TIDINGS_ERR_*` code. */
    readonly code: ClientErrorCode | (string & {}),
    message?: string,
    options?: { cause?: unknown; retryable?: boolean; status?: number },
  ) {
    const known = (CLIENT_ERRORS as Record<string, { retryable: boolean; message: string }>)[code];
    super(message ?? known?.message ?? code, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TidingsClientError';
    this.retryable = options?.retryable ?? known?.retryable ?? false;
    this.status = options?.status;
  }
}
