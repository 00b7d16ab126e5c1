// The lib's State seen as the components' plain views (view.ts). Pure
// functions of the state, memoized on the identity of what they read: the
// store gives new objects only along the path of a change, so a view is
// rebuilt only when what it shows changed.

import { indexOfId, type Conversation, type Message, type State } from "../lib/store";
import { mentions as mentionSpans } from "../lib/mention";
import type { ConnStatus, ConvView, Item, Snapshot } from "./backend";
import type { CallMemberView, ConvKey, ConvLink, InviteView, MemberView, MessageView, RingView, ServerView, UserView } from "./view";

export function userView(s: State, tag: number): UserView {
  const u = s.users[tag];
  return u ? { tag, pseudo: u.pseudo, online: u.online, away: u.away || undefined } : { tag, pseudo: `user ${tag}`, online: false };
}

function link(s: State, key: ConvKey, name: string, user?: UserView): ConvLink {
  const c = s.conversations[key];
  const call = (s.calls[key]?.participants ?? []).map((p) => userView(s, p.user));
  return { key, name, unread: c?.unread ?? 0, mentions: c?.mentions ?? 0, user, call };
}

/** callView: the roster of a conversation's call, or null when there is none. */
export function callView(s: State, key: ConvKey): CallMemberView[] | null {
  const c = s.calls[key];
  if (!c) return null;
  return c.participants.map((p) => ({
    user: userView(s, p.user),
    mic: p.media.includes("mic"),
    cam: p.media.includes("cam"),
    screen: p.media.includes("screen"),
    modMuted: p.muted,
  }));
}

export function connStatus(s: State): ConnStatus {
  switch (s.connection.state) {
    case "online":
      return "online";
    case "offline":
      return "reconnecting";
    case "idle":
      return "idle";
    default:
      return "connecting";
  }
}

export function snapshot(s: State, directs: number[]): Snapshot {
  const servers: ServerView[] = Object.values(s.servers)
    .sort((a, b) => a.tag - b.tag)
    .map((sv) => {
      const channels = Object.values(sv.channels)
        .filter((c) => c.tag === 0 || c.members.includes(s.me))
        .sort((a, b) => a.tag - b.tag)
        .map((c) => link(s, c.key, c.name));
      return {
        tag: sv.tag,
        name: sv.name,
        owner: sv.owner,
        channels,
        unread: channels.reduce((n, c) => n + c.unread, 0),
        mentions: channels.reduce((n, c) => n + c.mentions, 0),
      };
    });
  const dms = directs
    .filter((t) => t !== s.me)
    .map((t) => {
      const u = userView(s, t);
      return link(s, `0/${t}`, u.pseudo, u);
    });
  const invites: InviteView[] = s.invitations.map((i) => ({
    key: i.key,
    received: i.incoming,
    user: userView(s, i.incoming ? i.from : i.to),
    place: i.place ?? undefined,
    serverName: i.serverName,
    channelName: i.channelName,
  }));
  let unreadTotal = 0;
  for (const c of Object.values(s.conversations)) unreadTotal += c.unread;
  const rings: RingView[] = Object.values(s.rings).map((r) => ({ conv: r.conv, from: userView(s, r.from) }));
  return {
    status: connStatus(s),
    retryAt: s.connection.retryAt ?? 0,
    loggedIn: s.session.state === "in",
    me: userView(s, s.me),
    servers,
    directs: dms,
    invites,
    unreadTotal,
    friends: [...s.friends],
    rings,
  };
}

export function messageView(s: State, c: Conversation, m: Message, canModerate: boolean): MessageView {
  const me = s.users[s.me];
  let reply: MessageView["reply"] = null;
  if (m.replyTo) {
    const i = indexOfId(c.messages, m.replyTo);
    const q = i >= 0 ? c.messages[i] : null;
    reply = q
      ? { id: q.id, authorName: userView(s, q.author).pseudo, text: q.deleted ? "(deleted)" : q.file ? q.file : q.text }
      : { id: m.replyTo, authorName: "", text: "an earlier message" };
  }
  return {
    id: m.id,
    author: m.author,
    authorName: userView(s, m.author).pseudo,
    time: m.time,
    text: m.file ? undefined : m.text,
    file: m.file ?? undefined,
    reply,
    edited: m.edited ?? undefined,
    reactions: m.reactions.map((r) => ({
      emoji: r.emoji,
      count: r.count,
      mine: r.mine,
      who: r.users.map((u) => userView(s, u).pseudo).join(", "),
    })),
    mine: m.author === s.me,
    mentionsMe: !!me && m.author !== s.me && !m.file && mentionSpans(m.text, me.pseudo),
    first: true,
    canDelete: m.author === s.me || canModerate,
  };
}

