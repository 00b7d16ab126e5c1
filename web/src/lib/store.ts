// The state of one logged-in user, built from the lines the server sends:
// feed it parsed lines (apply) and read `state`, an immutable snapshot.
// Every change makes a new State object, and new objects along the path to
// what changed (the conversation, its messages array, the message), while
// everything else keeps its identity: a Preact component may compare what
// it shows by reference. `state.version` counts the changes. Subscribers
// are told once per burst of changes (in a microtask), not once per line:
// a login burst of a thousand lines renders once.
//
// Which messages are history rather than news (the answer to a HIST), and
// which are search results (FIND), is told by the order of the answers:
// the client calls beginHist/beginFind when it sends the request, and the
// oldest request not yet ended is the one whose lines are arriving (the
// server answers them in the order asked). A live message may come in the
// middle of an answer; a FIND answer is newest first, so a message newer
// than the result before it is live, and a live message of a HIST answer's
// own conversation is told apart by being newer than the conversation was
// when the page was asked for. (client/reading.go does the same.)

import {
  type ConvKey,
  type Line,
  type LineOf,
  type Media,
  conversationOf,
  convKey,
  directKey,
  isDirect,
  splitKey,
} from './line';
import { mentions } from './mention';

export const PAGE_SIZE = 50;
/** How long a TYPING shows, in ms: the server relays one per 3 s at most. */
export const TYPING_MS = 6000;
const MAX_ERRORS = 20;
const MAX_GAME_LINES = 200;
const MAX_CONV_GAME_LINES = 100;

/** gameAddress reads the conversation a game payload names after its verb ("sat 5 2 ..."). */
export function gameAddress(payload: string): ConvKey | null {
  const m = /^\S+ (0|[1-9][0-9]{0,15}) (0|[1-9][0-9]{0,15})(?: |$)/.exec(payload);
  if (!m || (m[1] === '0' && m[2] === '0')) return null;
  return convKey(Number(m[1]), Number(m[2]));
}

export interface User {
  tag: number;
  pseudo: string;
  online: boolean;
  /** The away note; '' when not away. */
  away: string;
}

export interface Channel {
  key: ConvKey; // "S/C"
  server: number;
  tag: number; // 0: the general channel
  name: string;
  members: readonly number[];
  moderators: readonly number[];
  topic: string;
  /** Known from OPEN/CLOSE and LIST; false until told otherwise. */
  public: boolean;
}

export interface Server {
  tag: number;
  name: string;
  owner: number; // 0 until OWNER arrives
  /** Server moderators (MOD S 0), the owner not included. */
  moderators: readonly number[];
  /** Channels by tag; 0 is the general channel, whose members are the server's. */
  channels: Readonly<Record<number, Channel>>;
}

export interface Invitation {
  /** "from>to@place" (place "" for a friend request): stable, for React keys. */
  key: string;
  from: number;
  to: number;
  /** The place invited to, null for a friend request. */
  place: ConvKey | null;
  serverName: string;
  channelName: string;
  /** Received by this user (rather than sent by it). */
  incoming: boolean;
}

export interface Reaction {
  emoji: string;
  users: readonly number[];
  count: number;
  /** This user is among them. */
  mine: boolean;
}

export interface Message {
  id: number;
  conv: ConvKey;
  author: number;
  /** Unix ms, UTC. */
  time: number;
  /** '' for a file message. */
  text: string;
  /** The file's name for a file message, else null. */
  file: string | null;
  replyTo: number | null;
  /** When the text last changed (ms), or null. */
  edited: number | null;
  /** Deleted since it was shown (the server no longer has it). */
  deleted: boolean;
  reactions: readonly Reaction[];
}

/** A message typed by this user and not yet echoed by the server. */
export interface Pending {
  local: number;
  conv: ConvKey;
  text: string;
  replyTo: number | null;
  /** queued: waiting for the connection; sent: on the wire, awaiting its echo; failed: refused. */
  state: 'queued' | 'sent' | 'failed';
  error: string;
}

export interface Conversation {
  key: ConvKey;
  /** Loaded messages, oldest first, by id. */
  messages: readonly Message[];
  /** The newest page was fetched (HIST before 0) since the last login. */
  loaded: boolean;
  /** A HIST for it is on its way. */
  loading: boolean;
  /** Older messages may exist than the oldest loaded. */
  hasOlder: boolean;
  /** Newer messages than the newest loaded were dropped by trim: live ones are not appended, loadNewer brings them. */
  hasNewer: boolean;
  unread: number;
  mentions: number;
  /** This user's read marker (0: none known). */
  readMarker: number;
  /** The newest message id known in the conversation. */
  newest: number;
  /** Who is typing: user tag -> until when (ms). */
  typing: Readonly<Record<number, number>>;
  pending: readonly Pending[];
  /** Game lines and plugin answers of this conversation, oldest first (the last 100). */
  games: readonly GameLine[];
}

export interface ChanInfo {
  place: ConvKey;
  public: boolean;
  members: number;
  name: string;
  topic: string;
}

export interface SearchResult extends Message {}

export interface Search {
  /** The conversation searched, or null for everywhere (FIND 0 0). */
  scope: ConvKey | null;
  query: string;
  results: readonly SearchResult[];
  done: boolean;
}

export interface GameLine {
  seq: number;
  /** The game (JEU id), or a plugin's verb for its answers (ROLL). */
  game: string;
  payload: string;
  /** Local time it arrived (ms). */
  at: number;
  /** The conversation it belongs to: the one its payload names (`verb S C ...`,
   * as the bundled games write), else the one the command was typed in, else null. */
  conv: ConvKey | null;
}

export interface ServerErrorNote {
  seq: number;
  verb: string;
  reason: string;
}

