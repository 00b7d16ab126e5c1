// A private conversation between a browser user, alice, and bob, who uses
// the terminal client's library (driven by the Go test, with client/pgp):
// bob has published his key and befriends alice; she makes hers, switches
// their conversation to private and writes; the Go side decrypts and
// verifies her message, answers encrypted, and her page shows his answer
// with the lock and "signed by bob".
import { run, step } from './lib.mjs';
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

  await ui.makeKey(alice, 'passphrase of alice');
  await ui.openFriend(alice, 'bob');
  await ui.goPrivate(alice);
  await ui.say(alice, fromAlice);
  await ui.signed(alice, fromAlice, 'alice');
  step('sent');

  await ui.signed(alice, fromBob, 'bob');
  step('read');
});
