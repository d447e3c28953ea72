import type { RawData } from 'ws';
import {
  compile,
  ERRORS,
  HelloMessage,
  PingMessage,
  RefreshMessage,
  StateRequestMessage,
  jsonTooDeep,
  type ClientMessage,
  type ErrorCode,
} from '@tidings/protocol';

/** A client frame, checked against the §7 schemas: the message, or the `error` frame to answer with. */
export type Inbound =
  | { ok: true; msg: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; id?: string | undefined; path?: string | undefined };

const validators = {
  hello: compile(HelloMessage),
  ping: compile(PingMessage),
  refresh: compile(RefreshMessage),
  read: compile(StateRequestMessage),
  seen: compile(StateRequestMessage),
  archive: compile(StateRequestMessage),
  unarchive: compile(StateRequestMessage),
} as const;

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Parses one frame. Pure: the caller decides what a bad frame costs the
 * connection. The request `id` is echoed in errors whenever it is readable,
 * so a client can correlate even a rejected request.
 */
export function parseClientFrame(data: RawData, isBinary: boolean): Inbound {
  if (isBinary) return { ok: false, code: 'TIDINGS_ERR_BAD_FRAME', message: 'binary frames are not accepted; send JSON text' };
  const raw = text(data);
  // Before JSON.parse: the parser and everything after it recurse (docs/contract.md §3 G6).
  if (jsonTooDeep(raw)) return { ok: false, code: 'TIDINGS_ERR_TOO_DEEP', message: ERRORS.TIDINGS_ERR_TOO_DEEP.message };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'TIDINGS_ERR_BAD_FRAME', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'TIDINGS_ERR_BAD_FRAME', message: 'frame must be a JSON object' };
  }
  const { type, id: rawId } = value as { type?: unknown; id?: unknown };
  const id = typeof rawId === 'string' && rawId.length <= 64 ? rawId : undefined;
  const check = typeof type === 'string' && Object.hasOwn(validators, type) ? validators[type as keyof typeof validators] : undefined;
  if (!check) return { ok: false, code: 'TIDINGS_ERR_UNKNOWN_TYPE', message: 'unknown message type', id, path: '/type' };
  const result = check(value);
  if (!result.ok) {
    return {
      ok: false,
      code: 'TIDINGS_ERR_VALIDATION',
      message: result.issues.map((i) => `${i.path} ${i.message}`).join('; '),
      id,
      path: result.issues[0]?.path,
    };
  }
  return { ok: true, msg: result.value as ClientMessage };
}
