// PrivateMessages: the web client's side of private conversations
// (docs/privacy.md), over a SalonClient. It keeps this account's key
// (stored encrypted in the device's store, decrypted in memory once the
// passphrase is given: once per tab), publishes it, fetches and pins the
// other users' keys (trust on first use: a different key later is a
// change the user must accept), remembers which direct conversations are
// private, and decrypts `pgp:` texts for display, once each (a cache by
// author and text, so history, live messages, edits and pending messages
// all read the same way).
//
// It has its own subscribe: decryption is asynchronous, and a result
// arriving is a change of what the page shows.

import type { SalonClient } from './client';
import { type KeyStore, type Pin, deviceStore, keyOf } from './keystore';
import { isDirect, splitKey, type ConvKey } from './line';
import * as pgp from './pgp';
import type { Message } from './store';

type Key = import('openpgp').Key;

export type KeyStatus = 'none' | 'locked' | 'ready';

/** What is known of another user's key. */
export interface PeerKey {
  state: 'loading' | 'none' | 'ok';
  /** The key the server has now (state 'ok'). */
  key: Key | null;
  fingerprint: string;
  /** The key pinned for the user: only signatures by it verify. */
  pinned: Key | null;
  pinnedFingerprint: string;
  /** The server's key is not the pinned one: the user must accept it. */
  changed: boolean;
}

/** A private text as the page shows it. */
export type Reading =
  | { state: 'working' }
  | { state: 'locked' } // a key is stored but not unlocked in this tab
  | { state: 'done'; verdict: pgp.Verdict; text: string; signer: string };

export class PrivateMessages {
  /** Counts changes: the page's views depend on it. */
  version = 0;
  private listeners = new Set<() => void>();
  private account: string | null = null;
  private me = 0;
  private stored: string | null = null;
  private pair: pgp.KeyPair | null = null;
  private loadingAccount: Promise<void> | null = null;
  private peers = new Map<number, PeerKey>();
  private peerWaits = new Map<number, Promise<PeerKey>>();
  private flags = new Map<ConvKey, boolean>();
  private flagLoads = new Set<ConvKey>();
  private cache = new Map<string, Reading>();
  private work = new Map<string, Promise<Reading>>();
  private lastSession = '';
  private notifyQueued = false;

