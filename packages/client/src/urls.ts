/**
 * Gateways are named by one base URL each (`http://host:4100` or
 * `ws://host:4100`): the socket is `ws(s)://…/v1/stream`, the inbox API
 * `http(s)://…/v1/me/…` on the same node.
 */
export function streamUrl(base: string): string {
  const u = new URL(base);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`gateway URL must be http(s) or ws(s): ${base}`);
  if (!u.pathname.endsWith('/v1/stream')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/stream`;
  return u.toString();
}

export function apiBase(base: string): string {
  const u = new URL(base);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  u.pathname = u.pathname.replace(/\/v1\/stream\/?$/, '').replace(/\/+$/, '');
  u.search = '';
  return u.toString().replace(/\/+$/, '');
}
