import { useEffect, useRef, useState } from "preact/hooks";
import { Recorder } from "./Recorder";
import { Icon } from "./Icon";

// The composer. One line per message, as the protocol carries it: Enter
// sends, and a newline typed or pasted is sent as a space. Up on an empty
// composer edits one's last message. "@" opens a list of the
// conversation's members; Tab or Enter completes, Escape closes.
// What is typed is kept per conversation by the caller (draft), so it
// survives switching conversations and a reconnect.

export interface Mode {
  kind: "reply" | "edit";
  id: string;
  /** Who is answered, or the text being edited. */
  label: string;
  text?: string;
}

interface Props {
  label: string;
  /** What was typed here before (kept by the caller per conversation). */
  initialDraft: string;
  saveDraft(text: string): void;
  mode: Mode | null;
  setMode(m: Mode | null): void;
  members: string[];
  /** Resolves once stored; on a refusal the text comes back to the composer. */
  onSend(text: string, mode: Mode | null): Promise<unknown>;
  onTyping(): void;
  onEditLast(): void;
  onFiles(files: File[]): void;
  onError(message: string): void;
  onGames(): void;
  focusToken: number;
}

export function Composer(props: Props) {
  const [draft, setDraftState] = useState(props.initialDraft);
  const setDraft = (t: string) => {
    setDraftState(t);
    props.saveDraft(t);
  };
  const p = { ...props, draft, setDraft };
  const input = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const [pick, setPick] = useState(0);
  const [caret, setCaret] = useState(0);

  useEffect(() => {
    input.current?.focus();
  }, [p.focusToken, p.mode?.id]);

  // Editing puts the message's text in the composer.
  useEffect(() => {
    if (p.mode?.kind === "edit" && p.mode.text !== undefined) setDraft(p.mode.text);
  }, [p.mode?.kind, p.mode?.id]);

  // The word being typed before the caret, when it starts with "@".
  const before = p.draft.slice(0, caret);
  const at = /(^|\s)@([^\s@]*)$/.exec(before);
  const query = at ? at[2].toLowerCase() : null;
  const matches = query === null ? [] : p.members.filter((m) => m.toLowerCase().startsWith(query)).slice(0, 8);
  const popup = matches.length > 0;

  function complete(name: string) {
    if (!at) return;
    const start = caret - at[2].length;
    const text = p.draft.slice(0, start) + name + " " + p.draft.slice(caret);
    p.setDraft(text);
    const pos = start + name.length + 1;
    setCaret(pos);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(pos, pos);
    });
  }

  function send() {
    const text = p.draft.replace(/[\r\n]+/g, " ").trim();
    if (!text) return;
    const mode = p.mode;
    p.setDraft("");
    p.setMode(null);
    p.onSend(text, mode).catch(() => {
      // Nothing typed is lost: the refused text comes back, unless
      // something new was typed meanwhile.
      if (input.current && input.current.value === "") {
        setDraft(text);
        p.setMode(mode);
      }
    });
  }

  function key(e: KeyboardEvent) {
    if (popup) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setPick((i) => (i + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (e.key === "Tab" || e.key === "Enter") {
        e.preventDefault();
        complete(matches[Math.min(pick, matches.length - 1)]);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setCaret(-1);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
      return;
    }
    if (e.key === "Enter" && e.shiftKey) {
      e.preventDefault(); // one line per message: no newline
      return;
    }
    if (e.key === "ArrowUp" && p.draft === "" && !p.mode) {
      e.preventDefault();
      p.onEditLast();
      return;
    }
    if (e.key === "Escape" && p.mode) {
      e.preventDefault();
      p.setMode(null);
      if (p.mode.kind === "edit") p.setDraft("");
    }
  }

  return (
    <div class="composer">
      {popup && (
        <ul class="popup" role="listbox" id="mention-list" aria-label="Mentions">
          {matches.map((m, i) => (
            <li
              key={m}
              id={`mention-${i}`}
              role="option"
              aria-selected={i === Math.min(pick, matches.length - 1)}
              onMouseDown={(e) => {
                e.preventDefault();
                complete(m);
              }}
            >
              @{m}
            </li>
          ))}
        </ul>
      )}
      {p.mode && (
        <div class="context">
          <span>
            {p.mode.kind === "reply" ? (
              <>
                Replying to <strong>{p.mode.label}</strong>
              </>
            ) : (
              "Editing your message"
            )}
          </span>
          <button
            type="button"
            class="plain"
            aria-label={p.mode.kind === "reply" ? "Cancel reply" : "Cancel edit"}
            onClick={() => {
              if (p.mode?.kind === "edit") p.setDraft("");
              p.setMode(null);
            }}
          >
            <Icon name="close" />
          </button>
        </div>
      )}
      <div class="composer-row">
        <input
          ref={file}
          type="file"
          multiple
          class="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            e.currentTarget.value = "";
            if (files.length) p.onFiles(files);
          }}
        />
        <button type="button" aria-label="Upload a file" title="Upload a file" onClick={() => file.current?.click()}>
          <Icon name="attach" />
        </button>
        <textarea
          ref={input}
          rows={1}
          aria-label={p.label}
          placeholder={p.label}
          value={p.draft}
          maxLength={4000}
          aria-autocomplete="list"
          aria-controls={popup ? "mention-list" : undefined}
          aria-activedescendant={popup ? `mention-${Math.min(pick, matches.length - 1)}` : undefined}
          onInput={(e) => {
            const t = e.currentTarget;
            p.setDraft(t.value);
            setCaret(t.selectionStart ?? t.value.length);
            setPick(0);
            if (t.value.trim()) p.onTyping();
          }}
          onKeyUp={(e) => {
            if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End")
              setCaret(e.currentTarget.selectionStart ?? 0);
          }}
          onClick={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
          onKeyDown={key}
          onPaste={(e) => {
            const files = Array.from(e.clipboardData?.files ?? []);
            if (files.length) {
              e.preventDefault();
              p.onFiles(files);
            }
          }}
        />
        <button type="button" aria-label="Play a game" title="Play a game" onClick={p.onGames}>
          <Icon name="dice" />
        </button>
        <Recorder onSend={(f) => p.onFiles([f])} onError={p.onError} />
        <button type="button" aria-label="Send" title="Send" onClick={send}>
          <Icon name="send" />
        </button>
      </div>
    </div>
  );
}
