// The wording of the bundled games' lines (games.ts), checked against the
// examples of docs/games/*.md. Run with the lib's tests (web/test/run.mjs
// picks up src/ui/*.test.ts too).
import { test } from "node:test";
import assert from "node:assert/strict";
import { GameBook, wordGame, type GameView, type Piece } from "./games";
import { pieces } from "./format";
import { searchEmoji } from "./emoji";

const names: Record<number, string> = { 1: "alice", 2: "bob", 3: "carol", 7: "alice", 9: "bob" };
const ctx = (me: number) => ({ me, pseudo: (t: number) => names[t] ?? `user ${t}` });

function text(v: GameView | null): string {
  assert.ok(v, "the line should be worded");
  return v.pieces.map((p: Piece) => (typeof p === "string" ? p : `[${p.card}]`)).join("");
}

test("roulette lines read as sentences", () => {
  const b = new GameBook();
  assert.equal(text(wordGame("roulette", "open 5 2 30", ctx(7), b)), "bets are open: the wheel spins in 30 s");
  assert.equal(text(wordGame("roulette", "placed 5 2 bob corner 17 18 20 21 30", ctx(7), b)), "bob bets 30 chips on corner 17 18 20 21");
  assert.equal(text(wordGame("roulette", "spin 5 2 17 black", ctx(7), b)), "the ball lands on 17 black");
  assert.equal(text(wordGame("roulette", "payout 5 2 bob 40 450", ctx(7), b)), "bob staked 40, paid 450: won 410");
  assert.equal(text(wordGame("roulette", "balance 900", ctx(7), b)), "you have 900 chips");
  const err = wordGame("roulette", "error split: 17 and 19 are not next to each other on the layout", ctx(7), b);
  assert.equal(err?.error, true);
  assert.equal(text(err), "split: 17 and 19 are not next to each other on the layout");
});

test("blackjack names seats by who sat there and offers the moves on one's turn", () => {
  const b = new GameBook();
  assert.equal(text(wordGame("blackjack", "sat 5 2 1 7", ctx(7), b)), "alice sits at seat 1");
  assert.equal(text(wordGame("blackjack", "card 5 2 1 1 Ah 11", ctx(7), b)), "alice: [A♥], total 11");
  assert.equal(text(wordGame("blackjack", "dealer Td 10", ctx(7), b) ?? { pieces: ["(none)"] }), "(none)");
  assert.equal(text(wordGame("blackjack", "dealer 5 2 Td 10", ctx(7), b)), "dealer: [10♦], total 10");
  const turn = wordGame("blackjack", "turn 5 2 1 1 20", ctx(7), b);
  assert.equal(text(turn), "your turn: 20 s to act");
  assert.deepEqual(
    turn?.actions?.map((a) => [a.label, a.payload]),
    [
      ["Hit", "hit 5 2"],
      ["Stand", "stand 5 2"],
      ["Double", "double 5 2"],
      ["Split", "split 5 2"],
    ],
  );
  // Someone else's turn: no buttons.
  const other = wordGame("blackjack", "turn 5 2 1 1 20", ctx(9), b);
  assert.equal(text(other), "alice to play: 20 s");
  assert.equal(other?.actions, undefined);
  wordGame("blackjack", "split 5 2 1 10", ctx(7), b);
  assert.equal(text(wordGame("blackjack", "result 5 2 1 2 win 10 20", ctx(7), b)), "alice (hand 2) wins: bet 10, paid 20");
  assert.equal(text(wordGame("blackjack", "result 5 2 4 1 lose 10 0", ctx(7), b)), "seat 4 loses: bet 10, paid 0");
});

test("hold'em: names for tags, cards as cards, and the moves to act", () => {
  const b = new GameBook();
  assert.equal(text(wordGame("holdem", "hand 5 2 1 1 1:100 2:300 3:600", ctx(1), b)), "hand 1: alice 100, bob 300, carol 600 (button: alice)");
  assert.equal(text(wordGame("holdem", "cards 5 2 As Ad", ctx(1), b)), "your cards: [A♠] [A♦]");
  const act = wordGame("holdem", "toact 5 2 1 10 20 100 20", ctx(1), b);
  assert.deepEqual(
    act?.actions?.map((a) => [a.label, a.payload, a.amount?.min]),
    [
      ["Call 10", "call 5 2", undefined],
      ["Raise", "raise 5 2", 20],
      ["All in (100)", "allin 5 2", undefined],
      ["Fold", "fold 5 2", undefined],
    ],
  );
  const check = wordGame("holdem", "toact 5 2 1 0 10 100 20", ctx(1), b);
  assert.deepEqual(check?.actions?.map((a) => a.label), ["Check", "Bet", "All in (100)", "Fold"]);
  assert.equal(text(wordGame("holdem", "toact 5 2 2 95 190 300 20", ctx(1), b)), "bob to act: 20 s");
  assert.equal(
    text(wordGame("holdem", "show 5 2 2 Ks Kd Ks Kd 7d 9h Js pair of kings", ctx(1), b)),
    "bob shows [K♠] [K♦]: pair of kings ([K♠] [K♦] [7♦] [9♥] [J♠])",
  );
  assert.equal(text(wordGame("holdem", "win 5 2 2 400 side1", ctx(1), b)), "bob wins 400 from side pot 1");
  assert.equal(text(wordGame("holdem", "board 5 2 flop 2c 7d 9h", ctx(1), b)), "flop: [2♣] [7♦] [9♥]");
});

test("lines the page cannot word come back as null (shown raw)", () => {
  const b = new GameBook();
  assert.equal(wordGame("chess", "e4", ctx(1), b), null);
  assert.equal(wordGame("holdem", "dance 5 2", ctx(1), b), null);
  assert.equal(wordGame("holdem", "hand 5 2 x", ctx(1), b), null);
  assert.equal(wordGame("roulette", "spin 5 2", ctx(1), b), null);
  assert.equal(text(wordGame("ROLL", "2d6+1 4 + 2 + 1 = 7", ctx(1), b)), "you roll 2d6+1: 4 + 2 + 1 = 7");
});

test("mentions are cut out of a text only for known pseudos, links too", () => {
  const known = (p: string) => p.toLowerCase() === "bob";
  assert.deepEqual(pieces("hi @Bob, see https://example.org/x.", "alice", known), [
    { text: "hi " },
    { mention: "Bob", me: false },
    { text: ", see " },
    { url: "https://example.org/x" },
    { text: "." },
  ]);
  assert.deepEqual(pieces("hello @everyone", "alice", known), [{ text: "hello @everyone" }]);
});

test("the emoji search matches word prefixes", () => {
  assert.equal(searchEmoji("thumb")[0].char, "👍");
  assert.ok(searchEmoji("fire").some((e) => e.char === "🔥"));
  assert.equal(searchEmoji("zzzz-nothing").length, 0);
});
