// Private messages' cryptography, as docs/privacy.md fixes it: a v4 key
// (EdDSA primary, ECDH Curve25519 subkey, user id "pseudo"), messages
// signed and encrypted to the receiver and the sender (SEIPD v1, AES-256),
// sent as "pgp:" + base64 of the binary message, and the safety number.
//
// No DOM here: it runs in the page and in Node (the unit tests and
// test/interop/pgp-cli.mjs). openpgp.js is large, so the page loads it
// only when it first needs it: every function awaits lib().

type OpenPGP = typeof import('openpgp');
type Key = import('openpgp').Key;
type PrivateKey = import('openpgp').PrivateKey;

let loading: Promise<OpenPGP> | null = null;

/** openpgp.js, loaded on first use (a chunk of its own in the page's bundle). */
export function lib(): Promise<OpenPGP> {
  if (!loading) loading = import('openpgp');
  return loading;
}

// v4 keys, no AEAD (SEIPD v1 with its MDC), AES-256: what the Go client
// (ProtonMail/go-crypto) reads and writes alike. openpgp 6's defaults agree;
// they are spelled out so a later default does not change the format.
async function config(): Promise<Partial<import('openpgp').Config>> {
  const o = await lib();
  return {
    v6Keys: false,
    aeadProtect: false,
    preferredSymmetricAlgorithm: o.enums.symmetric.aes256,
    preferredHashAlgorithm: o.enums.hash.sha256,
  };
}

/** The prefix of a private message's text. */
export const PREFIX = 'pgp:';

/** A message this long once encoded is refused before sending (MSG's limit). */
export const MAX_LINE_TEXT = 4000;

/** A key pair: the private key decrypted (in memory only) and its public half. */
export interface KeyPair {
  priv: PrivateKey;
  pub: Key;
}

/** What reading a private message or file found. */
export type Verdict =
  | 'verified' // signed by the expected key
  | 'unverified' // readable, but the signature is missing, bad or by another key
  | 'damaged' // decryption failed (tampered, truncated, not OpenPGP)
  | 'not-for-me'; // encrypted to keys this device does not have

export interface Opened<T> {
  verdict: Verdict;
  /** The content: null when damaged or not for me. */
  data: T | null;
  /** Hex fingerprint (or key id, when only that is known) of the signer, '' when unsigned. */
  signer: string;
}

/** A readable reason for a failure of the functions below. */
export class PGPError extends Error {
  override name = 'PGPError';
}

/** Makes a key pair for pseudo (docs/privacy.md: v4, curve25519Legacy, user id "pseudo"). */
export async function generate(pseudo: string): Promise<KeyPair> {
  const o = await lib();
  const { privateKey } = await o.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: pseudo }],
    format: 'object',
    config: await config(),
  });
  return { priv: privateKey, pub: privateKey.toPublic() };
}

/** The binary transferable public key, as `KEY base64` publishes it. */
export function publicBytes(k: Key): Uint8Array {
  return k.toPublic().write();
}

/** Reads a public key from its binary form (a KEY line's base64, decoded). */
export async function readPublic(bytes: Uint8Array): Promise<Key> {
  const o = await lib();
  try {
    const k = await o.readKey({ binaryKey: bytes });
    if (k.isPrivate()) return k.toPublic();
    return k;
  } catch (e) {
    throw new PGPError(`not an OpenPGP public key: ${reason(e)}`);
  }
}

/** The armored private key encrypted with passphrase (export, and what IndexedDB keeps). */
export async function exportPrivate(priv: PrivateKey, passphrase: string): Promise<string> {
  if (!passphrase) throw new PGPError('a passphrase is needed');
  const o = await lib();
  const locked = await o.encryptKey({ privateKey: priv, passphrase, config: await config() });
  return locked.armor();
}

/** Reads an armored private key and unlocks it with passphrase. */
export async function importPrivate(armored: string, passphrase: string): Promise<KeyPair> {
  const o = await lib();
  let key: PrivateKey;
  try {
    key = await o.readPrivateKey({ armoredKey: armored });
  } catch (e) {
    throw new PGPError(`not an OpenPGP private key: ${reason(e)}`);
  }
  let priv = key;
  if (!key.isDecrypted()) {
    try {
      priv = await o.decryptKey({ privateKey: key, passphrase });
    } catch {
      throw new PGPError('wrong passphrase');
    }
  }
  if (priv.keyPacket.version !== 4) throw new PGPError('only version 4 keys are used');
  return { priv, pub: priv.toPublic() };
}

/** The 40-hex-digit fingerprint of a key (lower case). */
export function fingerprint(k: Key): string {
  return k.getFingerprint().toLowerCase();
}

/** The fingerprint's 20 bytes. */
export function fingerprintBytes(k: Key): Uint8Array {
  return hexBytes(fingerprint(k));
}

/** "aaaa bbbb ..." for display: the fingerprint in groups of four. */
export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().replace(/(.{4})(?=.)/g, '$1 ');
}

