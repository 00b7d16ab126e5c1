import { Attachment } from "./Attachment";
import { PrivateBadge, PrivateFile } from "./Privacy";
import { clock, fullTime, pieces } from "./format";
import type { MessageView } from "./view";

// One message: its author and time (once per group), the message it
// answers quoted above it, its text with mentions and links, "(edited)",
// a file, its reactions, and the actions (hover, focus, or Enter from the
// list): Reply, React, Edit and Delete.

interface Props {
  m: MessageView;
  myPseudo: string;
  /** Whether a pseudo names someone (only those are highlighted). */
  known(pseudo: string): boolean;
  fileUrl(name: string, thumb: boolean): string;
  onReply(m: MessageView): void;
  onEdit(m: MessageView): void;
  onDelete(m: MessageView): void;
  onReact(m: MessageView): void;
  onToggleReaction(m: MessageView, emoji: string, mine: boolean): void;
  onJump(id: number): void;
  onOpenImage(url: string, name: string): void;
  onRetry(local: number): void;
  onDiscard(local: number): void;
}

export function Message({ m, myPseudo, known, fileUrl, onReply, onEdit, onDelete, onReact, onToggleReaction, onJump, onOpenImage, onRetry, onDiscard }: Props) {
  const cls = "msg" + (m.first || m.reply ? " first" : "") + (m.mentionsMe ? " mentioned" : "") + (m.pending ? " pending" : "");
  if (m.pending) return <PendingMessage m={m} onRetry={onRetry} onDiscard={onDiscard} cls={cls} />;
  return (
    <article class={cls} aria-label={`${m.authorName} at ${clock(m.time)}`}>
      {m.reply && (
        <button type="button" class="quote" onClick={() => m.reply && onJump(m.reply.id)} aria-label={`Reply to ${m.reply.authorName}: ${m.reply.text}`}>
          <strong>{m.reply.authorName}</strong> <span>{m.reply.text}</span>
        </button>
      )}
      {(m.first || m.reply) && (
        <div class="head">
          <span class="author">{m.authorName}</span>
          <time dateTime={new Date(m.time).toISOString()} title={fullTime(m.time)}>
            {clock(m.time)}
          </time>
        </div>
      )}
      {m.text !== undefined && (
        <div class="text">
          {pieces(m.text, myPseudo, known).map((p, i) =>
            "mention" in p ? (
              <span key={i} class="mention-chip">
                @{p.mention}
              </span>
            ) : "url" in p ? (
              <a key={i} href={p.url} target="_blank" rel="noopener noreferrer nofollow">
                {p.url}
              </a>
            ) : (
              <span key={i}>{p.text}</span>
            ),
          )}
          {m.edited && (
            <span class="edited" title={fullTime(m.edited)}>
              (edited)
            </span>
          )}
        </div>
      )}
      {m.private && !m.private.file && <PrivateBadge mark={m.private} />}
      {m.file !== undefined && m.private?.file && <PrivateFile key={fileUrl(m.file, false)} m={m} url={fileUrl(m.file, false)} onOpenImage={onOpenImage} />}
      {m.file !== undefined && !m.private?.file && <Attachment key={fileUrl(m.file, false)} name={m.file} url={fileUrl(m.file, false)} thumbUrl={fileUrl(m.file, true)} onOpenImage={onOpenImage} />}
      {m.reactions.length > 0 && (
        <ul class="reactions" aria-label="Reactions">
          {m.reactions.map((r) => (
            <li key={r.emoji}>
              <button
                type="button"
                class={"reaction" + (r.mine ? " mine" : "")}
                aria-pressed={r.mine}
                aria-label={`${r.emoji} ${r.count}`}
                title={r.who}
                onClick={() => onToggleReaction(m, r.emoji, r.mine)}
              >
                {r.emoji} {r.count}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="msg-actions" role="toolbar" aria-label="Message actions">
        <button type="button" onClick={() => onReply(m)}>
          Reply
        </button>
        <button type="button" onClick={() => onReact(m)}>
          React
        </button>
        {m.mine && m.text !== undefined && (
          <button type="button" onClick={() => onEdit(m)}>
            Edit
          </button>
        )}
        {m.canDelete && (
          <button type="button" onClick={() => onDelete(m)}>
            Delete
          </button>
        )}
      </div>
    </article>
  );
}

/** A message typed and not yet stored: waiting for the connection, on its way, or refused. */
function PendingMessage({ m, cls, onRetry, onDiscard }: { m: MessageView; cls: string; onRetry(l: number): void; onDiscard(l: number): void }) {
  const p = m.pending!;
  return (
    <article class={cls} aria-label={`${m.authorName}, not sent yet`}>
      <div class="head">
        <span class="author">{m.authorName}</span>
        <time>{p.state === "queued" ? "waiting for the connection" : p.state === "sent" ? "sending…" : "not sent"}</time>
      </div>
      <div class="text">{m.text}</div>
      {p.state === "failed" && (
        <p class="form-error">
          {p.error}{" "}
          <button type="button" class="plain" onClick={() => onRetry(p.local)}>
            Retry
          </button>
          <button type="button" class="plain" onClick={() => onDiscard(p.local)}>
            Discard
          </button>
        </p>
      )}
    </article>
  );
}
