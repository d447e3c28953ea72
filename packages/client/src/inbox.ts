import type { EventMessage, InboxItem, InboxPage } from '@tidings/protocol';
import { backoffDelay } from './backoff.js';
import { catchUp } from './catchup.js';
import type { TidingsClient } from './client.js';
import { createSeenIds, type SeenIds } from './dedupe.js';
import { createEmitter } from './emitter.js';
import { TidingsClientError } from './errors.js';
import { getJson } from './http.js';
import { appendPage, applyEvent, EMPTY_VIEW, fromPage, visibleItems, type InboxView } from './inbox-reducer.js';
import { apiBase } from './urls.js';

export interface InboxOptions {
  /** Items in the first page (1–200). */
  limit?: number;
  /** Delay before re-reading the unread count after a change to an item the client does not hold. */
  recountDelayMs?: number;
}

export interface InboxSnapshot {
  /** Not archived, newest first. */
  items: InboxItem[];
  unread: number;
  /** True until the first page has loaded, and while a reload runs. */
  loading: boolean;
  /** More (older) items exist: `loadMore()` fetches them. */
  hasMore: boolean;
  /** The last load failure; cleared by the next successful load. */
  error: TidingsClientError | undefined;
  /** Completed loads (the first page and every refetch after `recovered:false`). */
  loads: number;
}

export interface Inbox {
  readonly snapshot: InboxSnapshot;
  /** Called after every change with the new snapshot. */
  onChange(listener: (s: InboxSnapshot) => void): () => void;
  /** Resolves after the first successful load. */
  readonly ready: Promise<void>;
  /** Refetches the first page (also done by itself after `recovered:false`). */
  reload(): Promise<void>;
  loadMore(): Promise<void>;
  markRead(ids: readonly string[]): Promise<void>;
  markAllRead(): Promise<void>;
  markSeen(ids: readonly string[]): Promise<void>;
  archive(ids: readonly string[]): Promise<void>;
  unarchive(ids: readonly string[]): Promise<void>;
  close(): void;
}

/** Main-stream events held while a load runs; beyond this the load starts over. */
const MAX_BUFFERED = 10000;

/**
 * The inbox model: the first page and unread count over HTTP, then kept
 * current by the user's events (new items, state changes from any device).
 *
 * Joining page and stream without a gap or a double: once the stream is
 * live on node U, main-stream events are buffered; the page is fetched
 * (complete up to its `cursor`); a catch-up socket on the same node U
 * replays everything after that cursor up to U's live position, which is at
 * or past anything U had sent the main stream before buffering began. The
 * view is the page, then the catch-up events, then the buffer, skipping ids
 * already applied — every event after the page exactly once, in log order.
 * The shared stream itself is never rewound (other tabs and the app's own
 * listeners rely on it). `recovered:false` on the stream starts a new load.
 */
