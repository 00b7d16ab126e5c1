import { ActionButton } from "./GameCard";
import { startActions } from "./games";

// The games of the conversation on screen: the commands that start a
// round (a bet, a seat), so nobody needs to know the JEU grammar. What
// follows comes as buttons on the table's lines.

interface Props {
  addr: string;
  onPlay(game: string, payload: string): void;
  onClose(): void;
}

export function GamePanel({ addr, onPlay, onClose }: Props) {
  return (
    <section class="game-panel" aria-label="Games">
      {startActions(addr).map((g) => (
        <div key={g.game} role="group" aria-label={g.game}>
          <h3>{g.game === "holdem" ? "hold'em" : g.game}</h3>
          <div class="game-actions">
            {g.actions.map((a) => (
              <ActionButton key={a.label} game={g.game} action={a} onPlay={onPlay} />
            ))}
          </div>
        </div>
      ))}
      <div>
        <button type="button" onClick={onClose}>
          Close games
        </button>
      </div>
    </section>
  );
}
