// The bundled games (docs/games) speak a grammar made for programs: tags for
// people, seat numbers, "Ah" for a card. This module words their lines as
// people read them and says which buttons a line calls for, the way the
// terminal client's cmd/salon/games.go does. A line of a game the page does
// not know, or one that does not parse as its game documents it, gets
// null: the caller shows it raw.

/** One piece of a worded line: text, a card drawn as a card, or a person. */
export type Piece = string | { card: string; red: boolean };

/** A button a game line offers: its label and the JEU payload it sends. */
export interface GameAction {
  label: string;
  payload: string;
  /** When set, the button asks for a number first (a raise, a bet). */
  amount?: { min: number; max: number; value: number };
}

export interface GameView {
  pieces: Piece[];
  error?: boolean;
  actions?: GameAction[];
}

/** What wording needs from the page: names, and who this user is. */
export interface GameContext {
  me: number;
  pseudo(tag: number): string;
}

/** Who sits where at blackjack tables (its lines name seats, not people). */
export class GameBook {
  seats = new Map<string, Map<number, number>>();
  split = new Map<string, Set<number>>();
}

const known = new Set(["roulette", "blackjack", "holdem"]);

export function isKnownGame(game: string): boolean {
  return known.has(game);
}

const isNumber = (s: string | undefined): boolean => s !== undefined && /^(0|[1-9][0-9]*)$/.test(s);

/** card writes "Ah" as A♥ and "Td" as 10♦; anything else as it came. */
export function card(c: string): Piece {
  if (c.length !== 2) return c;
  const suit = ({ c: "♣", d: "♦", h: "♥", s: "♠" } as Record<string, string>)[c[1]];
  if (!suit || !"A23456789TJQK".includes(c[0])) return c;
  return { card: (c[0] === "T" ? "10" : c[0]) + suit, red: c[1] === "d" || c[1] === "h" };
}

function cards(list: string[]): Piece[] {
  const out: Piece[] = [];
  list.forEach((c, i) => {
    if (i > 0) out.push(" ");
    out.push(card(c));
  });
  return out;
}

const chips = (n: string): string => (n === "1" ? "1 chip" : `${n} chips`);

function outcome(o: string): string {
  return ({ win: "wins", lose: "loses", push: "pushes", blackjack: "wins with blackjack" } as Record<string, string>)[o] ?? o;
}

function balanceWord(staked: string, paid: string): string {
  const s = Number(staked), p = Number(paid);
  if (p > s) return `won ${p - s}`;
  if (p < s) return `lost ${s - p}`;
  return "even";
}

/**
 * wordGame words one game payload. book remembers blackjack seats across
 * lines, so lines must be worded in the order they arrived.
 */
export function wordGame(game: string, payload: string, ctx: GameContext, book: GameBook): GameView | null {
  if (game === "ROLL") {
    // The dice plugin's answer to ROLL: "2d6+1 4 + 2 + 1 = 7".
    const [expr, ...rest] = payload.trim().split(" ");
    return rest.length ? { pieces: [`you roll ${expr}: ${rest.join(" ")}`] } : null;
  }
  if (!known.has(game)) return null;
  const f = payload.trim().split(/ +/);
  if (f.length === 0 || f[0] === "") return null;
  const rest = payload.trim().slice(f[0].length).trim();
  switch (f[0]) {
    case "help":
      return { pieces: [rest] };
    case "balance":
      return f.length === 2 && isNumber(f[1]) ? { pieces: ["you have " + chips(f[1])] } : null;
    case "error":
      return { pieces: [rest], error: true };
  }
  if (f.length < 3 || !isNumber(f[1]) || !isNumber(f[2])) return null;
  const t = new Line(ctx, book, game, `${f[1]} ${f[2]}`, f[0], f.slice(3));
  switch (game) {
    case "roulette":
      return t.roulette();
    case "blackjack":
      return t.blackjack();
    default:
      return t.holdem();
  }
}

class Line {
  constructor(
    private ctx: GameContext,
    private book: GameBook,
    private game: string,
    private addr: string,
    private verb: string,
    private a: string[],
  ) {}

  private get key(): string {
    return `${this.game} ${this.addr}`;
  }

  private want(n: number, ...numeric: number[]): boolean {
    return this.a.length === n && numeric.every((i) => isNumber(this.a[i]));
  }

  private user(tag: string): string {
    return isNumber(tag) ? this.ctx.pseudo(Number(tag)) : tag;
  }

