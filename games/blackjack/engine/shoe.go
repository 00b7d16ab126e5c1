package engine

// Rand is the shoe's source of randomness: crypto/rand in play, a seeded
// math/rand/v2 generator in tests (*rand.Rand has this method).
type Rand interface {
	// IntN returns a uniform number in [0, n).
	IntN(n int) int
}

// Penetration is the share of the shoe dealt before it is reshuffled: the
// cut card. Reshuffling early keeps the end of the shoe from being
// predictable to a player who counts cards.
const Penetration = 0.75

// Shoe is several decks shuffled together, dealt from the top.
type Shoe struct {
	decks int
	r     Rand
	cards []Card // cards[next:] are still to be dealt
	next  int
}

// NewShoe returns a shuffled shoe of decks 52-card decks (at least one).
func NewShoe(decks int, r Rand) *Shoe {
	s := &Shoe{decks: max(decks, 1), r: r}
	s.Shuffle()
	return s
}

// Shuffle gathers every card back and shuffles the shoe (Fisher-Yates).
func (s *Shoe) Shuffle() {
	s.cards = s.cards[:0]
	for range s.decks {
		for suit := Clubs; suit <= Spades; suit++ {
			for rank := Ace; rank <= King; rank++ {
				s.cards = append(s.cards, Card{Rank: rank, Suit: suit})
			}
		}
	}
	for i := len(s.cards) - 1; i > 0; i-- {
		j := s.r.IntN(i + 1)
		s.cards[i], s.cards[j] = s.cards[j], s.cards[i]
	}
	s.next = 0
}

// Size is the number of cards in the full shoe.
func (s *Shoe) Size() int { return s.decks * 52 }

// Remaining is the number of cards still to be dealt.
func (s *Shoe) Remaining() int { return len(s.cards) - s.next }

// NeedsShuffle reports whether the cut card has come out: the table
// shuffles before the next round.
func (s *Shoe) NeedsShuffle() bool {
	return float64(s.Size()-s.Remaining()) >= Penetration*float64(s.Size())
}

// Draw deals the top card. A shoe that runs dry in mid-round (a single
// deck at a full table can) is shuffled anew rather than stopping the
// round.
func (s *Shoe) Draw() Card {
	if s.Remaining() == 0 {
		s.Shuffle()
	}
	c := s.cards[s.next]
	s.next++
	return c
}

// Stack puts cards on top of the shoe, to be drawn first and in this
// order: how tests choose the cards of a round.
func (s *Shoe) Stack(cards ...Card) {
	rest := s.cards[s.next:]
	s.cards = append(append([]Card{}, cards...), rest...)
	s.next = 0
}
