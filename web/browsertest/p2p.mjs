// A file sent peer to peer: alice and bob are friends, each in a Chromium
// context of their own; alice sends bob SALON_FILE with "Send directly
// (peer to peer)", bob accepts, the bytes come over a WebRTC data channel
// between the two pages (salond relays only the RTC 0 U p2p-* signaling),
// and bob's page hashes what it received (SHA-256, compared with
// SALON_SHA256, the Go side's hash of the file). Then an image, which
// bob's card previews, and a file that bob declines; bob's view with both cards is photographed (web-p2p.png).
import { join } from 'node:path';
import { log, run, step, waitUntil } from './lib.mjs';
import * as ui from './flows.mjs';

// Each page keeps its peer connections, to say which addresses carried the
// bytes, and the blobs it made object URLs of (the page's CSP lets no
// fetch read a blob: URL back), to hash what bob received.
function keepPeers() {
  const Original = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.__peers.push(this);
    }
  };
  window.__blobs = new Map();
  const make = URL.createObjectURL;
  URL.createObjectURL = (b) => {
    const u = make.call(URL, b);
    window.__blobs.set(u, b);
    return u;
  };
}

async function pair(page) {
  return page.evaluate(async () => {
    const pc = window.__peers[window.__peers.length - 1];
    if (!pc) return 'no peer connection';
    const stats = await pc.getStats();
    let out = 'no selected pair';
    stats.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) {
        const p = stats.get(r.selectedCandidatePairId);
        const l = p && stats.get(p.localCandidateId);
        const m = p && stats.get(p.remoteCandidateId);
        out = `${l?.address}:${l?.port} (${l?.candidateType}) -> ${m?.address}:${m?.port} (${m?.candidateType})`;
      }
    });
    return out;
  });
}

const cards = (page) => page.getByRole('list', { name: 'Direct transfers' });
const card = (page, name) => cards(page).getByRole('listitem').filter({ hasText: name });

async function sendDirect(page, file) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Send directly (peer to peer)' }).click(),
  ]);
  await chooser.setFiles(file);
}

// Host candidates as plain addresses (not mDNS names, which nothing on a
// loopback-only machine resolves), loopback included.
const args = ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'];

run(
  async (user) => {
    const alice = await user('alice', { init: keepPeers });
    const bob = await user('bob', { init: keepPeers });
    await ui.register(alice, 'alice');
    await ui.register(bob, 'bob');
    await ui.befriend(alice, 'bob');
    await ui.accept(bob, 'alice');
    await ui.openFriend(alice, 'bob');
    await ui.openFriend(bob, 'alice');
    step('registered');

    const file = process.env.SALON_FILE;
    const name = file.split('/').pop();
    await sendDirect(alice, file);
    await card(alice, name).getByText('Waiting for bob to accept…').waitFor();
    const incoming = card(bob, name);
    await incoming.getByText('alice wants to send you this file directly').waitFor();
    await incoming.getByRole('button', { name: 'Accept' }).click();
    await waitUntil(bob, 'bob receives the whole file', (n) => {
      const c = [...document.querySelectorAll('.p2p-card')].find((x) => x.textContent.includes(n));
      return c?.dataset.state === 'done';
    }, name);
    const carried = await pair(bob);
    log(`the bytes came over ${carried}`);
    // Both ends are host candidates of this machine, on the same address:
    // Chromium gathers no 127.0.0.1 candidate when the machine has another
    // interface (--allow-loopback-in-peer-connection notwithstanding), and a
    // packet to one's own address goes through the kernel's loopback (ip
    // route get <it>: "local ... dev lo"), never on a wire.
    const m = /^(\S+):\d+ \(host\) -> (\S+):\d+ \(host\)$/.exec(carried);
    if (!m || m[1] !== m[2]) throw new Error(`the bytes did not go from this machine to itself: ${carried}`);
    await card(alice, name).getByText('Sent to bob').waitFor();
    const href = await incoming.getByRole('link', { name: 'Save' }).getAttribute('href');
    const got = await bob.evaluate(async (u) => {
      const buf = await window.__blobs.get(u).arrayBuffer();
      const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
      return { size: buf.byteLength, sha: Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('') };
    }, href);
    log(`bob received ${got.size} bytes, SHA-256 ${got.sha}`);
    if (got.sha !== process.env.SALON_SHA256) throw new Error(`bob's copy hashes to ${got.sha}, want ${process.env.SALON_SHA256}`);
    step('received');

    // An image: bob's card previews it once whole.
    const image = process.env.SALON_IMAGE;
    const imageName = image.split('/').pop();
    await sendDirect(alice, image);
    await card(bob, imageName).getByRole('button', { name: 'Accept' }).click();
    await card(bob, imageName).getByRole('img', { name: imageName }).waitFor();
    await waitUntil(bob, 'the preview of the image received loads', (n) =>
      [...document.querySelectorAll('.p2p-preview')].some((el) => el.alt === n && el.complete && el.naturalWidth > 0), imageName);
    step('preview');

    // A second file, declined; photographed while it waits for bob's answer.
    const second = process.env.SALON_FILE2;
    const name2 = second.split('/').pop();
    await sendDirect(alice, second);
    const offer = card(bob, name2);
    await offer.getByRole('button', { name: 'Decline' }).waitFor();
    if (process.env.SALON_SCREENSHOTS) {
      await bob.screenshot({ path: join(process.env.SALON_SCREENSHOTS, 'web-p2p.png'), animations: 'disabled' });
      step('screenshot');
    }
    await offer.getByRole('button', { name: 'Decline' }).click();
    await card(alice, name2).getByText('bob declined').waitFor();
    await offer.getByText('Declined').waitFor();
    step('declined');
  },
  { args },
);
