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
  for (const page of [bob, alice]) {
    const img = ui.messages(page).getByRole('img', { name });
    await img.waitFor({ state: 'attached' });
    const handle = await img.elementHandle();
    await waitUntil(page, `the preview of ${name} loads`, (el) => el.complete && el.naturalWidth > 0, handle);
    const { src, w, h } = await handle.evaluate((el) => ({ src: el.getAttribute('src'), w: el.naturalWidth, h: el.naturalHeight }));
    if (!/thumb=1/.test(src)) throw new Error(`the inline image is ${src}, not the preview`);
    if (w > 320 || h > 320) throw new Error(`the preview is ${w}x${h}, larger than 320x320`);
  }
  step('inline');
});