/** One participant of a call, as the CALL lines tell. */
export interface CallParticipant {
  user: number;
  /** What it says it sends (JOIN, MEDIA): what the page draws. */
  media: readonly Media[];
  /** A moderator muted its microphone (the server does not forward it). */
  muted: boolean;
}

/** The call of a conversation: who is in it, in the order they joined. */
export interface Call {
  conv: ConvKey;
  participants: readonly CallParticipant[];
}

/** A direct call ringing for this user: from whom, since when (ms). */
export interface Ring {
  conv: ConvKey;
  from: number;
  since: number;
}

/** How long a direct call rings at most, in ms (docs/protocol.md). */
export const RING_MS = 45000;

export interface Notice {
  seq: number;
  /** callKicked: a moderator removed this user from the call of `place`;
   * declined: `actor` declined this user's direct call. */
  kind: 'kicked' | 'deleted' | 'callKicked' | 'declined';
  place: ConvKey | null;
  actor: number;
  reason: string;
}

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'offline';

export interface ConnectionStatus {
  state: ConnectionState;
  /** When offline: when the next attempt starts (ms since the epoch). */
  retryAt: number | null;
  /** Attempts since the last successful login. */
  attempt: number;
  /** Why the last connection ended, if it did. */
  reason: string;
}

export interface State {
  version: number;
  connection: ConnectionStatus;
  /** out: not logged in; in: logged in (the burst may still be arriving). */
  session: { state: 'out' | 'pending' | 'in'; pseudo: string; error: string };
  /** The cookie for /files is set (WEBTOKEN, then POST /auth). */
  filesReady: boolean;
  me: number;
  users: Readonly<Record<number, User>>;
  friends: readonly number[];
  servers: Readonly<Record<number, Server>>;
  invitations: readonly Invitation[];
  /** Conversations by key ("S/C", "0/U"). */
  conversations: Readonly<Record<ConvKey, Conversation>>;
  search: Search | null;
  /** LIST answers by server tag. */
  lists: Readonly<Record<number, { channels: readonly ChanInfo[]; done: boolean }>>;
  /** BANS answers (and BAN/UNBAN acknowledgements) by server tag. */
  bans: Readonly<Record<number, { bans: readonly { user: number; reason: string }[]; done: boolean }>>;
  /** The last lines of each game, oldest first. */
  games: Readonly<Record<string, readonly GameLine[]>>;
  /** The last server errors not answered to a request (newest last). */
  errors: readonly ServerErrorNote[];
  notices: readonly Notice[];
  /** The calls going on in this user's conversations, by conversation. */
  calls: Readonly<Record<ConvKey, Call>>;
  /** Direct calls ringing for this user, by conversation ("0/caller"). */
  rings: Readonly<Record<ConvKey, Ring>>;
}

export type Source = 'live' | 'paged' | 'found';

/** What a live message tells the page (for notifications and the title). */
export interface LiveMessage {
  message: Message;
  mention: boolean;
  direct: boolean;
  mine: boolean;
}

type Read =
  | { kind: 'hist'; conv: ConvKey; before: number; limit: number; mark: number; page: Message[]; probe: boolean }
  | { kind: 'find'; last: number };

function emptyConversation(key: ConvKey): Conversation {
  return {
    key,
    messages: [],
    loaded: false,
    loading: false,
    hasOlder: true,
    hasNewer: false,
    unread: 0,
    mentions: 0,
    readMarker: 0,
    newest: 0,
    typing: {},
    pending: [],
    games: [],
  };
}

export function initialState(): State {
  return {
    version: 0,
    connection: { state: 'idle', retryAt: null, attempt: 0, reason: '' },
    session: { state: 'out', pseudo: '', error: '' },
    filesReady: false,
    me: 0,
    users: {},
    friends: [],
    servers: {},
    invitations: [],
    conversations: {},
    search: null,
    lists: {},
    bans: {},
    games: {},
    errors: [],
    notices: [],
    calls: {},
    rings: {},
  };
}

const union = (a: readonly number[], b: readonly number[]): readonly number[] => {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out.length === a.length ? a : out;
};
const without = (a: readonly number[], x: number): readonly number[] => (a.includes(x) ? a.filter((y) => y !== x) : a);
const withOne = (a: readonly number[], x: number): readonly number[] => (a.includes(x) ? a : [...a, x]);

function omit<T>(r: Readonly<Record<string | number, T>>, k: string | number): Readonly<Record<string | number, T>> {
  if (!(k in r)) return r;
  const out = { ...r };
  delete out[k];
  return out;
}

/** indexOfId finds a message by id in a list sorted by id (binary search); -1 if absent. */
export function indexOfId(list: readonly { id: number }[], id: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid].id;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function insertById(list: readonly Message[], m: Message): readonly Message[] {
  const n = list.length;
  if (n === 0 || list[n - 1].id < m.id) return [...list, m];
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].id < m.id) lo = mid + 1;
    else hi = mid;
  }
  const out = list.slice();
  if (lo < n && list[lo].id === m.id) out[lo] = m;
  else out.splice(lo, 0, m);
  return out;
}

function react(m: Message, user: number, emoji: string, removed: boolean, me: number): Message {
  const i = m.reactions.findIndex((r) => r.emoji === emoji);
  const r = i < 0 ? null : m.reactions[i];
  let users = r ? r.users : [];
  users = removed ? without(users, user) : withOne(users, user);
  if (r && users === r.users) return m;
  const reactions = m.reactions.slice();
  if (users.length === 0) {
    if (i >= 0) reactions.splice(i, 1);
  } else {
    const nr: Reaction = { emoji, users, count: users.length, mine: users.includes(me) };
    if (i < 0) reactions.push(nr);
    else reactions[i] = nr;
  }
  return { ...m, reactions };
}

