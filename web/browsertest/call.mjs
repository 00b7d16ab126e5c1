// Two people in a call in a server's channel, each in a Chromium of their
// own context with Chromium's fake microphone and camera: each receives the
// other's sound and video (the peer connection's inbound-rtp counters rise),
// alice shares her screen and bob sees it; then bob's view is photographed,
// the share ends; bob mutes (alice sees it), alice mutes him as the
// server's owner (he sees it), alice's camera goes off and on, push to
// talk, alice removes bob from the call, he joins again and leaves, twice
// more with his camera, so that salond renews alice's peer connection;
// then a direct call rings in
// bob's page: declined (alice's page leaves), then accepted.
import { join } from 'node:path';
import { callArgs, log, run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

// Each page keeps the peer connections it makes, for getStats (the page
// has no test hook of its own).
function keepPeers() {
  const Original = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.__peers.push(this);
    }
  };
}

// received sums what the page's newest peer connection has received:
// audio bytes, and video frames decoded from cameras and from screens
// (a forwarded track's id is "mic", "cam" or "screen").
async function received(page) {
  return page.evaluate(async () => {
    const pc = window.__peers[window.__peers.length - 1];
    const out = { audio: 0, cam: 0, screen: 0, state: pc ? pc.connectionState : 'none', local: '', remote: '' };
    if (!pc) return out;
    const stats = await pc.getStats();
    stats.forEach((r) => {
      // The pair of addresses the media go through.
      if (r.type === 'transport' && r.selectedCandidatePairId) {
        const pair = stats.get(r.selectedCandidatePairId);
        const l = pair && stats.get(pair.localCandidateId);
        const rm = pair && stats.get(pair.remoteCandidateId);
        if (l) out.local = `${l.address}:${l.port}`;
        if (rm) out.remote = `${rm.address}:${rm.port}`;
      }
      if (r.type === 'local-candidate') out.gathered = [...(out.gathered || []), `${r.address}:${r.port}/${r.protocol}`];
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'audio') out.audio += r.bytesReceived || 0;
      else if (r.trackIdentifier === 'screen') out.screen += r.framesDecoded || 0;
      else out.cam += r.framesDecoded || 0;
    });
    return out;
  });
}

// rising waits until what page receives of `what` grows past `min`, twice
// a second apart (media that keep flowing, not one burst).
async function rising(page, name, what, min = 0) {
  const deadline = Date.now() + 60000;
  let first = null;
  for (;;) {
    const r = await received(page);
    if (first === null && r[what] > min) first = r[what];
    else if (first !== null && r[what] > first) return r;
    if (Date.now() > deadline) throw new Error(`${name} receives no ${what}: ${JSON.stringify(r)}`);
    await page.waitForTimeout(500);
  }
}

const callRegion = (page) => page.getByRole('region', { name: 'Call' });
const tiles = (page) => callRegion(page).getByRole('list', { name: 'Participants' });

