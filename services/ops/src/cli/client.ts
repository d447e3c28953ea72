/**
 * The CLI's view of the ops HTTP API: JSON in and out, and every failure
 * as a CliError carrying the server's stable error code (or a CLI one when
 * the server could not be reached or answered something that is not JSON).
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface OpsClient {
  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

export function createOpsClient(baseUrl: string, token: string | undefined, timeoutMs = 30000): OpsClient {
  const base = baseUrl.replace(/\/+$/, '');
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const c = (error as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (error as Error).message;
      throw new CliError('TIDINGS_ERR_UNREACHABLE', `cannot reach the ops API at ${base} (${cause})`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError('TIDINGS_ERR_BAD_RESPONSE', `${method} ${path}: HTTP ${res.status} with a non-JSON body`, res.status);
    }
    if (!res.ok) {
      const e = (parsed ?? {}) as { code?: string; message?: string; issues?: { path: string; message: string }[] };
      throw new CliError(e.code ?? `HTTP_${res.status}`, e.message ?? `${method} ${path}: HTTP ${res.status}`, res.status, e.issues);
    }
    return parsed as T;
  }
  return {
    get(path, query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
      const q = qs.toString();
      return call('GET', q ? `${path}?${q}` : path);
    },
    post(path, body) {
      return call('POST', path, body);
    },
  };
}