/**
 * conversationView builds what the conversation on screen shows: its
 * messages, what is waiting to be sent, and the game lines the lib keeps
 * for it (those naming it, and the answers to commands typed in it).
 */
export function conversationView(s: State, key: ConvKey, made: { servers: Set<number>; channels: Set<ConvKey> } = { servers: new Set(), channels: new Set() }): ConvView | null {
  const [sv, ch] = key.split("/").map(Number);
  const c: Conversation | undefined = s.conversations[key];
  let title: string, label: string, topic = "", isPublic = false;
  let members: MemberView[] = [];
  let canModerate = false, isOwner = false;
  let server: ServerView | undefined, user: UserView | undefined;
  if (sv === 0) {
    user = userView(s, ch);
    title = user.pseudo;
    label = `Message @${user.pseudo}`;
    members = [s.me, ch].map((t) => ({ user: userView(s, t), owner: false, mod: false }));
  } else {
    const srv = s.servers[sv];
    const chan = srv?.channels[ch];
    if (!srv || !chan) return null;
    title = `#${chan.name}`;
    label = `Message #${chan.name}`;
    topic = chan.topic;
    isPublic = chan.public;
    // The OWNER and MOD lines come in a login burst: what this page
    // created since, it owns or moderates without being told.
    const owner = srv.owner || (made.servers.has(sv) ? s.me : 0);
    isOwner = owner === s.me;
    canModerate = isOwner || srv.moderators.includes(s.me) || chan.moderators.includes(s.me) || made.channels.has(key);
    const list = ch === 0 ? srv.channels[0]?.members ?? [] : chan.members;
    members = list
      .map((t) => ({
        user: userView(s, t),
        owner: owner === t,
        mod: srv.moderators.includes(t) || chan.moderators.includes(t),
      }))
      .sort((a, b) => Number(b.owner) - Number(a.owner) || Number(b.mod) - Number(a.mod) || a.user.pseudo.localeCompare(b.user.pseudo));
    server = { tag: srv.tag, name: srv.name, owner, channels: [], unread: 0, mentions: 0 };
  }

  const items: Item[] = [];
  const msgs = c?.messages ?? [];
  let last = 0;
  for (const m of msgs) {
    // Sorted by id: a message given twice (see REQUESTS.md) shows once.
    if (m.deleted || m.id === last) continue;
    last = m.id;
    items.push({ kind: "msg", key: `m${m.id}`, m: messageView(s, c!, m, canModerate) });
  }
  // Typed but not yet stored: shown greyed at the end, in order.
  const meView = userView(s, s.me);
  for (const p of c?.pending ?? []) {
    items.push({
      kind: "msg",
      key: `p${p.local}`,
      m: {
        id: 0,
        author: s.me,
        authorName: meView.pseudo,
        time: Date.now(),
        text: p.text,
        reply: null,
        reactions: [],
        mine: true,
        mentionsMe: false,
        first: true,
        canDelete: false,
        pending: { state: p.state, error: p.error, local: p.local },
      },
    });
  }
  // Game lines interleave with messages by time (they are not stored by
  // the server: what arrived while the page was open).
  const mine = c?.games ?? [];
  if (mine.length > 0 && !c?.hasNewer) {
    const oldest = msgs.length > 0 && c?.hasOlder ? msgs[0].time : 0;
    for (const g of mine) {
      if (g.at < oldest) continue;
      const it: Item = { kind: "game", key: `g${g.seq}`, game: g.game, payload: g.payload };
      let i = items.length;
      while (i > 0) {
        const prev = items[i - 1];
        if (prev.kind === "msg" && prev.m.time > g.at) i--;
        else break;
      }
      items.splice(i, 0, it);
    }
  }

  const now = Date.now();
  const typing = Object.entries(c?.typing ?? {})
    .filter(([t, until]) => Number(t) !== s.me && until > now)
    .map(([t]) => userView(s, Number(t)).pseudo);

  return {
    key,
    title,
    composerLabel: label,
    topic,
    isPublic,
    server,
    user,
    items,
    atNewest: !c?.hasNewer,
    hasOlder: c ? c.hasOlder : true,
    loading: c?.loading ?? true,
    typing,
    members,
    canModerate,
    isOwner,
    filesReady: s.filesReady,
    addr: `${sv} ${ch}`,
    call: callView(s, key),
  };
}
