// The browser side of Salon's browser tests: launching Chromium through
// playwright-core, talking with the Go test that started this script, and
// the page's flows (register, befriend, send...) written once, by role and
// accessible name as assistive technology finds them (web/src/ui/README.md
// lists the names the page uses).

import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

// How long one wait may take: set by the Go side, generous for a loaded CI
// machine. Every wait below ends as soon as its condition holds.
export const timeout = Number(process.env.SALON_PAGE_TIMEOUT_MS || 60000);

// The page's address, given by the Go side.
export const url = process.env.SALON_URL;

const baseArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// Chromium's fake camera and microphone (a beep), granted without a prompt.
const mediaArgs = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
// For calls: salond's forwarding unit listens on 127.0.0.1, and Chromium
// leaves loopback out of ICE unless told (no other address is ever used:
// the server's one candidate, in its offer, is on loopback).
export const callArgs = [...mediaArgs, '--allow-loopback-in-peer-connection'];

// step tells the Go side that the script got this far: it waits for these.
export function step(name) {
  process.stdout.write(`STEP ${name}\n`);
}

// log is a line the Go side shows in the test's log.
export function log(...what) {
  process.stdout.write(`LOG ${what.join(' ')}\n`);
}

// The Go side's words, read from standard input, in order.
const words = [];
const waiting = [];
createInterface({ input: process.stdin }).on('line', (w) => {
  const next = waiting.shift();
  if (next) next(w);
  else words.push(w);
});

// heard waits for the Go side to say word (what it has observed or done),
// failing when it says anything else.
export async function heard(word) {
  const got = words.length > 0 ? words.shift() : await new Promise((resolve) => waiting.push(resolve));
  if (got !== word) throw new Error(`the Go side said ${JSON.stringify(got)}, want ${JSON.stringify(word)}`);
}

// run launches Chromium (a fresh profile: playwright gives each launch its
// own temporary --user-data-dir), runs main with a factory of users, each a
// browser context of its own (its own cookies and storage, as two people on
// two machines), and exits 0 after the step "done", or 1 after printing the
// error with what every page showed (its accessibility tree) at the time.
export function run(main, { media = false, args = null } = {}) {
  const pages = [];
  let browser;
  (async () => {
    browser = await chromium.launch({
      executablePath: process.env.SALON_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [...baseArgs, ...(args ?? (media ? mediaArgs : []))],
      timeout,
    });
    const user = async (name, { viewport = { width: 1280, height: 800 }, init = null } = {}) => {
      const context = await browser.newContext({ viewport, permissions: media ? ['microphone', 'camera'] : [] });
      context.setDefaultTimeout(timeout);
      const page = await context.newPage();
      page.on('pageerror', (e) => process.stderr.write(`${name}: page error: ${e.stack || e}\n`));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`${name}: console ${m.type()}: ${m.text()}\n`);
      });
      pages.push({ name, page });
      if (init) await page.addInitScript(init);
      await page.goto(url);
      return page;
    };
    await main(user);
    step('done');
  })().then(
    async () => {
      await browser.close();
      process.exit(0);
    },
    async (err) => {
      process.stderr.write(`${err.stack || err}\n`);
      for (const { name, page } of pages) {
        try {
          process.stderr.write(`--- what ${name}'s page shows:\n${await page.locator('body').ariaSnapshot({ timeout: 5000 })}\n`);
        } catch (e) {
          process.stderr.write(`--- ${name}'s page: no snapshot (${e.message})\n`);
        }
      }
      if (browser) await browser.close().catch(() => {});
      process.exit(1);
    },
  );
}

// waitUntil polls fn in the page until it returns true, failing with what
// (a sentence) after the timeout.
export async function waitUntil(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`${what}: ${e.message}`);
  }
}
