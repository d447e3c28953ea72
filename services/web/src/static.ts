import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page may talk to gateways on other ports (WebSocket) and to this
 * origin (HTTP); nothing else, and no inline script.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss: http: https:; frame-ancestors 'none'";

/**
 * Serves a fixed list of files, read once at start: no path from the
 * request ever reaches the file system, so there is nothing to traverse.
 */
export async function registerStatic(app: FastifyInstance, dir: string, files: readonly string[]): Promise<void> {
  for (const name of files) {
    const body = await readFile(join(dir, name));
    const type = TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
    const route = name === 'index.html' ? '/' : `/${name}`;
    app.get(route, async (_req, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CSP)
        .send(body),
    );
  }
}
