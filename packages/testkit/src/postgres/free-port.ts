import { createServer } from 'node:net';

/**
 * A port that was free on `host` a moment ago (listen on 0, read, close).
 * Another process can take it before Postgres binds it; the launcher retries
 * with a new port when that happens.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`free port: unexpected address ${String(address)}`));
      });
    });
  });
}
