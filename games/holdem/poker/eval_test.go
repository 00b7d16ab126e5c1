package poker

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Hands of seven cards (five, six where said), their category and how a
// dealer names them: every category, and the traps of each.
var namedHands = []struct {
	cards string
	cat   Category
	name  string
}{
	{"As Ks Qs Js Ts 2d 3c", StraightFlush, "royal flush"},
	{"9h Th Jh Qh Kh Ah 2c", StraightFlush, "royal flush"}, // six to the ace
	{"9h Th Jh Qh Kh 2c 3c", StraightFlush, "straight flush, king high"},
	{"Ad 2d 3d 4d 5d Kc Kh", StraightFlush, "straight flush, five high"}, // steel wheel
	{"Ad 2d 3d 4d 5d 6d Kh", StraightFlush, "straight flush, six high"},
	{"As Ks Qs Js 9s Th Tc", Flush, "flush, ace high"}, // a straight and a flush apart
	{"5c 5d 5h 5s 9c 9d 9h", FourOfAKind, "four of a kind, fives"},
	{"2c 2d 2h 2s Ac Kd Qh", FourOfAKind, "four of a kind, twos"},
	{"Kc Kd Kh 7s 7c 2d 3h", FullHouse, "full house, kings over sevens"},
	{"Kc Kd Kh 7s 7c 7d 3h", FullHouse, "full house, kings over sevens"}, // two trips
	{"7s 7c 7d Kc Kd Qh Qs", FullHouse, "full house, sevens over kings"},
	{"3c 3d 3h 2s 2c Ac Ad", FullHouse, "full house, threes over aces"},
	{"Ah Jh 9h 4h 2h Kc Qd", Flush, "flush, ace high"},
	{"Ah Jh 9h 4h 2h 3h 5c", Flush, "flush, ace high"},   // six of a suit, no straight flush
	{"2h 3h 4h 5h 7h 6c 8d", Flush, "flush, seven high"}, // flush beats the straight
	{"Kc Kd Kh 2h 5h 8h Jh", Flush, "flush, king high"},  // flush beats trips
	{"As Kd Qc Jh Th 9s 2c", Straight, "straight, ace high"},
	{"Ac 2d 3h 4s 5c Kd Kh", Straight, "straight, five high"}, // the wheel
	{"Ac 2d 3h 4s 5c 6d Kh", Straight, "straight, six high"},
	{"4c 5d 6h 7s 8c 9d Th", Straight, "straight, ten high"},
	{"Qc Kd Ah 2s 3c 8d 9h", HighCard, "high card, ace"}, // no wrap around the ace
	{"8c 8d 8h As Kd 4c 2h", ThreeOfAKind, "three of a kind, eights"},
	{"Ac Ad Kh Ks Qc Qd 2h", TwoPair, "two pair, aces and kings"}, // three pairs
	{"Jc Jd 4h 4s 9c 2d 3h", TwoPair, "two pair, jacks and fours"},
	{"Tc Td Ah 8s 6c 4d 2h", OnePair, "pair of tens"},
	{"Ac Kd 9h 7s 5c 3d 2h", HighCard, "high card, ace"},
	{"7c 5d 4h 3s 2c", HighCard, "high card, seven"}, // five cards: the worst hand there is
	{"As Ks Qs Js Ts", StraightFlush, "royal flush"},
	{"Ac Ad Ah As Ks Kd", FourOfAKind, "four of a kind, aces"},
}

func TestNamedHands(t *testing.T) {
	for _, c := range namedHands {
		v := Evaluate(MustParseCards(c.cards))
		if v.Category() != c.cat || v.String() != c.name {
			t.Errorf("%s: %v %q, want %v %q", c.cards, v.Category(), v, c.cat, c.name)
		}
	}
}