run(
  async (user) => {
    const alice = await user('alice', { init: keepPeers });
    const bob = await user('bob', { init: keepPeers });
    await ui.register(alice, 'alice');
    await ui.register(bob, 'bob');
    await ui.befriend(alice, 'bob');
    await ui.accept(bob, 'alice');
    await ui.createServer(alice, 'band');
    await ui.invite(alice, 'band', 'bob');
    await ui.accept(bob, 'alice', 'band');
    await ui.openChannel(bob, 'band');
    await ui.openChannel(alice, 'band');
    step('registered');

    await callRegion(alice).getByRole('button', { name: 'Start video call' }).click();
    await tiles(alice).getByRole('group', { name: /^alice \(you\)/ }).waitFor();
    // bob sees the call in the sidebar, under the channel, and in the bar.
    await ui.sidebar(bob).getByRole('list', { name: 'In the call of #general' }).getByText('alice').waitFor();
    await callRegion(bob).getByText('In the call: alice').waitFor();
    await callRegion(bob).getByRole('button', { name: 'Join with video' }).click();
    await tiles(bob).getByRole('group', { name: /^alice/ }).waitFor();
    await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor();
    step('joined');

    for (const [page, name] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ]) {
      const a = await rising(page, name, 'audio', 1000);
      const v = await rising(page, name, 'cam');
      log(`${name} receives audio ${a.audio} bytes, video ${v.cam} frames, from ${v.remote} to ${v.local} (gathered ${v.gathered})`);
      // The only remote candidate is salond's, in its offer: loopback;
      // and a unit on loopback answers loopback sources only, so the
      // browser's side of the pair is loopback too.
      if (!v.remote.startsWith('127.0.0.1:')) throw new Error(`${name}'s media come from ${v.remote}, not salond on 127.0.0.1`);
      if (!v.local.startsWith('127.0.0.1:')) throw new Error(`${name}'s media go from ${v.local}, not a loopback candidate`);
    }
    // The other's camera is drawn in their tile.
    await waitUntil(bob, "alice's camera shows in bob's page", () => {
      const v = document.querySelector('[aria-label="Video of alice"]');
      return !!v && v.videoWidth > 0 && v.currentTime > 0;
    });
    step('media');

    await callRegion(alice).getByRole('button', { name: 'Share screen' }).click();
    await callRegion(alice).getByRole('button', { name: 'Stop sharing' }).waitFor();
    const screen = callRegion(bob).getByRole('group', { name: "alice's screen" });
    await screen.waitFor();
    const s = await rising(bob, 'bob', 'screen');
    log(`bob decodes alice's screen: ${s.screen} frames`);
    await waitUntil(bob, "alice's screen shows in bob's page", () => {
      const v = document.querySelector(`[aria-label="alice's screen"] video`);
      return !!v && v.videoWidth > 0 && v.currentTime > 0;
    });
    await screen.getByRole('button', { name: 'Full screen' }).waitFor();
    step('screen');

    // bob's view of the call, as the docs show it.
    await bob.mouse.move(640, 780);
    await waitUntil(bob, 'the page stops moving', () => document.getAnimations().length === 0);
    await bob.screenshot({ path: join(process.env.SALON_SCREENSHOTS, 'web-call.png'), animations: 'disabled' });
    step('screenshot');

    await callRegion(alice).getByRole('button', { name: 'Stop sharing' }).click();
    await screen.waitFor({ state: 'detached' });

    // bob mutes himself: his MEDIA line says so, alice's page shows it.
    await callRegion(bob).getByRole('button', { name: 'Mute' }).click();
    await tiles(alice).getByRole('group', { name: 'bob, microphone off' }).waitFor();
    await callRegion(bob).getByRole('button', { name: 'Mute' }).click();
    await tiles(alice).getByRole('group', { name: /^bob(, speaking)?$/ }).waitFor();
    // alice owns the server: she mutes bob as a moderator, then lets him speak.
    await tiles(alice).getByRole('button', { name: 'Options for bob' }).click();
    await tiles(alice).getByRole('button', { name: 'Mute bob' }).click();
    await tiles(bob).getByRole('group', { name: 'bob (you), muted by a moderator' }).waitFor();
    await tiles(alice).getByRole('button', { name: 'Unmute bob' }).click();
    await tiles(alice).getByRole('button', { name: 'Options for bob', expanded: true }).click();
    await tiles(bob).getByRole('group', { name: /^bob \(you\)(, speaking)?$/ }).waitFor();
    // alice turns her camera off (bob's page draws her initial) and on
    // again: a replaceTrack and a MEDIA line each, no new negotiation.
    const aliceVideo = tiles(bob).getByRole('group', { name: /^alice/ }).locator('video');
    await callRegion(alice).getByRole('button', { name: 'Camera' }).click();
    await aliceVideo.waitFor({ state: 'detached' });
    await callRegion(alice).getByRole('button', { name: 'Camera' }).click();
    await aliceVideo.waitFor();
    await waitUntil(bob, "alice's camera shows again", () => {
      const v = document.querySelector('[aria-label="Video of alice"]');
      return !!v && v.videoWidth > 0 && v.currentTime > 0;
    });
    step('muted');

    // Push to talk (Settings): bob's microphone goes out only while Space is held.
    const settings = async (checked) => {
      await ui.sidebar(bob).getByRole('button', { name: 'Settings', exact: true }).click();
      const dialog = bob.getByRole('dialog', { name: 'Settings' });
      await dialog.getByRole('checkbox', { name: 'Use push to talk in calls' }).setChecked(checked);
      await dialog.getByRole('button', { name: 'Push-to-talk key: Space' }).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
      await bob.evaluate(() => document.activeElement && document.activeElement.blur());
    };
    await settings(true);
    await tiles(bob).getByRole('group', { name: 'bob (you), microphone off' }).waitFor();
    await callRegion(bob).getByText('Push to talk').waitFor();
    await bob.keyboard.down('Space');
    await tiles(bob).getByRole('group', { name: /^bob \(you\)(, speaking)?$/ }).waitFor();
    await callRegion(bob).getByText('Talking').waitFor();
    await bob.keyboard.up('Space');
    await tiles(bob).getByRole('group', { name: 'bob (you), microphone off' }).waitFor();
    await settings(false);
    await tiles(bob).getByRole('group', { name: /^bob \(you\)(, speaking)?$/ }).waitFor();
    step('push to talk');

    // alice removes bob from the call; he may join again, then leaves.
    await tiles(alice).getByRole('button', { name: 'Options for bob' }).click();
    await tiles(alice).getByRole('button', { name: 'Remove bob from the call' }).click();
    await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor({ state: 'detached' });
    await bob.getByRole('alert', { name: 'Notices' }).getByText('alice removed you from the call in band #general').waitFor();
    await callRegion(bob).getByRole('button', { name: 'Join call' }).click();
    await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor();
    await callRegion(bob).getByRole('button', { name: 'Leave call' }).click();
    await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor({ state: 'detached' });
    await callRegion(bob).getByText('In the call: alice').waitFor();
    step('left');

    // bob comes back with his camera, twice. Each of his departures ends
    // his tracks in alice's peer connection (the test's salond renews one
    // after 4): at his second coming salond gives alice's page a new peer
    // connection (an ice line during the call), and the media flow both
    // ways on it, with no LEAVE or JOIN of alice.
    const peersBefore = await alice.evaluate(() => window.__peers.length);
    for (const last of [false, true]) {
      await callRegion(bob).getByRole('button', { name: 'Join with video' }).click();
      await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor();
      await rising(alice, 'alice', 'cam');
      await rising(bob, 'bob', 'audio');
      if (last) break;
      await callRegion(bob).getByRole('button', { name: 'Leave call' }).click();
      await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor({ state: 'detached' });
    }
    const peersAfter = await alice.evaluate(() => window.__peers.length);
    if (peersAfter !== peersBefore + 1) throw new Error(`alice's page made ${peersAfter - peersBefore} peer connections, want 1 (the renewal)`);
    await rising(alice, 'alice', 'audio');
    await tiles(bob).getByRole('group', { name: /^alice/ }).waitFor();
    await callRegion(bob).getByRole('button', { name: 'Leave call' }).click();
    await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor({ state: 'detached' });
    step('renewed');

    // A direct call rings: bob declines, and alice's page, alone, leaves it.
    await ui.openFriend(alice, 'bob');
    await callRegion(alice).getByRole('button', { name: 'Start call' }).click();
    const ring = bob.getByRole('dialog', { name: 'Incoming call' });
    await ring.getByText('alice is calling you').waitFor();
    await ring.getByRole('button', { name: 'Decline' }).click();
    await ring.waitFor({ state: 'detached' });
    await alice.getByRole('alert', { name: 'Notices' }).getByText('bob declined your call').waitFor();
    await callRegion(alice).getByRole('button', { name: 'Start call' }).waitFor();
    step('declined');

    // She calls again; bob accepts, and they hear each other.
    await callRegion(alice).getByRole('button', { name: 'Start call' }).click();
    await ring.getByRole('button', { name: 'Accept' }).click();
    await tiles(bob).getByRole('group', { name: /^alice/ }).waitFor();
    await tiles(alice).getByRole('group', { name: /^bob/ }).waitFor();
    await rising(bob, 'bob', 'audio', 1000);
    await rising(alice, 'alice', 'audio', 1000);
    await callRegion(alice).getByRole('button', { name: 'Leave call' }).click();
    await callRegion(bob).getByRole('button', { name: 'Leave call' }).click();
    await callRegion(bob).getByRole('button', { name: 'Start call' }).waitFor();
    step('answered');
  },
  { media: true, args: callArgs },
);