async function encryptBytes(data: Uint8Array, me: KeyPair, to: Key): Promise<Uint8Array> {
  const o = await lib();
  // Literal data, binary, no file name, as the contract says (the text is
  // the UTF-8 bytes, so both clients read the same bytes back).
  const message = await o.createMessage({ binary: data, format: 'binary' });
  return o.encrypt({
    message,
    encryptionKeys: [to, me.pub],
    signingKeys: me.priv,
    format: 'binary',
    config: await config(),
  });
}

async function decryptBytes(bytes: Uint8Array, me: KeyPair | null, signer: Key | null): Promise<Opened<Uint8Array>> {
  const o = await lib();
  let message;
  try {
    message = await o.readMessage({ binaryMessage: bytes });
  } catch {
    return { verdict: 'damaged', data: null, signer: '' };
  }
  if (!me) return { verdict: 'not-for-me', data: null, signer: '' };
  const mine = new Set(me.priv.getKeys().map((k) => k.getKeyID().toHex()));
  const to = message.getEncryptionKeyIDs().map((id) => id.toHex());
  if (!to.some((id) => mine.has(id))) return { verdict: 'not-for-me', data: null, signer: '' };
  let out;
  try {
    out = await o.decrypt({
      message,
      decryptionKeys: me.priv,
      verificationKeys: signer ? [signer] : [],
      format: 'binary',
      config: await config(),
    });
  } catch {
    return { verdict: 'damaged', data: null, signer: '' };
  }
  // openpgp.js checks the MDC as the stream ends: data in hand is intact.
  const data = out.data as Uint8Array;
  let verdict: Verdict = 'unverified';
  let who = '';
  for (const s of out.signatures) {
    try {
      const sig = await s.signature;
      const packet = sig.packets[0];
      const fp = packet?.issuerFingerprint;
      who = fp && fp.length ? hex(fp) : s.keyID.toHex();
    } catch {
      who = s.keyID.toHex();
    }
    try {
      if (await s.verified) {
        verdict = 'verified';
        if (signer) who = fingerprint(signer);
        break;
      }
    } catch {
      // Missing key or bad signature: unverified, the text is still shown.
    }
  }
  return { verdict, data, signer: who };
}

/** Encrypts text for a private conversation: "pgp:" + base64 of the binary message. */
export async function encryptText(text: string, me: KeyPair, to: Key): Promise<string> {
  const bytes = await encryptBytes(new TextEncoder().encode(text), me, to);
  const line = PREFIX + toBase64(bytes);
  if (new TextEncoder().encode(line).length > MAX_LINE_TEXT) {
    throw new PGPError('too long for a private message: shorten it (about 2,500 bytes of text at most)');
  }
  return line;
}

/** Whether a message's text is a private message. */
export function isPrivateText(text: string): boolean {
  return text.startsWith(PREFIX);
}

/**
 * Decrypts and verifies a "pgp:" text. signer is the key pinned for the
 * sender (null when none): only a signature by it is 'verified'.
 */
export async function decryptText(text: string, me: KeyPair | null, signer: Key | null): Promise<Opened<string>> {
  if (!isPrivateText(text)) return { verdict: 'damaged', data: null, signer: '' };
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text.slice(PREFIX.length));
  } catch {
    return { verdict: 'damaged', data: null, signer: '' };
  }
  const r = await decryptBytes(bytes, me, signer);
  if (r.data === null) return { ...r, data: null };
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(r.data);
  } catch {
    return { verdict: 'damaged', data: null, signer: r.signer };
  }
  return { verdict: r.verdict, data: s, signer: r.signer };
}

/** Encrypts a file's bytes (uploaded as name.pgp). */
export function encryptFile(data: Uint8Array, me: KeyPair, to: Key): Promise<Uint8Array> {
  return encryptBytes(data, me, to);
}

/** Decrypts and verifies a private file's bytes. */
export function decryptFile(bytes: Uint8Array, me: KeyPair | null, signer: Key | null): Promise<Opened<Uint8Array>> {
  return decryptBytes(bytes, me, signer);
}

/**
 * The safety number of two v4 fingerprints (20 bytes each): SHA-256 of the
 * smaller then the larger, the first 24 bytes as 12 big-endian 16-bit
 * numbers, 5 digits each, separated by spaces.
 */
export async function safetyNumber(a: Uint8Array, b: Uint8Array): Promise<string> {
  if (a.length !== 20 || b.length !== 20) throw new PGPError('a v4 fingerprint has 20 bytes');
  const [lo, hi] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  const both = new Uint8Array(40);
  both.set(lo, 0);
  both.set(hi, 20);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', both));
  const groups: string[] = [];
  for (let i = 0; i < 24; i += 2) groups.push(String((hash[i]! << 8) | hash[i + 1]!).padStart(5, '0'));
  return groups.join(' ');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function hexBytes(s: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new PGPError(`not hex: ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Standard base64 with padding. */
export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new PGPError('not base64');
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