// Pairs of hands, the first beating the second (or tying, with "="): the
// kickers, the categories in order, and what suits and extra cards do not
// change.
var comparisons = []struct {
	a, op, b string
}{
	// Each category beats the one below it.
	{"2c 3c 4c 5c 6c Kd Qh", ">", "Ac Ad Ah As Kd Qh Jc"},
	{"2c 2d 2h 2s 3d 4h 5c", ">", "Ac Ad Ah Ks Kd 2h 3c"},
	{"2c 2d 2h 3s 3d 9h Tc", ">", "Ac Kc Qc Jc 9c 2h 3d"},
	{"2c 3c 4c 5c 7c Ad Kh", ">", "Tc Jd Qh Ks Ac 2d 3h"},
	{"Ac 2d 3h 4s 5c 9d Jh", ">", "Ac Ad Ah Ks Qd 2h 3c"},
	{"2c 2d 2h 7s 8d 9h Jc", ">", "Ac Ad Kh Ks Qd Jh 9c"},
	{"2c 2d 3h 3s 5d 7h 8c", ">", "Ac Ad Kh Qs Jd 9h 8c"},
	{"2c 2d 4h 5s 6d 8h 9c", ">", "Ac Kd Qh Js 9d 8h 7c"},
	// Within a category.
	{"Ts Js Qs Ks As 2d 3c", ">", "9h Th Jh Qh Kh 2d 3c"},
	{"2s 3s 4s 5s 6s 9d Tc", ">", "As 2s 3s 4s 5s 9d Tc"}, // six-high beats the steel wheel
	{"As 2s 3s 4s 5s Kd Kc", ">", "Ac Ad Ah As Kd Qh Jc"}, // the steel wheel beats quads
	{"Ac Ad Ah As 2d 3h 4c", ">", "Kc Kd Kh Ks Ad Qh Jc"},
	{"9c 9d 9h 9s Ad 2h 3c", ">", "9c 9d 9h 9s Kd Qh Jc"}, // the kicker of quads
	{"9c 9d 9h 9s Ad 2h 3c", "=", "9c 9d 9h 9s Ad Kh Qc"}, // only one kicker plays
	{"Ac Ad Ah 2s 2d 7h 8c", ">", "Kc Kd Kh As Ad 7h 8c"}, // trips first
	{"Ac Ad Ah 3s 3d 7h 8c", ">", "Ac Ad Ah 2s 2d 7h 8c"},
	{"Kc Kd Kh 7s 7c 7d 3h", "=", "Kc Kd Kh 7s 7c 2d 3h"},
	{"Kc Kd Kh 8s 8c 7d 7h", ">", "Kc Kd Kh 7s 7c 7d 3h"}, // the best pair with two trips
	{"Ac Jc 9c 4c 3c Kd Qh", ">", "Ac Jc 9c 4c 2c Kd Qh"}, // the fifth flush card
	{"Ac Kc 9c 4c 3c 2c 5d", "=", "Ac Kc 9c 4c 3c Qd Jh"}, // sixth flush card does not play
	{"Ac Kc 9c 4c 3c 2d 5d", ">", "Ah Kh 9h 4h 2h Qd Jd"},
	{"2h 3h 4h 5h 7h 6c 8d", "<", "2c 3c 4c 5c 8c 6h 7d"},
	{"Ac 2d 3h 4s 5c 6d Jh", ">", "Ac 2d 3h 4s 5c Qd Kh"}, // six high beats the wheel
	{"Ac 2d 3h 4s 5c Qd Jh", "=", "Ad 2c 3s 4h 5d Kc Jc"}, // wheels tie: kickers do not play
	{"Tc Jd Qh Ks Ac 2d 3h", ">", "9c Tc Jd Qh Ks 2d 3h"},
	{"4c 5d 6h 7s 8c 9d Th", "=", "6c 7d 8h 9s Tc 2d 3h"},
	{"8c 8d 8h As Kd 4c 2h", ">", "8c 8d 8h As Qd Jc Th"}, // second kicker of trips
	{"8c 8d 8h As Kd 4c 2h", "=", "8c 8d 8h As Kd 3c 2h"}, // no third kicker
	{"9c 9d 8h 8s Ad 2c 3h", ">", "9c 9d 7h 7s Ad Kc Qh"}, // the second pair first...
	{"9c 9d 8h 8s Kd 2c 3h", ">", "9c 9d 8h 8s Qd Jc 4h"}, // ...then the kicker
	{"Ac Ad Kh Ks 2c 2d 3h", "<", "Ac Ad Kh Ks 4c 2d 3h"}, // three pairs: the third does not count twice
	{"Ac Ad Kh Ks Qc Qd 2h", ">", "Ac Ad Kh Ks Jc Td 2h"}, // but its rank is a kicker
	{"Ac Ad Kh Ks Qc Qd 2h", "=", "Ac Ad Kh Ks Qc 3d 2h"},
	{"Tc Td Ah 8s 6c 4d 2h", ">", "Tc Td Ah 8s 5c 4d 2h"}, // third kicker of a pair
	{"Tc Td Ah 8s 6c 4d 2h", "=", "Tc Td Ah 8s 6c 3d 2h"}, // no fourth
	{"Jc Jd 2h 3s 4c 6d 8h", ">", "Tc Td Ah Ks Qc 6d 8h"},
	{"Ac Kd 9h 7s 5c 3d 2h", ">", "Ac Kd 9h 7s 4c 3d 2h"}, // fifth high card
	{"Ac Kd 9h 7s 5c 3d 2h", "=", "Ac Kd 9h 7s 5c 4d 3h"}, // sixth and seventh do not play
	{"Ac Kd 9h 7s 5c 3d 2h", "=", "Ad Kh 9c 7d 5s 3h 2c"}, // suits never matter
}