  private act(label: string, command: string, extra = ""): GameAction {
    return { label, payload: `${command} ${this.addr}${extra ? " " + extra : ""}` };
  }

  roulette(): GameView | null {
    const a = this.a;
    switch (this.verb) {
      case "open":
        if (this.want(1, 0)) return { pieces: [`bets are open: the wheel spins in ${a[0]} s`] };
        break;
      case "placed":
        if (a.length >= 3 && isNumber(a[a.length - 1]))
          return { pieces: [`${a[0]} bets ${chips(a[a.length - 1])} on ${a.slice(1, -1).join(" ")}`] };
        break;
      case "spin":
        if (this.want(2, 0)) return { pieces: [`the ball lands on ${a[0]} ${a[1]}`] };
        break;
      case "payout":
        if (this.want(3, 1, 2)) return { pieces: [`${a[0]} staked ${a[1]}, paid ${a[2]}: ${balanceWord(a[1], a[2])}`] };
        break;
      case "over":
        if (this.want(0)) return { pieces: ["the round is over: the next bet opens a new one"] };
        break;
      case "refund":
        if (this.want(2, 1)) return { pieces: [`${a[0]} gets ${chips(a[1])} back: the round was called off by a restart`] };
        break;
    }
    return null;
  }

  private sit(seat: number, tag: string): void {
    if (!isNumber(tag)) return;
    let m = this.book.seats.get(this.key);
    if (!m) this.book.seats.set(this.key, (m = new Map()));
    m.set(seat, Number(tag));
  }

  private seat(s: string): string {
    const tag = this.book.seats.get(this.key)?.get(Number(s));
    return tag !== undefined ? this.ctx.pseudo(tag) : `seat ${s}`;
  }

  private isMe(s: string): boolean {
    return this.book.seats.get(this.key)?.get(Number(s)) === this.ctx.me;
  }

  private handNote(seat: string, hand: string): string {
    return hand !== "1" || this.book.split.get(this.key)?.has(Number(seat)) ? ` (hand ${hand})` : "";
  }

  private hand(seat: string, hand: string): string {
    return this.seat(seat) + this.handNote(seat, hand);
  }

