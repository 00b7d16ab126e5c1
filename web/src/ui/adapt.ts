// The Backend the components use, over the lib's SalonClient: views of
// its state (views.ts), its actions by the page's names, and the memory
// bound of the message window: a conversation keeps at most WINDOW
// messages, dropping the end away from where the reader is going.

import { CallEngine } from "../lib/call";
import { P2pEngine } from "../lib/p2p";
import { SalonClient, ServerError } from "../lib/client";
import type { Invitation, State } from "../lib/store";
import type { Arrival, Backend, ConvView, Snapshot } from "./backend";
import type { Hit } from "./Search";
import type { ChanRow } from "./Settings";
import type { ConvKey, InviteView } from "./view";
import { conversationView, snapshot, userView } from "./views";
import { PrivateAdapter } from "./adaptPrivate";

/** Messages kept in memory (and so in the DOM) per conversation. */
export const WINDOW = 300;

export class LibBackend implements Backend {
  private snapState: State | null = null;
  private snap: Snapshot | null = null;
  private convCache = new Map<ConvKey, { state: State; pv: number; view: ConvView | null }>();
  private current: ConvKey | null = null;
  private wasIn = false;
  private made = { servers: new Set<number>(), channels: new Set<ConvKey>() };

  readonly call: CallEngine;
  readonly p2p: P2pEngine;
  readonly priv: PrivateAdapter;

  constructor(readonly client: SalonClient) {
    this.call = new CallEngine(client);
    this.p2p = new P2pEngine(client);
    this.priv = new PrivateAdapter(client);
  }

  declineCall(conv: ConvKey) {
    return this.client.callDecline(Number(conv.split("/")[1])).catch(callError);
  }
  dismissRing(conv: ConvKey) {
    this.client.stopRinging(conv);
  }
  moderateCall(place: ConvKey, action: "MUTE" | "UNMUTE" | "KICK", user: number) {
    return this.client.callModerate(place, action, user).catch(callError);
  }

  snapshot(): Snapshot {
    const s = this.client.state;
    if (this.snapState !== s || !this.snap) {
      // A session logging in again after a reconnect stays on screen (its
      // state is kept): only a logout or a refused login shows the form.
      if (s.session.state === "in") this.wasIn = true;
      if (s.session.state === "out") this.wasIn = false;
      this.snap = snapshot(s, this.client.directs());
      if (this.wasIn && !this.snap.loggedIn) this.snap = { ...this.snap, loggedIn: true };
      this.snapState = s;
    }
    return this.snap;
  }

  conversation(key: ConvKey): ConvView | null {
    const s = this.client.state;
    const hit = this.convCache.get(key);
    const pv = this.priv.lib.version;
    if (hit && hit.state === s && hit.pv === pv) return hit.view;
    const prev = hit?.view ?? null;
    let view = conversationView(s, key, this.made);
    if (view) view = this.priv.decorate(view);
    // Keep the items array when nothing in it changed, so the list does
    // not re-render for a presence change elsewhere.
    if (view && prev && sameItems(prev, view)) view = { ...view, items: prev.items };
    if (view && prev && JSON.stringify(prev.members) === JSON.stringify(view.members)) view = { ...view, members: prev.members };
    this.convCache.set(key, { state: s, pv, view });
    return view;
  }

  subscribe(fn: () => void): () => void {
    const a = this.client.subscribe(fn);
    const b = this.priv.subscribe(fn);
    return () => {
      a();
      b();
    };
  }

  onError(fn: (text: string) => void): () => void {
    return this.client.onError((verb, reason) =>
      fn(verb === "CALL" ? `Call: ${reason}` : verb === "RTC" ? `Call signaling: ${reason}` : verb ? `${verb}: ${reason}` : reason),
    );
  }

  /** Kicks and deletions of places this user was in, as sentences. */
  onNotice(fn: (text: string) => void): () => void {
    let seen = Math.max(0, ...this.client.state.notices.map((n) => n.seq));
    return this.client.subscribe(() => {
      const s = this.client.state;
      for (const n of s.notices) {
        if (n.seq <= seen) continue;
        seen = n.seq;
        const where = n.place ? this.placeName(n.place) : "";
        if (n.kind === "kicked")
          fn(`${userView(s, n.actor).pseudo} removed you from ${where}${n.reason ? `: ${n.reason}` : ""}`);
        else if (n.kind === "callKicked") fn(`${userView(s, n.actor).pseudo} removed you from the call in ${where}`);
        else if (n.kind === "declined") fn(`${userView(s, n.actor).pseudo} declined your call`);
        else fn(`${where || "A place you were in"} was deleted`);
      }
    });
  }

