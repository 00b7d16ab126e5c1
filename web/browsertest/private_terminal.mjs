// A private conversation between a browser user, alice, and bob, who uses
// the terminal client's library (driven by the Go test, with client/pgp):
// bob has published his key and befriends alice; she makes hers, switches
// their conversation to private and writes; the Go side decrypts and
// verifies her message, answers encrypted, and her page shows his answer
// with the lock and "signed by bob".
import { run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

const fromAlice = process.env.SALON_SECRET_A;
const fromBob = process.env.SALON_SECRET_B;

run(async (user) => {
  const alice = await user('alice');
  await ui.register(alice, 'alice');
  step('registered');

  await ui.accept(alice, 'bob');
  await ui.friend(alice, 'bob').waitFor();
  step('accepted');

  await makeKey(alice, 'passphrase of alice');
  await ui.openFriend(alice, 'bob');
  await goPrivate(alice);
  await ui.say(alice, fromAlice);
  await signed(alice, fromAlice, 'alice');
  step('sent');

  await signed(alice, fromBob, 'bob');
  step('read');
});

// The few steps of private.mjs this scenario needs.
async function makeKey(page, passphrase) {
  await ui.sidebar(page).getByRole('button', { name: 'Settings', exact: true }).click();
  const d = page.getByRole('dialog', { name: 'Settings' });
  const form = d.getByRole('form', { name: 'Make a key' });
  await form.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await form.getByLabel('Passphrase again').fill(passphrase);
  await form.getByRole('button', { name: 'Make a key' }).click();
  await d.getByRole('region', { name: 'Private messages' }).getByRole('status').filter({ hasText: 'Your key is made and published.' }).waitFor();
  await d.getByLabel('Your fingerprint').waitFor();
  await d.press('Escape');
  await d.waitFor({ state: 'hidden' });
}

// goPrivate turns the header's switch on once the other's key is known.
async function goPrivate(page) {
  const sw = page.getByRole('switch', { name: 'Private' });
  await waitUntil(page, 'the private switch is enabled', () => {
    const el = document.querySelector('.private-switch');
    return el && el.getAttribute('aria-disabled') !== 'true';
  });
  await sw.click();
  await waitUntil(page, 'the conversation is private', () => document.querySelector('.private-switch')?.getAttribute('aria-checked') === 'true');
}

async function signed(page, text, by) {
  const m = ui.message(page, text);
  await m.waitFor();
  await m.getByLabel(`Private, signed by ${by}`).waitFor();
}
