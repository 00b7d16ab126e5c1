// SalonClient is what the page's components talk to: it owns the
// connection (connection.ts) and the store (store.ts), logs in again after
// every reconnect, and turns the user's actions into protocol lines.
//
// Every action that the server answers is a promise, settled by the
// answer. The server answers a connection's commands in order, and PONG
// comes after every answer to what was sent before the PING (the answers
// of plugins and downloads included: docs/protocol.md, "Order and
// acknowledgement"). So each command goes out followed by `PING w<n>`:
// whatever arrives between the PONG of the request before it and its own
// PONG is its answer (a plugin's answer may come later than the answers
// to commands sent after it, so a request also sees what came earlier,
// after it was sent). An ERR of the command's verb goes to the oldest
// request of that verb not yet answered, and rejects it with the reason;
// otherwise the request resolves with what its window held (the echo of a
// message, the TAG of a new server, the rows of a LIST). READ and TYPING
// are not answered when they succeed, and go without a PING.
//
// A message the user sends is kept in its conversation's `pending` list
// until its echo arrives (the echo means stored). Typed while offline, it
// waits in the outbox and goes out after the next login; sent but not yet
// echoed when the socket dies, it is sent again after the next login. The
// server cannot say whether such a message was stored before the socket
// died, so in that rare case it may be stored twice: a duplicate rather
// than a loss.

import { Connection, type ConnectionOptions, type SocketLike, type Timers } from './connection';
import {
  CHUNK_BYTES,
  type ConvKey,
  type Line,
  type LineOf,
  type Media,
  CommandError,
  cmd,
  conversationOf,
  isP2pKind,
  type P2pKind,
  directKey,
  isDirect,
  parseLine,
  splitKey,
} from './line';
import { rtcLines } from './rtc';
import { type ChanInfo, type Invitation, type LiveMessage, type Message, PAGE_SIZE, type State, Store } from './store';

/** A refusal from the server (`ERR VERB reason`), or a lost connection (verb ''). */
export class ServerError extends Error {
  constructor(
    readonly verb: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ServerError';
  }
}

export interface ClientOptions {
  /** The WebSocket's address; default /ws on the page's origin. */
  url?: string;
  /** Default: the browser's WebSocket. */
  socket?: (url: string) => SocketLike;
  /** Default: the browser's fetch (for POST /auth). */
  fetch?: typeof fetch;
  timers?: Timers;
  random?: () => number;
  minDelay?: number;
  maxDelay?: number;
  /** FILE lines of one upload in flight at once. */
  uploadWindow?: number;
}

/** Upload or download progress: bytes done of total. */
export type Progress = (done: number, total: number) => void;

interface Request {
  token: string;
  /** The verb its ERR carries (NEW for NEW USR / SERV / CHAN). */
  verb: string;
  line: string;
  /** Every line since it was sent; from `start` on, those since it became the oldest in flight. */
  lines: Line[];
  start: number;
  error: Line | null;
  /** Sent again after a reconnect when its answer did not come. */
  retry: boolean;
  /** The conversation a game command was typed in, and the game (or verb): its answers without an address go there. */
  hint?: { conv: ConvKey; game: string };
  onWire?: () => void;
  /** Sees every line while in flight (a download's chunks). */
  onLine?: (l: Line) => void;
  /** Takes the one line that answers it, if this is it (a message's echo). */
  claim?: (l: Line) => boolean;
  /** Its answer (a claimed line, or an ERR) came: later answers are not its own. */
  answered: boolean;
  /** A message: where, what, and the newest id of conv when it went out. */
  post?: { conv: ConvKey; text: string; mark: number };
  /** Its lines as given to the outbox, when requeued. */
  items?: object[];
  resolve: (lines: Line[]) => void;
  reject: (e: Error) => void;
}

interface Upload {
  conv: ConvKey;
  name: string;
  size: number;
  /** ENDFILE OK came: the next FILESENT of this user to conv names the file. */
  ended: boolean;
  sentNotice: ((name: string) => void) | null;
  failed: Error | null;
}