func TestComparisons(t *testing.T) {
	for _, c := range comparisons {
		a, b := Evaluate(MustParseCards(c.a)), Evaluate(MustParseCards(c.b))
		ok := map[string]bool{">": a > b, "<": a < b, "=": a == b}[c.op]
		if !ok {
			t.Errorf("%s (%v) %s %s (%v) does not hold", c.a, a, c.op, c.b, b)
		}
	}
}

// TestAllFiveCardHands checks the evaluator against the known counts of
// the 2,598,960 five-card hands: how many of each category, and 7462
// distinct ranks in all.
func TestAllFiveCardHands(t *testing.T) {
	want := map[Category]int{
		StraightFlush: 40, FourOfAKind: 624, FullHouse: 3744, Flush: 5108, Straight: 10200,
		ThreeOfAKind: 54912, TwoPair: 123552, OnePair: 1098240, HighCard: 1302540,
	}
	wantDistinct := map[Category]int{
		StraightFlush: 10, FourOfAKind: 156, FullHouse: 156, Flush: 1277, Straight: 10,
		ThreeOfAKind: 858, TwoPair: 858, OnePair: 2860, HighCard: 1277,
	}
	d := NewDeck()
	got := map[Category]int{}
	distinct := map[Value]bool{}
	hand := make([]Card, 5)
	combos(52, 5, func(idx []int) {
		for i, k := range idx {
			hand[i] = d[k]
		}
		v := Evaluate(hand)
		got[v.Category()]++
		distinct[v] = true
	})
	for c, n := range want {
		if got[c] != n {
			t.Errorf("%v: %d hands, want %d", c, got[c], n)
		}
	}
	gotDistinct := map[Category]int{}
	for v := range distinct {
		gotDistinct[v.Category()]++
	}
	for c, n := range wantDistinct {
		if gotDistinct[c] != n {
			t.Errorf("%v: %d distinct ranks, want %d", c, gotDistinct[c], n)
		}
	}
	if len(distinct) != 7462 {
		t.Errorf("%d distinct five-card ranks, want 7462", len(distinct))
	}
}

