// The page survives a restart of salond: it says it is reconnecting while
// the server is down, keeps what was typed meanwhile, and comes back with
// what was said while it was away. bob is the Go test's terminal user.
import { run, step, heard } from './lib.mjs';
import * as ui from './flows.mjs';

run(async (user) => {
  const alice = await user('alice');
  await ui.register(alice, 'alice');
  step('registered');
  await ui.accept(alice, 'bob');
  step('accepted');
  await ui.openFriend(alice, 'bob');
  await ui.message(alice, 'before the restart').waitFor();
  step('chatting');

  await heard('stopped');
  await ui.status(alice).filter({ hasText: /reconnecting/i }).waitFor();
  await ui.say(alice, 'typed while the server was down');
  step('reconnecting');

  await heard('restarted');
  await ui.status(alice).filter({ hasText: /reconnecting/i }).waitFor({ state: 'hidden' });
  await ui.message(alice, 'sent while the page was away').waitFor();
  await ui.message(alice, 'typed while the server was down').waitFor();
  step('back');
});