  onArrival(fn: (a: Arrival) => void): () => void {
    return this.client.onMessage((m) => {
      if (m.mine) return;
      const s = this.client.state;
      fn({
        conv: m.message.conv,
        from: userView(s, m.message.author).pseudo,
        text: m.message.file ? `sent ${m.message.file}` : this.priv.arrival(m.message.text),
        mention: m.mention,
        direct: m.direct,
      });
    });
  }

  pseudo(tag: number): string {
    return userView(this.client.state, tag).pseudo;
  }

  login(pseudo: string, password: string) {
    return this.client.login(pseudo, password);
  }
  register(pseudo: string, password: string) {
    return this.client.register(pseudo, password);
  }
  logout() {
    this.client.logout().catch(() => {});
  }

  open(key: ConvKey) {
    this.current = key;
    this.client.open(key).catch(() => {});
  }
  openAround(key: ConvKey, id: number) {
    this.current = key;
    if (this.client.message(key, id)) return;
    this.client.openAround(key, id).catch(() => {});
  }
  present(key: ConvKey) {
    this.client.present(key).catch(() => {});
  }
  loadOlder(key: ConvKey) {
    this.client
      .loadOlder(key)
      .then(() => this.client.trim(key, "older", WINDOW))
      .catch(() => {});
  }
  loadNewer(key: ConvKey) {
    this.client
      .loadNewer(key)
      .then(() => this.client.trim(key, "newer", WINDOW))
      .catch(() => {});
  }
  seen(key: ConvKey, id: number) {
    if (document.hidden) return;
    this.client.markRead(key, id);
  }

  async send(key: ConvKey, text: string) {
    return this.client.sendMessage(key, await this.priv.outgoing(key, text));
  }
  async reply(id: number, text: string) {
    const conv = this.current ?? "";
    return this.client.reply(conv, id, await this.priv.outgoing(conv, text));
  }
  async edit(id: number, text: string) {
    return this.client.edit(id, this.current ? await this.priv.outgoing(this.current, text) : text);
  }
  remove(id: number) {
    return this.client.delete(id);
  }
  react(id: number, emoji: string) {
    return this.client.react(id, emoji);
  }
  unreact(id: number, emoji: string) {
    return this.client.unreact(id, emoji);
  }
  retry(key: ConvKey, local: number) {
    this.client.retryPending(key, local).catch(() => {});
  }
  discard(key: ConvKey, local: number) {
    this.client.discardPending(key, local);
  }
  typing(key: ConvKey) {
    this.client.typing(key);
  }
  async find(key: ConvKey | null, text: string): Promise<Hit[]> {
    // The server cannot match ciphertext: the private messages decrypted
    // on this device are searched here, and merged with its answer.
    const [server, local] = await Promise.all([this.client.find(key, text), this.priv.search(key, text)]);
    const seen = new Set(local.map((m) => m.id));
    const found = [...server.filter((m) => !seen.has(m.id) && !m.text.startsWith("pgp:")), ...local].sort((a, b) => b.id - a.id);
    const s = this.client.state;
    return found.map((m) => ({
      id: m.id,
      conv: m.conv,
      where: this.placeName(m.conv),
      authorName: userView(s, m.author).pseudo,
      text: m.file ?? m.text,
      time: m.time,
    }));
  }

  private placeName(key: ConvKey): string {
    const s = this.client.state;
    const [sv, ch] = key.split("/").map(Number);
    if (sv === 0) return `@${userView(s, ch).pseudo}`;
    const srv = s.servers[sv];
    return srv ? `${srv.name} #${srv.channels[ch]?.name ?? ch}` : key;
  }

