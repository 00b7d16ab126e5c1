import { useState } from "preact/hooks";
import { count } from "./format";
import type { ConvKey, ConvLink, InviteView, ServerView, UserView } from "./view";
import { Icon } from "./Icon";

// The sidebar: servers with their channels, then direct conversations
// (friends and anyone one shares a server with who wrote), then the
// invitations waiting, then who one is. Each part is a named navigation
// landmark or region; each conversation is a link-like button whose name
// carries its unread and mention counts for a screen reader.

interface Props {
  me: UserView;
  servers: ServerView[];
  directs: ConvLink[];
  invites: InviteView[];
  current: ConvKey | null;
  onOpen(key: ConvKey): void;
  onNewServer(): void;
  onAddFriend(): void;
  onServerMenu(tag: number): void;
  onAccept(inv: InviteView): void;
  onDecline(inv: InviteView): void;
  onSettings(): void;
  onSearch(): void;
  /** The call this page is in, and its name ("#band"). */
  callConv: ConvKey | null;
  callName: string;
  callMuted: boolean;
  onCallMute(): void;
  onCallLeave(): void;
}

export function Sidebar(p: Props) {
  const [closed, setClosed] = useState<Set<number>>(new Set());
  const toggle = (tag: number) => {
    const n = new Set(closed);
    n.has(tag) ? n.delete(tag) : n.add(tag);
    setClosed(n);
  };
  return (
    <aside class="sidebar" aria-label="Sidebar">
      <div class="sidebar-scroll">
        <button type="button" class="conv-link dm" onClick={p.onSearch}>
          <Icon name="search" /> <span class="label">Search messages</span>
        </button>
        <nav aria-label="Servers">
          <h2>
            Servers
            <button type="button" aria-label="Create a server" title="Create a server" onClick={p.onNewServer}>
              <Icon name="plus" />
            </button>
          </h2>
          {p.servers.length === 0 && <p class="system-line">No server yet: create one, or accept an invitation.</p>}
          <ul>
            {p.servers.map((s) => {
              const open = !closed.has(s.tag);
              return (
                <li class="server" key={s.tag}>
                  <button type="button" class="server-name" aria-expanded={open} onClick={() => toggle(s.tag)}>
                      <span class="caret" aria-hidden="true">
                        {open ? "▾" : "▸"}
                      </span>
                      <span class="label">{s.name}</span>
                      {!open && <Badges unread={s.unread} mentions={s.mentions} />}
                  </button>
                  {open && (
                    <ul aria-label={`Channels of ${s.name}`}>
                      {s.channels.map((c) => (
                        <li key={c.key}>
                          <ConvButton link={c} prefix="# " current={p.current === c.key} onOpen={p.onOpen} />
                          {c.call.length > 0 && (
                            <ul class="in-call" aria-label={`In the call of #${c.name}`}>
                              {c.call.map((u) => (
                                <li key={u.tag}>
                                  <Icon name="mic" /> {u.pseudo}
                                </li>
                              ))}
                            </ul>
                          )}
                        </li>
                      ))}
                      <li>
                        <button type="button" class="conv-link" aria-label={`Settings of ${s.name}`} onClick={() => p.onServerMenu(s.tag)}>
                          <Icon name="gear" /> <span class="label">Server settings</span>
                        </button>
                      </li>
                    </ul>
                  )}
                </li>
              );
            })}
          </ul>
        </nav>
        <nav aria-label="Direct messages">
          <h2>
            Direct messages
            <button type="button" aria-label="Add a friend" title="Add a friend" onClick={p.onAddFriend}>
              <Icon name="plus" />
            </button>
          </h2>
          <ul class="dm">
            {p.directs.map((d) => (
              <li key={d.key}>
                <ConvButton link={d} current={p.current === d.key} onOpen={p.onOpen} />
              </li>
            ))}
          </ul>
          {p.directs.length === 0 && <p class="system-line">No friends yet.</p>}
        </nav>
        {p.invites.length > 0 && (
          <section aria-label="Invitations" class="invites">
            <h2>Invitations</h2>
            <ul>
              {p.invites.map((inv) => (
                <li key={inv.key}>
                  <InviteText inv={inv} />
                  <div class="inv-actions">
                    {inv.received && (
                      <button type="button" class="primary" onClick={() => p.onAccept(inv)}>
                        Accept
                      </button>
                    )}
                    <button type="button" onClick={() => p.onDecline(inv)}>
                      {inv.received ? "Decline" : "Withdraw"}
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
      {p.callConv && p.callConv !== p.current && (
        <section class="call-strip" aria-label="Current call">
          <button type="button" class="plain call-where" onClick={() => p.onOpen(p.callConv!)}>
            <Icon name="phone" /> <span class="label">In a call: {p.callName}</span>
          </button>
          <button type="button" class={"plain" + (p.callMuted ? " off" : "")} aria-label="Mute" aria-pressed={p.callMuted} title="Mute" onClick={p.onCallMute}>
            <Icon name={p.callMuted ? "micOff" : "mic"} />
          </button>
          <button type="button" class="plain danger-fg" aria-label="Leave call" title="Leave the call" onClick={p.onCallLeave}>
            <Icon name="hangup" />
          </button>
        </section>
      )}
      <div class="me-bar">
        <span class={presenceClass(p.me)} aria-hidden="true" />
        <div class="who">
          <strong>{p.me.pseudo}</strong>
          <small>{p.me.away ? `Away: ${p.me.away}` : "Online"}</small>
        </div>
        <button type="button" class="plain" aria-label="Settings" title="Settings" onClick={p.onSettings}>
          <Icon name="gear" />
        </button>
      </div>
    </aside>
  );
}

function InviteText({ inv }: { inv: InviteView }) {
  if (!inv.place)
    return inv.received ? (
      <span>
        <strong>{inv.user.pseudo}</strong> wants to be your friend
      </span>
    ) : (
      <span>
        Friend request to <strong>{inv.user.pseudo}</strong>
      </span>
    );
  const where = inv.channelName && inv.channelName !== "general" ? `${inv.serverName} #${inv.channelName}` : inv.serverName;
  return inv.received ? (
    <span>
      <strong>{inv.user.pseudo}</strong> invites you to <strong>{where}</strong>
    </span>
  ) : (
    <span>
      Invitation of <strong>{inv.user.pseudo}</strong> to <strong>{where}</strong>
    </span>
  );
}

export function presenceClass(u: UserView): string {
  return "presence" + (u.online ? (u.away ? " away" : " on") : "");
}

function ConvButton({ link, prefix, current, onOpen }: { link: ConvLink; prefix?: string; current: boolean; onOpen(k: ConvKey): void }) {
  const extra = [
    link.user ? (link.user.online ? (link.user.away ? "away" : "online") : "offline") : "",
    link.user && link.call.length ? "in a call" : "",
    link.unread ? `${count(link.unread)} unread` : "",
    link.mentions ? `${count(link.mentions)} ${link.mentions === 1 ? "mention" : "mentions"}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <button
      type="button"
      class={"conv-link" + (current ? " current" : "") + (link.unread ? " unread" : "")}
      aria-current={current ? "page" : undefined}
      aria-label={(prefix ?? "") + link.name + (extra ? `, ${extra}` : "")}
      onClick={() => onOpen(link.key)}
    >
      {link.user && <span class={presenceClass(link.user)} aria-hidden="true" />}
      <span class="label">
        {prefix}
        {link.name}
      </span>
      {link.user && link.call.length > 0 && (
        <span class="call-mark" aria-hidden="true">
          <Icon name="phone" />
        </span>
      )}
      <Badges unread={link.unread} mentions={link.mentions} />
    </button>
  );
}

function Badges({ unread, mentions }: { unread: number; mentions: number }) {
  if (mentions) return <span class="badge mention" aria-hidden="true">@{count(mentions)}</span>;
  if (unread) return <span class="badge" aria-hidden="true">{count(unread)}</span>;
  return null;
}