/** An upload line awaiting its answer; the answers come in wire order. */
interface AckWaiter {
  upload: Upload;
  verb: 'NEWFILE' | 'FILE' | 'ENDFILE';
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SalonClient {
  readonly store: Store;
  private conn: Connection;
  private inflight: Request[] = [];
  /** Every request not yet settled, on the wire or in the outbox. */
  private unsettled = new Set<Request>();
  private nextToken = 0;
  private nextLocal = 0;
  private creds: { pseudo: string; password: string; register: boolean } | null = null;
  private loginWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private loggingIn = false;
  private loggingOut: (() => void) | null = null;
  private errorListeners = new Set<(verb: string, reason: string) => void>();
  private callListeners = new Set<(l: LineOf<'call'> | LineOf<'rtc'>) => void>();
  private p2pListeners = new Set<(l: LineOf<'rtc'>) => void>();
  private keyListeners = new Set<(user: number, key: string) => void>();
  private acks: AckWaiter[] = [];
  private uploads = new Set<Upload>();
  private typingSent = new Map<ConvKey, number>();
  private active: ConvKey | null = null;
  private histPromises = new Map<ConvKey, Promise<boolean>>();
  /** Messages that were on the wire, unechoed, when a socket died. */
  private uncertain: Request[] = [];
  private typingTimer: unknown = null;
  private readonly timers: Timers;
  private readonly fetchFn: typeof fetch;
  private readonly window: number;

  constructor(opts: ClientOptions = {}) {
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as number),
      now: () => Date.now(),
    };
    this.store = new Store(() => this.timers.now());
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.window = opts.uploadWindow ?? 8;
    const copts: ConnectionOptions = {
      onLine: (l) => this.received(l),
      onOpen: () => this.opened(),
      onClose: (reason) => this.lost(reason),
      onStatus: (s) => this.store.setConnection(s),
      timers: this.timers,
    };
    if (opts.url !== undefined) copts.url = opts.url;
    if (opts.socket !== undefined) copts.socket = opts.socket;
    if (opts.random !== undefined) copts.random = opts.random;
    if (opts.minDelay !== undefined) copts.minDelay = opts.minDelay;
    if (opts.maxDelay !== undefined) copts.maxDelay = opts.maxDelay;
    this.conn = new Connection(copts);
    // The browser knows before the backoff does that it is worth trying
    // now: the network came back, or the user looks at the tab again.
    const g = globalThis as { addEventListener?: (t: string, f: () => void) => void; document?: { visibilityState?: string } };
    g.addEventListener?.('online', () => this.conn.retryNow());
    g.addEventListener?.('visibilitychange', () => {
      if (g.document?.visibilityState === 'visible') this.conn.retryNow();
    });
  }

  // ---- State -----------------------------------------------------------

  get state(): State {
    return this.store.state;
  }

  subscribe(fn: () => void): () => void {
    return this.store.subscribe(fn);
  }

  /** onMessage: each message that arrives live (for notifications and the title). */
  onMessage(fn: (m: LiveMessage) => void): () => void {
    return this.store.onLive(fn);
  }

  /** onError: each ERR no request was waiting for (to show as a toast). */
  onError(fn: (verb: string, reason: string) => void): () => void {
    this.errorListeners.add(fn);
    return () => this.errorListeners.delete(fn);
  }

  /** onP2pLine: each `RTC 0 U p2p-*` line from user U, as it comes (the transfer engine, p2p.ts). */
  onP2pLine(fn: (l: LineOf<'rtc'>) => void): () => void {
    this.p2pListeners.add(fn);
    return () => this.p2pListeners.delete(fn);
  }

  /** onCallLine: each CALL and RTC line, after the store took it (the call engine, call.ts). */
  onCallLine(fn: (l: LineOf<'call'> | LineOf<'rtc'>) => void): () => void {
    this.callListeners.add(fn);
    return () => this.callListeners.delete(fn);
  }

  /** The message with this id, when it is loaded. */
  message(conv: ConvKey, id: number): Message | null {
    return this.store.messageById(conv, id);
  }

  /** Tags of the users with a direct conversation: friends and whoever wrote. */
  directs(): number[] {
    return this.store.directs();
  }

  /** The lines waiting for the connection (for tests and a "n unsent" badge). */
  get outbox(): readonly string[] {
    return this.conn.pending;
  }

  /** retryNow skips the wait before the next connection attempt. */
  retryNow(): void {
    this.conn.retryNow();
  }

  // ---- Account -------------------------------------------------------

  /** register creates an account and logs in with it. */
  async register(pseudo: string, password: string): Promise<void> {
    cmd.register(pseudo, password); // throws on bad input before anything is sent
    return this.startLogin({ pseudo, password, register: true });
  }

  async login(pseudo: string, password: string): Promise<void> {
    cmd.login(pseudo, password);
    return this.startLogin({ pseudo, password, register: false });
  }

  private startLogin(creds: { pseudo: string; password: string; register: boolean }): Promise<void> {
    if (this.store.state.session.state === 'in') return Promise.reject(new ServerError('IAM', 'already logged in'));
    this.creds = creds;
    this.store.setSession({ state: 'pending', pseudo: creds.pseudo, error: '' });
    const p = new Promise<void>((resolve, reject) => this.loginWaiters.push({ resolve, reject }));
    if (this.conn.status.state === 'idle') this.conn.start();
    else if (this.conn.status.state === 'offline') this.conn.retryNow();
    else this.opened(); // a socket is open (an earlier attempt failed): log in on it
    return p;
  }

  /** logout ends the session; the connection closes and is not reopened. */
  async logout(): Promise<void> {
    this.creds = null;
    const done = () => {
      this.stopTypingTimer();
      this.conn.stop('logged out');
      const out = new ServerError('', 'logged out');
      this.failAll(out);
      for (const r of [...this.unsettled]) r.reject(out);
      for (const w of this.loginWaiters.splice(0)) w.reject(out);
      this.uncertain = [];
      this.store.reset();
    };
    if (!this.conn.online) {
      done();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.loggingOut = () => {
        this.loggingOut = null;
        done();
        resolve();
      };
      this.conn.send(cmd.logout());
    });
  }

  /** changePassword: every other session of the account is logged out. */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await this.request(cmd.password(oldPassword, newPassword), 'PSW');
    if (this.creds) this.creds = { ...this.creds, password: newPassword };
  }

  async changePseudo(pseudo: string, password: string): Promise<void> {
    await this.request(cmd.pseudo(pseudo, password), 'PSD');
    if (this.creds) this.creds = { ...this.creds, pseudo };
  }

  /** who finds a user's tag by pseudo. */
  async who(pseudo: string): Promise<number> {
    const lines = await this.request(cmd.who(pseudo), 'WHO');
    const p = lines.find((l) => l.type === 'presence');
    if (!p || p.type !== 'presence') throw new ServerError('WHO', 'no such user');
    return p.user;
  }

  async away(text = ''): Promise<void> {
    return this.request(cmd.away(text), 'AWAY', { retry: true }).then(() => undefined);
  }

  // ---- Messages ------------------------------------------------------

  /** sendMessage posts text to a conversation; it resolves with the message's id once stored. */
  async sendMessage(conv: ConvKey, text: string): Promise<number> {
    return this.post(conv, cmd.msg(conv, text), 'MSG', text, null);
  }

  /** reply answers message `to` of conversation conv. */
  async reply(conv: ConvKey, to: number, text: string): Promise<number> {
    return this.post(conv, cmd.reply(to, text), 'REPLY', text, to);
  }

  private post(conv: ConvKey, line: string, verb: string, text: string, replyTo: number | null): Promise<number> {
    // Writing from a window in the past goes back to the present, where the
    // message will show (as in every chat application).
    if (this.store.state.conversations[conv]?.hasNewer) this.present(conv).catch(() => undefined);
    const local = ++this.nextLocal;
    this.store.addPending({ local, conv, text, replyTo, state: 'queued', error: '' });
    let echo: number | null = null;
    const post = { conv, text, mark: 0 };
    return this.request(line, verb, {
      retry: true,
      post,
      onWire: () => {
        post.mark = this.store.state.conversations[conv]?.newest ?? 0;
        this.store.updatePending(conv, local, { state: 'sent' });
      },
      // The server answers a connection's messages in order: the oldest
      // message in flight to conv takes the first echo of this user there
      // (whatever its text: a plugin may have rewritten it).
      claim: (l) => {
        if (l.type !== 'msg' || !l.tags) return false;
        if (l.from !== this.store.state.me || conversationOf(l.from, l.from, l.to) !== conv) return false;
        echo = l.tags.id;
        this.store.updatePending(conv, local, null);
        return true;
      },
    }).then(
      (lines) => {
        this.store.updatePending(conv, local, null);
        // Found stored after a reconnect (see settleUncertain).
        const found = lines.find((l) => l.type === 'msg' && l.tags && l.from === this.store.state.me);
        if (echo === null && found?.type === 'msg') echo = found.tags!.id;
        if (echo === null) throw new ServerError(verb, 'the server did not echo the message');
        return echo;
      },
      (e: Error) => {
        this.store.updatePending(conv, local, { state: 'failed', error: e.message });
        throw e;
      },
    );
  }

  /** discardPending forgets a failed message. */
  discardPending(conv: ConvKey, local: number): void {
    this.store.updatePending(conv, local, null);
  }

  /** retryPending sends a failed message again. */
  async retryPending(conv: ConvKey, local: number): Promise<number> {
    const p = this.store.state.conversations[conv]?.pending.find((x) => x.local === local);
    if (!p) return Promise.reject(new CommandError('no such message'));
    this.store.updatePending(conv, local, null);
    return p.replyTo === null ? this.sendMessage(conv, p.text) : this.reply(conv, p.replyTo, p.text);
  }

  async edit(id: number, text: string): Promise<void> {
    return this.void(cmd.edit(id, text), 'EDIT', true);
  }

  async delete(id: number): Promise<void> {
    return this.void(cmd.delete(id), 'DELETE', true);
  }

  async react(id: number, emoji: string): Promise<void> {
    return this.void(cmd.react(id, emoji), 'REACT', false);
  }

  async unreact(id: number, emoji: string): Promise<void> {
    return this.void(cmd.unreact(id, emoji), 'UNREACT', false);
  }

  /** typing tells the others this user is typing; sent at most once per 3 s per conversation. */
  typing(conv: ConvKey): void {
    const now = this.timers.now();
    if (!this.conn.online || now - (this.typingSent.get(conv) ?? -Infinity) < 3000) return;
    this.typingSent.set(conv, now);
    this.conn.send(cmd.typing(conv));
  }

  /** markRead moves this user's read marker in conv to message id (forward only). */
  markRead(conv: ConvKey, id: number): void {
    const c = this.store.state.conversations[conv];
    if (c && id <= c.readMarker) return;
    this.store.markRead(conv, id);
    this.conn.send(cmd.read(conv, id));
  }

  // ---- History ---------------------------------------------------------

  /** open makes conv the one on screen and loads its newest page if it is not loaded. */
  async open(conv: ConvKey): Promise<boolean> {
    splitKey(conv);
    this.active = conv;
    const c = this.store.state.conversations[conv];
    if (c?.loaded || c?.loading) return this.histPromises.get(conv) ?? Promise.resolve(c.hasOlder);
    return this.hist(conv, 0);
  }

  /** loadOlder fetches the page before the oldest loaded message; false when there is nothing older. */
  async loadOlder(conv: ConvKey): Promise<boolean> {
    const c = this.store.state.conversations[conv];
    if (!c || !c.loaded) return this.open(conv);
    if (!c.hasOlder) return Promise.resolve(false);
    const pending = this.histPromises.get(conv);
    if (pending) return pending;
    return this.hist(conv, c.messages.length ? c.messages[0].id : 0);
  }

  /** loadNewer fetches the messages after the newest loaded one (after a trim
   * of the newer end, or an openAround); false when nothing newer is left. */
  async loadNewer(conv: ConvKey): Promise<boolean> {
    const c = this.store.state.conversations[conv];
    if (!c || !c.hasNewer) return false;
    const pending = this.histPromises.get(conv);
    if (pending) return pending;
    if (!this.store.newerKnown(conv)) {
      const p = (async () => {
        const last = c.messages.length ? c.messages[c.messages.length - 1].id : 0;
        const after = await this.pageAfter(conv, last);
        this.store.extendWindow(conv, after.messages, after.more);
        return after.more;
      })().finally(() => this.histPromises.delete(conv));
      this.histPromises.set(conv, p);
      return p;
    }
    return this.hist(conv, this.store.newerAnchor(conv)).then(() => this.store.state.conversations[conv]?.hasNewer ?? false);
  }

  /** openAround shows conv around message id (a search result far back): the
   * page up to it, and the messages after it; loadOlder and loadNewer go on
   * from there. It resolves false when the message is not in conv (any more). */
  async openAround(conv: ConvKey, id: number): Promise<boolean> {
    splitKey(conv);
    this.active = conv;
    const upTo = await this.probe(conv, id + 1);
    if (!upTo.some((m) => m.id === id)) return false;
    const after = await this.pageAfter(conv, id);
    this.store.setWindow(conv, [...upTo, ...after.messages], upTo.length >= PAGE_SIZE, after.more);
    return true;
  }

  /** present leaves a window in the past for the newest page (a "jump to the present" button). */
  async present(conv: ConvKey): Promise<boolean> {
    const c = this.store.state.conversations[conv];
    if (c?.hasNewer) this.store.setWindow(conv, [], true, false);
    return this.hist(conv, 0);
  }

  // probe fetches the page before message id `before` without touching the conversation.
  private async probe(conv: ConvKey, before: number): Promise<Message[]> {
    let page: Message[] = [];
    await this.request(cmd.hist(conv, before, PAGE_SIZE), 'HIST', {
      onWire: () => (page = this.store.beginProbe(conv, before, PAGE_SIZE)),
    });
    this.store.settled('hist', conv);
    return page;
  }

  // pageAfter finds up to a page of the messages after id x. HIST only goes
  // backwards, from a `before` id; ids grow over the whole instance, so the
  // page that ends just after x's newer neighbours is found by trying
  // `before` ids further and further from x (doubling), then halving
  // between the last that reached back to x and the first that did not. A
  // page "reaches x" when it holds x or older, or is not full: then it holds
  // every message between x and its `before`.
  private async pageAfter(conv: ConvKey, x: number): Promise<{ messages: Message[]; more: boolean }> {
    const reaches = (page: Message[]) => page.length < PAGE_SIZE || page[0].id <= x;
    const after = (page: Message[]) => page.filter((m) => m.id > x);
    // From the newest: if the newest page reaches x, that is all there is.
    const top = await this.probe(conv, 0);
    if (reaches(top)) return { messages: after(top), more: false };
    let lo = x + 1; // reaches (nothing between x and x+1)
    let loPage: Message[] = [];
    let hi = top[top.length - 1].id + 1; // does not reach: that is the newest page
    for (let d = PAGE_SIZE; x + 1 + d < hi; d *= 2) {
      const page = await this.probe(conv, x + 1 + d);
      if (!reaches(page)) {
        hi = x + 1 + d;
        break;
      }
      lo = x + 1 + d;
      loPage = page;
    }
    for (let probes = 0; hi - lo > 1 && probes < 64; probes++) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const page = await this.probe(conv, mid);
      if (reaches(page)) {
        lo = mid;
        loPage = page;
      } else hi = mid;
    }
    return { messages: after(loPage), more: true };
  }

  /** trim bounds the messages held for conv to max, dropping the other end than `keep`. */
  trim(conv: ConvKey, keep: 'older' | 'newer', max: number): void {
    this.store.trim(conv, keep, max);
  }

  private hist(conv: ConvKey, before: number): Promise<boolean> {
    const p = this.request(cmd.hist(conv, before, PAGE_SIZE), 'HIST', {
      retry: true,
      onWire: () => this.store.beginHist(conv, before, PAGE_SIZE),
    }).then(
      (lines) => {
        this.histPromises.delete(conv);
        this.store.settled('hist', conv);
        const end = lines.find((l) => l.type === 'end' && l.of === 'HIST');
        return end?.type === 'end' ? end.n >= PAGE_SIZE : false;
      },
      (e) => {
        this.histPromises.delete(conv);
        throw e;
      },
    );
    this.histPromises.set(conv, p);
    return p;
  }

  /** find searches one conversation, or everywhere (scope null); results are newest first. */
  async find(scope: ConvKey | null, query: string): Promise<readonly Message[]> {
    await this.request(cmd.find(scope, query), 'FIND', { onWire: () => this.store.beginFind(scope, query) });
    this.store.settled('find', null);
    return this.store.state.search?.results ?? [];
  }

  clearSearch(): void {
    this.store.clearSearch();
  }

  // ---- Servers, channels, friends ---------------------------------------

  /** createServer resolves with the new server's tag. */
  async createServer(name: string): Promise<number> {
    const lines = await this.request(cmd.newServer(name), 'NEW');
    const t = lines.find((l) => l.type === 'place');
    if (t?.type !== 'place') throw new ServerError('NEW', 'the server did not name the new server');
    this.store.created(t.place);
    return splitKey(t.place)[0];
  }

  /** createChannel resolves with the new channel's key ("S/C"). */
  async createChannel(server: number, name: string): Promise<ConvKey> {
    const lines = await this.request(cmd.newChannel(server, name), 'NEW');
    const t = lines.find((l) => l.type === 'place' && splitKey(l.place)[0] === server);
    if (t?.type !== 'place') throw new ServerError('NEW', 'the server did not name the new channel');
    this.store.created(t.place);
    return t.place;
  }

  /** invite: a friend request (place null), or an invitation to a server ("S/0") or channel. */
  async invite(user: number, place: ConvKey | null = null): Promise<void> {
    return this.void(cmd.invite(user, place), 'INV', false);
  }

  /** befriend sends a friend request by pseudo. */
  async befriend(pseudo: string): Promise<number> {
    const tag = await this.who(pseudo);
    await this.invite(tag);
    return tag;
  }

  async acceptInvitation(inv: Invitation): Promise<void> {
    if (!inv.incoming) return Promise.reject(new CommandError('one accepts an invitation one received'));
    return this.void(inv.place === null ? cmd.acceptFriend(inv.from) : cmd.join(inv.place), 'JOIN', false);
  }

  /** declineInvitation declines one received, or withdraws one sent. */
  async declineInvitation(inv: Invitation): Promise<void> {
    const other = inv.incoming ? inv.from : inv.to;
    return this.void(inv.place === null ? cmd.unfriend(other) : cmd.uninvite(other, inv.place), 'BYE', false);
  }

  /** unfriend ends a friendship. */
  async unfriend(user: number): Promise<void> {
    return this.void(cmd.unfriend(user), 'BYE', false);
  }

  /** join a public channel (or accept an invitation to it). */
  async join(place: ConvKey): Promise<void> {
    return this.void(cmd.join(place), 'JOIN', false);
  }

  /** leave a channel, or a server ("S/0"). */
  async leave(place: ConvKey): Promise<void> {
    return this.void(cmd.leave(place), 'BYE', false);
  }

  /** rename a channel, or a server ("S/0"). */
  async rename(place: ConvKey, name: string): Promise<void> {
    const [s, c] = splitKey(place);
    return this.void(c === 0 ? cmd.renameServer(s, name) : cmd.renameChannel(place, name), 'RENAME', false);
  }

  /** remove deletes a channel, or a whole server ("S/0"). */
  async remove(place: ConvKey): Promise<void> {
    return this.void(cmd.del(place), 'DEL', false);
  }

  async mod(place: ConvKey, user: number): Promise<void> {
    return this.void(cmd.mod(place, user), 'MOD', false);
  }

  async unmod(place: ConvKey, user: number): Promise<void> {
    return this.void(cmd.unmod(place, user), 'UNMOD', false);
  }

  async kick(place: ConvKey, user: number, reason = ''): Promise<void> {
    return this.void(cmd.kick(place, user, reason), 'KICK', false);
  }

  async ban(server: number, user: number, reason = ''): Promise<void> {
    return this.void(cmd.ban(server, user, reason), 'BAN', false);
  }

  async unban(server: number, user: number): Promise<void> {
    return this.void(cmd.unban(server, user), 'UNBAN', false);
  }

  /** bans lists a server's bans (moderators only). */
  async bans(server: number): Promise<readonly { user: number; reason: string }[]> {
    await this.request(cmd.bans(server), 'BANS', { onWire: () => this.store.beginBans(server) });
    return this.store.state.bans[server]?.bans ?? [];
  }

  async topic(place: ConvKey, text: string): Promise<void> {
    return this.void(cmd.topic(place, text), 'TOPIC', true);
  }

  /** setPublic opens a channel to every member of its server, or closes it. */
  async setPublic(place: ConvKey, open: boolean): Promise<void> {
    return this.void(open ? cmd.open(place) : cmd.close(place), open ? 'OPEN' : 'CLOSE', false);
  }

  /** list: the channels of a server one may join or belongs to. */
  async list(server: number): Promise<readonly ChanInfo[]> {
    await this.request(cmd.list(server), 'LIST', { onWire: () => this.store.beginList(server) });
    return this.store.state.lists[server]?.channels ?? [];
  }

  // ---- Games -----------------------------------------------------------

  /** game sends JEU game payload. The game's answers arrive in state.games[game] and,
   * when they name a conversation (or answer a command typed in conv), in that
   * conversation's `games`. It resolves with the game's answers to this user. */
  async game(game: string, payload: string, conv?: ConvKey): Promise<string[]> {
    const lines = await this.request(cmd.game(game, payload), 'JEU', conv ? { hint: { conv, game } } : {});
    return lines.flatMap((l) => (l.type === 'game' && l.game === game ? [l.payload] : []));
  }

  /** command sends a line of a verb a plugin claims (ROLL 2d6); it resolves with the
   * plugin's answers (the text after the verb), which also go to conv's `games`;
   * an ERR of that verb rejects it. */
  async command(line: string, conv?: ConvKey): Promise<string[]> {
    if (line === '' || /[\u0000-\u001f\u007f]/.test(line) || line.includes('  ')) throw new CommandError('invalid command');
    const verb = line.split(' ', 1)[0];
    if (!/^[A-Z][A-Z0-9_]*$/.test(verb)) throw new CommandError('a verb is upper case');
    const lines = await this.request(line, verb, conv ? { hint: { conv, game: verb } } : {});
    return lines.flatMap((l) => (l.type === 'unknown' && l.verb === verb ? [l.rest] : []));
  }

  // ---- Calls -----------------------------------------------------------
  // The roster is state.calls (and state.rings); call.ts drives the media.
  // Each command goes with its PING, so that `ERR CALL reason` rejects it.

  /** callJoin joins (or starts) the call of conv, with the microphone, or microphone and camera. */
  async callJoin(conv: ConvKey, video = false): Promise<void> {
    return this.callCommand(cmd.callJoin(conv, video), 'CALL', false);
  }

  async callLeave(conv: ConvKey): Promise<void> {
    return this.callCommand(cmd.callLeave(conv), 'CALL', false);
  }

  /** callMedia says what this participant sends now. */
  async callMedia(conv: ConvKey, media: readonly Media[]): Promise<void> {
    return this.callCommand(cmd.callMedia(conv, media), 'CALL', false);
  }

  /** callDecline says no to the direct call of `caller` ringing (every session of this user stops ringing). */
  async callDecline(caller: number): Promise<void> {
    this.store.stopRinging(directKey(caller));
    return this.callCommand(cmd.callDecline(caller), 'CALL', false);
  }

  /** callModerate: a moderator mutes, unmutes or removes a participant of a channel call. */
  async callModerate(place: ConvKey, action: 'MUTE' | 'UNMUTE' | 'KICK', user: number): Promise<void> {
    return this.callCommand(cmd.callModerate(place, action, user), 'CALL', false);
  }

  // A call command is for now: queued for a later connection, it would
  // act on a call that ended with the socket.
  private callCommand(line: string, verb: string, _retry: false): Promise<void> {
    if (!this.conn.online) return Promise.reject(new ServerError(verb, 'not connected'));
    return this.void(line, verb, false);
  }

  /** stopRinging silences a ring on this page only. */
  stopRinging(conv: ConvKey): void {
    this.store.stopRinging(conv);
  }

  /** rtc sends a payload as RTC lines, at once or not at all (false: the
   * socket is not open; signaling is never queued for a later connection). */
  rtc(conv: ConvKey, kind: 'answer' | 'candidate', text: string): boolean {
    if (!this.conn.online) return false;
    for (const l of rtcLines(conv, kind, text)) if (!this.conn.sendNow(l)) return false;
    return true;
  }

  /** p2p sends a peer-to-peer signaling payload to user as RTC 0 U lines,
   * at once or not at all (false: the socket is not open). */
  p2p(user: number, kind: P2pKind, text: string): boolean {
    if (!this.conn.online) return false;
    for (const l of rtcLines(directKey(user), kind, text)) if (!this.conn.sendNow(l)) return false;
    return true;
  }

  // ---- Keys (private messages: docs/privacy.md; private.ts does the rest) ----

  /** publishKey publishes this user's OpenPGP public key (base64 of its binary form). */
  async publishKey(b64: string): Promise<void> {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return Promise.reject(new CommandError('a key is base64'));
    return this.void(`KEY ${b64}`, 'KEY', true);
  }

  /** fetchKey asks for user's published key: its base64, or null when the user has none. */
  async fetchKey(user: number): Promise<string | null> {
    if (!Number.isSafeInteger(user) || user <= 0) return Promise.reject(new CommandError('bad user'));
    try {
      const lines = await this.request(`KEY 0 ${user}`, 'KEY');
      const k = lines.find((l) => l.type === 'key' && l.user === user);
      return k?.type === 'key' ? k.key : null;
    } catch (e) {
      if (e instanceof ServerError && e.verb === 'KEY' && /no key/i.test(e.reason)) return null;
      throw e;
    }
  }

  /** onKey: each KEY line (an answer, or a user publishing a new key). */
  onKey(fn: (user: number, key: string) => void): () => void {
    this.keyListeners.add(fn);
    return () => this.keyListeners.delete(fn);
  }

  // ---- Files -----------------------------------------------------------

  /** fileURL is where the page loads a file of a conversation over HTTP (once filesReady). */
  fileURL(conv: ConvKey, name: string, thumb = false): string {
    const [s, c] = splitKey(conv);
    return `/files/${s}/${c}/${encodeURIComponent(name)}` + (thumb ? '?thumb=1' : '');
  }

  /** webToken asks for a token and trades it for the /files cookie; done after each login by itself. */
  async webToken(): Promise<void> {
    this.store.setFilesReady(false);
    const lines = await this.request(cmd.webToken(), 'WEBTOKEN');
    const t = lines.find((l) => l.type === 'webToken');
    if (t?.type !== 'webToken') throw new ServerError('WEBTOKEN', 'no token in the answer');
    const res = await this.fetchFn('/auth', {
      method: 'POST',
      headers: { Authorization: 'Salon ' + t.token },
      credentials: 'same-origin',
    });
    if (res.status !== 204 && !res.ok) throw new ServerError('WEBTOKEN', `POST /auth answered ${res.status}`);
    this.store.setFilesReady(true);
  }

  /** upload sends a file (NEWFILE, FILE lines pipelined, ENDFILE); it resolves with the name the server gave it. */
  async upload(conv: ConvKey, file: Blob, name: string, onProgress?: Progress): Promise<string> {
    splitKey(conv);
    if (!this.conn.online) throw new ServerError('NEWFILE', 'not connected');
    const u: Upload = { conv, name: this.uploadName(conv, name), size: file.size, ended: false, sentNotice: null, failed: null };
    this.uploads.add(u);
    try {
      return await this.runUpload(u, file, onProgress);
    } finally {
      this.uploads.delete(u);
    }
  }

  // uploadName turns a file's name into the upload's temporary name: one
  // token, short enough, and not the name of another upload in progress to
  // the same conversation (the server tells uploads apart by it).
  private uploadName(conv: ConvKey, name: string): string {
    let out = '';
    for (const ch of name) {
      const cp = ch.codePointAt(0)!;
      const c = cp <= 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || /\s/u.test(ch) ? '_' : ch;
      if (new TextEncoder().encode(out + c).length > 200) break;
      out += c;
    }
    if (out === '' || out === '.' || out === '..') out = 'file';
    let cand = out;
    for (let i = 2; [...this.uploads].some((u) => u.conv === conv && u.name === cand); i++) cand = `${i}-${out}`;
    return cand;
  }

  // runUpload sends the lines: up to `window` FILE lines await their OK at
  // once, so the transfer is not one round trip per 2880 bytes.
  private async runUpload(u: Upload, file: Blob, onProgress?: Progress): Promise<string> {
    // put sends an upload line; the promise settles on its answer.
    const put = (verb: AckWaiter['verb'], line: string): Promise<void> => {
      if (u.failed) return Promise.reject(u.failed);
      if (!this.conn.online) return Promise.reject((u.failed = new ServerError(verb, 'connection lost')));
      const p = new Promise<void>((resolve, reject) => {
        this.conn.send(line, () => this.acks.push({ upload: u, verb, resolve, reject }));
      });
      p.catch(() => undefined); // awaited in order below; a failure is reported once
      return p;
    };
    await put('NEWFILE', cmd.newFile(u.conv, u.name, u.size));
    onProgress?.(0, u.size);
    const inflight: { ack: Promise<void>; bytes: number }[] = [];
    let acked = 0;
    const settleOne = async () => {
      const f = inflight.shift()!;
      await f.ack;
      acked += f.bytes;
      onProgress?.(acked, u.size);
    };
    let sent = 0;
    while (sent < u.size) {
      if (inflight.length >= this.window) await settleOne();
      const end = Math.min(u.size, sent + CHUNK_BYTES);
      const bytes = new Uint8Array(await file.slice(sent, end).arrayBuffer());
      if (bytes.length !== end - sent) throw new ServerError('FILE', 'the file changed while it was read');
      inflight.push({ ack: put('FILE', cmd.fileChunk(u.conv, u.name, base64(bytes))), bytes: bytes.length });
      sent = end;
    }
    const named = new Promise<string>((resolve) => (u.sentNotice = resolve));
    const ended = put('ENDFILE', cmd.endFile(u.conv, u.name, u.size));
    while (inflight.length) await settleOne();
    await ended;
    return named;
  }

  private uploadAnswer(verb: string, reason: string | null): boolean {
    const w = this.acks.shift();
    if (!w) return false;
    const u = w.upload;
    if (reason !== null || verb !== w.verb) {
      const e = new ServerError(verb, reason ?? `the server answered ${verb} OK to ${w.verb}`);
      u.failed ??= e;
      w.reject(u.failed);
      return true;
    }
    if (verb === 'ENDFILE') u.ended = true;
    w.resolve();
    return true;
  }

  /** download fetches a file over the protocol (GET); the page normally uses fileURL. */
  async download(conv: ConvKey, name: string, onProgress?: Progress): Promise<Blob> {
    const parts: Uint8Array[] = [];
    let size = -1;
    let got = 0;
    let ended = false;
    await this.request(cmd.get(conv, name), 'GET', {
      onLine: (l) => {
        if (l.type === 'fileStart' && l.conv === conv && l.name === name) {
          size = l.size;
          onProgress?.(0, size);
        } else if (l.type === 'fileChunk' && l.conv === conv && l.name === name) {
          const b = unbase64(l.data);
          parts.push(b);
          got += b.length;
          onProgress?.(got, size);
        } else if (l.type === 'fileEnd' && l.conv === conv && l.name === name) {
          ended = true;
        }
      },
    });
    if (!ended || got !== size) throw new ServerError('GET', 'the download was cut short');
    return new Blob(parts as BlobPart[]);
  }

  // ---- The wire ------------------------------------------------------

  /** request sends a line followed by its PING, and settles on its PONG. */
  private request(
    line: string,
    verb: string,
    o: {
      retry?: boolean;
      onWire?: () => void;
      onLine?: (l: Line) => void;
      claim?: (l: Line) => boolean;
      hint?: { conv: ConvKey; game: string };
      post?: { conv: ConvKey; text: string; mark: number };
    } = {},
  ): Promise<Line[]> {
    return new Promise((resolve, reject) => {
      const req: Request = {
        token: 'w' + ++this.nextToken,
        verb,
        line,
        lines: [],
        start: 0,
        error: null,
        answered: false,
        retry: o.retry ?? false,
        resolve: (lines) => {
          this.unsettled.delete(req);
          resolve(lines);
        },
        reject: (e) => {
          this.unsettled.delete(req);
          reject(e);
        },
      };
      this.unsettled.add(req);
      if (o.onWire) req.onWire = o.onWire;
      if (o.onLine) req.onLine = o.onLine;
      if (o.claim) req.claim = o.claim;
      if (o.hint) req.hint = o.hint;
      if (o.post) req.post = o.post;
      this.enqueue(req, false);
    });
  }

  private enqueue(req: Request, front: boolean): void {
    const items = [
      {
        line: req.line,
        onWire: () => {
          req.lines = [];
          req.start = 0;
          req.error = null;
          req.answered = false;
          this.inflight.push(req);
          req.onWire?.();
        },
      },
      { line: cmd.ping(req.token) },
    ];
    req.items = items;
    if (front) this.conn.requeue(items);
    else for (const it of items) this.conn.send(it.line, it.onWire);
  }

  private void(line: string, verb: string, retry: boolean): Promise<void> {
    return this.request(line, verb, { retry }).then(() => undefined);
  }

  private opened(): void {
    if (!this.creds || this.loggingIn) return;
    this.loggingIn = true;
    const c = this.creds;
    // No open socket yet: onOpen calls again.
    if (!this.conn.sendNow(cmd.capReq('tags'))) {
      this.loggingIn = false;
      return;
    }
    const req: Request = {
      token: 'w' + ++this.nextToken,
      verb: c.register ? 'NEW' : 'IAM',
      line: c.register ? cmd.register(c.pseudo, c.password) : cmd.login(c.pseudo, c.password),
      lines: [],
      start: 0,
      error: null,
      answered: false,
      retry: false,
      resolve: (lines) => this.loggedIn(lines),
      reject: (e) => this.loginFailed(e),
    };
    this.conn.sendNow(req.line, () => this.inflight.push(req));
    this.conn.sendNow(cmd.ping(req.token));
  }

  private loggedIn(lines: Line[]): void {
    this.loggingIn = false;
    this.store.release();
    if (!lines.some((l) => l.type === 'me')) return this.loginFailed(new ServerError('IAM', 'the server did not log us in'));
    if (this.creds) this.creds = { ...this.creds, register: false };
    this.store.setSession({ ...this.store.state.session, state: 'in', error: '' });
    if (this.uncertain.length) this.settleUncertain();
    else this.conn.ready();
    for (const w of this.loginWaiters.splice(0)) w.resolve();
    this.webToken().catch(() => {
      // The page shows files once filesReady; a refusal leaves it false.
    });
    if (this.active && this.store.state.conversations[this.active] && !this.store.state.conversations[this.active].hasNewer) {
      this.hist(this.active, 0).catch(() => undefined);
    }
    this.startTypingTimer();
  }

  // settleUncertain looks, before sending them again, for the messages that
  // were on the wire without an echo when the last socket died: the server
  // may have stored them. The newest page of each of their conversations
  // tells: a message of this user with the same text, newer than what the
  // conversation held when it went out, is it, and is not sent twice.
  private settleUncertain(): void {
    const reqs = this.uncertain.splice(0);
    const convs = [...new Set(reqs.map((r) => r.post!.conv))];
    const pages = convs.map((conv) =>
      this.requestNow(cmd.hist(conv, 0, PAGE_SIZE), 'HIST', () => this.store.beginHist(conv, 0, PAGE_SIZE)).then(
        () => this.store.settled('hist', conv),
        () => undefined,
      ),
    );
    void Promise.all(pages).then(() => {
      const me = this.store.state.me;
      const used = new Set<number>();
      for (const r of reqs) {
        const { conv, text, mark } = r.post!;
        const m = this.store.state.conversations[conv]?.messages.find(
          (x) => x.author === me && x.id > mark && x.text === text && !used.has(x.id),
        );
        if (!m) continue;
        used.add(m.id);
        if (r.items) this.conn.dropItems(r.items);
        const [s, c] = splitKey(conv);
        r.resolve([parseLine(`@id=${m.id};time=${m.time} MSG 0 ${me} ${s} ${c} ${m.text}`)]);
      }
      this.conn.ready();
    });
  }

  // requestNow is request on a socket that is not ready yet (before the outbox goes).
  private requestNow(line: string, verb: string, onWire: () => void): Promise<Line[]> {
    return new Promise((resolve, reject) => {
      const req: Request = {
        token: 'w' + ++this.nextToken,
        verb,
        line,
        lines: [],
        start: 0,
        error: null,
        answered: false,
        retry: false,
        resolve,
        reject,
      };
      const ok = this.conn.sendNow(line, () => {
        this.inflight.push(req);
        onWire();
      });
      if (!ok || !this.conn.sendNow(cmd.ping(req.token))) reject(new ServerError(verb, 'connection lost'));
    });
  }

  private loginFailed(e: Error): void {
    this.loggingIn = false;
    this.store.release();
    if (e instanceof ServerError && e.verb === '') return; // the connection dropped: the next one tries again
    this.creds = null;
    this.stopTypingTimer();
    this.conn.stop(e.message);
    this.failAll(e);
    // What waited in the outbox will not go either.
    for (const r of [...this.unsettled]) r.reject(e);
    this.uncertain = [];
    this.store.setSession({ state: 'out', pseudo: this.store.state.session.pseudo, error: e.message });
    for (const w of this.loginWaiters.splice(0)) w.reject(e);
  }

  private lost(reason: string): void {
    this.loggingIn = false;
    this.store.release();
    this.store.connectionLost();
    const requeue: Request[] = [];
    const lostErr = new ServerError('', 'connection lost: ' + reason);
    for (const r of this.inflight.splice(0)) {
      if (r.retry) requeue.push(r);
      else r.reject(lostErr);
    }
    for (let i = requeue.length - 1; i >= 0; i--) this.enqueue(requeue[i], true);
    for (const r of requeue) if (r.post && !this.uncertain.includes(r)) this.uncertain.push(r);
    for (const w of this.acks.splice(0)) {
      w.upload.failed ??= lostErr;
      w.reject(w.upload.failed);
    }
    for (const u of this.uploads) {
      // Stored already (ENDFILE OK came): only its final name is missing.
      if (u.ended && u.sentNotice) u.sentNotice(u.name);
      else u.failed ??= lostErr;
    }
    this.typingSent.clear();
    if (this.loggingOut) this.loggingOut();
    else if (this.creds && this.store.state.session.state === 'in') {
      this.store.setSession({ ...this.store.state.session, state: 'pending' });
    }
  }

  private failAll(e: Error): void {
    for (const r of this.inflight.splice(0)) r.reject(e);
  }

  // received hands a line to the store, and to the requests in flight.
  // The answer to a request comes between the PONG of the request before
  // it and its own PONG, except that the answer of a plugin (JEU, ROLL)
  // may come after the answers of commands sent after it: so a request
  // sees every line since it was sent, and resolves with those of its own
  // window first. An ERR goes to the oldest request of its verb.
  private received(text: string): void {
    const l = parseLine(text);
    const head = this.inflight[0];
    if (l.type === 'pong' && head && l.token === head.token) {
      this.inflight.shift();
      const next = this.inflight[0];
      if (next) next.start = next.lines.length;
      if (head.error?.type === 'error') head.reject(new ServerError(head.error.of, head.error.reason));
      else head.resolve([...head.lines.slice(head.start), ...head.lines.slice(0, head.start)]);
      return;
    }
    if (l.type === 'ping') {
      this.conn.sendNow(cmd.pong(l.token));
      return;
    }
    let claimed = false;
    for (const r of this.inflight) {
      r.lines.push(l);
      r.onLine?.(l);
      if (!claimed && !r.answered && r.claim?.(l)) claimed = r.answered = true;
    }
    let hint: { conv: ConvKey; game: string } | undefined;
    if (l.type === 'game' || l.type === 'unknown') {
      const game = l.type === 'game' ? l.game : l.verb;
      hint = this.inflight.find((r) => r.hint?.game === game)?.hint;
    }
    switch (l.type) {
      case 'ack':
        this.uploadAnswer(l.of, null);
        return;
      case 'error':
        if ((l.of === 'NEWFILE' || l.of === 'FILE' || l.of === 'ENDFILE') && this.uploadAnswer(l.of, l.reason)) break;
        {
          const r =
            this.inflight.find((x) => !x.answered && x.verb === l.of) ??
            (l.of === 'LINE' && head && !head.answered ? head : null);
          if (r) {
            r.error = l;
            r.answered = true;
            break;
          }
        }
        if (l.of !== 'TYPING' && l.of !== 'READ') {
          this.store.noteError(l.of, l.reason);
          for (const fn of [...this.errorListeners]) fn(l.of, l.reason);
        }
        break;
      case 'fileSent':
        if (l.from === this.store.state.me) {
          const conv = conversationOf(l.from, l.from, l.to);
          for (const u of this.uploads) {
            if (u.conv === conv && u.sentNotice && u.ended) {
              u.sentNotice(l.name);
              u.sentNotice = null;
              break;
            }
          }
        }
        break;
      case 'password':
        if (this.creds) this.creds = { ...this.creds, password: l.password };
        break;
      case 'bad':
        console.warn('salon: a line from the server does not parse:', l.error, l.raw);
        return;
    }
    if (l.type === 'rtc' && isP2pKind(l.kind)) {
      for (const fn of [...this.p2pListeners]) fn(l);
      return;
    }
    this.store.apply(l, hint);
    if (l.type === 'call' || l.type === 'rtc') for (const fn of [...this.callListeners]) fn(l);
    if (l.type === 'key') for (const fn of [...this.keyListeners]) fn(l.user, l.key);
  }

  private stopTypingTimer(): void {
    if (this.typingTimer !== null) this.timers.clearTimeout(this.typingTimer);
    this.typingTimer = null;
  }

  private startTypingTimer(): void {
    if (this.typingTimer !== null) return;
    const tick = () => {
      this.store.expireTyping();
      this.store.expireRings();
      this.typingTimer = this.creds ? this.timers.setTimeout(tick, 1000) : null;
    };
    this.typingTimer = this.timers.setTimeout(tick, 1000);
  }
}

/** base64 of bytes, standard alphabet with padding (a FILE line's chunk). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function unbase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export { directKey, isDirect };
