import { REBUILD_ERRORS, type RebuildErrorCode } from '@tidings/protocol';

/**
 * A rebuild failure carrying its stable code. The codes live in the protocol
 * package (`REBUILD_ERRORS`) because they are part of the answer of
 * `GET /v1/ops/rebuild/:id`, which the CLI reads.
 */
export class RebuildError extends Error {
  constructor(
    readonly code: RebuildErrorCode,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? REBUILD_ERRORS[code], options);
    this.name = 'RebuildError';
  }
}