  blackjack(): GameView | null {
    const a = this.a;
    switch (this.verb) {
      case "sat":
      case "left":
        if (this.want(2, 0, 1)) {
          this.sit(Number(a[0]), a[1]);
          const mine = Number(a[1]) === this.ctx.me;
          if (this.verb === "sat")
            return {
              pieces: [`${this.user(a[1])} sits at seat ${a[0]}`],
              actions: mine ? [{ ...this.act("Bet", "bet"), amount: { min: 10, max: 500, value: 10 } }, this.act("Leave", "leave")] : undefined,
            };
          return { pieces: [`${this.user(a[1])} leaves seat ${a[0]}`] };
        }
        break;
      case "betting":
        if (this.want(1, 0))
          return {
            pieces: [`bets are open: the cards are dealt in ${a[0]} s`],
            actions: [{ ...this.act("Bet", "bet"), amount: { min: 10, max: 500, value: 10 } }],
          };
        break;
      case "bet":
        if (this.want(3, 0, 1, 2)) {
          this.sit(Number(a[0]), a[1]);
          return { pieces: [`${this.user(a[1])} bets ${a[2]}`] };
        }
        break;
      case "shuffle":
        if (this.want(0)) return { pieces: ["the shoe is shuffled"] };
        break;
      case "card":
        if (this.want(4, 0, 1, 3)) return { pieces: [`${this.hand(a[0], a[1])}: `, card(a[2]), `, total ${a[3]}`] };
        break;
      case "dealer":
        if (this.want(1) && a[0] === "hidden") return { pieces: ["dealer: a card face down"] };
        if (this.want(2, 1)) return { pieces: ["dealer: ", card(a[0]), `, total ${a[1]}`] };
        break;
      case "insurance":
        if (this.want(1, 0)) {
          return {
            pieces: [`the dealer shows an ace: insurance within ${a[0]} s`],
            actions: [this.act("Insure", "insurance"), this.act("No insurance", "insurance", "no")],
          };
        }
        break;
      case "insured":
        if (this.want(2, 0, 1))
          return { pieces: [a[1] === "0" ? `${this.seat(a[0])} declines insurance` : `${this.seat(a[0])} insures for ${a[1]}`] };
        break;
      case "peek":
        if (this.want(1) && a[0] === "none") return { pieces: ["the dealer has no blackjack: the players play"] };
        break;
      case "turn":
        if (this.want(3, 0, 1, 2)) {
          if (this.isMe(a[0]))
            return {
              pieces: [`your turn${this.handNote(a[0], a[1])}: ${a[2]} s to act`],
              actions: [this.act("Hit", "hit"), this.act("Stand", "stand"), this.act("Double", "double"), this.act("Split", "split")],
            };
          return { pieces: [`${this.hand(a[0], a[1])} to play: ${a[2]} s`] };
        }
        break;
      case "stand":
        if (this.want(2, 0, 1)) return { pieces: [`${this.hand(a[0], a[1])} stands`] };
        break;
      case "double":
        if (this.want(3, 0, 1, 2)) return { pieces: [`${this.hand(a[0], a[1])} doubles: the bet is now ${a[2]}`] };
        break;
      case "split":
        if (this.want(2, 0, 1)) {
          let s = this.book.split.get(this.key);
          if (!s) this.book.split.set(this.key, (s = new Set()));
          s.add(Number(a[0]));
          return { pieces: [`${this.seat(a[0])} splits, staking ${a[1]} on a second hand`] };
        }
        break;
      case "timeout":
        if (this.want(1, 0)) return { pieces: [`${this.seat(a[0])} ran out of time: the hands left stand`] };
        break;
      case "result":
        if (this.want(5, 0, 3, 4) && a[1] === "insurance")
          return { pieces: [`${this.seat(a[0])}'s insurance ${outcome(a[2])}: bet ${a[3]}, paid ${a[4]}`] };
        if (this.want(5, 0, 1, 3, 4)) return { pieces: [`${this.hand(a[0], a[1])} ${outcome(a[2])}: bet ${a[3]}, paid ${a[4]}`] };
        break;
      case "end":
        if (this.want(0)) {
          this.book.split.delete(this.key);
          return { pieces: ["the round is over: the next bet opens a new one"], actions: [{ ...this.act("Bet", "bet"), amount: { min: 10, max: 500, value: 10 } }] };
        }
        break;
      case "refund":
        if (this.want(2, 0, 1)) return { pieces: [`${this.user(a[0])} gets ${chips(a[1])} back: the round was called off by a restart`] };
        break;
      case "paid":
        if (this.want(2, 0, 1)) return { pieces: [`${this.user(a[0])} is paid ${chips(a[1])}: a bet settled after a restart`] };
        break;
    }
    return null;
  }

  private stacks(list: string[]): string | null {
    const out: string[] = [];
    for (const s of list) {
      const [u, st, more] = s.split(":");
      if (more !== undefined || !isNumber(u) || !isNumber(st)) return null;
      out.push(`${this.user(u)} ${st}`);
    }
    return out.join(", ");
  }