// reference5 is a five-card evaluator written the textbook way, apart
// from Evaluate: sort the ranks by how often they come, then by rank, and
// read the category off the pattern.
func reference5(cs []Card) Value {
	count := map[Rank]int{}
	flush := true
	for _, c := range cs {
		count[c.Rank()]++
		flush = flush && c.Suit() == cs[0].Suit()
	}
	var ranks []Rank
	for r := range count {
		ranks = append(ranks, r)
	}
	slices.SortFunc(ranks, func(a, b Rank) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return int(b) - int(a)
	})
	straight := Rank(0)
	if len(ranks) == 5 {
		switch {
		case ranks[0]-ranks[4] == 4:
			straight = ranks[0]
		case ranks[0] == 14 && ranks[1] == 5:
			straight = 5
		}
	}
	pattern := ""
	for _, r := range ranks {
		pattern += string(rune('0' + count[r]))
	}
	switch {
	case straight > 0 && flush:
		return makeValue(StraightFlush, straight)
	case pattern == "41":
		return makeValue(FourOfAKind, ranks...)
	case pattern == "32":
		return makeValue(FullHouse, ranks...)
	case flush:
		return makeValue(Flush, ranks...)
	case straight > 0:
		return makeValue(Straight, straight)
	case pattern == "311":
		return makeValue(ThreeOfAKind, ranks...)
	case pattern == "221":
		return makeValue(TwoPair, ranks...)
	case pattern == "2111":
		return makeValue(OnePair, ranks...)
	}
	return makeValue(HighCard, ranks...)
}

// TestSevenAgainstReference deals random seven-card hands and checks
// Evaluate against the best of their 21 five-card hands by reference5, and
// Best's five cards against both.
func TestSevenAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	cats := map[Category]int{}
	for range 30000 {
		d := ShuffledDeck(r)
		seven := d[:7]
		var want Value
		combos(7, 5, func(idx []int) {
			five := []Card{seven[idx[0]], seven[idx[1]], seven[idx[2]], seven[idx[3]], seven[idx[4]]}
			want = max(want, reference5(five))
		})
		got := Evaluate(seven)
		if got != want {
			t.Fatalf("%v: Evaluate %v (%x), reference %v (%x)", seven, got, uint32(got), want, uint32(want))
		}
		v, best := Best(seven)
		if v != got || len(best) != 5 || reference5(best) != got {
			t.Fatalf("%v: Best gives %v with %v", seven, v, best)
		}
		for _, c := range best {
			if !slices.Contains(seven, c) {
				t.Fatalf("%v: Best picked %v", seven, c)
			}
		}
		cats[got.Category()]++
	}
	// Random hands reach every category but the rarest.
	for c := HighCard; c <= FourOfAKind; c++ {
		if cats[c] == 0 {
			t.Errorf("no %v in 30000 random hands", c)
		}
	}
}

// TestReferenceOnRareHands runs the same check on every seven-card hand
// made of a straight flush or quads plus two more cards, which random
// deals rarely reach.
func TestReferenceOnRareHands(t *testing.T) {
	bases := []string{"As Ks Qs Js Ts", "5h 4h 3h 2h Ah", "9d 8d 7d 6d 5d", "7c 7d 7h 7s 2c", "Ac Ad Ah Kc Kd"}
	for _, b := range bases {
		base := MustParseCards(b)
		var rest []Card
		for _, c := range NewDeck() {
			if !slices.Contains(base, c) {
				rest = append(rest, c)
			}
		}
		combos(len(rest), 2, func(idx []int) {
			seven := append(slices.Clone(base), rest[idx[0]], rest[idx[1]])
			var want Value
			combos(7, 5, func(k []int) {
				want = max(want, reference5([]Card{seven[k[0]], seven[k[1]], seven[k[2]], seven[k[3]], seven[k[4]]}))
			})
			if got := Evaluate(seven); got != want {
				t.Fatalf("%v: Evaluate %v, reference %v", seven, got, want)
			}
		})
	}
}

func TestValueNames(t *testing.T) {
	plural := "twos threes fours fives sixes sevens eights nines tens jacks queens kings aces"
	for i, name := range strings.Fields(plural) {
		if got := makeValue(OnePair, Rank(i+2)).String(); got != "pair of "+name {
			t.Errorf("pair of rank %d: %q", i+2, got)
		}
	}
	if got := makeValue(FullHouse, 12, 6).String(); got != "full house, queens over sixes" {
		t.Errorf("got %q", got)
	}
}
