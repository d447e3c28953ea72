import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Hand-built WebSocket frames over a raw TCP socket (RFC 6455), for what a
 * WebSocket library refuses to send: invalid UTF-8, reserved bits and
 * opcodes, unmasked frames, control frames inside fragmented messages, lying
 * lengths.
 */
export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  payload: Buffer;
  /** Client frames must be masked; false sends an unmasked one (a protocol error). */
  masked?: boolean;
}

export function encodeFrame(f: FrameSpec): Buffer {
  const masked = f.masked ?? true;
  const len = f.payload.length;
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) & 0x7) << 4 | (f.opcode & 0xf)];
  const m = masked ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), f.payload]);
  const key = randomBytes(4);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = f.payload[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, body]);
}

export const text = (s: string | Buffer, fin = true): FrameSpec => ({ opcode: 1, fin, payload: Buffer.isBuffer(s) ? s : Buffer.from(s) });

/** What came back on one raw connection. */
export interface RawOutcome {
  /** Text frames the server sent, parsed when JSON. */
  messages: unknown[];
  /** Close code from the server's close frame, if one came. */
  closeCode?: number;
  /** The connection ended (either side) before the deadline. */
  ended: boolean;
  /** Whether the upgrade was accepted (101). */
  upgraded: boolean;
  status?: number;
}

/** Parses server frames (unmasked) from a buffer; returns the frames and the unconsumed rest. */
function parseFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const opcode = buf[off]! & 0xf;
    let len = buf[off + 1]! & 0x7f;
    let hdr = 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      hdr = 4;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      hdr = 10;
    }
    if (buf.length - off < hdr + len) break;
    frames.push({ opcode, payload: buf.subarray(off + hdr, off + hdr + len) });
    off += hdr + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/**
 * Upgrades `path` on host:port, writes `bytes`, then waits until the server
 * answers `until` (a predicate on its messages), closes, or `timeoutMs`
 * passes; then half-closes and waits for the end. Never sleeps a fixed time.
 */
export function rawExchange(
  port: number,
  opts: { path?: string; headers?: Record<string, string>; bytes: Buffer; until?: (messages: unknown[]) => boolean; timeoutMs?: number },
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const out: RawOutcome = { messages: [], ended: false, upgraded: false };
    const sock: Socket = connect({ host: '127.0.0.1', port });
    let buf: Buffer = Buffer.alloc(0);
    let handshakeDone = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 3000);
    sock.on('error', () => finish());
    sock.on('close', () => {
      out.ended = true;
      finish();
    });
    sock.on('connect', () => {
      const headers = {
        Host: `127.0.0.1:${port}`,
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Protocol': 'tidings.v1',
        ...opts.headers,
      };
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      sock.write(`GET ${opts.path ?? '/v1/stream'} HTTP/1.1\r\n${head}\r\n\r\n`);
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!handshakeDone) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const statusLine = buf.subarray(0, buf.indexOf('\r\n')).toString();
        out.status = Number(statusLine.split(' ')[1]);
        handshakeDone = true;
        buf = buf.subarray(end + 4);
        if (out.status !== 101) {
          sock.end();
          return;
        }
        out.upgraded = true;
        sock.write(opts.bytes);
        if (!opts.until) sock.end(); // nothing to wait for: EOF makes the server close
      }
      const { frames, rest } = parseFrames(buf);
      buf = rest;
      for (const f of frames) {
        if (f.opcode === 1) {
          const s = f.payload.toString();
          try {
            out.messages.push(JSON.parse(s));
          } catch {
            out.messages.push(s);
          }
        } else if (f.opcode === 8) {
          out.closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
          sock.end();
        }
      }
      if (opts.until?.(out.messages)) sock.end();
    });
  });
}