  holdem(): GameView | null {
    const a = this.a;
    switch (this.verb) {
      case "sit":
        if (this.want(3, 0, 1, 2)) return { pieces: [`${this.user(a[0])} sits at seat ${a[1]} with ${chips(a[2])}`] };
        break;
      case "leave":
        if (this.want(2, 0, 1)) return { pieces: [`${this.user(a[0])} leaves with ${chips(a[1])}`] };
        break;
      case "hand":
        if (a.length >= 3 && isNumber(a[0]) && isNumber(a[1])) {
          const s = this.stacks(a.slice(2));
          if (s !== null) return { pieces: [`hand ${a[0]}: ${s} (button: ${this.user(a[1])})`] };
        }
        break;
      case "cards":
        if (this.want(2)) return { pieces: ["your cards: ", card(a[0]), " ", card(a[1])] };
        break;
      case "blind":
        if (this.want(4, 0, 2, 3) && (a[1] === "small" || a[1] === "big"))
          return { pieces: [`${this.user(a[0])} posts the ${a[1]} blind, ${a[2]} (${a[3]} behind)`] };
        break;
      case "toact":
        if (this.want(5, 0, 1, 2, 3, 4)) {
          if (Number(a[0]) !== this.ctx.me) return { pieces: [`${this.user(a[0])} to act: ${a[4]} s`] };
          const actions: GameAction[] = [];
          actions.push(a[1] === "0" ? this.act("Check", "check") : this.act(`Call ${a[1]}`, "call"));
          if (a[2] !== "0") {
            const min = Number(a[2]), max = Number(a[3]);
            actions.push({ ...this.act(a[1] === "0" ? "Bet" : "Raise", a[1] === "0" ? "bet" : "raise"), amount: { min, max, value: min } });
          }
          actions.push(this.act(`All in (${a[3]})`, "allin"), this.act("Fold", "fold"));
          return { pieces: [`your turn: ${a[4]} s to act`], actions };
        }
        break;
      case "act":
        if (this.want(4, 0, 2, 3)) {
          const who = this.user(a[0]), bet = a[2], left = ` (${a[3]} behind)`;
          const text = ({
            fold: `${who} folds`,
            check: `${who} checks`,
            call: `${who} calls ${bet}${left}`,
            bet: `${who} bets ${bet}${left}`,
            raise: `${who} raises to ${bet}${left}`,
            allin: `${who} is all in: ${bet}`,
          } as Record<string, string>)[a[1]];
          if (text) return { pieces: [text] };
        }
        break;
      case "timeout":
        if (this.want(1, 0)) {
          const mine = Number(a[0]) === this.ctx.me;
          return { pieces: [`${this.user(a[0])} ran out of time and sits out`], actions: mine ? [this.act("Back", "back")] : undefined };
        }
        break;
      case "back":
        if (this.want(1, 0)) return { pieces: [`${this.user(a[0])} is dealt in again`] };
        break;
      case "board":
        if (a.length >= 2 && (a[0] === "flop" || a[0] === "turn" || a[0] === "river")) return { pieces: [`${a[0]}: `, ...cards(a.slice(1))] };
        break;
      case "return":
        if (this.want(2, 0, 1))
          return { pieces: [`${a[1]}${a[1] === "1" ? " uncalled chip goes back to " : " uncalled chips go back to "}${this.user(a[0])}`] };
        break;
      case "show":
        if (a.length >= 9 && isNumber(a[0]))
          return { pieces: [`${this.user(a[0])} shows `, ...cards(a.slice(1, 3)), `: ${a.slice(8).join(" ")} (`, ...cards(a.slice(3, 8)), ")"] };
        break;
      case "win":
        if (this.want(3, 0, 1)) {
          let pot: string | null = null;
          if (a[2] === "main") pot = "the main pot";
          else if (a[2].startsWith("side") && isNumber(a[2].slice(4))) pot = `side pot ${a[2].slice(4)}`;
          if (pot) return { pieces: [`${this.user(a[0])} wins ${a[1]} from ${pot}`] };
        }
        break;
      case "end":
        if (a.length >= 1 && isNumber(a[0])) {
          const s = this.stacks(a.slice(1));
          if (s !== null) return { pieces: [`hand ${a[0]} is over: ${s}`] };
        }
        break;
      case "bust":
        if (this.want(1, 0)) return { pieces: [`${this.user(a[0])} has no chips left and loses the seat`] };
        break;
      case "refund":
        if (this.want(2, 0, 1)) return { pieces: [`${this.user(a[0])} gets ${chips(a[1])} back: the table was called off by a restart`] };
        break;
      case "table": {
        if (a.length === 0) return { pieces: ["the table is empty"] };
        const seats: string[] = [];
        for (const s of a) {
          const p = s.split(":");
          if (p.length !== 4 || !isNumber(p[0]) || !isNumber(p[1]) || !isNumber(p[2])) return null;
          seats.push(`seat ${p[0]} ${this.user(p[1])} ${p[2]} ${p[3]}`);
        }
        return { pieces: ["table: " + seats.join(", ")] };
      }
    }
    return null;
  }
}

/** The commands a conversation's game panel offers, to start playing. */
export function startActions(addr: string): { game: string; actions: GameAction[] }[] {
  return [
    {
      game: "roulette",
      actions: [
        { label: "Bet on red", payload: `bet ${addr} red`, amount: { min: 1, max: 1000, value: 10 } },
        { label: "Bet on black", payload: `bet ${addr} black`, amount: { min: 1, max: 1000, value: 10 } },
        { label: "Balance", payload: "balance" },
      ],
    },
    {
      game: "blackjack",
      actions: [
        { label: "Sit", payload: `sit ${addr}` },
        { label: "Bet", payload: `bet ${addr}`, amount: { min: 10, max: 500, value: 10 } },
        { label: "Leave", payload: `leave ${addr}` },
      ],
    },
    {
      game: "holdem",
      actions: [
        { label: "Sit", payload: `sit ${addr}`, amount: { min: 200, max: 1000, value: 200 } },
        { label: "Table", payload: `table ${addr}` },
        { label: "Leave", payload: `leave ${addr}` },
      ],
    },
  ];
}
