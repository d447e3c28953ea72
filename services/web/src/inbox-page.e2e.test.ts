import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createNamespace, requestJson, startStack, testAuthEnv, testEnv, tokenFor, type Namespace, type Stack } from '@tidings/testkit';

/**
 * The inbox page in a real browser (Debian's Chromium, headless) against a
 * real stack: live delivery, recovery after the serving gateway dies, state
 * synced between tabs, and one socket shared by the tabs of a browser.
 */
const env = testEnv();
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
let ns: Namespace;
let stack: Stack;
let browser: Browser;
let producer: string;

before(async () => {
  ns = await createNamespace(env.brokers, env.databaseUrl);
  stack = await startStack({ env: ns.env, authEnv: testAuthEnv(env.authSecret), gateways: 2, withWeb: true });
  producer = await tokenFor(env.authSecret, 'billing', ['notifications:write']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  await ns?.drop();
});

const newUser = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const alive = () => stack.gateways.filter((g) => g.proc.exitCode === null && g.proc.signalCode === null);

async function send(userId: string, title: string): Promise<string> {
  const res = await requestJson<{ ids: string[] }>('POST', `${stack.ingest.url}/v1/notifications`, { token: producer, body: { userId, data: { category: 'test', title } } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.ids[0]!;
}

/** Opens the page for `userId` and waits until it is live with its first page loaded. */
async function openInbox(context: BrowserContext, userId: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  await page.goto(`${stack.web!.url}/?user=${encodeURIComponent(userId)}`);
  await page.waitForFunction(() => {
    const t = (window as unknown as { tidings?: { client: { state: { state: string } }; inbox: { snapshot: { loads: number } } } }).tidings;
    return t?.client.state.state === 'live' && t.inbox.snapshot.loads >= 1;
  }, undefined, { timeout: 20000 });
  return page;
}
const item = (page: Page, id: string) => page.locator(`li[data-id="${id}"]`);
const unread = async (page: Page) => Number(await page.getByTestId('unread').textContent());

/** Sum of open sockets over the live gateways, from their Prometheus metrics. */
async function gatewaySockets(): Promise<number> {
  let total = 0;
  for (const g of alive()) {
    const text = await (await fetch(`${g.url}/metrics`)).text();
    const m = /^tidings_gateway_connections(?:\{[^}]*\})? (\d+)/m.exec(text);
    total += Number(m?.[1] ?? 0);
  }
  return total;
}
async function waitForSockets(n: number, timeoutMs = 10000): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < end) {
    last = await gatewaySockets();
    if (last === n) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

test('the page shows a notification sent through the API within a second', async () => {
  const context = await browser.newContext();
  try {
    const userId = newUser('live');
    const page = await openInbox(context, userId);
    // The first write of a fresh stack pays for Kafka transaction and consumer
    // warm-up; the promise is about the steady state, so warm the path first.
    const warm = await send(userId, 'warm-up');
    await item(page, warm).waitFor({ timeout: 15000 });
    const t0 = Date.now();
    const id = await send(userId, 'hello from the API');
    await item(page, id).waitFor({ timeout: 5000 });
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `shown ${ms} ms after sending`);
    assert.equal(await item(page, id).locator('.title').textContent(), 'hello from the API');
    assert.equal(await unread(page), 2);
  } finally {
    await context.close();
  }
});

test('two tabs hold one socket, and mark read in tab A updates tab B', async () => {
  const context = await browser.newContext();
  try {
    await waitForSockets(0);
    const userId = newUser('tabs');
    const a = await openInbox(context, userId);
    const b = await openInbox(context, userId);
    assert.equal(await waitForSockets(1), 1, 'one socket for both tabs');

    // The page's own button: the web service sends through ingest with a dev service token.
    await a.getByTestId('send').click();
    await b.locator('li[data-testid="item"]').first().waitFor({ timeout: 5000 });
    const id = await b.locator('li[data-testid="item"]').first().getAttribute('data-id');
    await item(a, id!).waitFor();
    assert.equal(await unread(a), 1);
    assert.equal(await unread(b), 1);

    await item(a, id!).getByRole('button', { name: 'Mark read' }).click();
    await b.locator(`li[data-id="${id}"].read`).waitFor({ timeout: 5000 });
    assert.equal(await unread(b), 0);
    assert.equal(await unread(a), 0);

    // The leader tab closes: the other one takes the socket over and stays live.
    await a.close();
    const later = await send(userId, 'after the leader left');
    await item(b, later).waitFor({ timeout: 10000 });
    assert.equal(await waitForSockets(1), 1);
  } finally {
    await context.close();
  }
});

test('after the gateway it uses is killed, the page recovers and shows what was sent meanwhile', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  try {
    const userId = newUser('recover');
    const page = await openInbox(context, userId);
    const first = await send(userId, 'before the crash');
    await item(page, first).waitFor();

    const where = (await page.getByTestId('where').textContent())!; // "via 127.0.0.1:PORT"
    const serving = alive().find((g) => where.endsWith(new URL(g.url).host));
    assert.ok(serving, `the page names the gateway it uses (${where})`);
    await serving.kill();
    const meanwhile = [await send(userId, 'sent meanwhile 1'), await send(userId, 'sent meanwhile 2'), await send(userId, 'sent meanwhile 3')];

    await page.waitForFunction(
      (dead) => {
        const t = (window as unknown as { tidings: { client: { state: { state: string; url?: string } } } }).tidings;
        return t.client.state.state === 'live' && !t.client.state.url?.includes(dead);
      },
      new URL(serving.url).host,
      { timeout: 15000 },
    );
    for (const id of meanwhile) await item(page, id).waitFor({ timeout: 10000 });
    for (const id of [first, ...meanwhile]) assert.equal(await item(page, id).count(), 1, `${id} shown once`);
    assert.equal(await page.getByTestId('recovery').getAttribute('data-recovered'), 'true');
    assert.match((await page.getByTestId('recovery').textContent())!, /recovered/);
    assert.equal(await unread(page), 4);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}inbox-page.png`, fullPage: true });
  } finally {
    await context.close();
  }
});
