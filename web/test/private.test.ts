// PrivateMessages (lib/private.ts) over two SalonClients and a fake server
// that keeps a key directory as salond does (KEY publishes and tells the
// others, KEY 0 U answers): keys made and published, fetched and pinned, a
// private message read and verified, and a key change the reader must
// accept before messages signed by the new key verify.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SalonClient } from '../src/lib/client';
import { memoryStore } from '../src/lib/keystore';
import * as pgp from '../src/lib/pgp';
import { PrivateMessages } from '../src/lib/private';
import { FakeSocket, FakeTimers, fakeServer } from './fake';

const keys = new Map<number, string>();
const socks = new Map<number, FakeSocket>();

function directory(me: number) {
  return (line: string, sock: FakeSocket): boolean => {
    const f = line.split(' ');
    if (f[0] !== 'KEY') return false;
    if (f.length === 2) {
      keys.set(me, f[1]);
      for (const s of socks.values()) s.say(`KEY 0 ${me} ${f[1]}`);
    } else {
      const u = Number(f[2]);
      const k = keys.get(u);
      sock.say(k ? `KEY 0 ${u} ${k}` : 'ERR KEY no key');
    }
    return true;
  };
}

async function user(me: number, pseudo: string) {
  const client = new SalonClient({
    url: 'ws://test/ws',
    socket: (url) => {
      const s = new FakeSocket(url);
      s.server = fakeServer(me, pseudo, directory(me));
      socks.set(me, s);
      return s;
    },
    fetch: (async () => ({ status: 204, ok: true })) as unknown as typeof fetch,
    timers: new FakeTimers(),
    random: () => 1,
  });
  const priv = new PrivateMessages(client, memoryStore());
  const p = client.login(pseudo, 'secret123');
  socks.get(me)!.open();
  await p;
  await priv.ready();
  return { client, priv };
}

async function eventually(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (fn()) return;
    await new Promise((ok) => setTimeout(ok, 10));
  }
  throw new Error('timed out waiting for ' + what);
}

test('keys published and pinned, a private message verified, a key change to accept', async () => {
  const alice = await user(1, 'alice');
  const bob = await user(2, 'bob');
  assert.equal(alice.priv.status, 'none');
  assert.match(alice.priv.whyNot('0/2'), /Make a key first/);
  await assert.rejects(alice.priv.encryptText('0/2', 'hi'), /Make a key first/);

  await alice.priv.create('alice pass');
  assert.equal(alice.priv.status, 'ready');
  assert.equal(keys.get(1), pgp.toBase64(pgp.fromBase64(keys.get(1)!)));
  await eventually('bob has no key yet', () => /has no key yet/.test(alice.priv.whyNot('0/2')));
  await bob.priv.create('bob pass');
  // Bob's publication reaches alice by itself (KEY 0 2 ...).
  await eventually('alice sees bob\'s key', () => alice.priv.whyNot('0/2') === '');
  await alice.priv.setPrivate('0/2', true);
  assert.ok(alice.priv.isPrivate('0/2'));
  assert.ok(!alice.priv.isPrivate('0/3'));

  const text = await alice.priv.encryptText('0/2', 'meet me at the library');
  assert.ok(text.startsWith('pgp:'));
  // Alice reads her own at once (cached when sent).
  assert.deepEqual(alice.priv.read(text, 1), { state: 'done', verdict: 'verified', text: 'meet me at the library', signer: alice.priv.fingerprint });
  assert.deepEqual(bob.priv.read(text, 1), { state: 'working' });
  const r = await bob.priv.decrypt(text, 1);
  assert.equal(r.state === 'done' && r.verdict, 'verified');
  // The signer is the pinned key: named (here by tag: the fake server sends no ADD for alice).
  assert.equal(bob.priv.signerName(1, r.state === 'done' ? r.signer : ''), '1');
  assert.equal(bob.priv.signerName(1, 'ffff'), '');
  assert.equal((await bob.priv.search(null, 'LIBRARY')).length, 0, 'search covers loaded messages only');

  // Alice moves to a new key (another device): bob sees a change.
  const fresh = await pgp.generate('alice');
  await alice.priv.importKey(await pgp.exportPrivate(fresh.priv, 'new pass'), 'new pass');
  await eventually('bob sees the change', () => bob.priv.peer(1).changed);
  assert.match(bob.priv.whyNot('0/1'), /key changed/);
  await assert.rejects(bob.priv.encryptText('0/1', 'x'), /accept the new key/);
  const after = await alice.priv.encryptText('0/2', 'it is me, new key');
  const before = await bob.priv.decrypt(after, 1);
  assert.equal(before.state === 'done' && before.verdict, 'unverified');
  // The old message still verifies with the pinned key.
  assert.equal(((await bob.priv.decrypt(text, 1)) as { verdict: string }).verdict, 'verified');
  await bob.priv.acceptChange(1);
  assert.ok(!bob.priv.peer(1).changed);
  assert.equal(((await bob.priv.decrypt(after, 1)) as { verdict: string }).verdict, 'verified');
  // The old message is for the key alice no longer holds.
  assert.equal(((await alice.priv.decrypt(text, 1)) as { verdict: string }).verdict, 'not-for-me');
});

test('a wrong passphrase leaves the key locked', async () => {
  const store = memoryStore();
  const k = await pgp.generate('carol');
  await store.put('key/carol', await pgp.exportPrivate(k.priv, 'right'));
  const client = new SalonClient({
    url: 'ws://test/ws',
    socket: (url) => {
      const s = new FakeSocket(url);
      s.server = fakeServer(7, 'carol', directory(7));
      socks.set(7, s);
      return s;
    },
    fetch: (async () => ({ status: 204, ok: true })) as unknown as typeof fetch,
    timers: new FakeTimers(),
  });
  const priv = new PrivateMessages(client, store);
  const p = client.login('carol', 'secret123');
  socks.get(7)!.open();
  await p;
  await eventually('the stored key is found', () => priv.status === 'locked');
  assert.deepEqual(priv.read('pgp:AAAA', 1), { state: 'locked' });
  await assert.rejects(priv.unlock('wrong'), /wrong passphrase/);
  assert.equal(priv.status, 'locked');
  await priv.unlock('right');
  assert.equal(priv.status, 'ready');
  // Unlocking at login publishes the key the server did not have.
  await eventually('the key is published', () => keys.get(7) === pgp.toBase64(pgp.publicBytes(k.pub)));
});
