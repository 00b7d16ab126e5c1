package engine

import "strings"

// Hand is a set of cards held by a player or the dealer.
type Hand []Card

// Total is the hand's best value: every ace counts 1, and one of them
// counts 11 instead when that does not go over 21. soft reports that an
// ace is counted as 11 (so one more card cannot bust the hand).
func (h Hand) Total() (total int, soft bool) {
	aces := false
	for _, c := range h {
		total += c.Value()
		aces = aces || c.Rank == Ace
	}
	if aces && total+10 <= 21 {
		return total + 10, true
	}
	return total, false
}

// Value is Total without softness.
func (h Hand) Value() int {
	t, _ := h.Total()
	return t
}

// Busted reports a total over 21.
func (h Hand) Busted() bool { return h.Value() > 21 }

// Natural reports two cards worth 21: an ace and a ten-value card. Only a
// hand as dealt is a blackjack; a natural made after a split is not (see
// PlayerHand.Blackjack).
func (h Hand) Natural() bool { return len(h) == 2 && h.Value() == 21 }

// String writes the cards separated by spaces.
func (h Hand) String() string {
	s := make([]string, len(h))
	for i, c := range h {
		s[i] = c.String()
	}
	return strings.Join(s, " ")
}

// Rules are the house rules a table may change.
type Rules struct {
	// DealerHitsSoft17 makes the dealer draw on a soft 17 instead of
	// standing ("H17" rather than "S17"); it favours the house.
	DealerHitsSoft17 bool
}

// DealerDraws reports whether the dealer must draw to h: below 17 always,
// on soft 17 only under H17, never above.
func (r Rules) DealerDraws(h Hand) bool {
	t, soft := h.Total()
	return t < 17 || t == 17 && soft && r.DealerHitsSoft17
}
