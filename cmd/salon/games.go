package main

import (
	"strconv"
	"strings"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// The bundled games (games/roulette, games/blackjack, games/holdem, whose
// lines docs/games lists) speak a grammar made for programs: tags for
// people, seat numbers, "Ah" for a card. Their lines are worded here as
// people read them; a line of a game the client does not know, or one
// that does not parse as its game documents it, shows as it came.

// tableKey names a game's table as this user sees it.
type tableKey struct {
	game string
	addr wire.Addr
}

// gameBook is what the wording of game lines needs to remember: who sits
// at each blackjack seat (its lines name seats, not people), and which
// seats split this round (their hands are then numbered).
type gameBook struct {
	seats map[tableKey]map[int]int64
	split map[tableKey]map[int]bool
}

func newGameBook() *gameBook {
	return &gameBook{seats: map[tableKey]map[int]int64{}, split: map[tableKey]map[int]bool{}}
}

// showGame words a game's line that State.Apply has just added to its
// conversation.
func (m *model) showGame(g client.Game) {
	c := m.st.Convs[m.st.GameConversation(g)]
	if c == nil || len(c.Items) == 0 {
		return
	}
	it := &c.Items[len(c.Items)-1]
	if it.Kind != client.Played || it.Text != g.Payload {
		return
	}
	if text, failed, ok := m.gameText(g.ID, g.Payload); ok {
		it.Shown, it.Error = text, failed
	}
}

// gameText words a game's payload; ok is false when the client does not
// know the game or the line.
func (m *model) gameText(game, payload string) (text string, failed, ok bool) {
	f := strings.Fields(payload)
	if len(f) == 0 {
		return "", false, false
	}
	switch game {
	case "roulette", "blackjack", "holdem":
	default:
		return "", false, false
	}
	// What every game says the same way (docs/games/README.md).
	switch f[0] {
	case "help":
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(payload), "help")), false, true
	case "balance":
		if len(f) == 2 && isNumber(f[1]) {
			return "you have " + chips(f[1]), false, true
		}
		return "", false, false
	case "error":
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(payload), "error")), true, true
	}
	if len(f) < 3 {
		return "", false, false
	}
	a, okAddr := wire.ParseAddr(f[1], f[2])
	if !okAddr {
		return "", false, false
	}
	t := gameLine{m: m, key: tableKey{game, a}, verb: f[0], args: f[3:]}
	switch game {
	case "roulette":
		text, ok = t.roulette()
	case "blackjack":
		text, ok = t.blackjack()
	case "holdem":
		text, ok = t.holdem()
	}
	return text, false, ok
}

// gameLine is one table line being worded: its verb and what follows the
// table's address.
type gameLine struct {
	m    *model
	key  tableKey
	verb string
	args []string
}

// want reports whether the line has n arguments, each a number where
// numeric says so (by index).
func (t gameLine) want(n int, numeric ...int) bool {
	if len(t.args) != n {
		return false
	}
	for _, i := range numeric {
		if !isNumber(t.args[i]) {
			return false
		}
	}
	return true
}

func (t gameLine) roulette() (string, bool) {
	a := t.args
	switch t.verb {
	case "open":
		if t.want(1, 0) {
			return "bets are open: the wheel spins in " + a[0] + " s", true
		}
	case "placed":
		if len(a) >= 3 && isNumber(a[len(a)-1]) {
			return a[0] + " bets " + chips(a[len(a)-1]) + " on " + strings.Join(a[1:len(a)-1], " "), true
		}
	case "spin":
		if t.want(2, 0) {
			return "the ball lands on " + a[0] + " " + a[1], true
		}
	case "payout":
		if t.want(3, 1, 2) {
			return a[0] + " staked " + a[1] + ", paid " + a[2] + ": " + balanceWord(a[1], a[2]), true
		}
	case "over":
		if t.want(0) {
			return "the round is over: the next bet opens a new one", true
		}
	case "refund":
		if t.want(2, 1) {
			return a[0] + " gets " + chips(a[1]) + " back: the round was called off by a restart", true
		}
	}
	return "", false
}

