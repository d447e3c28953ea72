/** Small fetch helpers for tests: JSON in, status and JSON out. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function requestJson<T = unknown>(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/**
 * Posts `body` to ingest's `POST /v1/notifications` until it is accepted (202)
 * and returns the ids; a 503 (Kafka unavailable, nothing accepted) is retried
 * every 250 ms, any other status fails. For tests that stop the broker.
 */
export async function postUntilAccepted(ingestUrl: string, token: string, body: unknown, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await requestJson<{ ids: string[] }>('POST', `${ingestUrl}/v1/notifications`, { token, body });
    if (res.status === 202) return res.body.ids;
    if (res.status !== 503) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`ingest did not accept ${JSON.stringify(body).slice(0, 200)} within ${timeoutMs} ms`);
}
