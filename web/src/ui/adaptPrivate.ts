// The page's PrivateControls over lib/private.ts, and what adapt.ts asks
// of private messages: a conversation's items with their pgp: texts read,
// and private sends, uploads and search.

import type { SalonClient } from "../lib/client";
import { isDirect, splitKey } from "../lib/line";
import { PrivateMessages, type Reading } from "../lib/private";
import type { Message } from "../lib/store";
import type { ConvView, Item } from "./backend";
import type { ConvPrivacy, PrivateControls, PrivateMark } from "./Privacy";
import { setFileOpener } from "./Privacy";
import type { MessageView } from "./view";

export class PrivateAdapter implements PrivateControls {
  readonly lib: PrivateMessages;

  constructor(private readonly client: SalonClient) {
    this.lib = new PrivateMessages(client);
    setFileOpener((url, author) => this.openFile(url, author));
  }

  subscribe(fn: () => void): () => void {
    return this.lib.subscribe(fn);
  }

  status() {
    return { key: this.lib.status, fingerprint: this.lib.fingerprint };
  }
  create(passphrase: string) {
    return this.lib.create(passphrase);
  }
  importKey(armored: string, passphrase: string) {
    return this.lib.importKey(armored, passphrase);
  }
  unlock(passphrase: string) {
    return this.lib.unlock(passphrase);
  }
  exportKey() {
    return this.lib.exportKey();
  }

  conv(key: string): ConvPrivacy | null {
    if (!isDirect(key)) return null;
    const user = splitKey(key)[1];
    if (user === this.client.state.me) return null;
    const peer = this.lib.peer(user);
    return {
      peer: this.client.state.users[user]?.pseudo ?? String(user),
      private: this.lib.isPrivate(key),
      whyNot: this.lib.whyNot(key),
      changed: peer.changed,
      myFingerprint: this.lib.fingerprint,
      peerFingerprint: peer.fingerprint,
    };
  }
  setPrivate(key: string, on: boolean) {
    return this.lib.setPrivate(key, on);
  }
  acceptChange(key: string) {
    return this.lib.acceptChange(splitKey(key)[1]);
  }
  safetyNumber(key: string) {
    return this.lib.safetyNumber(splitKey(key)[1]);
  }

  async openFile(url: string, author: number) {
    if (!url) throw new Error("The file cannot be fetched yet.");
    const res = await fetch(url, { credentials: "same-origin" });
    if (!res.ok) throw new Error(`The file could not be fetched (${res.status}).`);
    const r = await this.lib.decryptFile(new Uint8Array(await res.arrayBuffer()), author);
    return {
      blob: r.data ? new Blob([r.data as BlobPart]) : null,
      verdict: r.verdict,
      signedBy: r.verdict === "verified" ? this.lib.signerName(author, r.signer) : "",
    };
  }

  /** Whether what is typed in conv goes out encrypted. */
  isPrivate(conv: string): boolean {
    return this.lib.isPrivate(conv);
  }

  /** text as it goes out in conv: encrypted when conv is private. */
  outgoing(conv: string, text: string): Promise<string> {
    return this.lib.isPrivate(conv) ? this.lib.encryptText(conv, text) : Promise.resolve(text);
  }

  /** A file as it goes out in conv: encrypted and named name.pgp when conv is private. */
  async outgoingFile(conv: string, file: Blob, name: string): Promise<{ blob: Blob; name: string }> {
    if (!this.lib.isPrivate(conv)) return { blob: file, name };
    const data = await this.lib.encryptFile(conv, new Uint8Array(await file.arrayBuffer()));
    return { blob: new Blob([data as BlobPart]), name: name + ".pgp" };
  }

  /** The local matches among the private messages of direct conversations. */
  search(scope: string | null, query: string): Promise<Message[]> {
    return this.lib.search(scope, query);
  }

  /** A notification's text for a private message. */
  arrival(text: string): string {
    return text.startsWith("pgp:") ? "a private message" : text;
  }

  /** view with its private messages read: the text, and the mark under it. */
  decorate(view: ConvView): ConvView {
    if (!isDirect(view.key)) return view;
    const peer = splitKey(view.key)[1];
    let changed = false;
    const items = view.items.map((it): Item => {
      if (it.kind !== "msg") return it;
      const m = this.message(it.m, peer);
      if (m === it.m) return it;
      changed = true;
      return { ...it, m };
    });
    return changed ? { ...view, items } : view;
  }

  private message(m: MessageView, peer: number): MessageView {
    let out = m;
    if (m.text !== undefined && m.text.startsWith("pgp:")) {
      const r = this.lib.read(m.text, m.author);
      out = { ...m, ...this.shown(r, m.author) };
    } else if (m.file !== undefined && m.file.endsWith(".pgp")) {
      out = { ...m, private: { verdict: "working", signedBy: "", file: true } };
    }
    if (m.reply && m.reply.text.startsWith("pgp:")) {
      const me = this.client.state.me;
      const tries = [peer, me].map((a) => this.lib.read(m.reply!.text, a));
      const r = tries.find((t) => t.state === "done" && t.verdict === "verified") ?? tries.find((t) => t.state === "done" && t.text);
      out = { ...out, reply: { ...m.reply, text: r && r.state === "done" && r.text ? r.text : "a private message" } };
    }
    return out;
  }

  private shown(r: Reading, author: number): { text?: string; private: PrivateMark } {
    if (r.state !== "done") return { text: undefined, private: { verdict: r.state, signedBy: "" } };
    const signedBy = r.verdict === "verified" ? this.lib.signerName(author, r.signer) : "";
    return { text: r.text || undefined, private: { verdict: r.verdict, signedBy } };
  }
}