func (t gameLine) blackjack() (string, bool) {
	a := t.args
	switch t.verb {
	case "sat", "left":
		if t.want(2, 0, 1) {
			seat, _ := strconv.Atoi(a[0])
			t.sit(seat, a[1])
			if t.verb == "sat" {
				return t.user(a[1]) + " sits at seat " + a[0], true
			}
			return t.user(a[1]) + " leaves seat " + a[0], true
		}
	case "betting":
		if t.want(1, 0) {
			return "bets are open: the cards are dealt in " + a[0] + " s", true
		}
	case "bet":
		if t.want(3, 0, 1, 2) {
			seat, _ := strconv.Atoi(a[0])
			t.sit(seat, a[1])
			return t.user(a[1]) + " bets " + a[2], true
		}
	case "shuffle":
		if t.want(0) {
			return "the shoe is shuffled", true
		}
	case "card":
		if t.want(4, 0, 1, 3) {
			return t.hand(a[0], a[1]) + ": " + card(a[2]) + ", total " + a[3], true
		}
	case "dealer":
		if t.want(1) && a[0] == "hidden" {
			return "dealer: a card face down", true
		}
		if t.want(2, 1) {
			return "dealer: " + card(a[0]) + ", total " + a[1], true
		}
	case "insurance":
		if t.want(1, 0) {
			return "the dealer shows an ace: insurance (or insurance no) within " + a[0] + " s", true
		}
	case "insured":
		if t.want(2, 0, 1) {
			if a[1] == "0" {
				return t.seat(a[0]) + " declines insurance", true
			}
			return t.seat(a[0]) + " insures for " + a[1], true
		}
	case "peek":
		if t.want(1) && a[0] == "none" {
			return "the dealer has no blackjack: the players play", true
		}
	case "turn":
		if t.want(3, 0, 1, 2) {
			if t.isMe(a[0]) {
				return "your turn" + t.handNote(a[0], a[1]) + ": " + a[2] + " s to act (hit, stand, double, split)", true
			}
			return t.hand(a[0], a[1]) + " to play: " + a[2] + " s", true
		}
	case "stand":
		if t.want(2, 0, 1) {
			return t.hand(a[0], a[1]) + " stands", true
		}
	case "double":
		if t.want(3, 0, 1, 2) {
			return t.hand(a[0], a[1]) + " doubles: the bet is now " + a[2], true
		}
	case "split":
		if t.want(2, 0, 1) {
			seat, _ := strconv.Atoi(a[0])
			if t.m.games.split[t.key] == nil {
				t.m.games.split[t.key] = map[int]bool{}
			}
			t.m.games.split[t.key][seat] = true
			return t.seat(a[0]) + " splits, staking " + a[1] + " on a second hand", true
		}
	case "timeout":
		if t.want(1, 0) {
			return t.seat(a[0]) + " ran out of time: the hands left stand", true
		}
	case "result":
		if t.want(5, 0, 3, 4) && a[1] == "insurance" {
			return t.seat(a[0]) + "'s insurance " + outcome(a[2]) + ": bet " + a[3] + ", paid " + a[4], true
		}
		if t.want(5, 0, 1, 3, 4) {
			return t.hand(a[0], a[1]) + " " + outcome(a[2]) + ": bet " + a[3] + ", paid " + a[4], true
		}
	case "end":
		if t.want(0) {
			delete(t.m.games.split, t.key)
			return "the round is over: the next bet opens a new one", true
		}
	case "refund":
		if t.want(2, 0, 1) {
			return t.user(a[0]) + " gets " + chips(a[1]) + " back: the round was called off by a restart", true
		}
	case "paid":
		if t.want(2, 0, 1) {
			return t.user(a[0]) + " is paid " + chips(a[1]) + ": a bet settled after a restart", true
		}
	}
	return "", false
}