  async upload(key: ConvKey, file: File, progress: (sent: number, total: number) => void) {
    const out = await this.priv.outgoingFile(key, file, file.name || "file");
    return this.client.upload(key, out.blob, out.name, progress);
  }
  renewFiles() {
    // filesReady goes false then true again: every file's element is made
    // anew, and loads with this tab's cookie.
    if (this.client.state.filesReady) this.client.webToken().catch(() => {});
  }
  fileUrl(key: ConvKey, name: string, thumb: boolean) {
    // Until the files cookie is set, a request would be refused (and the
    // browser would remember the broken image): no URL yet.
    return this.client.state.filesReady ? this.client.fileURL(key, name, thumb) : "";
  }

  async newServer(name: string) {
    const tag = await this.client.createServer(name);
    this.made.servers.add(tag);
    this.convCache.clear();
    return tag;
  }
  async newChannel(server: number, name: string) {
    const key = await this.client.createChannel(server, name);
    this.made.channels.add(key);
    this.convCache.clear();
    return key;
  }
  befriend(pseudo: string) {
    return this.client.befriend(pseudo);
  }
  unfriend(tag: number) {
    return this.client.unfriend(tag);
  }
  async invite(pseudo: string, place: ConvKey) {
    const tag = await this.client.who(pseudo);
    return this.client.invite(tag, place);
  }
  private invitation(inv: InviteView): Invitation {
    const i = this.client.state.invitations.find((x) => x.key === inv.key);
    if (!i) throw new Error("That invitation is gone.");
    return i;
  }
  accept(inv: InviteView) {
    return this.client.acceptInvitation(this.invitation(inv));
  }
  decline(inv: InviteView) {
    return this.client.declineInvitation(this.invitation(inv));
  }
  leave(place: ConvKey) {
    return this.client.leave(place);
  }
  rename(place: ConvKey, name: string) {
    return this.client.rename(place, name);
  }
  del(place: ConvKey) {
    return this.client.remove(place);
  }
  topic(place: ConvKey, text: string) {
    return this.client.topic(place, text);
  }
  setPublic(place: ConvKey, on: boolean) {
    return this.client.setPublic(place, on);
  }
  async list(server: number): Promise<ChanRow[]> {
    const rows = await this.client.list(server);
    const s = this.client.state;
    return rows.map((r) => ({
      key: r.place,
      name: r.name,
      public: r.public,
      members: r.members,
      topic: r.topic,
      joined: !!s.servers[server]?.channels[Number(r.place.split("/")[1])]?.members.includes(s.me),
    }));
  }
  join(place: ConvKey) {
    return this.client.join(place);
  }
  mod(place: ConvKey, user: number, on: boolean) {
    return on ? this.client.mod(place, user) : this.client.unmod(place, user);
  }
  kick(place: ConvKey, user: number, reason: string) {
    return this.client.kick(place, user, reason);
  }
  ban(server: number, user: number, reason: string) {
    return this.client.ban(server, user, reason);
  }
  async bans(server: number) {
    const list = await this.client.bans(server);
    return list.map((b) => ({ user: b.user, name: this.pseudo(b.user), reason: b.reason }));
  }
  unban(server: number, user: number) {
    return this.client.unban(server, user);
  }
  away(text: string) {
    return this.client.away(text);
  }
  setPseudo(pseudo: string, password: string) {
    return this.client.changePseudo(pseudo, password);
  }
  setPassword(old: string, next: string) {
    return this.client.changePassword(old, next);
  }
  play(game: string, payload: string) {
    // Answers that name no table (help, balance, error) show where the
    // command was given.
    this.client.game(game, payload, this.current ?? undefined).catch(() => {});
  }
  command(line: string) {
    return this.client.command(line, this.current ?? undefined);
  }
}

/** callError words a refused call command: `ERR CALL reason` reads "Call: reason". */
function callError(e: unknown): never {
  if (e instanceof ServerError && e.verb === "CALL") throw new Error(`Call: ${e.reason}`);
  throw e;
}

function sameItems(a: ConvView, b: ConvView): boolean {
  if (a.items.length !== b.items.length) return false;
  for (let i = 0; i < a.items.length; i++) {
    const x = a.items[i], y = b.items[i];
    if (x.key !== y.key || x.kind !== y.kind) return false;
    if (x.kind === "msg" && y.kind === "msg" && JSON.stringify(x.m) !== JSON.stringify(y.m)) return false;
    if (x.kind === "notice" && y.kind === "notice" && x.text !== y.text) return false;
  }
  return true;
}
