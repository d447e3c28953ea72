import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonTooDeep, mayBeUnstorable, unstorableIssues } from '@tidings/protocol';
import { ApiError } from './api-error.js';

/** How a service bounds request bodies in time and what it reads of one it refuses. */
export interface BodyTimeouts {
  /** A request body must arrive completely within this many ms of its headers, else 408. */
  bodyTimeoutMs: number;
  /** Most bytes of a refused, still-uploading body read and discarded so the client can read the answer. */
  drainMaxBytes: number;
}

const timedOut = Symbol('tidings.bodyTimedOut');
const deadline = Symbol('tidings.bodyDeadline');
type Raw = IncomingMessage & { [timedOut]?: true; [deadline]?: NodeJS.Timeout };

/**
 * Request bodies for every service (docs/contract.md §3 G6, §6):
 *
 * - JSON only: the `text/plain` parser Fastify adds by default is removed,
 *   so any other media type answers 415 rather than reaching validation.
 * - JSON nesting is checked by a linear scan of the raw text BEFORE the
 *   parser: `JSON.parse`, Ajv and `JSON.stringify` recurse, and a few KB of
 *   `[[[[…` overflowed the stack into a 500.
 * - A body that trickles is cut off: 408 with a catalogued code once
 *   `bodyTimeoutMs` has passed without the whole body.
 * - An answer given before the body was read (401 from an onRequest auth
 *   hook, 413 on `content-length`) first reads and discards the rest of the
 *   body, bounded by `drainMaxBytes` and `bodyTimeoutMs`: closing a socket
 *   with unread data makes the kernel send a reset, and the client (or a
 *   proxy) then loses the answer and sees only "connection reset".
 */
export function registerBodyHandling(app: FastifyInstance, opts: BodyTimeouts): void {
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonTooDeep(body as string)) {
      done(new ApiError('TIDINGS_ERR_TOO_DEEP'), undefined);
      return;
    }
    parseJson(req, body as string, (error, value) => {
      // NUL and lone surrogates fit no field of any route and Postgres refuses them (text, jsonb,
      // the ops audit row of a refused request): a 400 here instead of a failed query later.
      const issues = error || !mayBeUnstorable(body as string) ? [] : unstorableIssues(value);
      if (issues.length > 0) done(new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', issues), undefined);
      else done(error, value);
    });
  });
  // The same for path and query parameters, before route validation.
  app.addHook('preValidation', async (req) => {
    const issues = [...unstorableIssues(req.params, '/params'), ...unstorableIssues(req.query, '/querystring')];
    if (issues.length > 0) throw new ApiError('TIDINGS_ERR_VALIDATION', 'request failed validation', issues);
  });

  app.addHook('preParsing', async (req, reply, payload) => {
    if (req.raw.complete || req.raw.readableEnded || !hasBody(req)) return payload;
    // Fastify reads the body from the stream this hook returns; failing it answers through the error handler.
    const raw = req.raw as Raw;
    const body = new PassThrough();
    // Once Fastify stopped reading (an early answer), nobody listens: the error must not become uncaught.
    body.on('error', () => undefined);
    const timer = setTimeout(() => {
      raw[timedOut] = true;
      payload.unpipe(body);
      body.destroy(Object.assign(new ApiError('TIDINGS_ERR_REQUEST_TIMEOUT'), { statusCode: 408 }));
    }, opts.bodyTimeoutMs);
    raw[deadline] = timer;
    const stop = () => clearTimeout(timer);
    payload.once('end', stop);
    reply.raw.once('close', stop);
    payload.pipe(body);
    return body;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const raw = req.raw as Raw;
    // Answering ends the body's deadline: what is still unread is drained (bounded) below.
    clearTimeout(raw[deadline]);
    if (raw.complete || raw.readableEnded || raw.destroyed || !hasBody(req)) return payload;
    const declared = Number(req.headers['content-length']);
    const drained = !raw[timedOut] && !(declared > opts.drainMaxBytes) && (await drain(raw, opts.drainMaxBytes, opts.bodyTimeoutMs));
    // Whatever could not be drained is cut off with the answer; the client should not reuse this connection.
    if (!drained) void reply.header('connection', 'close');
    return payload;
  });
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads and discards the rest of a request body; true once it ended within the bounds. */
function drain(raw: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('close', onClose);
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(raw.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    raw.on('data', onData);
    raw.once('end', onEnd);
    raw.once('close', onClose);
    // The deadline's PassThrough may still be piped and full (nobody reads it after an early answer).
    raw.unpipe();
    raw.resume();
  });
}