func (t gameLine) holdem() (string, bool) {
	a := t.args
	switch t.verb {
	case "sit":
		if t.want(3, 0, 1, 2) {
			return t.user(a[0]) + " sits at seat " + a[1] + " with " + chips(a[2]), true
		}
	case "leave":
		if t.want(2, 0, 1) {
			return t.user(a[0]) + " leaves with " + chips(a[1]), true
		}
	case "hand":
		if len(a) >= 3 && isNumber(a[0]) && isNumber(a[1]) {
			if stacks, ok := t.stacks(a[2:]); ok {
				return "hand " + a[0] + ": " + stacks + " (button: " + t.user(a[1]) + ")", true
			}
		}
	case "cards":
		if t.want(2) {
			return "your cards: " + card(a[0]) + " " + card(a[1]), true
		}
	case "blind":
		if t.want(4, 0, 2, 3) && (a[1] == "small" || a[1] == "big") {
			return t.user(a[0]) + " posts the " + a[1] + " blind, " + a[2] + " (" + a[3] + " behind)", true
		}
	case "toact":
		if t.want(5, 0, 1, 2, 3, 4) {
			if a[0] != strconv.FormatInt(t.m.st.Me, 10) {
				return t.user(a[0]) + " to act: " + a[4] + " s", true
			}
			moves := []string{"check"}
			if a[1] != "0" {
				moves = []string{"call " + a[1]}
			}
			if a[2] != "0" {
				moves = append(moves, "raise to "+a[2]+" or more")
			}
			moves = append(moves, "all in for "+a[3], "fold")
			return "your turn: " + a[4] + " s to act (" + strings.Join(moves, ", ") + ")", true
		}
	case "act":
		if t.want(4, 0, 2, 3) {
			who, bet, left := t.user(a[0]), a[2], " ("+a[3]+" behind)"
			switch a[1] {
			case "fold":
				return who + " folds", true
			case "check":
				return who + " checks", true
			case "call":
				return who + " calls " + bet + left, true
			case "bet":
				return who + " bets " + bet + left, true
			case "raise":
				return who + " raises to " + bet + left, true
			case "allin":
				return who + " is all in: " + bet, true
			}
		}
	case "timeout":
		if t.want(1, 0) {
			return t.user(a[0]) + " ran out of time and sits out", true
		}
	case "back":
		if t.want(1, 0) {
			return t.user(a[0]) + " is dealt in again", true
		}
	case "board":
		if len(a) >= 2 && (a[0] == "flop" || a[0] == "turn" || a[0] == "river") {
			return a[0] + ": " + cards(a[1:]), true
		}
	case "return":
		if t.want(2, 0, 1) {
			what := " uncalled chips go back to "
			if a[1] == "1" {
				what = " uncalled chip goes back to "
			}
			return a[1] + what + t.user(a[0]), true
		}
	case "show":
		if len(a) >= 9 && isNumber(a[0]) {
			return t.user(a[0]) + " shows " + cards(a[1:3]) + ": " + strings.Join(a[8:], " ") + " (" + cards(a[3:8]) + ")", true
		}
	case "win":
		if t.want(3, 0, 1) {
			pot := "the main pot"
			if n, ok := strings.CutPrefix(a[2], "side"); ok && isNumber(n) {
				pot = "side pot " + n
			} else if a[2] != "main" {
				return "", false
			}
			return t.user(a[0]) + " wins " + a[1] + " from " + pot, true
		}
	case "end":
		if len(a) >= 1 && isNumber(a[0]) {
			if stacks, ok := t.stacks(a[1:]); ok {
				return "hand " + a[0] + " is over: " + stacks, true
			}
		}
	case "bust":
		if t.want(1, 0) {
			return t.user(a[0]) + " has no chips left and loses the seat", true
		}
	case "refund":
		if t.want(2, 0, 1) {
			return t.user(a[0]) + " gets " + chips(a[1]) + " back: the table was called off by a restart", true
		}
	case "table":
		if len(a) == 0 {
			return "the table is empty", true
		}
		seats := make([]string, len(a))
		for i, s := range a {
			p := strings.Split(s, ":")
			if len(p) != 4 || !isNumber(p[0]) || !isNumber(p[1]) || !isNumber(p[2]) {
				return "", false
			}
			seats[i] = "seat " + p[0] + " " + t.user(p[1]) + " " + p[2] + " " + p[3]
		}
		return "table: " + strings.Join(seats, ", "), true
	}
	return "", false
}

// user names a player given by tag.
func (t gameLine) user(tag string) string {
	n, err := strconv.ParseInt(tag, 10, 64)
	if err != nil {
		return tag
	}
	return t.m.st.Pseudo(n)
}

// sit records who holds a blackjack seat.
func (t gameLine) sit(seat int, tag string) {
	n, err := strconv.ParseInt(tag, 10, 64)
	if err != nil {
		return
	}
	if t.m.games.seats[t.key] == nil {
		t.m.games.seats[t.key] = map[int]int64{}
	}
	t.m.games.seats[t.key][seat] = n
}

