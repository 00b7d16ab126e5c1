// A peer-to-peer transfer that cannot connect: both pages drop every ICE
// candidate they are given (as two browsers with no route to each other
// would), so after bob accepts, alice's card turns, 15 s later, to "Could
// not connect: upload instead?"; she takes the ordinary upload, and the file
// arrives in bob's conversation as an attachment.
import { log, run, step } from './lib.mjs';
import * as ui from './flows.mjs';

function noRoute() {
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    addIceCandidate() {
      return Promise.resolve();
    }
    setRemoteDescription(d) {
      if (d && d.sdp) d = { type: d.type, sdp: d.sdp.replace(/^a=candidate:.*\r?\n/gm, '') };
      return super.setRemoteDescription(d);
    }
  };
}

const card = (page, name) => page.getByRole('list', { name: 'Direct transfers' }).getByRole('listitem').filter({ hasText: name });

run(
  async (user) => {
    const alice = await user('alice', { init: noRoute });
    const bob = await user('bob', { init: noRoute });
    await ui.register(alice, 'alice');
    await ui.register(bob, 'bob');
    await ui.befriend(alice, 'bob');
    await ui.accept(bob, 'alice');
    await ui.openFriend(alice, 'bob');
    await ui.openFriend(bob, 'alice');
    step('registered');

    const file = process.env.SALON_FILE;
    const name = file.split('/').pop();
    const [chooser] = await Promise.all([
      alice.waitForEvent('filechooser'),
      alice.getByRole('button', { name: 'Send directly (peer to peer)' }).click(),
    ]);
    await chooser.setFiles(file);
    await card(bob, name).getByRole('button', { name: 'Accept' }).click();
    const t0 = Date.now();
    await card(alice, name).getByText('Could not connect: upload instead?').waitFor();
    log(`alice's card gave up after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await card(bob, name).getByText(/Failed: could not connect|Cancelled/).waitFor();
    step('unreachable');

    await card(alice, name).getByRole('button', { name: 'Upload instead' }).click();
    await ui.messages(bob).getByRole('link', { name }).waitFor();
    step('uploaded');
  },
  { args: ['--disable-features=WebRtcHideLocalIpsWithMdns'] },
);
