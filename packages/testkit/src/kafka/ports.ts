import { createServer } from 'node:net';
import type { Server } from 'node:net';

/**
 * `count` distinct ports that were free on 127.0.0.1 a moment ago: listen on
 * port 0 (the kernel picks), remember, close. All listeners stay open until
 * every port is picked so the kernel cannot hand out the same one twice. The
 * usual window remains between close and the broker's bind; ephemeral ports
 * are picked from a large range, so a clash is rare and fails the start loudly.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listen(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('error picking a free port: no address'));
    });
  });
}
