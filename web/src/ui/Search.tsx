import { useState } from "preact/hooks";
import { Dialog } from "./Dialog";
import { fullTime } from "./format";
import type { ConvKey } from "./view";

// Search (FIND): whole words, case and accents ignored, newest first; in
// the conversation on screen or everywhere. A result opens its
// conversation at that message.

export interface Hit {
  id: number;
  conv: ConvKey;
  where: string;
  authorName: string;
  text: string;
  time: number;
}

interface Props {
  current: ConvKey | null;
  currentName: string;
  find(conv: ConvKey | null, text: string): Promise<Hit[]>;
  onJump(hit: Hit): void;
  onClose(): void;
}

export function Search({ current, currentName, find, onJump, onClose }: Props) {
  const [q, setQ] = useState("");
  const [everywhere, setEverywhere] = useState(current === null);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Search" onClose={onClose}>
      <form
        role="search"
        aria-label="Search messages"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!q.trim()) return;
          setBusy(true);
          setError("");
          try {
            setHits(await find(everywhere ? null : current, q.trim()));
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="field">
          <span>Words</span>
          <input type="search" autoFocus value={q} maxLength={256} onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        {current && (
          <label>
            <input type="checkbox" checked={everywhere} onChange={(e) => setEverywhere(e.currentTarget.checked)} /> Search
            everywhere, not only in {currentName}
          </label>
        )}
        <div class="dialog-buttons">
          <button type="submit" class="primary" disabled={busy}>
            Search
          </button>
        </div>
      </form>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {hits && (
        <ul class="results" aria-label="Search results">
          {hits.length === 0 && <li>Nothing found.</li>}
          {hits.map((h) => (
            <li key={h.id}>
              <button type="button" onClick={() => onJump(h)}>
                <small>
                  {h.where} · {h.authorName} · {fullTime(h.time)}
                </small>
                {h.text}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
