import type { ErrorBody } from '@tidings/protocol';
import { TidingsClientError } from './errors.js';

/**
 * GET a JSON resource from the first gateway that answers: network errors
 * and 5xx move on to the next base URL; 4xx are the caller's problem and
 * are thrown with the server's code.
 */
export async function getJson<T>(fetchFn: typeof fetch, bases: readonly string[], path: string, token: string, start = 0): Promise<T> {
  let last: unknown;
  for (let i = 0; i < bases.length; i++) {
    const base = bases[(start + i) % bases.length]!;
    let res: Response;
    try {
      res = await fetchFn(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    } catch (error) {
      last = error;
      continue;
    }
    if (res.status >= 500) {
      last = new Error(`${base} answered ${res.status}`);
      continue;
    }
    const body = (await res.json().catch(() => undefined)) as unknown;
    if (!res.ok) {
      const err = body as Partial<ErrorBody> | undefined;
      throw new TidingsClientError(err?.code ?? 'TIDINGS_ERR_CLIENT_HTTP', err?.message ?? `HTTP ${res.status}`, { status: res.status, retryable: false });
    }
    return body as T;
  }
  throw new TidingsClientError('TIDINGS_ERR_CLIENT_HTTP', `no gateway answered GET ${path}: ${(last as Error | undefined)?.message ?? 'no URLs'}`, { cause: last });
}
