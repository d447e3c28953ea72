/* global document, location, window, fetch, URL, URLSearchParams -- browser page */
// The inbox page: the SDK's browser bundle, a token from the development
// endpoint, and a few lines of DOM. No framework on purpose: this is also
// the example of how little an app needs (see docs/client.md).
import { connect, createInbox } from '/tidings-client.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const userId = params.get('user');

$('user-form').addEventListener('submit', (e) => {
  e.preventDefault();
  location.search = `?user=${encodeURIComponent($('user-input').value.trim())}`;
});

if (userId) void start(userId);

async function start(user) {
  $('user-input').value = user;
  $('who').textContent = user;
  $('inbox').hidden = false;
  const config = await (await fetch('/config.json')).json();

  // Tokens are cached and renewed a minute before expiry (or at half-life for short ones).
  let cached;
  async function getToken() {
    const now = Date.now();
    if (cached && now < cached.renewAt) return cached.token;
    const res = await fetch('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user }) });
    const body = await res.json();
    if (!res.ok) throw new Error(`${body.code}: ${body.message}`);
    const exp = Date.parse(body.expiresAt);
    cached = { token: body.token, renewAt: exp - Math.min(60000, (exp - now) / 2) };
    return cached.token;
  }

  const client = connect({
    urls: config.gatewayUrls,
    apiUrls: [new URL(config.apiUrl, location.href).toString().replace(/\/$/, '')],
    getToken,
    storageScope: 'web',
  });
  const inbox = createInbox(client);
  // For tests and the curious: the live objects.
  window.tidings = { client, inbox };

  client.on('state', renderState);
  client.on('synced', renderSync);
  client.on('error', (e) => showError(`${e.code}: ${e.message}`));
  renderState(client.state);
  if (client.lastSync) renderSync(client.lastSync);
  inbox.onChange(render);

  $('read-all').addEventListener('click', () => act(inbox.markAllRead()));
  $('send').addEventListener('click', () =>
    act(
      fetch('/dev/notify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: user, title: `Hello ${user}, it is ${new Date().toLocaleTimeString()}` }),
      }).then(async (r) => {
        if (!r.ok) throw new Error((await r.json()).message);
      }),
    ),
  );
  $('more').addEventListener('click', () => act(inbox.loadMore()));
  $('list').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action]');
    if (!button) return;
    const id = button.closest('li').dataset.id;
    act(button.dataset.action === 'read' ? inbox.markRead([id]) : inbox.archive([id]));
  });
}

function act(promise) {
  promise.then(() => showError(''), (e) => showError(e.message));
}

function showError(text) {
  $('error').hidden = !text;
  $('error').textContent = text;
}

function renderState(s) {
  $('state').textContent = s.state;
  $('dot').className = `dot ${s.state}`;
  $('where').textContent = s.url ? `via ${new URL(s.url).host}` : '';
  const parts = [];
  if (s.connectionId) parts.push(`connection ${s.connectionId}`);
  if (s.state === 'reconnecting') parts.push(`retry in ${s.retryInMs} ms (attempt ${s.attempt})`);
  if (s.lastClose) parts.push(`last close ${s.lastClose.code}${s.lastClose.reason ? ` ${s.lastClose.reason}` : ''}`);
  $('detail').textContent = parts.join(' · ');
}

function renderSync(r) {
  const when = new Date(r.at).toLocaleTimeString();
  $('recovery').textContent = r.recovered
    ? `resumed at ${when}: recovered, ${r.replayed} replayed`
    : `resumed at ${when}: NOT recovered (${r.reason}); inbox refetched`;
  $('recovery').dataset.recovered = String(r.recovered);
}

function render(s) {
  $('badge').textContent = String(s.unread);
  $('badge').classList.toggle('zero', s.unread === 0);
  document.title = s.unread > 0 ? `(${s.unread}) Tidings inbox` : 'Tidings inbox';
  $('empty').hidden = s.loading || s.items.length > 0;
  $('more').hidden = !s.hasMore;
  if (s.error) showError(`${s.error.code}: ${s.error.message}`);
  const list = $('list');
  list.replaceChildren(
    ...s.items.map((item) => {
      const li = document.createElement('li');
      li.dataset.id = item.id;
      li.dataset.testid = 'item';
      li.className = item.readAt ? 'read' : 'unread';
      const text = document.createElement('div');
      const title = document.createElement('div');
      title.className = 'title';
      title.textContent = item.title; // textContent: notification text is never HTML
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = `${item.category} · ${new Date(item.createdAt).toLocaleString()}${item.readAt ? ' · read' : ''}`;
      text.append(title, meta);
      if (item.body) {
        const body = document.createElement('div');
        body.textContent = item.body;
        text.append(body);
      }
      const buttons = document.createElement('div');
      buttons.className = 'buttons';
      if (!item.readAt) buttons.append(button('read', 'Mark read'));
      buttons.append(button('archive', 'Archive'));
      li.append(text, buttons);
      return li;
    }),
  );
}

function button(action, label) {
  const b = document.createElement('button');
  b.dataset.action = action;
  b.textContent = label;
  return b;
}
