// The page's flows, as a person does them, found by role and accessible
// name (web/src/ui/README.md lists the names). Every scenario goes through
// these, so that a renamed button is fixed in one place.

export const password = (pseudo) => `password-${pseudo}`;

// register creates an account from the first screen and waits until the
// page shows the signed-in view (its message composer or sidebar).
export async function register(page, pseudo) {
  await page.getByRole('button', { name: 'Create account' }).click();
  const form = page.getByRole('form', { name: 'Create account' });
  await form.getByLabel('Pseudo').fill(pseudo);
  await form.getByLabel('Password').fill(password(pseudo));
  await form.getByRole('button', { name: 'Create account' }).click();
  await signedIn(page);
}

// login logs in from the first screen.
export async function login(page, pseudo) {
  const form = page.getByRole('form', { name: 'Log in' });
  await form.getByLabel('Pseudo').fill(pseudo);
  await form.getByLabel('Password').fill(password(pseudo));
  await form.getByRole('button', { name: 'Log in' }).click();
  await signedIn(page);
}

async function signedIn(page) {
  await page.getByRole('navigation').first().waitFor();
}

// befriend sends a friend request to pseudo.
export async function befriend(page, pseudo) {
  await page.getByRole('button', { name: 'Add a friend' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a friend' });
  await dialog.getByLabel('Pseudo').fill(pseudo);
  await dialog.getByRole('button', { name: 'Send request' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

// accept accepts the pending invitation from pseudo (a friend request, or
// to a server when place is its name).
export async function accept(page, from, place) {
  const inv = page.getByRole('group', { name: place ? `Invitation from ${from} to ${place}` : `Friend request from ${from}` });
  await inv.getByRole('button', { name: 'Accept' }).click();
  await inv.waitFor({ state: 'hidden' });
}

// createServer creates a community and opens its general channel.
export async function createServer(page, name) {
  await page.getByRole('button', { name: 'Create a server' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a server' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('link', { name: new RegExp(`^${name}`) }).waitFor();
}

// invite invites pseudo to the server that is open.
export async function invite(page, pseudo) {
  await page.getByRole('button', { name: 'Invite' }).click();
  const dialog = page.getByRole('dialog', { name: /^Invite/ });
  await dialog.getByLabel('Pseudo').fill(pseudo);
  await dialog.getByRole('button', { name: 'Invite' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

// open opens a conversation from the sidebar: a server, channel or friend.
export async function open(page, name) {
  await page.getByRole('link', { name: new RegExp(`^${escape(name)}\\b`) }).first().click();
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
  return page.getByRole('list', { name: /^Messages/ });
}

// message is the list item of the message that contains text.
export function message(page, text) {
  return messages(page).getByRole('listitem').filter({ hasText: text }).first();
}

// act opens a message's action (Reply, React, Edit) from its toolbar.
export async function act(page, text, action) {
  const item = message(page, text);
  await item.hover();
  await item.getByRole('button', { name: action }).click();
}

// react adds emoji (its name in the picker's search) to the message.
export async function react(page, text, name, emoji) {
  await act(page, text, 'React');
  const picker = page.getByRole('dialog', { name: /emoji/i });
  await picker.getByLabel('Search emoji').fill(name);
  await picker.getByRole('button', { name: new RegExp(name, 'i') }).first().click();
  await message(page, text).getByRole('button', { name: new RegExp(`^${emoji}`) }).waitFor();
}

// status is the connection status the page shows.
export function status(page) {
  return page.getByRole('status').filter({ hasText: /connect/i });
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// friend is a friend's entry in the sidebar.
export function friend(page, pseudo) {
  return page.getByRole('navigation').getByRole('link', { name: new RegExp(`^${escape(pseudo)}\\b`) }).first();
}

// edit replaces the text of one's own message.
export async function edit(page, text, newText) {
  await act(page, text, 'Edit');
  const box = composer(page);
  await box.fill(newText);
  await box.press('Enter');
  await message(page, newText).waitFor();
}

// upload sends a file to the open conversation through the upload button.
export async function upload(page, file) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Upload a file' }).click(),
  ]);
  await chooser.setFiles(file);
}
