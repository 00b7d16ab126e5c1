// Package engine is the game of blackjack without chips, players or
// clocks: cards, the shoe, hand values, the dealer's play, the legality of
// every action and what each hand pays. The plugin around it moves the
// chips and keeps the time; everything here is deterministic given the
// shoe's random source, so that it can be tested exhaustively.
package engine

import (
	"fmt"
	"strings"
)

// Rank is a card's rank: Ace is 1, Jack 11, Queen 12, King 13.
type Rank uint8

const (
	Ace   Rank = 1
	Ten   Rank = 10
	Jack  Rank = 11
	Queen Rank = 12
	King  Rank = 13
)

// Suit is a card's suit; it never matters to the game, only to the eye.
type Suit uint8

const (
	Clubs Suit = iota
	Diamonds
	Hearts
	Spades
)

// Card is one playing card.
type Card struct {
	Rank Rank
	Suit Suit
}

const (
	rankLetters = "?A23456789TJQK"
	suitLetters = "cdhs"
)

// String writes a card in two letters, rank then suit: "Ah", "Td", "7c".
// Ten is T so that every card has the same width.
func (c Card) String() string {
	if c.Rank < Ace || c.Rank > King || c.Suit > Spades {
		return "??"
	}
	return string(rankLetters[c.Rank]) + string(suitLetters[c.Suit])
}

// ParseCard reads a card written by String.
func ParseCard(s string) (Card, error) {
	if len(s) != 2 {
		return Card{}, fmt.Errorf("card %q: want rank and suit, as in \"Ah\"", s)
	}
	r := strings.IndexByte(rankLetters[1:], s[0]) + 1
	u := strings.IndexByte(suitLetters, s[1])
	if r == 0 || u < 0 {
		return Card{}, fmt.Errorf("card %q: rank is one of A23456789TJQK, suit one of cdhs", s)
	}
	return Card{Rank: Rank(r), Suit: Suit(u)}, nil
}

// MustCards parses space-separated cards, and panics on a mistake: for
// tests and examples.
func MustCards(s string) []Card {
	var cs []Card
	for _, f := range strings.Fields(s) {
		c, err := ParseCard(f)
		if err != nil {
			panic(err)
		}
		cs = append(cs, c)
	}
	return cs
}

// Value is what the card counts: 2 to 9 at face value, tens and faces 10,
// and an ace 1 (a hand counts one of its aces as 11 when it can: see
// Hand.Total).
func (c Card) Value() int {
	if c.Rank >= Ten {
		return 10
	}
	return int(c.Rank)
}
