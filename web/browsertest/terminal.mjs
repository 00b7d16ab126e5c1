// A browser user, dave, and carol, who uses the terminal client's library
// (driven by the Go test): carol befriends dave, and they write to each
// other.
import { run, step } from './lib.mjs';
import * as ui from './flows.mjs';

run(async (user) => {
  const dave = await user('dave');
  await ui.register(dave, 'dave');
  step('registered');

  await ui.accept(dave, 'carol');
  step('accepted');

  await ui.openFriend(dave, 'carol');
  await ui.message(dave, 'hello dave, from the terminal').waitFor();
  await ui.say(dave, 'hello carol, from the browser');
  await ui.message(dave, 'hello carol, from the browser').waitFor();
  step('read');
});
