package poker

import (
	"fmt"
	"math/bits"
)

// Category is the kind of a poker hand, weakest first.
type Category uint8

const (
	HighCard Category = iota
	OnePair
	TwoPair
	ThreeOfAKind
	Straight
	Flush
	FullHouse
	FourOfAKind
	StraightFlush
)

var categoryNames = [...]string{"high card", "pair", "two pair", "three of a kind",
	"straight", "flush", "full house", "four of a kind", "straight flush"}

func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return fmt.Sprintf("Category(%d)", c)
}

// Value is the strength of a five-card hand: the category, then the ranks
// that break ties in the order they are compared (the trips before the
// pair of a full house, the pairs before the kicker...). A higher Value is
// a better hand, equal Values tie, whatever the suits.
//
// Bits 20-23 hold the category, then five 4-bit ranks from bit 16 down.
type Value uint32

func makeValue(c Category, ranks ...Rank) Value {
	v := Value(c) << 20
	for i, r := range ranks {
		v |= Value(r) << (16 - 4*i)
	}
	return v
}

// Category returns the kind of hand.
func (v Value) Category() Category { return Category(v >> 20) }

// rank returns the i-th tie-breaking rank (0 first).
func (v Value) rank(i int) Rank { return Rank(v >> (16 - 4*i) & 15) }

// Evaluate returns the value of the best five-card hand among cs (five to
// seven cards, all different). It counts ranks and suits rather than
// trying the 21 ways to pick five of seven, and allocates nothing; the
// tests check it against the slow way.
func Evaluate(cs []Card) Value {
	var counts [15]int
	var bySuit [4]uint16 // bit r set: the suit has rank r
	var all uint16
	for _, c := range cs {
		counts[c.Rank()]++
		bySuit[c.Suit()] |= 1 << c.Rank()
		all |= 1 << c.Rank()
	}
	flush := -1
	for s, m := range bySuit {
		if bits.OnesCount16(m) >= 5 {
			flush = s
			if hi := straightHigh(m); hi > 0 {
				return makeValue(StraightFlush, hi)
			}
		}
	}
	// The highest quads, the two highest trips and pairs (0: none).
	var quad, trip, trip2, pair, pair2 Rank
	for r := Rank(14); r >= 2; r-- {
		switch counts[r] {
		case 4:
			quad = max(quad, r)
		case 3:
			if trip == 0 {
				trip = r
			} else if trip2 == 0 {
				trip2 = r
			}
		case 2:
			if pair == 0 {
				pair = r
			} else if pair2 == 0 {
				pair2 = r
			}
		}
	}
	switch {
	case quad > 0:
		return withTop(makeValue(FourOfAKind, quad), 1, all&^(1<<quad), 1)
	case trip > 0 && (trip2 > 0 || pair > 0):
		// Two sets of trips make a full house too, the lower one as the pair.
		return makeValue(FullHouse, trip, max(trip2, pair))
	case flush >= 0:
		return withTop(makeValue(Flush), 0, bySuit[flush], 5)
	}
	if hi := straightHigh(all); hi > 0 {
		return makeValue(Straight, hi)
	}
	switch {
	case trip > 0:
		return withTop(makeValue(ThreeOfAKind, trip), 1, all&^(1<<trip), 2)
	case pair2 > 0:
		// With three pairs, the third one's rank can be the kicker.
		return withTop(makeValue(TwoPair, pair, pair2), 2, all&^(1<<pair|1<<pair2), 1)
	case pair > 0:
		return withTop(makeValue(OnePair, pair), 1, all&^(1<<pair), 3)
	}
	return withTop(makeValue(HighCard), 0, all, 5)
}

// straightHigh returns the top rank of the highest five ranks in a row in
// mask, or 0. The ace also plays low, under the two (the wheel, A-5).
func straightHigh(mask uint16) Rank {
	if mask&(1<<14) != 0 {
		mask |= 1 << 1
	}
	for hi := 14; hi >= 5; hi-- {
		if mask>>(hi-4)&0x1f == 0x1f {
			return Rank(hi)
		}
	}
	return 0
}

// withTop writes the n highest ranks of mask into v's tie-breaking ranks,
// from position from on: the kickers.
func withTop(v Value, from int, mask uint16, n int) Value {
	for r := Rank(14); r >= 2 && n > 0; r-- {
		if mask&(1<<r) != 0 {
			v |= Value(r) << (16 - 4*from)
			from++
			n--
		}
	}
	return v
}

// Best returns the value of the best five of cs and those five cards, for
// showing them. It tries every choice of five, which is plenty fast for
// one showdown.
func Best(cs []Card) (Value, []Card) {
	if len(cs) <= 5 {
		return Evaluate(cs), append([]Card(nil), cs...)
	}
	best, pick := Value(0), []Card(nil)
	combos(len(cs), 5, func(idx []int) {
		five := make([]Card, 5)
		for i, k := range idx {
			five[i] = cs[k]
		}
		if v := Evaluate(five); pick == nil || v > best {
			best, pick = v, five
		}
	})
	return best, pick
}

// combos calls f with every increasing choice of k indices below n.
func combos(n, k int, f func([]int)) {
	idx := make([]int, k)
	var rec func(start, depth int)
	rec = func(start, depth int) {
		if depth == k {
			f(idx)
			return
		}
		for i := start; i <= n-(k-depth); i++ {
			idx[depth] = i
			rec(i+1, depth+1)
		}
	}
	rec(0, 0)
}

var rankNames = [...]string{2: "two", "three", "four", "five", "six", "seven", "eight",
	"nine", "ten", "jack", "queen", "king", "ace"}

var rankPlurals = [...]string{2: "twos", "threes", "fours", "fives", "sixes", "sevens",
	"eights", "nines", "tens", "jacks", "queens", "kings", "aces"}

// String names the hand the way a dealer says it: "full house, kings over
// sevens", "straight, five high", "royal flush".
func (v Value) String() string {
	r := func(i int) string { return rankNames[v.rank(i)] }
	rs := func(i int) string { return rankPlurals[v.rank(i)] }
	switch v.Category() {
	case StraightFlush:
		if v.rank(0) == 14 {
			return "royal flush"
		}
		return "straight flush, " + r(0) + " high"
	case FourOfAKind:
		return "four of a kind, " + rs(0)
	case FullHouse:
		return "full house, " + rs(0) + " over " + rs(1)
	case Flush:
		return "flush, " + r(0) + " high"
	case Straight:
		return "straight, " + r(0) + " high"
	case ThreeOfAKind:
		return "three of a kind, " + rs(0)
	case TwoPair:
		return "two pair, " + rs(0) + " and " + rs(1)
	case OnePair:
		return "pair of " + rs(0)
	}
	return "high card, " + r(0)
}
