/** The auth package's error catalogue; codes are shared with the wire (protocol ERRORS). */
export type AuthErrorCode = 'TIDINGS_ERR_AUTH_MISSING' | 'TIDINGS_ERR_AUTH_INVALID' | 'TIDINGS_ERR_AUTH_EXPIRED' | 'TIDINGS_ERR_FORBIDDEN';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthError';
  }
}
