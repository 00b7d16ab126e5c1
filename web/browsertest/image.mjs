// An image one user sends to a friend appears inline for the other: the
// preview loads (the browser decoded it), from the server's thumbnail.
import { basename } from 'node:path';
import { run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

run(async (user) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await ui.register(alice, 'alice');
  await ui.register(bob, 'bob');
  await ui.befriend(alice, 'bob');
  await ui.accept(bob, 'alice');
  await ui.openFriend(alice, 'bob');
  await ui.openFriend(bob, 'alice');

  const file = process.env.SALON_IMAGE;
  await ui.upload(alice, file);
  step('uploaded');

  const name = basename(file);
  for (const page of [bob, alice]) await previewLoads(page, name);
  step('inline');

  // A second tab of bob's, in the same browser (the same cookies), logs in:
  // its token replaces the first tab's in the files cookie. Once closed,
  // its session and its token end, and the first tab's next file is
  // refused until that tab asks for a token of its own again.
  const tab = await bob.context().newPage();
  await tab.goto(bob.url());
  await ui.login(tab, 'bob');
  await ui.openFriend(tab, 'alice');
  await previewLoads(tab, name);
  const src = await ui.messages(bob).getByRole('img', { name }).getAttribute('src');
  await tab.close();
  // The cookie now holds the closed tab's token: wait until the server has
  // ended it, so that the next file does fail first in bob's tab.
  await waitUntil(bob, 'the closed tab\'s token is refused', async (url) => (await fetch(url, { credentials: 'same-origin' })).status === 401, src);
  await ui.upload(alice, file);
  const second = name.replace(/(\.[^.]*)$/, '-2$1'); // the server's name for the same file again
  await previewLoads(bob, second);
  step('second tab');
});

// previewLoads waits for the preview of the file name to be decoded in page.
// The element is looked up at each poll: a file that failed to load for
// the cookie is drawn anew once the tab has a token of its own, so an
// element found earlier may be a detached one.
async function previewLoads(page, name) {
  await ui.messages(page).getByRole('img', { name }).first().waitFor({ state: 'attached' });
  const loaded = (alt) =>
    [...document.querySelectorAll('img')].some((el) => el.alt === alt && el.isConnected && el.complete && el.naturalWidth > 0);
  await waitUntil(page, `the preview of ${name} loads`, loaded, name);
  const { src, w, h } = await page.evaluate((alt) => {
    const el = [...document.querySelectorAll('img')].find((el) => el.alt === alt && el.complete && el.naturalWidth > 0);
    return { src: el.getAttribute('src'), w: el.naturalWidth, h: el.naturalHeight };
  }, name);
  if (!/thumb=1/.test(src)) throw new Error(`the inline image is ${src}, not the preview`);
  if (w > 320 || h > 320) throw new Error(`the preview is ${w}x${h}, larger than 320x320`);
}
