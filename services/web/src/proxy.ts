import type { FastifyInstance } from 'fastify';
import { ApiError } from '@tidings/runtime';
import type { Counter } from 'prom-client';

/** The gateway's inbox reads the page needs; nothing else is forwarded. */
const PATHS = ['/v1/me/notifications', '/v1/me/unread-count'] as const;

/**
 * Same-origin access to the gateways' inbox API for the page, under
 * `/gateway/…`. The gateway serves no CORS headers, so a page on this
 * origin cannot call it directly with an Authorization header. This proxy
 * forwards the user's own token (it adds no authority) and fails over
 * between gateways like the SDK does. Sockets go to the gateways directly.
 */
export function registerGatewayProxy(app: FastifyInstance, gatewayUrls: readonly string[], requests: Counter): void {
  let next = 0;
  for (const path of PATHS) {
    app.get(`/gateway${path}`, async (req, reply) => {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const auth = req.headers.authorization;
      let lastError: unknown;
      for (let i = 0; i < gatewayUrls.length; i++) {
        const base = gatewayUrls[(next + i) % gatewayUrls.length]!;
        try {
          const res = await fetch(`${base}${path}${query}`, { headers: auth ? { authorization: auth } : {}, signal: AbortSignal.timeout(5000) });
          if (res.status >= 500) throw new Error(`${base} answered ${res.status}`);
          next = (next + i) % gatewayUrls.length; // stay on a gateway that answers
          requests.inc({ outcome: 'ok' });
          return reply.code(res.status).header('content-type', 'application/json').send(await res.text());
        } catch (error) {
          lastError = error;
        }
      }
      requests.inc({ outcome: 'unavailable' });
      throw new ApiError('TIDINGS_ERR_UNAVAILABLE', 'no gateway answered', undefined, { cause: lastError });
    });
  }
}
