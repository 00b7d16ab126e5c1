import { useState } from "preact/hooks";
import { presenceClass } from "./Sidebar";
import type { MemberView } from "./view";

// The member list of a conversation: online first, then offline, each
// with its role and away note. A moderator gets the moderation actions of
// a member from a small menu under its name.

interface Props {
  members: MemberView[];
  me: number;
  /** What this user may do here. */
  canModerate: boolean;
  isOwner: boolean;
  isChannel: boolean;
  onMessage(tag: number): void;
  onMod(tag: number, on: boolean): void;
  onKick(tag: number): void;
  onBan(tag: number): void;
  /** In a direct conversation with a friend: end the friendship. */
  onUnfriend?(tag: number): void;
}

export function Members(p: Props) {
  const [open, setOpen] = useState<number | null>(null);
  const online = p.members.filter((m) => m.user.online);
  const offline = p.members.filter((m) => !m.user.online);
  const group = (title: string, list: MemberView[]) =>
    list.length > 0 && (
      <>
        <h2>
          {title} — {list.length}
        </h2>
        <ul aria-label={`${title} members`}>
          {list.map((m) => (
            <li key={m.user.tag}>
              <div class={"member" + (m.user.online ? "" : " offline")}>
                <span class={presenceClass(m.user)} aria-hidden="true" />
                <button
                  type="button"
                  class="plain name"
                  aria-expanded={open === m.user.tag}
                  aria-label={
                    m.user.pseudo +
                    (m.owner ? ", owner" : m.mod ? ", moderator" : "") +
                    (m.user.away ? `, away: ${m.user.away}` : "")
                  }
                  onClick={() => setOpen(open === m.user.tag ? null : m.user.tag)}
                >
                  <span>
                    {m.user.pseudo}
                    {m.owner && <span class="role owner">owner</span>}
                    {!m.owner && m.mod && <span class="role">mod</span>}
                  </span>
                  {m.user.away && <span class="note">away: {m.user.away}</span>}
                </button>
              </div>
              {open === m.user.tag && m.user.tag !== p.me && (
                <div class="member-menu" role="group" aria-label={`Actions for ${m.user.pseudo}`}>
                  <button type="button" onClick={() => p.onMessage(m.user.tag)}>
                    Message
                  </button>
                  {p.onUnfriend && (
                    <button type="button" onClick={() => p.onUnfriend?.(m.user.tag)}>
                      Remove friend
                    </button>
                  )}
                  {p.canModerate && !m.owner && (
                    <>
                      {(p.isChannel || p.isOwner) && (
                        <button type="button" onClick={() => p.onMod(m.user.tag, !m.mod)}>
                          {m.mod ? "Remove moderator" : "Make moderator"}
                        </button>
                      )}
                      <button type="button" onClick={() => p.onKick(m.user.tag)}>
                        Kick
                      </button>
                      {!p.isChannel && (
                        <button type="button" class="danger" onClick={() => p.onBan(m.user.tag)}>
                          Ban
                        </button>
                      )}
                    </>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      </>
    );
  return (
    <aside class="members" aria-label="Members">
      {group("Online", online)}
      {group("Offline", offline)}
    </aside>
  );
}
