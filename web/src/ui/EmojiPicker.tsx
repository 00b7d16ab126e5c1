import { useState } from "preact/hooks";
import { Dialog } from "./Dialog";
import { searchEmoji } from "./emoji";

// The emoji picker: a search box over a small grid; arrow keys move in
// the grid as in any grid of buttons, Enter picks.

interface Props {
  onPick(emoji: string): void;
  onClose(): void;
}

export function EmojiPicker({ onPick, onClose }: Props) {
  const [q, setQ] = useState("");
  const list = searchEmoji(q);
  const cols = 8;

  function move(e: KeyboardEvent) {
    const buttons = Array.from((e.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>("button"));
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const step = ({ ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols } as Record<string, number>)[e.key];
    if (!step) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, i + step))]?.focus();
  }

  return (
    <Dialog title="Emoji" onClose={onClose} class="emoji-dialog">
      <input
        type="search"
        aria-label="Search emoji"
        placeholder="Search emoji"
        value={q}
        autoFocus
        onInput={(e) => setQ(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && list.length > 0) {
            e.preventDefault();
            onPick(list[0].char);
          }
          if (e.key === "ArrowDown") {
            e.preventDefault();
            (e.currentTarget.parentElement?.querySelector(".emoji-grid button") as HTMLButtonElement | null)?.focus();
          }
        }}
      />
      <div class="emoji-grid" role="group" aria-label="Emoji list" onKeyDown={move}>
        {list.map((e) => (
          <button type="button" key={e.char} title={e.words} onClick={() => onPick(e.char)}>
            {e.char}
          </button>
        ))}
      </div>
      {list.length === 0 && <p>No emoji match “{q}”.</p>}
    </Dialog>
  );
}
