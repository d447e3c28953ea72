import { ERRORS, type ErrorCode, type ValidationIssue } from '@tidings/protocol';

/** An error meant for the caller: a stable code, its HTTP status and a safe message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly issues?: ValidationIssue[],
    options?: { cause?: unknown },
  ) {
    super(message ?? ERRORS[code].message, options);
    this.name = 'ApiError';
    this.status = ERRORS[code].status;
  }
}
