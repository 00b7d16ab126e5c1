import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as pgp from '../src/lib/pgp';

const alice = pgp.generate('alice');
const bob = pgp.generate('bob');

test('a key is v4, EdDSA with an ECDH Curve25519 subkey, user id "alice"', async () => {
  const a = await alice;
  assert.equal(a.priv.keyPacket.version, 4);
  assert.equal(a.pub.getUserIDs()[0], 'alice');
  const info = a.pub.getAlgorithmInfo() as { algorithm: string; curve?: string };
  assert.match(info.algorithm, /eddsa/i);
  const sub = a.pub.getSubkeys()[0]!.getAlgorithmInfo() as { algorithm: string; curve?: string };
  assert.equal(sub.algorithm, 'ecdh');
  assert.equal(sub.curve, 'curve25519Legacy');
  const bytes = pgp.publicBytes(a.pub);
  assert.ok(bytes.length < 3048, `public key of ${bytes.length} bytes`);
  const back = await pgp.readPublic(bytes);
  assert.equal(pgp.fingerprint(back), pgp.fingerprint(a.pub));
  assert.ok(!back.isPrivate());
});

test('round trip: both recipients read it, verified by the sender', async () => {
  const a = await alice;
  const b = await bob;
  const line = await pgp.encryptText('hello bob, ça va?', a, b.pub);
  assert.ok(line.startsWith('pgp:'));
  const forBob = await pgp.decryptText(line, b, a.pub);
  assert.deepEqual(forBob, { verdict: 'verified', data: 'hello bob, ça va?', signer: pgp.fingerprint(a.pub) });
  const forAlice = await pgp.decryptText(line, a, a.pub);
  assert.equal(forAlice.verdict, 'verified');
  assert.equal(forAlice.data, 'hello bob, ça va?');
});

test('the message is SEIPD v1 with AES-256, two PKESKs', async () => {
  const o = await pgp.lib();
  const a = await alice;
  const b = await bob;
  const line = await pgp.encryptText('x', a, b.pub);
  const msg = await o.readMessage({ binaryMessage: pgp.fromBase64(line.slice(4)) });
  const tags = Array.from(msg.packets, (p) => (p.constructor as unknown as { tag: number }).tag);
  assert.deepEqual(tags, [o.enums.packet.publicKeyEncryptedSessionKey, o.enums.packet.publicKeyEncryptedSessionKey, o.enums.packet.symEncryptedIntegrityProtectedData]);
  const seipd = msg.packets[2] as unknown as { version: number };
  assert.equal(seipd.version, 1);
  const sk = await o.decryptSessionKeys({ message: msg, decryptionKeys: b.priv });
  assert.equal(sk[0]!.algorithm, 'aes256');
});

test('tampered: damaged', async () => {
  const a = await alice;
  const b = await bob;
  const bytes = pgp.fromBase64((await pgp.encryptText('secret', a, b.pub)).slice(4));
  bytes[bytes.length - 5] ^= 0x40;
  const r = await pgp.decryptText('pgp:' + pgp.toBase64(bytes), b, a.pub);
  assert.equal(r.verdict, 'damaged');
  assert.equal(r.data, null);
  assert.equal((await pgp.decryptText('pgp:!!!', b, a.pub)).verdict, 'damaged');
  assert.equal((await pgp.decryptText('pgp:AAAA', b, a.pub)).verdict, 'damaged');
});

test('another signer: unverified, text still shown', async () => {
  const a = await alice;
  const b = await bob;
  const mallory = await pgp.generate('mallory');
  const line = await pgp.encryptText('trust me', mallory, b.pub);
  const r = await pgp.decryptText(line, b, a.pub);
  assert.equal(r.verdict, 'unverified');
  assert.equal(r.data, 'trust me');
  assert.equal(r.signer, pgp.fingerprint(mallory.pub));
  const none = await pgp.decryptText(line, b, null);
  assert.equal(none.verdict, 'unverified');
});

test('not for my key', async () => {
  const a = await alice;
  const b = await bob;
  const carol = await pgp.generate('carol');
  const line = await pgp.encryptText('for bob', a, b.pub);
  assert.equal((await pgp.decryptText(line, carol, a.pub)).verdict, 'not-for-me');
  assert.equal((await pgp.decryptText(line, null, a.pub)).verdict, 'not-for-me');
});

test('export and import with a passphrase; a wrong one is refused', async () => {
  const a = await alice;
  const armored = await pgp.exportPrivate(a.priv, 'correct horse');
  assert.match(armored, /^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
  const back = await pgp.importPrivate(armored, 'correct horse');
  assert.equal(pgp.fingerprint(back.pub), pgp.fingerprint(a.pub));
  await assert.rejects(pgp.importPrivate(armored, 'wrong'), /wrong passphrase/);
  await assert.rejects(pgp.importPrivate('hello', 'x'), /not an OpenPGP private key/);
  // The key still works after the round trip.
  const b = await bob;
  const line = await pgp.encryptText('after import', back, b.pub);
  assert.equal((await pgp.decryptText(line, b, a.pub)).verdict, 'verified');
});

test('files: bytes round trip, verified', async () => {
  const a = await alice;
  const b = await bob;
  const data = new Uint8Array(100_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  const enc = await pgp.encryptFile(data, a, b.pub);
  const r = await pgp.decryptFile(enc, b, a.pub);
  assert.equal(r.verdict, 'verified');
  assert.deepEqual(r.data, data);
});

test('a text too long is refused before sending', async () => {
  const a = await alice;
  const b = await bob;
  await assert.rejects(pgp.encryptText('x'.repeat(3500), a, b.pub), /too long/);
  await pgp.encryptText('x'.repeat(2500), a, b.pub);
});

test('safety number: the shared vector, order-free, 12 groups of 5 digits', async () => {
  const a = new Uint8Array(20).fill(0x11);
  const b = new Uint8Array(20).fill(0x22);
  const n = await pgp.safetyNumber(a, b);
  assert.match(n, /^\d{5}( \d{5}){11}$/);
  assert.equal(await pgp.safetyNumber(b, a), n);
  assert.equal(n, SAFETY_11_22);
});

// The vector of web/test/testdata/safety.txt (the Go client computes it independently).
const SAFETY_11_22 = '22026 29975 12617 01897 39926 29109 02672 26192 20451 61514 38062 12593';