  constructor(
    readonly client: SalonClient,
    private readonly db: KeyStore = deviceStore(),
  ) {
    client.subscribe(() => this.sessionChanged());
    client.onKey((user, key) => void this.keyArrived(user, key));
    this.sessionChanged();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version++;
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const fn of [...this.listeners]) fn();
    });
  }

  // ---- This account's key ---------------------------------------------

  get status(): KeyStatus {
    if (this.pair) return 'ready';
    return this.stored ? 'locked' : 'none';
  }

  /** This account's fingerprint (hex), '' without an unlocked key. */
  get fingerprint(): string {
    return this.pair ? pgp.fingerprint(this.pair.pub) : '';
  }

  /** Resolves once the stored key (if any) of the logged-in account is known. */
  ready(): Promise<void> {
    return this.loadingAccount ?? Promise.resolve();
  }

  // At each login: the account's stored key, and the server's copy of the
  // public key checked (published again when it differs).
  private sessionChanged(): void {
    const s = this.client.state;
    const id = s.session.state === 'in' ? `${s.session.pseudo}/${s.me}` : '';
    const wasIn = this.lastSession !== '';
    this.lastSession = id;
    if (!id || wasIn) return;
    const account = s.session.pseudo;
    if (account !== this.account) {
      this.account = account;
      this.pair = null;
      this.stored = null;
      this.peers.clear();
      this.peerWaits.clear();
      this.flags.clear();
      this.flagLoads.clear();
      this.cache.clear();
    }
    this.me = s.me;
    this.loadingAccount = this.db
      .get<string>(keyOf.privateKey(account))
      .then((armored) => {
        if (this.account !== account) return;
        this.stored = armored ?? null;
        this.changed();
        if (this.pair) return this.syncPublished();
      })
      .catch((e) => console.warn('salon: private keys:', e));
    // Keys learned before this login may have changed meanwhile.
    this.peers.clear();
    this.peerWaits.clear();
  }

  /** create makes this account's key, stores it locked with passphrase, and publishes it. */
  async create(passphrase: string): Promise<void> {
    const account = this.needAccount();
    if (passphrase.length < 1) throw new pgp.PGPError('a passphrase is needed');
    const pair = await pgp.generate(account);
    const armored = await pgp.exportPrivate(pair.priv, passphrase);
    await this.db.put(keyOf.privateKey(account), armored);
    this.useKey(armored, pair);
    await this.client.publishKey(pgp.toBase64(pgp.publicBytes(pair.pub)));
  }

  /** importKey reads an exported key (armored, passphrase-protected), stores it and publishes it. */
  async importKey(armored: string, passphrase: string): Promise<void> {
    const account = this.needAccount();
    const pair = await pgp.importPrivate(armored, passphrase);
    const locked = await pgp.exportPrivate(pair.priv, passphrase);
    await this.db.put(keyOf.privateKey(account), locked);
    this.useKey(locked, pair);
    await this.client.publishKey(pgp.toBase64(pgp.publicBytes(pair.pub)));
  }

  /** unlock decrypts the stored key with passphrase, for this tab. */
  async unlock(passphrase: string): Promise<void> {
    await this.ready();
    if (!this.stored) throw new pgp.PGPError('there is no key on this device: make one or import one');
    const pair = await pgp.importPrivate(this.stored, passphrase);
    this.useKey(this.stored, pair);
    await this.syncPublished();
  }

  /** exportKey: the armored private key, locked with its passphrase, to save as a file. */
  exportKey(): string {
    if (!this.stored) throw new pgp.PGPError('there is no key on this device');
    return this.stored;
  }

  private useKey(armored: string, pair: pgp.KeyPair): void {
    this.stored = armored;
    this.pair = pair;
    this.cache.clear();
    this.work.clear();
    this.changed();
  }

  private needAccount(): string {
    if (!this.account || this.client.state.session.state !== 'in') throw new pgp.PGPError('log in first');
    return this.account;
  }

  private async syncPublished(): Promise<void> {
    if (!this.pair || !this.me) return;
    const mine = pgp.toBase64(pgp.publicBytes(this.pair.pub));
    try {
      const theirs = await this.client.fetchKey(this.me);
      if (theirs !== mine) await this.client.publishKey(mine);
    } catch (e) {
      console.warn('salon: publishing the key:', e);
    }
  }

  // ---- Other users' keys ------------------------------------------------

  /** What is known of user's key; asks the server the first time. */
  peer(user: number): PeerKey {
    const p = this.peers.get(user);
    if (p) return p;
    void this.loadPeer(user);
    return this.peers.get(user) ?? emptyPeer();
  }

  // loadPeer resolves with what is known of user's key once it is fetched:
  // the entry as it is then (an accepted change replaces it).
  private loadPeer(user: number): Promise<PeerKey> {
    const w = this.peerWaits.get(user);
    if (w) return w.then((first) => this.peers.get(user) ?? first);
    if (!this.peers.has(user)) this.peers.set(user, emptyPeer());
    const p = this.client
      .fetchKey(user)
      .then((b64) => this.setPeer(user, b64))
      .catch(() => {
        this.peerWaits.delete(user);
        const none = { ...emptyPeer(), state: 'none' as const };
        this.peers.set(user, none);
        this.changed();
        return none;
      });
    this.peerWaits.set(user, p);
    return p;
  }

  private async keyArrived(user: number, b64: string): Promise<void> {
    if (user === this.me || !this.account) return;
    // An answer to loadPeer comes this way too: setPeer is idempotent.
    const p = this.setPeer(user, b64);
    this.peerWaits.set(user, p);
    await p;
  }

  private async setPeer(user: number, b64: string | null): Promise<PeerKey> {
    const account = this.account;
    if (!account) return emptyPeer();
    if (b64 === null) {
      const none: PeerKey = { ...emptyPeer(), state: 'none' };
      const pin = await this.db.get<Pin>(keyOf.pin(account, user));
      if (pin) {
        none.pinned = await pgp.readPublic(pgp.fromBase64(pin.key)).catch(() => null);
        none.pinnedFingerprint = pin.fingerprint;
      }
      this.peers.set(user, none);
      this.forget(user);
      return none;
    }
    let key: Key;
    try {
      key = await pgp.readPublic(pgp.fromBase64(b64));
    } catch {
      const bad: PeerKey = { ...emptyPeer(), state: 'none' };
      this.peers.set(user, bad);
      this.forget(user);
      return bad;
    }
    const fp = pgp.fingerprint(key);
    let pin = await this.db.get<Pin>(keyOf.pin(account, user));
    if (!pin) {
      pin = { fingerprint: fp, key: b64 };
      await this.db.put(keyOf.pin(account, user), pin);
    }
    const changed = pin.fingerprint !== fp;
    const pinned = changed ? await pgp.readPublic(pgp.fromBase64(pin.key)).catch(() => null) : key;
    const peer: PeerKey = { state: 'ok', key, fingerprint: fp, pinned, pinnedFingerprint: pin.fingerprint, changed };
    if (this.account !== account) return peer;
    this.peers.set(user, peer);
    this.forget(user);
    return peer;
  }

  /** acceptChange pins user's new key: messages signed by it verify, and one may write privately again. */
  async acceptChange(user: number): Promise<void> {
    const account = this.needAccount();
    const p = this.peers.get(user);
    if (!p?.key) return;
    await this.db.put(keyOf.pin(account, user), { fingerprint: p.fingerprint, key: pgp.toBase64(pgp.publicBytes(p.key)) });
    this.peers.set(user, { ...p, pinned: p.key, pinnedFingerprint: p.fingerprint, changed: false });
    this.forget(user);
  }

  // forget drops what was read of user's messages: their verdicts depend on its key.
  private forget(user: number): void {
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${user}|`)) this.cache.delete(k);
    for (const k of [...this.work.keys()]) if (k.startsWith(`${user}|`)) this.work.delete(k);
    this.changed();
  }

  /** The safety number of this user and user (docs/privacy.md), with the key seen now. */
  async safetyNumber(user: number): Promise<string> {
    if (!this.pair) throw new pgp.PGPError('unlock your key first');
    const p = await this.loadPeer(user);
    if (!p.key) throw new pgp.PGPError('this user has no key');
    return pgp.safetyNumber(pgp.fingerprintBytes(this.pair.pub), pgp.fingerprintBytes(p.key));
  }

  // ---- Conversations -------------------------------------------------

  /** Whether this device writes privately in conv (the user's switch). */
  isPrivate(conv: ConvKey): boolean {
    if (!isDirect(conv) || !this.account) return false;
    const f = this.flags.get(conv);
    if (f !== undefined) return f;
    if (!this.flagLoads.has(conv)) {
      this.flagLoads.add(conv);
      const account = this.account;
      void this.db.get<boolean>(keyOf.privateConv(account, conv)).then((v) => {
        if (this.account !== account) return;
        if (!this.flags.has(conv)) this.flags.set(conv, !!v);
        if (v) this.changed();
      });
    }
    return false;
  }

  async setPrivate(conv: ConvKey, on: boolean): Promise<void> {
    const account = this.needAccount();
    if (on) {
      const why = this.whyNot(conv);
      if (why) throw new pgp.PGPError(why);
    }
    this.flags.set(conv, on);
    this.changed();
    await this.db.put(keyOf.privateConv(account, conv), on);
  }

  /** whyNot: '' when conv may be private now, else the reason, as a sentence. */
  whyNot(conv: ConvKey): string {
    if (!isDirect(conv)) return 'Only direct conversations can be private.';
    if (this.status === 'none') return 'Make a key first (Settings, Private messages).';
    if (this.status === 'locked') return 'Unlock your key first.';
    const user = splitKey(conv)[1];
    const p = this.peer(user);
    const name = this.client.state.users[user]?.pseudo ?? 'This user';
    if (p.state === 'loading') return `Looking for ${name}'s key…`;
    if (p.state === 'none') return `${name} has no key yet.`;
    if (p.changed) return `${name}'s key changed: accept the new key first.`;
    return '';
  }

  /** encryptText makes the pgp: text of a private message to conv. */
  async encryptText(conv: ConvKey, text: string): Promise<string> {
    const { pair, to } = await this.sending(conv);
    const out = await pgp.encryptText(text, pair, to);
    this.cache.set(`${this.me}|${out}`, { state: 'done', verdict: 'verified', text, signer: pgp.fingerprint(pair.pub) });
    return out;
  }

  /** encryptFile: a private file's bytes, to upload as name.pgp. */
  async encryptFile(conv: ConvKey, data: Uint8Array): Promise<Uint8Array> {
    const { pair, to } = await this.sending(conv);
    return pgp.encryptFile(data, pair, to);
  }

  private async sending(conv: ConvKey): Promise<{ pair: pgp.KeyPair; to: Key }> {
    if (!isDirect(conv)) throw new pgp.PGPError('Only direct conversations can be private.');
    if (!this.pair) throw new pgp.PGPError(this.status === 'none' ? 'Make a key first (Settings, Private messages).' : 'Unlock your key first.');
    const user = splitKey(conv)[1];
    const p = await this.loadPeer(user);
    const name = this.client.state.users[user]?.pseudo ?? 'This user';
    if (!p.key) throw new pgp.PGPError(`${name} has no key: this message cannot be private.`);
    if (p.changed) throw new pgp.PGPError(`${name}'s key changed: accept the new key before writing privately.`);
    return { pair: this.pair, to: p.key };
  }

  /** read: how a pgp: text by author shows; 'working' starts its decryption. */
  read(text: string, author: number): Reading {
    if (!this.pair) return this.stored ? { state: 'locked' } : { state: 'done', verdict: 'not-for-me', text: '', signer: '' };
    const k = `${author}|${text}`;
    const hit = this.cache.get(k);
    if (hit) return hit;
    void this.decrypt(text, author);
    return { state: 'working' };
  }

  /** decrypt: read's work, awaited (search uses it). */
  decrypt(text: string, author: number): Promise<Reading> {
    const k = `${author}|${text}`;
    const hit = this.cache.get(k);
    if (hit && hit.state === 'done') return Promise.resolve(hit);
    const w = this.work.get(k);
    if (w) return w;
    const pair = this.pair;
    // eslint-disable-next-line prefer-const
    let p: Promise<Reading> | null = null;
    p = (async (): Promise<Reading> => {
      const signer = await this.signerKey(author);
      const r = await pgp.decryptText(text, pair, signer);
      const reading: Reading = { state: 'done', verdict: r.verdict, text: r.data ?? '', signer: r.signer };
      if (this.work.get(k) === p && this.pair === pair) {
        this.cache.set(k, reading);
        this.work.delete(k);
        this.changed();
      }
      return reading;
    })();
    this.work.set(k, p);
    return p;
  }

  /** decryptFile: a private file's bytes, read and verified. */
  async decryptFile(bytes: Uint8Array, author: number): Promise<pgp.Opened<Uint8Array>> {
    if (!this.pair && this.stored) throw new pgp.PGPError('Unlock your key to open private files.');
    return pgp.decryptFile(bytes, this.pair, await this.signerKey(author));
  }

  private async signerKey(author: number): Promise<Key | null> {
    if (author === this.me) return this.pair?.pub ?? null;
    const p = await this.loadPeer(author);
    return p.pinned;
  }

  /** The pseudo of whoever signed, by fingerprint: the author when it is the pinned key. */
  signerName(author: number, fingerprint: string): string {
    if (author === this.me) return this.client.state.users[author]?.pseudo ?? 'you';
    const p = this.peers.get(author);
    if (p && p.pinnedFingerprint === fingerprint) return this.client.state.users[author]?.pseudo ?? String(author);
    return '';
  }

  /** search: the private messages of direct conversations (scope, or all) whose decrypted text holds query; newest first. */
  async search(scope: ConvKey | null, query: string): Promise<Message[]> {
    if (!this.pair) return [];
    const q = query.toLocaleLowerCase();
    const out: Message[] = [];
    const s = this.client.state;
    for (const [key, c] of Object.entries(s.conversations)) {
      if (!isDirect(key) || (scope !== null && scope !== key)) continue;
      for (const m of c.messages) {
        if (m.deleted || m.file || !pgp.isPrivateText(m.text)) continue;
        const r = await this.decrypt(m.text, m.author);
        if (r.state === 'done' && r.text && r.text.toLocaleLowerCase().includes(q)) out.push({ ...m, text: r.text });
      }
    }
    return out.sort((a, b) => b.id - a.id);
  }
}

function emptyPeer(): PeerKey {
  return { state: 'loading', key: null, fingerprint: '', pinned: null, pinnedFingerprint: '', changed: false };
}

