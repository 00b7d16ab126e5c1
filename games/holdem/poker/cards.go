// Package poker is the rules of no-limit Texas hold'em, with no I/O: cards
// and a deck shuffled from an injected source of randomness, a hand
// evaluator for the best five of seven cards, and a Hand that runs the
// blinds, the betting rounds, side pots and the showdown. The plugin in the
// parent folder drives it; tests drive it with stacked decks.
package poker

import (
	"errors"
	"fmt"
	"strings"
)

// Rank is a card's rank, 2 to 14 (jack 11, queen 12, king 13, ace 14).
type Rank uint8

// Suit is a card's suit.
type Suit uint8

// The suits, in the order a new deck holds them.
const (
	Clubs Suit = iota
	Diamonds
	Hearts
	Spades
)

const (
	rankChars = "23456789TJQKA"
	suitChars = "cdhs"
)

// Card is one of the 52 cards, rank and suit packed as rank*4 + suit so
// that the zero value is no card at all.
type Card uint8

// NewCard makes the card of rank r (2..14) and suit s.
func NewCard(r Rank, s Suit) Card { return Card(uint8(r)<<2 | uint8(s)) }

// Rank returns the card's rank.
func (c Card) Rank() Rank { return Rank(c >> 2) }

// Suit returns the card's suit.
func (c Card) Suit() Suit { return Suit(c & 3) }

// Valid reports whether c is one of the 52 cards.
func (c Card) Valid() bool { return c.Rank() >= 2 && c.Rank() <= 14 }

// String writes the card the usual short way: "As", "Td", "2c".
func (c Card) String() string {
	if !c.Valid() {
		return "??"
	}
	return string(rankChars[c.Rank()-2]) + string(suitChars[c.Suit()])
}

// ParseCard reads a card written as String writes it ("10" is accepted for
// a ten, and either case).
func ParseCard(s string) (Card, error) {
	if len(s) == 3 && s[:2] == "10" {
		s = "T" + s[2:]
	}
	if len(s) != 2 {
		return 0, fmt.Errorf("card %q: want a rank and a suit, like As or Td", s)
	}
	r := strings.IndexByte(rankChars, upper(s[0]))
	u := strings.IndexByte(suitChars, lower(s[1]))
	if r < 0 || u < 0 {
		return 0, fmt.Errorf("card %q: ranks are 2-9 T J Q K A, suits c d h s", s)
	}
	return NewCard(Rank(r+2), Suit(u)), nil
}

// ParseCards reads cards separated by spaces: "As Kd 7c".
func ParseCards(s string) ([]Card, error) {
	var cs []Card
	for _, f := range strings.Fields(s) {
		c, err := ParseCard(f)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// MustParseCards is ParseCards for tests and literals: it panics on a
// mistake.
func MustParseCards(s string) []Card {
	cs, err := ParseCards(s)
	if err != nil {
		panic(err)
	}
	return cs
}

// FormatCards writes cards separated by spaces.
func FormatCards(cs []Card) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, " ")
}

func upper(b byte) byte {
	if b >= 'a' && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b - 'A' + 'a'
	}
	return b
}

// Rand is where a shuffle draws its randomness: math/rand/v2's *Rand from
// a seed in tests, a crypto/rand reader in play.
type Rand interface {
	// IntN returns a uniform number in [0, n).
	IntN(n int) int
}

// NewDeck returns the 52 cards in order (clubs 2 to ace, then diamonds...).
func NewDeck() []Card {
	d := make([]Card, 0, 52)
	for s := Clubs; s <= Spades; s++ {
		for r := Rank(2); r <= 14; r++ {
			d = append(d, NewCard(r, s))
		}
	}
	return d
}

// Shuffle puts d in a uniformly random order (Fisher-Yates).
func Shuffle(d []Card, rnd Rand) {
	for i := len(d) - 1; i > 0; i-- {
		j := rnd.IntN(i + 1)
		d[i], d[j] = d[j], d[i]
	}
}

// ShuffledDeck is NewDeck then Shuffle.
func ShuffledDeck(rnd Rand) []Card {
	d := NewDeck()
	Shuffle(d, rnd)
	return d
}

// checkDeck verifies a deck holds distinct valid cards, enough of them for
// n players: a stacked deck with a duplicate would deal an impossible hand.
func checkDeck(d []Card, n int) error {
	if len(d) < 2*n+5 {
		return fmt.Errorf("poker: a deck for %d players needs %d cards, not %d", n, 2*n+5, len(d))
	}
	var seen [64]bool
	for _, c := range d {
		if !c.Valid() {
			return errors.New("poker: invalid card in the deck")
		}
		if seen[c] {
			return fmt.Errorf("poker: %v twice in the deck", c)
		}
		seen[c] = true
	}
	return nil
}

// StackDeck arranges a deck so that a hand with the given button deals
// holes[i] to the i-th player (in seat order, as given to NewHand) and
// board as the flop, turn and river; the other cards follow in order. It is
// for tests and replays, which need to know the cards in advance.
func StackDeck(button int, holes [][2]Card, board []Card) ([]Card, error) {
	n := len(holes)
	if button < 0 || button >= n || len(board) > 5 {
		return nil, errors.New("poker: StackDeck: bad button or board")
	}
	d := make([]Card, 2*n, 52)
	used := map[Card]bool{}
	for i, h := range holes {
		k := dealIndex(i, button, n)
		d[k], d[n+k] = h[0], h[1]
		used[h[0]], used[h[1]] = true, true
	}
	d = append(d, board...)
	for _, c := range board {
		used[c] = true
	}
	for _, c := range NewDeck() {
		if !used[c] {
			d = append(d, c)
		}
	}
	if err := checkDeck(d, n); err != nil || len(d) != 52 {
		return nil, fmt.Errorf("poker: StackDeck: cards repeat (%v)", err)
	}
	return d, nil
}

// dealIndex is the position of player i in the dealing order, which
// starts left of the button and ends with the button.
func dealIndex(i, button, n int) int { return (i - button - 1 + 2*n) % n }