// seat names the player at a blackjack seat, or the seat when this
// client did not see them sit.
func (t gameLine) seat(s string) string {
	n, _ := strconv.Atoi(s)
	if tag, ok := t.m.games.seats[t.key][n]; ok {
		return t.m.st.Pseudo(tag)
	}
	return "seat " + s
}

func (t gameLine) isMe(s string) bool {
	n, _ := strconv.Atoi(s)
	tag, ok := t.m.games.seats[t.key][n]
	return ok && tag == t.m.st.Me
}

// hand names a blackjack hand: its player, and which hand once the seat
// has split.
func (t gameLine) hand(seat, hand string) string { return t.seat(seat) + t.handNote(seat, hand) }

func (t gameLine) handNote(seat, hand string) string {
	n, _ := strconv.Atoi(seat)
	if hand != "1" || t.m.games.split[t.key][n] {
		return " (hand " + hand + ")"
	}
	return ""
}

// stacks words "user:stack ..." as "alice 100, bob 300".
func (t gameLine) stacks(list []string) (string, bool) {
	out := make([]string, len(list))
	for i, s := range list {
		user, stack, ok := strings.Cut(s, ":")
		if !ok || !isNumber(user) || !isNumber(stack) {
			return "", false
		}
		out[i] = t.user(user) + " " + stack
	}
	return strings.Join(out, ", "), true
}

// card writes a card the way people do: "Ah" is A♥, "Td" is 10♦.
func card(c string) string {
	if len(c) != 2 {
		return c
	}
	suit := map[byte]string{'c': "♣", 'd': "♦", 'h': "♥", 's': "♠"}[c[1]]
	rank := string(c[0])
	if rank == "T" {
		rank = "10"
	}
	if suit == "" || !strings.Contains("A23456789TJQK", c[:1]) {
		return c
	}
	return rank + suit
}

func cards(list []string) string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = card(c)
	}
	return strings.Join(out, " ")
}

func outcome(o string) string {
	switch o {
	case "win":
		return "wins"
	case "lose":
		return "loses"
	case "push":
		return "pushes"
	case "blackjack":
		return "wins with blackjack"
	}
	return o
}

// balanceWord says what a round did to a player: staked, then paid back.
func balanceWord(staked, paid string) string {
	s, _ := strconv.ParseInt(staked, 10, 64)
	p, _ := strconv.ParseInt(paid, 10, 64)
	switch {
	case p > s:
		return "won " + strconv.FormatInt(p-s, 10)
	case p < s:
		return "lost " + strconv.FormatInt(s-p, 10)
	}
	return "even"
}

func isNumber(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil && s != "" && s[0] != '-' && s[0] != '+'
}

// chips writes an amount of chips given as text.
func chips(n string) string { return plural1(n, "chip", "chips") }

func plural1(n, one, many string) string {
	if n == "1" {
		return "1 " + one
	}
	return n + " " + many
}

// Table commands of the bundled games take the table's conversation right
// after the command (docs/games/README.md). The user need not type it:
// it is the conversation on screen. least is how many words a command
// takes after the address, to tell "bet 5 2 red 50" (an address given)
// from "bet red 50".
var tableCommands = map[string]map[string]int{
	"roulette": {"bet": 2},
	"blackjack": {"sit": 0, "bet": 1, "hit": 0, "stand": 0, "double": 0, "split": 0,
		"insurance": 0, "leave": 0},
	"holdem": {"sit": 1, "leave": 0, "back": 0, "table": 0, "check": 0, "call": 0, "fold": 0,
		"allin": 0, "bet": 1, "raise": 1},
}

// withTable returns a bundled game's command with the address of
// conversation a inserted where the game wants it, unless the user gave
// one; need says an address was wanted.
func withTable(game string, payload []string, a wire.Addr) (out []string, need bool) {
	if len(payload) == 0 {
		return payload, false
	}
	least, ok := tableCommands[game][strings.ToLower(payload[0])]
	if !ok {
		return payload, false
	}
	rest := payload[1:]
	if len(rest) > 0 && rest[0] == "." {
		return payload, false // the older way to name the conversation on screen
	}
	if len(rest) >= 2+least {
		if _, given := wire.ParseAddr(rest[0], rest[1]); given {
			return payload, false
		}
	}
	if a == client.Home {
		return payload, true
	}
	out = append([]string{payload[0]}, strings.Fields(a.String())...)
	return append(out, rest...), false
}
