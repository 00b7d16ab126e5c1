// The page's benchmark (make bench-web): driven by salon-bench's web-page
// scenario, which starts salond with its web listener, writes a channel of
// a million messages through core/store and a small channel over the
// protocol, then runs this script with their names. It measures, in
// Debian's Chromium:
//
//   - from navigation to the first message of a small conversation
//     visible, logged in through the page's own form;
//   - from a click on the big channel to its first messages visible;
//   - the tab's JS heap (after a collection) and DOM node count there, then
//     after scrolling back SALON_SCROLL messages page by page, as a reader
//     holding Page Up would, and the largest node count seen on the way.
//
// It prints one line, RESULT {json}, for salon-bench to report; errors go
// to standard error with a non-zero exit.

import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const url = env('SALON_URL');
const pseudo = env('SALON_PSEUDO');
const password = env('SALON_PASSWORD');
const small = env('SALON_SMALL'); // a server whose general channel holds a few messages
const big = env('SALON_BIG'); // a server whose general channel holds the million
const scrollBack = Number(env('SALON_SCROLL', '10000'));
const timeout = Number(env('SALON_PAGE_TIMEOUT_MS', '120000'));

// The flags of PREAMBLE.md; playwright gives the launch a fresh profile.
const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function channel(page, server) {
  return page
    .getByRole('navigation', { name: 'Servers' })
    .getByRole('list', { name: `Channels of ${server}` })
    .getByRole('button', { name: new RegExp(`^# general(,|$)`) });
}

function firstMessage(page) {
  return page.getByRole('main').getByRole('list', { name: 'Messages', exact: true }).getByRole('article').first();
}

// heap collects garbage and reads the tab's JS heap and DOM node count from
// the DevTools protocol.
async function heap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const usage = await cdp.send('Runtime.getHeapUsage');
  return { jsHeapUsedBytes: m.JSHeapUsedSize, jsHeapTotalBytes: m.JSHeapTotalSize, domNodes: m.Nodes, heapUsageUsedBytes: usage.usedSize };
}

// snapshot writes a heap snapshot of the tab to file.
async function snapshot(cdp, file) {
  const { createWriteStream } = await import('node:fs');
  const f = createWriteStream(file);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => f.write(chunk));
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await new Promise((r) => f.end(r));
}

// The page's own count of elements in the document (Performance's Nodes
// also counts nodes not yet collected).
const elements = (page) => page.evaluate(() => document.getElementsByTagName('*').length);

async function main() {
  const browser = await chromium.launch({ executablePath: env('SALON_CHROMIUM', '/usr/bin/chromium'), headless: true, args, timeout });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(timeout);
    const page = await context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.stack || e}\n`));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const out = { scrollBack };

    // 1. Navigation to the first message of a conversation visible.
    const t0 = performance.now();
    await page.goto(url);
    const form = page.getByRole('form', { name: 'Log in' });
    await form.getByLabel('Pseudo').waitFor();
    out.loginFormMs = performance.now() - t0;
    await form.getByLabel('Pseudo').fill(pseudo);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('complementary', { name: 'Sidebar' }).waitFor();
    out.loggedInMs = performance.now() - t0;
    await channel(page, small).click();
    await firstMessage(page).waitFor();
    out.firstConversationMs = performance.now() - t0;
    out.afterFirstConversation = await heap(cdp);

    // 2. The million-message channel: its first messages.
    const t1 = performance.now();
    await channel(page, big).click();
    await page.getByRole('heading', { level: 1, name: '#general' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('main .scroller li[data-key^="m"]').length > 0, null, { polling: 'raf' });
    await firstMessage(page).waitFor();
    out.bigFirstMessagesMs = performance.now() - t1;
    // The newest messages are on screen once the list has stopped growing
    // (its first page is in); then the figures before scrolling.
    await page.waitForFunction(() => !document.querySelector('main [role="status"]'), null, { polling: 100 }).catch(() => {});
    out.before = { ...(await heap(cdp)), elements: await elements(page) };

    // 3. Scroll back page by page until the oldest message on screen is
    // scrollBack messages older than the newest.
    const walk = await page.evaluate(async (target) => {
      const s = document.querySelector('main .scroller');
      const ids = () => [...s.querySelectorAll('li[data-key^="m"]')].map((li) => Number(li.dataset.key.slice(1)));
      const newest = Math.max(...ids());
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const start = performance.now();
      let pages = 0, maxElements = 0, maxRows = 0, waits = 0;
      let oldest = Math.min(...ids());
      while (newest - oldest < target) {
        s.scrollBy(0, -s.clientHeight);
        pages++;
        await frame();
        // At the top with nothing older yet: wait for the page being
        // fetched (the list grows upwards), as a reader would.
        for (let i = 0; s.scrollTop === 0 && Math.min(...ids()) >= oldest && i < 30000; i++) {
          waits++;
          await new Promise((r) => setTimeout(r, 1));
        }
        const now = ids();
        oldest = Math.min(...now);
        maxRows = Math.max(maxRows, now.length);
        maxElements = Math.max(maxElements, document.getElementsByTagName('*').length);
        if (performance.now() - start > 600000) throw new Error(`scrolled back only ${newest - oldest} messages in 10 minutes`);
      }
      return { newest, oldest, pages, ms: performance.now() - start, maxElements, maxRows, rowsAtEnd: ids().length, waits };
    }, scrollBack);
    out.walk = walk;
    out.after = { ...(await heap(cdp)), elements: await elements(page) };
    // SALON_HEAP_SNAPSHOT=file: the tab's heap after the walk, for
    // DevTools' Memory panel (what retains what).
    if (process.env.SALON_HEAP_SNAPSHOT) await snapshot(cdp, process.env.SALON_HEAP_SNAPSHOT);
    process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e.stack || e}\n`);
    process.exit(1);
  },
);
