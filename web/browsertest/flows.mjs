// The page's flows, as a person does them, found by role and accessible
// name (web/src/ui/README.md lists the names). Every scenario goes through
// these, so that a renamed button is fixed in one place.

import { waitUntil } from './lib.mjs';

export const password = (pseudo) => `password-${pseudo}`;

// register creates an account from the first screen and waits until the
// page shows the signed-in view.
export async function register(page, pseudo) {
  await page.getByRole('button', { name: 'Create account' }).click();
  const form = page.getByRole('form', { name: 'Create account' });
  await form.getByLabel('Pseudo').fill(pseudo);
  await form.getByLabel('Password').fill(password(pseudo));
  await form.getByRole('button', { name: 'Create account' }).click();
  await sidebar(page).waitFor();
}

// login logs in from the first screen.
export async function login(page, pseudo) {
  const form = page.getByRole('form', { name: 'Log in' });
  await form.getByLabel('Pseudo').fill(pseudo);
  await form.getByLabel('Password').fill(password(pseudo));
  await form.getByRole('button', { name: 'Log in' }).click();
  await sidebar(page).waitFor();
}

export function sidebar(page) {
  return page.getByRole('complementary', { name: 'Sidebar' });
}

// dialog is the modal dialog open in the page (there is one at a time).
function dialog(page, name) {
  return page.getByRole('dialog', name ? { name } : {});
}

// submitIn fills a dialog's field and presses its button, then waits for
// the dialog to close (it closes once the server has agreed).
async function submitIn(d, field, value, button) {
  await d.getByRole('textbox', { name: field }).fill(value);
  await d.getByRole('button', { name: button, exact: true }).click();
  await d.waitFor({ state: 'hidden' });
}

// befriend sends a friend request to pseudo.
export async function befriend(page, pseudo) {
  await page.getByRole('button', { name: 'Add a friend' }).click();
  await submitIn(dialog(page, 'Add a friend'), 'Pseudo', pseudo, 'Send friend request');
  await invitations(page).getByRole('listitem').filter({ hasText: `Friend request to ${pseudo}` }).waitFor();
}

export function invitations(page) {
  return page.getByRole('region', { name: 'Invitations' });
}

// accept accepts the pending invitation from pseudo: a friend request, or
// an invitation to the server named place.
export async function accept(page, from, place) {
  const text = place ? `${from} invites you to ${place}` : `${from} wants to be your friend`;
  const inv = invitations(page).getByRole('listitem').filter({ hasText: text });
  await inv.getByRole('button', { name: 'Accept' }).click();
  await inv.waitFor({ state: 'hidden' });
}

// servers is the sidebar's navigation among servers and their channels.
export function servers(page) {
  return page.getByRole('navigation', { name: 'Servers' });
}

// channel is a channel's entry in the sidebar ("general" for the server's
// own channel); its name carries unread counts after a comma.
export function channel(page, server, name = 'general') {
  return servers(page).getByRole('list', { name: `Channels of ${server}` }).getByRole('button', { name: new RegExp(`^# ${escape(name)}(,|$)`) });
}

// friend is a direct conversation's entry in the sidebar; its name carries
// the friend's presence after a comma.
export function friend(page, pseudo) {
  return page.getByRole('navigation', { name: 'Direct messages' }).getByRole('button', { name: new RegExp(`^${escape(pseudo)}(,|$)`) });
}

// createServer creates a community and waits for its general channel in
// the sidebar.
export async function createServer(page, name) {
  await page.getByRole('button', { name: 'Create a server' }).click();
  await submitIn(dialog(page, 'Create a server'), 'Server name', name, 'Create');
  await channel(page, name).waitFor();
}

// invite invites pseudo to a server, from the server's settings.
export async function invite(page, server, pseudo) {
  await servers(page).getByRole('button', { name: `Settings of ${server}`, exact: true }).click();
  const d = dialog(page, `Server ${server}`);
  const form = d.getByRole('form', { name: 'Invite to this server' });
  await form.getByLabel('Pseudo').fill(pseudo);
  await form.getByRole('button', { name: 'Invite' }).click();
  await form.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
  await d.press('Escape');
  await d.waitFor({ state: 'hidden' });
}