export class Store {
  private s: State = initialState();
  private reads: Read[] = [];
  private listeners = new Set<() => void>();
  private liveListeners = new Set<(m: LiveMessage) => void>();
  private scheduled = false;
  /** A login burst is arriving: subscribers hear of it once, when it is over. */
  private held = false;
  /** The users object a login burst fills in place (see 'presence'). */
  private draftUsers: Record<number, User> | null = null;
  private seq = 0;
  /** The ids of newer messages trim dropped, oldest first, per conversation:
   * what loadNewer pages through (HIST pages only go backwards, so the page
   * after the newest loaded is the one before the id PAGE_SIZE further on). */
  private newer = new Map<ConvKey, number[]>();
  /** Conversations showing a window (openAround) whose newer messages are not known by id. */
  private unknownNewer = new Set<ConvKey>();

  constructor(private readonly now: () => number = Date.now) {}

  get state(): State {
    return this.s;
  }

  /** subscribe calls fn after changes (batched in a microtask); it returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** onLive calls fn for each new message that arrives live (not history, not search). */
  onLive(fn: (m: LiveMessage) => void): () => void {
    this.liveListeners.add(fn);
    return () => this.liveListeners.delete(fn);
  }

  private set(patch: Partial<State>): void {
    this.s = { ...this.s, ...patch, version: this.s.version + 1 };
    if (!this.scheduled && !this.held) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        for (const fn of [...this.listeners]) fn();
      });
    }
  }

  private conv(key: ConvKey): Conversation {
    return this.s.conversations[key] ?? emptyConversation(key);
  }

  private setConv(c: Conversation): void {
    this.set({ conversations: { ...this.s.conversations, [c.key]: c } });
  }

  private patchConv(key: ConvKey, patch: Partial<Conversation>): void {
    this.setConv({ ...this.conv(key), ...patch });
  }

  private setServer(srv: Server): void {
    this.set({ servers: { ...this.s.servers, [srv.tag]: srv } });
  }

  private patchChannel(place: ConvKey, patch: (c: Channel) => Partial<Channel>): void {
    const [s, c] = splitKey(place);
    const srv = this.s.servers[s];
    const ch = srv?.channels[c];
    if (!srv || !ch) return;
    this.setServer({ ...srv, channels: { ...srv.channels, [c]: { ...ch, ...patch(ch) } } });
  }

  // ---- What the client tells the store --------------------------------

  /** release ends a login burst (the client calls it on the login's PONG, or when the connection drops). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.draftUsers = null;
    // A fresh object: what subscribers see from now on never changes in place.
    this.set({ users: { ...this.s.users } });
  }

  setConnection(c: ConnectionStatus): void {
    this.set({ connection: c });
  }

  setSession(session: State['session']): void {
    this.set({ session });
  }

  setFilesReady(filesReady: boolean): void {
    if (filesReady !== this.s.filesReady) this.set({ filesReady });
  }

  /** beginHist notes a HIST sent for conv, whose answer comes next in turn. */
  beginHist(conv: ConvKey, before: number, limit: number): void {
    const c = this.conv(conv);
    const mark = c.messages.length ? c.messages[c.messages.length - 1].id : 0;
    this.reads.push({ kind: 'hist', conv, before, limit, mark, page: [], probe: false });
    this.patchConv(conv, { loading: true });
  }

  /** beginProbe notes a HIST whose page is only looked at (openAround's
   * search for the messages after an id): the array it returns fills with
   * the page, and the conversation is left as it is. */
  beginProbe(conv: ConvKey, before: number, limit: number): Message[] {
    const r: Read = { kind: 'hist', conv, before, limit, mark: 0, page: [], probe: true };
    this.reads.push(r);
    return r.page;
  }

  /** setWindow replaces the loaded messages of conv by a window somewhere in
   * its history (openAround): what is newer is not known by id, so live
   * messages are counted but not shown until loadNewer reaches them. */
  setWindow(conv: ConvKey, messages: readonly Message[], hasOlder: boolean, hasNewer: boolean): void {
    const sorted = [...messages].sort((a, b) => a.id - b.id).filter((m, i, a) => i === 0 || a[i - 1].id !== m.id);
    if (hasNewer) this.unknownNewer.add(conv);
    else this.unknownNewer.delete(conv);
    this.newer.delete(conv);
    const c = this.conv(conv);
    this.setConv({ ...c, messages: sorted, hasOlder, hasNewer, loaded: true });
  }

  /** extendWindow adds the messages after the newest loaded (loadNewer past a setWindow). */
  extendWindow(conv: ConvKey, messages: readonly Message[], hasNewer: boolean): void {
    const c = this.conv(conv);
    this.setWindow(conv, [...c.messages, ...messages], c.hasOlder, hasNewer);
  }

  /** newerKnown: the ids of the messages after the newest loaded are known (trim dropped them), or there are none. */
  newerKnown(conv: ConvKey): boolean {
    return !this.unknownNewer.has(conv);
  }

  /** beginFind notes a FIND sent; its results replace the search shown. */
  beginFind(scope: ConvKey | null, query: string): void {
    this.reads.push({ kind: 'find', last: 0 });
    this.set({ search: { scope, query, results: [], done: false } });
  }

  beginList(server: number): void {
    this.set({ lists: { ...this.s.lists, [server]: { channels: [], done: false } } });
  }

  beginBans(server: number): void {
    this.set({ bans: { ...this.s.bans, [server]: { bans: [], done: false } } });
  }

  /** connectionLost forgets the requests whose answers will not come. */
  connectionLost(): void {
    const convs = { ...this.s.conversations };
    for (const r of this.reads) if (r.kind === 'hist' && convs[r.conv]) convs[r.conv] = { ...convs[r.conv], loading: false };
    this.reads = [];
    let search = this.s.search;
    if (search && !search.done) search = { ...search, done: true };
    this.set({ conversations: convs, search, filesReady: false });
  }

  clearSearch(): void {
    this.set({ search: null });
  }

  /** logout forgets everything of the user. */
  reset(): void {
    const connection = this.s.connection;
    this.reads = [];
    this.newer.clear();
    this.unknownNewer.clear();
    this.s = { ...initialState(), connection, version: this.s.version };
    this.set({});
  }

  addPending(p: Pending): void {
    const c = this.conv(p.conv);
    this.setConv({ ...c, pending: [...c.pending, p] });
  }

  updatePending(conv: ConvKey, local: number, patch: Partial<Pending> | null): void {
    const c = this.s.conversations[conv];
    if (!c || !c.pending.some((p) => p.local === local)) return;
    const pending =
      patch === null
        ? c.pending.filter((p) => p.local !== local)
        : c.pending.map((p) => (p.local === local ? { ...p, ...patch } : p));
    this.setConv({ ...c, pending });
  }

  /** created notes that this user made a server ("S/0": it owns it) or a
   * channel (it moderates it): the server says so only in later bursts. */
  created(place: ConvKey): void {
    const [s, c] = splitKey(place);
    const srv = this.s.servers[s];
    if (!srv) return;
    if (c === 0) this.setServer({ ...srv, owner: this.s.me });
    else this.patchChannel(place, (ch) => ({ moderators: withOne(ch.moderators, this.s.me) }));
  }

  /** markRead moves this user's marker (as READ does) and recounts. */
  markRead(conv: ConvKey, id: number): void {
    const c = this.s.conversations[conv];
    if (!c) return;
    this.setConv(this.withMarker(c, id));
  }

  private withMarker(c: Conversation, id: number): Conversation {
    if (id <= c.readMarker) return c;
    let unread = 0;
    let mentioned = 0;
    if (id < c.newest) {
      for (const m of c.messages) {
        if (m.id > id && m.author !== this.s.me && !m.deleted) {
          unread++;
          if (this.mentionsMe(m.text)) mentioned++;
        }
      }
      // Unless every message up to the newest is loaded, the count the
      // server gave stays: messages not loaded cannot be counted here.
      if (!c.loaded || c.hasNewer) return { ...c, readMarker: id };
    }
    return { ...c, readMarker: id, unread, mentions: Math.min(mentioned, unread) };
  }

  /** expireTyping drops typing notes that are over; the client calls it on a timer. */
  expireTyping(): void {
    const now = this.now();
    let convs: Record<ConvKey, Conversation> | null = null;
    for (const [k, c] of Object.entries(this.s.conversations)) {
      const live = Object.entries(c.typing).filter(([, until]) => until > now);
      if (live.length !== Object.keys(c.typing).length) {
        convs ??= { ...this.s.conversations };
        convs[k] = { ...c, typing: Object.fromEntries(live) };
      }
    }
    if (convs) this.set({ conversations: convs });
  }

  /** trim bounds a conversation to max messages, dropping the older or the newer end. */
  trim(conv: ConvKey, keep: 'older' | 'newer', max: number): void {
    const c = this.s.conversations[conv];
    if (!c || c.messages.length <= max) return;
    if (keep === 'newer') {
      this.setConv({ ...c, messages: c.messages.slice(c.messages.length - max), hasOlder: true });
      return;
    }
    const dropped = c.messages.slice(max).map((m) => m.id);
    // Past a window of openAround the newer ones are not known anyway.
    if (!this.unknownNewer.has(conv)) this.newer.set(conv, [...dropped, ...(this.newer.get(conv) ?? [])]);
    this.setConv({ ...c, messages: c.messages.slice(0, max), hasNewer: true });
  }

  /** newerAnchor is the `before` of the HIST that brings the messages after the newest loaded (0: the newest page). */
  newerAnchor(conv: ConvKey): number {
    const n = this.newer.get(conv) ?? [];
    return n.length > PAGE_SIZE ? n[PAGE_SIZE] : 0;
  }

  // ---- Lines ---------------------------------------------------------

  /** apply takes one line from the server into the state. `hint` names the
   * conversation a game command (or plugin verb) was typed in: its answers that
   * name none go there. */
  apply(l: Line, hint?: { conv: ConvKey; game: string }): void {
    switch (l.type) {
      case 'me':
        return this.login(l.user);
      case 'presence': {
        const u = this.s.users[l.user];
        const nu: User = { tag: l.user, pseudo: l.pseudo, online: l.online, away: u?.away ?? '' };
        if (this.held && this.draftUsers === this.s.users) {
          // In a login burst, into the users object the burst started
          // (nobody has been shown it yet): copying it for each of
          // thousands of ADD lines would make a big server's login slow.
          this.draftUsers[l.user] = nu;
          this.set({});
        } else {
          this.set({ users: { ...this.s.users, [l.user]: nu } });
        }
        return;
      }
      case 'offline': {
        const u = this.s.users[l.user];
        if (u && u.online) this.set({ users: { ...this.s.users, [l.user]: { ...u, online: false } } });
        return;
      }
      case 'friends':
        this.set({ friends: union(this.s.friends, l.users) });
        return;
      case 'place':
        return this.place(l.place, l.name);
      case 'members':
        return this.members(l);
      case 'invite':
        return this.invite(l);
      case 'join':
        return this.join(l.place, l.user);
      case 'left':
        return this.left(l.user, l.place);
      case 'unfriend': {
        const other = l.user === this.s.me ? l.other : l.user;
        this.set({
          friends: without(this.s.friends, other),
          invitations: this.s.invitations.filter(
            (i) => !(i.place === null && ((i.from === l.user && i.to === l.other) || (i.from === l.other && i.to === l.user))),
          ),
        });
        return;
      }
      case 'uninvite':
        this.set({
          invitations: this.s.invitations.filter(
            (i) =>
              !(i.place === l.place && ((i.from === l.user && i.to === l.other) || (i.from === l.other && i.to === l.user))),
          ),
        });
        return;
      case 'deleted':
        this.note('deleted', l.place, 0, '');
        return this.removePlace(l.place);
      case 'renameServer': {
        const srv = this.s.servers[l.server];
        if (srv) this.setServer({ ...srv, name: l.name });
        return;
      }
      case 'renameChannel':
        return this.patchChannel(l.place, () => ({ name: l.name }));
      case 'renameUser': {
        const u = this.s.users[l.user];
        if (u) this.set({ users: { ...this.s.users, [l.user]: { ...u, pseudo: l.name } } });
        if (l.user === this.s.me) this.set({ session: { ...this.s.session, pseudo: l.name } });
        return;
      }
      case 'msg':
      case 'fileSent':
        return this.message(l);
      case 'edit':
        return this.edit(l);
      case 'delete':
        return this.remove(l);
      case 'react':
        return this.reaction(l);
      case 'typing': {
        if (l.actor === this.s.me) return;
        const key = conversationOf(this.s.me, l.actor, l.to);
        const c = this.conv(key);
        this.setConv({ ...c, typing: { ...c.typing, [l.actor]: this.now() + TYPING_MS } });
        return;
      }
      case 'away': {
        const u = this.s.users[l.user] ?? { tag: l.user, pseudo: '', online: false, away: '' };
        this.set({ users: { ...this.s.users, [l.user]: { ...u, away: l.text } } });
        return;
      }
      case 'role':
        return this.role(l);
      case 'topic':
        return this.patchChannel(l.place, () => ({ topic: l.text }));
      case 'visibility':
        return this.patchChannel(l.place, () => ({ public: l.public }));
      case 'chan': {
        const [s] = splitKey(l.place);
        const list = this.s.lists[s] ?? { channels: [], done: false };
        const info: ChanInfo = { place: l.place, public: l.public, members: l.members, name: l.name, topic: l.topic };
        this.set({
          lists: {
            ...this.s.lists,
            [s]: { channels: [...list.channels.filter((c) => c.place !== l.place), info], done: false },
          },
        });
        this.patchChannel(l.place, () => ({ public: l.public, topic: l.topic, name: l.name }));
        return;
      }
      case 'kick':
        if (l.user === this.s.me) this.note('kicked', l.place, l.actor, l.reason);
        return;
      case 'ban': {
        const b = this.s.bans[l.server] ?? { bans: [], done: false };
        const rest = b.bans.filter((x) => x.user !== l.user);
        this.set({
          bans: {
            ...this.s.bans,
            [l.server]: { ...b, bans: l.lifted ? rest : [...rest, { user: l.user, reason: l.reason }] },
          },
        });
        return;
      }
      case 'unread': {
        const c = this.conv(l.conv);
        this.setConv({ ...c, unread: l.count, newest: Math.max(c.newest, l.newest) });
        return;
      }
      case 'read':
        this.setConv(this.withMarker(this.conv(l.conv), l.id));
        return;
      case 'end':
        return this.end(l);
      case 'game':
        return this.gameLine(l.game, l.payload, gameAddress(l.payload) ?? (hint?.game === l.game ? hint.conv : null));
      case 'unknown':
        // A plugin's answer to a command typed in a conversation (ROLL 2d6).
        if (hint?.game === l.verb) this.gameLine(l.verb, l.rest, hint.conv);
        return;
      case 'error':
        if (l.of === 'HIST' || l.of === 'FIND') this.refused(l.of === 'HIST' ? 'hist' : 'find');
        return;
      case 'call':
        return this.call(l);
    }
  }

  /** callOf names the conversation a CALL line concerns, for this user:
   * the actor's own address, except that a direct call named by someone
   * else ("0 me") is the conversation with the actor. */
  callOf(l: LineOf<'call'>): ConvKey {
    return conversationOf(this.s.me, l.actor, l.to);
  }

  private call(l: LineOf<'call'>): void {
    const me = this.s.me;
    const conv = this.callOf(l);
    const call = this.s.calls[conv] ?? { conv, participants: [] };
    const setCall = (participants: readonly CallParticipant[]) =>
      this.set({ calls: participants.length ? { ...this.s.calls, [conv]: { conv, participants } } : omit(this.s.calls, conv) });
    const patch = (user: number, f: (p: CallParticipant) => CallParticipant) => {
      const i = call.participants.findIndex((p) => p.user === user);
      if (i < 0) return;
      const ps = call.participants.slice();
      ps[i] = f(ps[i]);
      setCall(ps);
    };
    const ring = this.s.rings[conv];
    switch (l.event) {
      case 'JOIN': {
        const i = call.participants.findIndex((p) => p.user === l.actor);
        const ps = call.participants.slice();
        if (i < 0) ps.push({ user: l.actor, media: l.media, muted: false });
        else ps[i] = { ...ps[i], media: l.media };
        setCall(ps);
        if (l.actor === me) {
          if (ring) this.set({ rings: omit(this.s.rings, conv) });
        } else if (isDirect(conv) && !this.held && !ps.some((p) => p.user === me) && !ring) {
          // Someone calls this user: it rings (not for a call already
          // going on when the user logged in: it is shown, it does not ring).
          this.set({ rings: { ...this.s.rings, [conv]: { conv, from: l.actor, since: this.now() } } });
        }
        return;
      }
      case 'MEDIA':
        return patch(l.actor, (p) => ({ ...p, media: l.media }));
      case 'LEAVE':
        setCall(call.participants.filter((p) => p.user !== l.actor));
        if (ring && ring.from === l.actor) this.set({ rings: omit(this.s.rings, conv) });
        return;
      case 'DECLINE':
        if (l.actor === me) {
          if (ring) this.set({ rings: omit(this.s.rings, conv) });
        } else {
          this.note('declined', conv, l.actor, '');
        }
        return;
      case 'MUTE':
      case 'UNMUTE':
        return patch(l.user, (p) => ({ ...p, muted: l.event === 'MUTE' }));
      case 'KICK':
        if (l.user === me) this.note('callKicked', conv, l.actor, '');
        return;
    }
  }

  /** expireRings stops the rings older than RING_MS; the client calls it on a timer. */
  expireRings(): void {
    const now = this.now();
    const keep = Object.values(this.s.rings).filter((r) => now - r.since < RING_MS);
    if (keep.length !== Object.keys(this.s.rings).length) this.set({ rings: Object.fromEntries(keep.map((r) => [r.conv, r])) });
  }

  /** stopRinging silences a ring on this page only (the user closed the dialog). */
  stopRinging(conv: ConvKey): void {
    if (this.s.rings[conv]) this.set({ rings: omit(this.s.rings, conv) });
  }

  private gameLine(game: string, payload: string, conv: ConvKey | null): void {
    const g: GameLine = { seq: ++this.seq, game, payload, at: this.now(), conv };
    const lines = this.s.games[game] ?? [];
    this.set({ games: { ...this.s.games, [game]: [...lines.slice(1 - MAX_GAME_LINES), g] } });
    if (conv) {
      const c = this.conv(conv);
      this.setConv({ ...c, games: [...c.games.slice(1 - MAX_CONV_GAME_LINES), g] });
    }
  }

  /** noteError records a server error that no request claimed (for a toast). */
  noteError(verb: string, reason: string): void {
    const e: ServerErrorNote = { seq: ++this.seq, verb, reason };
    this.set({ errors: [...this.s.errors.slice(1 - MAX_ERRORS), e] });
  }

  private note(kind: Notice['kind'], place: ConvKey | null, actor: number, reason: string): void {
    const n: Notice = { seq: ++this.seq, kind, place, actor, reason };
    this.set({ notices: [...this.s.notices.slice(1 - MAX_ERRORS), n] });
  }

  // A login burst restates everything but the messages: it starts afresh,
  // keeping the messages loaded (and what was typed) for the page to show
  // while the newest pages are fetched again.
  private login(me: number): void {
    const convs: Record<ConvKey, Conversation> = {};
    for (const [k, c] of Object.entries(this.s.conversations)) {
      convs[k] = { ...c, loaded: false, loading: false, unread: 0, mentions: 0, typing: {} };
    }
    this.reads = [];
    this.held = true;
    this.draftUsers = {};
    this.set({
      me,
      users: this.draftUsers,
      friends: [],
      servers: {},
      invitations: [],
      conversations: convs,
      lists: {},
      bans: {},
      calls: {},
      rings: {},
      session: { ...this.s.session, state: 'in', error: '' },
    });
  }

  private place(place: ConvKey, name: string): void {
    const [s, c] = splitKey(place);
    const srv: Server = this.s.servers[s] ?? { tag: s, name: '', owner: 0, moderators: [], channels: {} };
    const ch: Channel = srv.channels[c] ?? {
      key: place,
      server: s,
      tag: c,
      name: c === 0 ? 'general' : name,
      members: [],
      moderators: [],
      topic: '',
      public: c === 0,
    };
    this.setServer({
      ...srv,
      name: c === 0 ? name : srv.name,
      channels: { ...srv.channels, [c]: c === 0 ? ch : { ...ch, name } },
    });
  }

  private members(l: LineOf<'members'>): void {
    const [s, c] = splitKey(l.place);
    if (!this.s.servers[s]?.channels[c]) this.place(l.place, c === 0 ? l.serverName : l.channelName);
    const srv = this.s.servers[s];
    const ch = srv.channels[c];
    this.setServer({
      ...srv,
      name: l.serverName || srv.name,
      channels: { ...srv.channels, [c]: { ...ch, name: l.channelName || ch.name, members: union(ch.members, l.users) } },
    });
  }

  private invite(l: LineOf<'invite'>): void {
    const me = this.s.me;
    const incoming = l.to === 0 && l.from !== me;
    const to = incoming ? me : l.to;
    const key = `${l.from}>${to}@${l.place ?? ''}`;
    const inv: Invitation = {
      key,
      from: l.from,
      to,
      place: l.place,
      serverName: l.serverName,
      channelName: l.channelName,
      incoming,
    };
    this.set({ invitations: [...this.s.invitations.filter((i) => i.key !== key), inv] });
  }

  private join(place: ConvKey, user: number): void {
    const me = this.s.me;
    if (isDirect(place)) {
      // JOIN 0 src 0 dest: the friend request from src was accepted by dest.
      const src = splitKey(place)[1];
      const other = src === me ? user : src;
      this.set({
        friends: withOne(this.s.friends, other),
        invitations: this.s.invitations.filter(
          (i) => !(i.place === null && ((i.from === src && i.to === user) || (i.from === user && i.to === src))),
        ),
      });
      return;
    }
    const invitations = this.s.invitations.filter((i) => !(i.place === place && i.to === user));
    if (invitations.length !== this.s.invitations.length) this.set({ invitations });
    const [s, c] = splitKey(place);
    if (!this.s.servers[s]?.channels[c]) {
      if (user !== me) return; // a place this user does not know of
      this.place(place, '');
    }
    this.patchChannel(place, (ch) => ({ members: withOne(ch.members, user) }));
  }

  private left(user: number, place: ConvKey): void {
    const [s, c] = splitKey(place);
    if (user === this.s.me) return this.removePlace(place);
    const srv = this.s.servers[s];
    if (!srv) return;
    if (c !== 0) return this.patchChannel(place, (ch) => ({ members: without(ch.members, user), moderators: without(ch.moderators, user) }));
    const channels: Record<number, Channel> = {};
    for (const [k, ch] of Object.entries(srv.channels)) {
      channels[Number(k)] = { ...ch, members: without(ch.members, user), moderators: without(ch.moderators, user) };
    }
    this.setServer({ ...srv, moderators: without(srv.moderators, user), channels });
  }

  private removePlace(place: ConvKey): void {
    const [s, c] = splitKey(place);
    const srv = this.s.servers[s];
    if (!srv) return;
    let convs = this.s.conversations;
    let calls = this.s.calls;
    if (c === 0) {
      for (const k of Object.keys(srv.channels)) {
        convs = omit(convs, convKey(s, Number(k)));
        calls = omit(calls, convKey(s, Number(k)));
      }
      this.set({ servers: omit(this.s.servers, s), conversations: convs, calls });
    } else {
      this.set({
        servers: { ...this.s.servers, [s]: { ...srv, channels: omit(srv.channels, c) } },
        conversations: omit(convs, place),
        calls: omit(calls, place),
      });
    }
  }

  private role(l: LineOf<'role'>): void {
    const [s, c] = splitKey(l.place);
    const srv = this.s.servers[s];
    if (!srv) return;
    if (l.role === 'OWNER') return this.setServer({ ...srv, owner: l.user });
    const change = (a: readonly number[]) => (l.role === 'MOD' ? withOne(a, l.user) : without(a, l.user));
    if (c === 0) return this.setServer({ ...srv, moderators: change(srv.moderators) });
    this.patchChannel(l.place, (ch) => ({ moderators: change(ch.moderators) }));
  }

  private mentionsMe(text: string): boolean {
    const me = this.s.users[this.s.me];
    return !!me && mentions(text, me.pseudo);
  }

  private source(id: number, conv: ConvKey): Source {
    const head = this.reads[0];
    if (!head) return 'live';
    if (head.kind === 'find') {
      if (head.last === 0 || id < head.last) {
        head.last = id;
        return 'found';
      }
      return 'live';
    }
    // A live message in the middle of a HIST answer for its own
    // conversation passes for history: not counted unread, no notification.
    return head.conv === conv ? 'paged' : 'live';
  }

  private message(l: LineOf<'msg'> | LineOf<'fileSent'>): void {
    // Without tags a message has no id to be kept by: the client always asks
    // for CAP tags, so such a line is not expected.
    if (!l.tags) return;
    const me = this.s.me;
    const conv = conversationOf(me, l.from, l.to);
    const m: Message = {
      id: l.tags.id,
      conv,
      author: l.from,
      time: l.tags.time,
      text: l.type === 'msg' ? l.text : '',
      file: l.type === 'fileSent' ? l.name : null,
      replyTo: l.tags.reply ?? null,
      edited: l.tags.edited ?? null,
      deleted: false,
      reactions: [],
    };
    const src = this.source(m.id, conv);
    if (src === 'found') {
      const s = this.s.search;
      if (s) this.set({ search: { ...s, results: [...s.results, m] } });
      return;
    }
    if (src === 'paged') {
      const head = this.reads[0] as Extract<Read, { kind: 'hist' }>;
      // The same message may come twice: an echo classed with the page
      // (it came after the HIST was asked), then the page's own line.
      const i = head.page.findIndex((x) => x.id === m.id);
      if (i >= 0) head.page[i] = m;
      else head.page.push(m);
      return;
    }
    this.live(m);
  }

  private live(m: Message): void {
    const me = this.s.me;
    let c = this.conv(m.conv);
    const mine = m.author === me;
    if (c.hasNewer) {
      if (!this.unknownNewer.has(m.conv)) {
        const n = this.newer.get(m.conv) ?? [];
        if (!n.includes(m.id)) n.push(m.id);
        this.newer.set(m.conv, n);
      }
    } else {
      c = { ...c, messages: insertById(c.messages, m) };
    }
    const typing = m.author in c.typing ? (omit(c.typing, m.author) as Record<number, number>) : c.typing;
    const mention = !mine && this.mentionsMe(m.text);
    if (mine) {
      c = { ...c, readMarker: Math.max(c.readMarker, m.id), unread: 0, mentions: 0 };
    } else if (m.id > c.readMarker) {
      c = { ...c, unread: c.unread + 1, mentions: c.mentions + (mention ? 1 : 0) };
    }
    this.setConv({ ...c, typing, newest: Math.max(c.newest, m.id) });
    const ev: LiveMessage = { message: m, mention, direct: isDirect(m.conv), mine };
    for (const fn of [...this.liveListeners]) fn(ev);
  }

  // mapMessage changes message id wherever it is: the conversation, a page
  // being received, the search results.
  private mapMessage(conv: ConvKey, id: number, f: (m: Message) => Message): void {
    const head = this.reads[0];
    if (head?.kind === 'hist' && head.conv === conv) {
      const i = indexOfId(head.page, id);
      if (i >= 0) head.page[i] = f(head.page[i]);
    }
    const c = this.s.conversations[conv];
    if (c) {
      const i = indexOfId(c.messages, id);
      if (i >= 0) {
        const messages = c.messages.slice();
        messages[i] = f(messages[i]);
        this.setConv({ ...c, messages });
      }
    }
    const s = this.s.search;
    if (s) {
      const i = s.results.findIndex((m) => m.id === id);
      if (i >= 0) {
        const results = s.results.slice();
        results[i] = f(results[i]);
        this.set({ search: { ...s, results } });
      }
    }
  }

  private edit(l: LineOf<'edit'>): void {
    const at = this.now();
    this.mapMessage(conversationOf(this.s.me, l.actor, l.to), l.id, (m) => ({ ...m, text: l.text, edited: at }));
  }

  private remove(l: LineOf<'delete'>): void {
    this.mapMessage(conversationOf(this.s.me, l.actor, l.to), l.id, (m) => ({
      ...m,
      deleted: true,
      text: '',
      reactions: [],
    }));
  }

  private reaction(l: LineOf<'react'>): void {
    const me = this.s.me;
    this.mapMessage(conversationOf(me, l.actor, l.to), l.id, (m) => react(m, l.actor, l.emoji, l.removed, me));
  }

  private end(l: LineOf<'end'>): void {
    switch (l.of) {
      case 'HIST': {
        const head = this.reads[0];
        if (head?.kind !== 'hist' || head.conv !== l.conv) return;
        this.reads.shift();
        if (head.probe) return;
        return this.page(head, l.n);
      }
      case 'FIND': {
        const head = this.reads[0];
        if (head?.kind === 'find') this.reads.shift();
        if (this.s.search) this.set({ search: { ...this.s.search, done: true } });
        return;
      }
      case 'LIST': {
        const list = this.s.lists[l.server] ?? { channels: [], done: false };
        this.set({ lists: { ...this.s.lists, [l.server]: { ...list, done: true } } });
        return;
      }
      case 'BANS': {
        const b = this.s.bans[l.server] ?? { bans: [], done: false };
        this.set({ bans: { ...this.s.bans, [l.server]: { ...b, done: true } } });
        return;
      }
    }
  }

  // page merges a HIST answer into its conversation (see the file's head).
  private page(r: Extract<Read, { kind: 'hist' }>, n: number): void {
    const c = this.conv(r.conv);
    const page = r.page;
    const full = n >= r.limit;
    let messages: Message[];
    let hasOlder = c.hasOlder;
    let hasNewer = c.hasNewer;
    if (r.before === 0) {
      // The newest page: it replaces what it covers, what is older stays
      // only when it joins on (else there is a gap: it goes), and what
      // came live since it was asked for stays.
      if (page.length === 0) {
        messages = c.messages.filter((m) => m.id > r.mark);
        hasOlder = false;
      } else {
        const first = page[0].id;
        const last = page[page.length - 1].id;
        // After a trim of the newer end, the newest page is the last step
        // of loadNewer: at most PAGE_SIZE messages were left to bring.
        const joins =
          (c.hasNewer && !this.unknownNewer.has(r.conv)) || c.messages.some((m) => m.id >= first && m.id <= last);
        const older = joins ? c.messages.filter((m) => m.id < first) : [];
        const after = c.messages.filter((m) => m.id > last && m.id > r.mark);
        messages = [...older, ...page, ...after];
        hasOlder = older.length > 0 ? c.hasOlder : full;
      }
      hasNewer = false;
      this.newer.delete(r.conv);
      this.unknownNewer.delete(r.conv);
    } else {
      const n0 = this.newer.get(r.conv);
      if (c.hasNewer && n0 && n0.length > PAGE_SIZE && n0[PAGE_SIZE] === r.before) {
        // loadNewer's page: the messages after the newest loaded.
        this.newer.set(r.conv, n0.filter((id) => id >= r.before));
        const ids = new Set(page.map((m) => m.id));
        messages = [...c.messages.filter((m) => !ids.has(m.id)), ...page];
      } else {
        const ids = new Set(page.map((m) => m.id));
        messages = [...page, ...c.messages.filter((m) => !ids.has(m.id) && m.id >= r.before)];
        hasOlder = full;
      }
    }
    messages.sort((a, b) => a.id - b.id);
    messages = messages.filter((m, i, a) => i === 0 || a[i - 1].id !== m.id);
    this.setConv({
      ...c,
      messages,
      loading: this.reads.some((x) => x.kind === 'hist' && x.conv === r.conv),
      loaded: c.loaded || r.before === 0,
      hasOlder,
      hasNewer,
      newest: Math.max(c.newest, messages.length ? messages[messages.length - 1].id : 0),
    });
  }

  /** settled says the request's PONG came: a HIST or FIND whose end line did
   * not (it never should) stops waiting, so its conversation's lines are not
   * taken for history from then on. */
  settled(kind: 'hist' | 'find', conv: ConvKey | null): void {
    const i = this.reads.findIndex((r) => r.kind === kind && (r.kind === 'find' || r.conv === conv));
    if (i !== 0) return;
    const r = this.reads.shift()!;
    if (r.kind === 'hist' && r.probe) return;
    if (r.kind === 'find') {
      if (this.s.search) this.set({ search: { ...this.s.search, done: true } });
      return;
    }
    // Without its end line the page proves nothing about what it lacks:
    // its messages are added, nothing is taken away.
    const c = this.conv(r.conv);
    let messages = c.messages;
    for (const m of r.page) messages = insertById(messages, m);
    this.setConv({ ...c, messages, loading: this.reads.some((x) => x.kind === 'hist' && x.conv === r.conv) });
  }

  private refused(kind: 'hist' | 'find'): void {
    const i = this.reads.findIndex((r) => r.kind === kind);
    if (i < 0) return;
    const [r] = this.reads.splice(i, 1);
    if (r.kind === 'hist') this.patchConv(r.conv, { loading: this.reads.some((x) => x.kind === 'hist' && x.conv === r.conv) });
    else if (this.s.search) this.set({ search: { ...this.s.search, done: true } });
  }

  /** message finds a loaded message by id in a conversation (for quoting replies). */
  messageById(conv: ConvKey, id: number): Message | null {
    const c = this.s.conversations[conv];
    if (!c) return null;
    const i = indexOfId(c.messages, id);
    return i < 0 ? null : c.messages[i];
  }

  /** direct conversations: friends and anyone this user has a conversation with, by tag. */
  directs(): number[] {
    const set = new Set<number>(this.s.friends);
    for (const k of Object.keys(this.s.conversations)) if (isDirect(k)) set.add(splitKey(k)[1]);
    return [...set].sort((a, b) => a - b);
  }
}

export { directKey };
