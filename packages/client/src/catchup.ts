import { SUBPROTOCOL } from '@tidings/protocol/constants';
import type { EventMessage, ServerMessage, SyncedMessage } from '@tidings/protocol';
import { TidingsClientError } from './errors.js';
import type { WebSocketFactory } from './types.js';

export interface CatchUpResult {
  events: EventMessage[];
  synced: SyncedMessage;
}

/**
 * A short-lived socket that replays a user's events after `cursor` and
 * closes at `synced`. The inbox model uses it to bring a page fetched over
 * HTTP up to the shared stream without rewinding that stream (which other
 * tabs and the app's own listeners depend on).
 */
export function catchUp(opts: { WebSocket: WebSocketFactory; url: string; token: string; cursor: string; timeoutMs?: number }): Promise<CatchUpResult> {
  return new Promise<CatchUpResult>((resolve, reject) => {
    const events: EventMessage[] = [];
    let settled = false;
    const ws = new opts.WebSocket(opts.url, [SUBPROTOCOL]);
    const finish = (error: TidingsClientError | undefined, synced?: SyncedMessage) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.onmessage = null;
      ws.onclose = null;
      try {
        ws.close(1000, 'caught up');
      } catch {
        // already closed
      }
      if (error) reject(error);
      else resolve({ events, synced: synced! });
    };
    const timer = setTimeout(
      () => finish(new TidingsClientError('TIDINGS_ERR_CLIENT_CATCH_UP', `no synced within ${opts.timeoutMs ?? 30000} ms`)),
      opts.timeoutMs ?? 30000,
    );
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token: opts.token, cursor: opts.cursor }));
    ws.onerror = () => undefined;
    ws.onclose = (ev) => finish(new TidingsClientError('TIDINGS_ERR_CLIENT_CATCH_UP', `socket closed before synced (${ev.code} ${ev.reason})`));
    ws.onmessage = (ev) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return finish(new TidingsClientError('TIDINGS_ERR_CLIENT_PROTOCOL', 'server frame is not JSON'));
      }
      if (msg.type === 'event') events.push(msg);
      else if (msg.type === 'synced') finish(undefined, msg);
    };
  });
}
