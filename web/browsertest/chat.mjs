// Two people in two browser contexts: register, befriend, create a server,
// chat, reply, react, edit; then the main view at desktop and phone sizes.
import { join } from 'node:path';
import { run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

run(async (user) => {
  const alice = await user('alice');
  const bob = await user('bob');
  await ui.register(alice, 'alice');
  await ui.register(bob, 'bob');
  step('registered');

  await ui.befriend(alice, 'bob');
  await ui.accept(bob, 'alice');
  await ui.friend(alice, 'bob').waitFor();
  await ui.friend(bob, 'alice').waitFor();
  step('friends');

  await ui.createServer(alice, 'club');
  await ui.invite(alice, 'club', 'bob');
  await ui.accept(bob, 'alice', 'club');
  await ui.openChannel(bob, 'club');
  await ui.openChannel(alice, 'club');
  step('server');

  await ui.say(alice, 'hello bob, welcome to the club');
  await ui.message(bob, 'hello bob, welcome to the club').waitFor();
  await ui.say(bob, 'thanks alice, nice place');
  await ui.message(alice, 'thanks alice, nice place').waitFor();
  step('chatted');

  // Bob answers alice's first message; she sees his answer quoting it.
  await ui.act(bob, 'hello bob, welcome to the club', 'Reply');
  await ui.say(bob, 'glad to be here');
  const reply = ui.message(alice, 'glad to be here');
  await reply.waitFor();
  await reply.getByRole('button', { name: /^Reply to alice: hello bob, welcome to the club/ }).waitFor();
  step('replied');

  await ui.react(alice, 'glad to be here', 'heart', '❤️');
  await ui.reaction(bob, 'glad to be here', '❤️').waitFor();
  step('reacted');

  await ui.edit(alice, 'hello bob, welcome to the club', 'hello bob, welcome to the club of two');
  const edited = ui.message(bob, 'welcome to the club of two');
  await edited.waitFor();
  await edited.getByText('(edited)').waitFor();
  step('edited');

  // The main view, as the docs show it: alice's, with the conversation,
  // the pointer out of the way and every transition finished.
  const dir = process.env.SALON_SCREENSHOTS;
  const still = async () => {
    await alice.mouse.move(640, 500);
    await waitUntil(alice, 'the page stops moving', () => document.getAnimations().length === 0);
  };
  await still();
  await alice.screenshot({ path: join(dir, 'web-desktop.png'), animations: 'disabled' });
  await alice.setViewportSize({ width: 390, height: 844 });
  await ui.composer(alice).waitFor();
  await still();
  await alice.screenshot({ path: join(dir, 'web-phone.png'), animations: 'disabled' });
  step('screenshots');
});
