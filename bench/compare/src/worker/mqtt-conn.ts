import { createConnection } from 'node:net';
import { MqttClient, type IConnackPacket } from 'mqtt';
import { once, type BenchConn, type ConnContext } from './conn.js';

/**
 * An MQTT 5 client with a persistent session, as mqtt.js and Mosquitto
 * document it: a stable client id, clean start false, a session expiry
 * interval, a QoS 1 subscription to the user's topic. The library
 * reconnects by itself (reconnectPeriod 1 s); a session the broker no longer
 * has (sessionPresent false) is subscribed again.
 */
export const SESSION_EXPIRY_S = 3600;
export const topicFor = (userId: string) => `bench/u/${userId}`;

export function mqttConn(ctx: ConnContext): BenchConn {
  let client: MqttClient | undefined;
  let dropped = false;
  const url = new URL(ctx.endpoints[ctx.node]!);
  const topic = topicFor(ctx.userId);

  function make(): MqttClient {
    const c = new MqttClient(() => createConnection({ host: url.hostname, port: Number(url.port), localAddress: ctx.localAddress }), {
      clientId: `bench-${ctx.userId}`,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
      reconnectPeriod: 1000,
      keepalive: 60,
      resubscribe: false,
    });
    c.on('message', (_topic, payload) => {
      const m = JSON.parse(payload.toString('utf8')) as { s?: number };
      if (typeof m.s === 'number') ctx.sink.message(m.s);
    });
    c.on('offline', () => {
      if (c !== client || dropped) return;
      dropped = true;
      ctx.sink.dropped();
    });
    c.on('connect', (connack: IConnackPacket) => {
      if (c !== client || !dropped) return;
      dropped = false;
      void ensureSubscribed(c, connack).then(() => ctx.sink.reconnected(connack.sessionPresent));
    });
    c.on('error', () => undefined);
    return c;
  }

  async function ensureSubscribed(c: MqttClient, connack: IConnackPacket): Promise<void> {
    if (!connack.sessionPresent) await c.subscribeAsync(topic, { qos: 1 });
  }

  // mqtt.js retries a failed attempt after reconnectPeriod; only CONNACK ends the wait.
  const connected = (c: MqttClient, what: string, timeoutMs: number) =>
    once<IConnackPacket>((resolve) => c.once('connect', resolve), timeoutMs, `mqtt ${ctx.userId} ${what}`);

  return {
    async open() {
      client = make();
      const connack = await connected(client, 'open', 120000);
      await ensureSubscribed(client, connack);
    },
    async away() {
      const c = client!;
      client = undefined;
      // A normal DISCONNECT: the broker keeps the session for its expiry interval.
      await c.endAsync(false);
    },
    async back(onConnected) {
      client = make();
      const connack = await connected(client, 'back', 600000);
      onConnected();
      await ensureSubscribed(client, connack);
      return { recovered: connack.sessionPresent };
    },
    get isOpen() {
      return client?.connected ?? false;
    },
    close() {
      const c = client;
      client = undefined;
      c?.end(true);
    },
  };
}
