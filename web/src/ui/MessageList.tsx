import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

// The scrolling list of a conversation. It holds only the window of
// messages the store has loaded around the viewport (the store keeps that
// window bounded and fetches HIST pages at its edges), and keeps what the
// reader looks at in place while pages are added above or dropped below:
// before every change it notes the first row on screen and its offset, and
// puts it back afterwards. At the bottom it stays at the bottom, as a chat
// does when a message arrives.
//
// From the keyboard the list is one tab stop: arrow keys move from message
// to message (roving tabindex), Home/End go to the ends, Enter moves focus
// into the message's actions and Escape comes back.

export interface Row {
  key: string;
  node: ComponentChildren;
}

interface Props {
  label: string;
  rows: Row[];
  /** Whether the window holds the conversation's newest message. */
  atNewest: boolean;
  /** Whether older messages may exist beyond the window's top. */
  hasOlder: boolean;
  loading: boolean;
  onNearTop(): void;
  onNearBottom(): void;
  /** Called with the key of the newest row the reader has seen. */
  onSeen(key: string): void;
  /** A row to bring into view and focus (a search result), once. */
  focusKey?: string;
  /** The row of focusKey was brought into view: the caller forgets it. */
  onFocused?(): void;
}

const edge = 800; // px from an end at which the next page is asked for

export function MessageList({ label, rows, atNewest, hasOlder, loading, onNearTop, onNearBottom, onSeen, focusKey, onFocused }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const anchor = useRef<{ key: string; offset: number } | "bottom">("bottom");
  const [active, setActive] = useState<string | null>(null);

  // Note where the reader is, after each scroll.
  function note() {
    const s = scroller.current, l = list.current;
    if (!s || !l) return;
    if (atNewest && s.scrollHeight - s.scrollTop - s.clientHeight < 40) {
      anchor.current = "bottom";
      return;
    }
    const top = s.getBoundingClientRect().top;
    for (const li of Array.from(l.children) as HTMLElement[]) {
      const r = li.getBoundingClientRect();
      if (r.bottom > top) {
        anchor.current = { key: li.dataset.key ?? "", offset: r.top - top };
        return;
      }
    }
  }

  // Put the reader back where it was noted. The scroll event this causes
  // arrives later, maybe after an image grew the list: it must not be
  // taken for the reader's own scroll (own remembers where we put it).
  const own = useRef(-1);
  function restore() {
    const s = scroller.current, l = list.current;
    if (!s || !l) return;
    const a = anchor.current;
    if (a === "bottom") {
      s.scrollTop = s.scrollHeight;
      own.current = s.scrollTop;
      return;
    }
    const li = l.querySelector<HTMLElement>(`[data-key="${CSS.escape(a.key)}"]`);
    if (!li) return;
    const top = s.getBoundingClientRect().top;
    s.scrollTop += li.getBoundingClientRect().top - top - a.offset;
    own.current = s.scrollTop;
  }

  function check() {
    const s = scroller.current;
    if (!s) return;
    if (s.scrollTop < edge && hasOlder && !loading) onNearTop();
    if (s.scrollHeight - s.scrollTop - s.clientHeight < edge && !atNewest && !loading) onNearBottom();
    if (s.scrollHeight - s.scrollTop - s.clientHeight < 40 && rows.length > 0) onSeen(rows[rows.length - 1].key);
  }

  useLayoutEffect(() => {
    restore();
    check();
  }, [rows, atNewest, hasOlder, loading]);

  // Images that load, and a window that resizes, move rows: keep the
  // anchor through those too.
  useEffect(() => {
    const l = list.current, s = scroller.current;
    if (!l || !s) return;
    const ro = new ResizeObserver(() => restore());
    ro.observe(l);
    ro.observe(s);
    return () => ro.disconnect();
  }, []);

  // What arrived while the tab was hidden is read when it shows again.
  useEffect(() => {
    const v = () => !document.hidden && check();
    document.addEventListener("visibilitychange", v);
    return () => document.removeEventListener("visibilitychange", v);
  });

  useEffect(() => {
    if (!focusKey) return;
    const li = list.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusKey)}"]`);
    if (li) {
      li.scrollIntoView({ block: "center" });
      setActive(focusKey);
      li.focus();
      note();
      onFocused?.();
    }
  }, [focusKey, rows]);

  // Which row has focus, told by the list rather than by a handler on each
  // row: a row's handler is a closure over the render that made it, that
  // render's rows hold their elements, and each of those its own handler
  // over an older render, so that every row ever shown stayed reachable
  // (make bench-web: 16 KiB of heap per message scrolled past, before).
  function focusIn(e: FocusEvent) {
    const key = (e.target as HTMLElement).closest<HTMLElement>("li[data-key]")?.dataset.key;
    if (key) setActive(key);
  }

  function keys(e: KeyboardEvent) {
    const l = list.current;
    if (!l) return;
    const items = Array.from(l.children) as HTMLElement[];
    const here = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>("li[data-key]");
    const inside = here && document.activeElement !== here;
    if (e.key === "Escape" && inside) {
      e.preventDefault();
      here.focus();
      return;
    }
    if (inside) return; // keys belong to the buttons of the message
    // Typing while on the list types in the composer, as in other chats.
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      document.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
      return;
    }
    let i = here ? items.indexOf(here) : items.length;
    switch (e.key) {
      case "ArrowUp":
        i = Math.max(0, i - 1);
        break;
      case "ArrowDown":
        i = Math.min(items.length - 1, i + 1);
        break;
      case "Home":
        i = 0;
        break;
      case "End":
        i = items.length - 1;
        break;
      case "Enter":
        if (here) {
          e.preventDefault();
          here.querySelector<HTMLElement>(".msg-actions button")?.focus();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    const li = items[i];
    if (li) {
      setActive(li.dataset.key ?? null);
      li.focus();
      li.scrollIntoView({ block: "nearest" });
    }
  }

  const tabStop = active && rows.some((r) => r.key === active) ? active : rows[rows.length - 1]?.key;

  return (
    <div
      class="scroller"
      ref={scroller}
      onScroll={() => {
        const s = scroller.current;
        const mine = s !== null && Math.abs(s.scrollTop - own.current) < 2;
        own.current = -1;
        if (!mine) note();
        check();
      }}
    >
      {!hasOlder && rows.length > 0 && <p class="history-edge">This is the beginning of the conversation.</p>}
      {hasOlder && loading && (
        <p class="history-edge" role="status">
          Loading older messages…
        </p>
      )}
      <ul class="messages" role="list" aria-label={label} ref={list} onKeyDown={keys} onFocusIn={focusIn}>
        {rows.map((r) => (
          <li
            key={r.key}
            data-key={r.key}
            tabIndex={r.key === tabStop ? 0 : -1}
            class={"row" + (r.key === active ? " active" : "")}
          >
            {r.node}
          </li>
        ))}
      </ul>
      {rows.length === 0 && !loading && <p class="history-edge">No messages yet. Say hello!</p>}
    </div>
  );
}