export function createInbox(client: TidingsClient, opts: InboxOptions = {}): Inbox {
  const limit = opts.limit ?? 50;
  const ep = client.endpoints;
  const apiUrls = ep.apiUrls.length > 0 ? ep.apiUrls : ep.streamUrls.map(apiBase);
  const emitter = createEmitter<{ change: InboxSnapshot }>();
  let view: InboxView = EMPTY_VIEW;
  let applied: SeenIds = createSeenIds(20000);
  let buffer: EventMessage[] | undefined = [];
  let loadGen = 0;
  let loading = true;
  let loads = 0;
  let failures = 0;
  let lastError: TidingsClientError | undefined;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let recountTimer: ReturnType<typeof setTimeout> | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const snapshot = (): InboxSnapshot => ({
    items: visibleItems(view),
    unread: view.unread,
    loading,
    hasMore: view.nextBefore !== undefined,
    error: lastError,
    loads,
  });
  const changed = () => emitter.emit('change', snapshot());

  function apply(m: EventMessage): void {
    // Redelivered state changes are old news the view already reflects; only an unknown item is worth adding.
    if (m.redelivered && m.event.type !== 'notification.created') return;
    if (!applied.add(m.event.id)) return;
    const before = view;
    view = applyEvent(view, m.event);
    if (view.countStale && !before.countStale) scheduleRecount();
  }

  const offEvent = client.on('event', (m) => {
    if (buffer) {
      buffer.push(m);
      if (buffer.length > MAX_BUFFERED) void load();
      return;
    }
    apply(m);
    changed();
  });
  const offSynced = client.on('synced', (r) => {
    if (!r.recovered) void load();
  });

  async function token(): Promise<string> {
    return ep.getToken();
  }

  async function load(): Promise<void> {
    if (closed) return;
    const gen = ++loadGen;
    clearTimeout(retryTimer);
    loading = true;
    buffer = [];
    changed();
    try {
      const live = await client.whenLive();
      if (gen !== loadGen) return;
      // From here, main-stream events are buffered (buffer was emptied above
      // and only fills while loading): see the invariant in the doc comment.
      buffer = [];
      const url = live.url;
      const nodeApi = apiUrls.indexOf(apiBase(url));
      const page = await getJson<InboxPage>(ep.fetch, apiUrls, `/v1/me/notifications?limit=${limit}`, await token(), Math.max(0, nodeApi));
      if (gen !== loadGen) return;
      const caught = await catchUp({ WebSocket: ep.WebSocket, url, token: await token(), cursor: page.cursor });
      if (gen !== loadGen) return;
      if (!caught.synced.recovered) throw new TidingsClientError('TIDINGS_ERR_CLIENT_CATCH_UP', `the page cursor could not be honoured (${caught.synced.reason ?? 'unknown'})`);
      view = fromPage(page);
      applied = createSeenIds(20000);
      for (const m of caught.events) apply(m);
      const held = buffer;
      buffer = undefined;
      for (const m of held) apply(m);
      loading = false;
      loads += 1;
      failures = 0;
      lastError = undefined;
      changed();
      markReady();
    } catch (error) {
      if (gen !== loadGen || closed) return;
      lastError = error instanceof TidingsClientError ? error : new TidingsClientError('TIDINGS_ERR_CLIENT_HTTP', (error as Error).message, { cause: error });
      changed();
      const delay = 250 + backoffDelay(failures++, { baseMs: 1000, capMs: 30000 });
      retryTimer = setTimeout(() => void load(), delay);
    }
  }

  function scheduleRecount(): void {
    clearTimeout(recountTimer);
    recountTimer = setTimeout(() => {
      void (async () => {
        try {
          const r = await getJson<{ unread: number }>(ep.fetch, apiUrls, '/v1/me/unread-count', await token());
          view = { ...view, unread: r.unread, countStale: false };
          changed();
        } catch (error) {
          lastError = error as TidingsClientError;
          changed();
        }
      })();
    }, opts.recountDelayMs ?? 300);
  }

  void load();

  const act = async (p: Promise<unknown>) => void (await p);
  return {
    get snapshot() {
      return snapshot();
    },
    onChange: (listener) => emitter.on('change', listener),
    ready,
    reload: () => load(),
    async loadMore() {
      if (view.nextBefore === undefined) return;
      const page = await getJson<InboxPage>(ep.fetch, apiUrls, `/v1/me/notifications?limit=${limit}&before=${view.nextBefore}`, await token());
      view = appendPage(view, page);
      changed();
    },
    markRead: (ids) => act(client.read(ids)),
    markAllRead: () => act(client.readAll()),
    markSeen: (ids) => act(client.seen(ids)),
    archive: (ids) => act(client.archive(ids)),
    unarchive: (ids) => act(client.unarchive(ids)),
    close() {
      closed = true;
      loadGen += 1;
      clearTimeout(retryTimer);
      clearTimeout(recountTimer);
      offEvent();
      offSynced();
    },
  };
}