// openChannel and openFriend open a conversation from the sidebar.
export async function openChannel(page, server, name = 'general') {
  await channel(page, server, name).click();
  await composer(page).waitFor();
}

export async function openFriend(page, pseudo) {
  await friend(page, pseudo).click();
  await composer(page).waitFor();
}

// composer is the message box of the conversation that is open.
export function composer(page) {
  return page.getByRole('textbox', { name: /^Message/ });
}

// say types text in the composer and sends it with Enter.
export async function say(page, text) {
  const box = composer(page);
  await box.fill(text);
  await box.press('Enter');
}

// messages is the list of the open conversation's messages.
export function messages(page) {
  return page.getByRole('main').getByRole('list', { name: 'Messages', exact: true });
}

// message is the first message (an article) whose text holds text.
export function message(page, text) {
  return messages(page).getByRole('article').filter({ hasText: text }).first();
}

// act runs one of a message's actions (Reply, React, Edit) from its
// toolbar, which shows on hover.
export async function act(page, text, action) {
  const item = message(page, text);
  await item.hover();
  await item.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: action, exact: true }).click();
}

// react adds emoji to a message through the picker, searching for word.
export async function react(page, text, word, emoji) {
  await act(page, text, 'React');
  const picker = dialog(page, 'Emoji');
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill(word);
  await picker.getByRole('group', { name: 'Emoji list' }).getByRole('button', { name: emoji, exact: true }).click();
  await picker.waitFor({ state: 'hidden' });
  await reaction(page, text, emoji).waitFor();
}

// reaction is a message's reaction button ("❤️ 1").
export function reaction(page, text, emoji) {
  return message(page, text).getByRole('list', { name: 'Reactions' }).getByRole('button', { name: new RegExp(`^${escape(emoji)} \\d+$`) });
}

// edit replaces the text of one's own message. The page puts the old text
// in the composer once it has drawn the edit mode (an effect after the
// paint): typing before that would be overwritten, so wait to see it.
export async function edit(page, text, newText) {
  await act(page, text, 'Edit');
  await page.getByText('Editing your message').waitFor();
  const box = composer(page);
  await waitUntil(page, 'the composer holds the message to edit', ({ el, text }) => el.value.includes(text), {
    el: await box.elementHandle(),
    text,
  });
  await box.fill(newText);
  await box.press('Enter');
  await message(page, newText).waitFor();
}

// reply answers a message, once the composer says whom it replies to.
export async function reply(page, text, author, answer) {
  await act(page, text, 'Reply');
  await page.getByText(`Replying to ${author}`).waitFor();
  await say(page, answer);
}

// upload sends a file to the open conversation through the upload button.
export async function upload(page, file) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Upload a file' }).click(),
  ]);
  await chooser.setFiles(file);
}

// status is the page's connection status: Online (visually hidden),
// Connecting…, or Connection lost: reconnecting in N s.
export function status(page) {
  return page.getByRole('status', { name: 'Connection', exact: true });
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- Private messages (docs/privacy.md) ----

// makeKey makes and publishes a key in Settings → Private messages.
export async function makeKey(page, passphrase) {
  await sidebar(page).getByRole('button', { name: 'Settings', exact: true }).click();
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
export async function goPrivate(page) {
  const sw = page.getByRole('switch', { name: 'Private' });
  await waitUntil(page, 'the private switch is enabled', () => {
    const el = document.querySelector('.private-switch');
    return el && el.getAttribute('aria-disabled') !== 'true';
  });
  await sw.click();
  await waitUntil(page, 'the conversation is private', () => document.querySelector('.private-switch')?.getAttribute('aria-checked') === 'true');
}

// signed waits for text to show as a private message signed by by.
export async function signed(page, text, by) {
  const m = message(page, text);
  await m.waitFor();
  await m.getByLabel(`Private, signed by ${by}`).waitFor();
}
