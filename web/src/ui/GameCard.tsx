import { useState } from "preact/hooks";
import type { GameAction, GameView, Piece } from "./games";

// A game line as a card: its worded text, cards drawn as cards, and the
// buttons the line calls for. A line the page cannot word shows raw.

interface Props {
  game: string;
  view: GameView | null;
  raw: string;
  onPlay(game: string, payload: string): void;
  /** Only the newest line of a table offers its buttons. */
  live: boolean;
}

export function GameCard({ game, view, raw, onPlay, live }: Props) {
  return (
    <div class={"game" + (view?.error ? " error" : "")} role="group" aria-label={`${game} table`}>
      <span class="game-name">{game === "ROLL" ? "dice" : game === "holdem" ? "hold'em" : game}</span>
      {view ? <Pieces pieces={view.pieces} /> : <span class="raw">{raw}</span>}
      {live && view?.actions && view.actions.length > 0 && (
        <div class="game-actions">
          {view.actions.map((a) => (
            <ActionButton key={a.label} game={game} action={a} onPlay={onPlay} />
          ))}
        </div>
      )}
    </div>
  );
}

export function Pieces({ pieces }: { pieces: Piece[] }) {
  return (
    <>
      {pieces.map((p, i) =>
        typeof p === "string" ? (
          <span key={i}>{p}</span>
        ) : (
          <span key={i} class={"playing-card" + (p.red ? " red" : "")} role="img" aria-label={p.card}>
            {p.card}
          </span>
        ),
      )}
    </>
  );
}

export function ActionButton({ game, action, onPlay }: { game: string; action: GameAction; onPlay(game: string, payload: string): void }) {
  const [amount, setAmount] = useState(action.amount?.value ?? 0);
  if (!action.amount)
    return (
      <button type="button" onClick={() => onPlay(game, action.payload)}>
        {action.label}
      </button>
    );
  return (
    <span class="game-amount">
      <input
        type="number"
        aria-label={`${action.label} amount`}
        min={action.amount.min}
        max={action.amount.max}
        value={amount}
        onInput={(e) => setAmount(Number(e.currentTarget.value))}
      />
      <button type="button" onClick={() => onPlay(game, `${action.payload} ${Math.floor(amount)}`)}>
        {action.label}
      </button>
    </span>
  );
}
