// Private messages between two browsers (docs/privacy.md): each makes a
// key in Settings, both switch their direct conversation to private, and
// they write both ways; each sees the lock and "signed by" the other, the
// same safety number, a private image previewed from its decrypted bytes,
// a private message found by search; bob reloads and unlocks his key. The
// Go side then reads salond's database: only ciphertext.
import { basename, join } from 'node:path';
import { run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

const fromAlice = process.env.SALON_SECRET_A;
const fromBob = process.env.SALON_SECRET_B;

run(async (user) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await ui.register(alice, 'alice');
  await ui.register(bob, 'bob');
  await ui.befriend(alice, 'bob');
  await ui.accept(bob, 'alice');
  await ui.friend(alice, 'bob').waitFor();
  await ui.friend(bob, 'alice').waitFor();
  step('friends');

  // Alice has a key, bob not yet: her switch is off, disabled, and says why.
  await ui.makeKey(alice, 'passphrase of alice');
  await ui.openFriend(alice, 'bob');
  await alice.getByRole('note').filter({ hasText: 'bob has no key yet.' }).waitFor();
  if ((await alice.getByRole('switch', { name: 'Private' }).getAttribute('aria-disabled')) !== 'true') throw new Error('the switch is enabled without bob\'s key');
  step('no key');
  // Bob's key reaches alice's open conversation by itself (KEY 0 bob ...).
  await ui.makeKey(bob, 'passphrase of bob');
  step('keys');

  await ui.openFriend(bob, 'alice');
  for (const page of [alice, bob]) await ui.goPrivate(page);
  step('private');

  await ui.say(alice, fromAlice);
  await ui.signed(bob, fromAlice, 'alice');
  await ui.signed(alice, fromAlice, 'alice');
  await ui.say(bob, fromBob);
  await ui.signed(alice, fromBob, 'bob');
  await ui.signed(bob, fromBob, 'bob');
  step('exchanged');

  const numbers = [];
  for (const page of [alice, bob]) {
    await page.getByRole('button', { name: 'Safety number', exact: true }).click();
    const d = page.getByRole('dialog', { name: 'Safety number' });
    const groups = d.getByRole('list', { name: 'Safety number groups' }).getByRole('listitem');
    await waitUntil(page, 'the safety number shows', () => document.querySelectorAll('.safety-number li').length === 12);
    numbers.push((await groups.allTextContents()).join(' '));
    await d.getByRole('button', { name: 'Close' }).click();
    await d.waitFor({ state: 'hidden' });
  }
  if (numbers[0] !== numbers[1] || !/^\d{5}( \d{5}){11}$/.test(numbers[0])) throw new Error(`safety numbers differ: ${numbers[0]} / ${numbers[1]}`);
  step('safety');

  // A private image: uploaded as name.pgp, previewed from the decrypted bytes.
  const file = process.env.SALON_IMAGE;
  await ui.upload(alice, file);
  const name = basename(file);
  for (const page of [bob, alice]) {
    await ui.messages(page).getByRole('img', { name }).first().waitFor();
    await waitUntil(page, `the private image ${name} is decoded`, (alt) =>
      [...document.querySelectorAll('img')].some((el) => el.alt === alt && el.complete && el.naturalWidth > 0 && el.src.startsWith('blob:')), name);
  }
  step('file');

  // The server cannot search ciphertext: the page finds it among the decrypted messages.
  const word = fromBob.split(' ')[1];
  await alice.getByRole('button', { name: 'Search', exact: true }).click();
  const d = alice.getByRole('dialog', { name: 'Search' });
  await d.getByRole('searchbox', { name: 'Words' }).fill(word);
  await d.getByRole('button', { name: 'Search', exact: true }).click();
  await d.getByRole('list', { name: 'Search results' }).getByRole('button').filter({ hasText: fromBob }).first().waitFor();
  await d.press('Escape');
  await d.waitFor({ state: 'hidden' });
  step('searched');

  // Bob reloads: his key stays on the device, locked, until he gives the
  // passphrase again (a wrong one is refused); then he reads, and his
  // conversation is still private.
  await bob.reload();
  await ui.login(bob, 'bob');
  await ui.openFriend(bob, 'alice');
  await ui.message(bob, 'private: unlock your key to read it').waitFor();
  await ui.sidebar(bob).getByRole('button', { name: 'Settings', exact: true }).click();
  const settings = bob.getByRole('dialog', { name: 'Settings' });
  const unlock = settings.getByRole('form', { name: 'Unlock your key' });
  await unlock.getByLabel('Passphrase').fill('not the passphrase');
  await unlock.getByRole('button', { name: 'Unlock' }).click();
  await unlock.getByRole('alert').filter({ hasText: 'wrong passphrase' }).waitFor();
  await unlock.getByLabel('Passphrase').fill('passphrase of bob');
  await unlock.getByRole('button', { name: 'Unlock' }).click();
  await settings.getByLabel('Your fingerprint').waitFor();
  await settings.press('Escape');
  await settings.waitFor({ state: 'hidden' });
  await ui.signed(bob, fromAlice, 'alice');
  await waitUntil(bob, 'the conversation is still private', () => document.querySelector('.private-switch')?.getAttribute('aria-checked') === 'true');
  step('unlocked');

  const dir = process.env.SALON_SCREENSHOTS;
  await alice.mouse.move(640, 500);
  await waitUntil(alice, 'the page stops moving', () => document.getAnimations().length === 0);
  await alice.screenshot({ path: join(dir, 'web-private.png'), animations: 'disabled' });
  step('screenshot');
});
