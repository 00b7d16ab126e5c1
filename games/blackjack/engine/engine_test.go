package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestCards(t *testing.T) {
	seen := map[string]bool{}
	for suit := Clubs; suit <= Spades; suit++ {
		for rank := Ace; rank <= King; rank++ {
			c := Card{Rank: rank, Suit: suit}
			s := c.String()
			if len(s) != 2 || seen[s] {
				t.Fatalf("%+v written %q (seen: %v)", c, s, seen[s])
			}
			seen[s] = true
			back, err := ParseCard(s)
			if err != nil || back != c {
				t.Errorf("ParseCard(%q) = %+v, %v; want %+v", s, back, err, c)
			}
		}
	}
	for _, bad := range []string{"", "A", "Ahh", "1h", "10h", "Ax", "ah", "?c"} {
		if _, err := ParseCard(bad); err == nil {
			t.Errorf("ParseCard(%q) accepted", bad)
		}
	}
	if got := (Card{}).String(); got != "??" {
		t.Errorf("zero card = %q", got)
	}
	values := map[string]int{"Ac": 1, "2d": 2, "9h": 9, "Ts": 10, "Jc": 10, "Qd": 10, "Kh": 10}
	for s, want := range values {
		if got := MustCards(s)[0].Value(); got != want {
			t.Errorf("%s is worth %d, want %d", s, got, want)
		}
	}
}

func TestHandTotal(t *testing.T) {
	tests := []struct {
		cards   string
		total   int
		soft    bool
		natural bool
	}{
		{"", 0, false, false},
		{"Ac", 11, true, false},
		{"2c 3d", 5, false, false},
		{"Ac Kd", 21, true, true},
		{"Kd Ac", 21, true, true},
		{"Ac Td", 21, true, true},
		{"Ac Jd", 21, true, true},
		{"Ac Ad", 12, true, false},
		{"Ac Ad Ah", 13, true, false},
		{"Ac Ad Ah As", 14, true, false},
		{"Ac 6d", 17, true, false},
		{"Ac 6d Kh", 17, false, false},
		{"Ac 5d 5h", 21, true, false}, // three cards: 21, not a natural
		{"Ac Ad 9h", 21, true, false},
		{"Ac Ad 9h Kc", 21, false, false},
		{"Ac Ad 9h Kc 2c", 23, false, false},
		{"Tc 6d", 16, false, false},
		{"Tc 6d Ah", 17, false, false},
		{"Tc Qd", 20, false, false},
		{"Tc Qd 2h", 22, false, false},
		{"9c 9d 4h", 22, false, false},
		{"5c 6d", 11, false, false},
		{"Ac 9d", 20, true, false},
		{"Ac Kd Qh", 21, false, false},
		{"2c 2d 2h 2s 3c 3d 3h 4s", 21, false, false},
		{"Ac 2d 3h 4s", 20, true, false},
		{"Ac 2d 3h 4s 5c", 15, false, false},
	}
	for _, tt := range tests {
		h := Hand(MustCards(tt.cards))
		total, soft := h.Total()
		if total != tt.total || soft != tt.soft {
			t.Errorf("%q: total %d soft %v, want %d %v", tt.cards, total, soft, tt.total, tt.soft)
		}
		if h.Value() != tt.total || h.Busted() != (tt.total > 21) || h.Natural() != tt.natural {
			t.Errorf("%q: value %d busted %v natural %v", tt.cards, h.Value(), h.Busted(), h.Natural())
		}
		if h.String() != tt.cards {
			t.Errorf("%q written %q", tt.cards, h.String())
		}
	}
}

func TestDealerDraws(t *testing.T) {
	tests := []struct {
		cards    string
		s17, h17 bool
	}{
		{"Tc 6d", true, true},
		{"Tc 7d", false, false},
		{"Ac 6d", false, true},     // soft 17: the one difference
		{"Ac 2d 4h", false, true},  // soft 17 in three cards
		{"Ac Ad 5h", false, true},  // soft 17 with two aces
		{"Ac 6d Kh", false, false}, // hard 17 made with an ace
		{"Ac 7d", false, false},    // soft 18
		{"Ac 5d", true, true},      // soft 16
		{"9c 8d", false, false},
		{"Tc Qd", false, false},
		{"Ac Kd", false, false},
		{"Tc 6d 6h", false, false}, // busted
		{"2c 3d", true, true},
		{"5c 6d", true, true},
	}
	for _, tt := range tests {
		h := Hand(MustCards(tt.cards))
		if got := (Rules{}).DealerDraws(h); got != tt.s17 {
			t.Errorf("S17 on %q: draws %v, want %v", tt.cards, got, tt.s17)
		}
		if got := (Rules{DealerHitsSoft17: true}).DealerDraws(h); got != tt.h17 {
			t.Errorf("H17 on %q: draws %v, want %v", tt.cards, got, tt.h17)
		}
	}
}

func TestShoe(t *testing.T) {
	for _, decks := range []int{0, 1, 2, 6, 8} {
		s := NewShoe(decks, rand.New(rand.NewPCG(1, uint64(decks))))
		n := max(decks, 1)
		if s.Size() != 52*n || s.Remaining() != 52*n || s.NeedsShuffle() {
			t.Fatalf("%d decks: size %d remaining %d needs shuffle %v", decks, s.Size(), s.Remaining(), s.NeedsShuffle())
		}
		count := map[Card]int{}
		cut := int(Penetration * float64(52*n))
		for i := range 52 * n {
			if s.NeedsShuffle() != (i >= cut) {
				t.Fatalf("%d decks: after %d cards NeedsShuffle = %v (cut at %d)", decks, i, s.NeedsShuffle(), cut)
			}
			count[s.Draw()]++
		}
		if len(count) != 52 {
			t.Fatalf("%d decks: %d different cards", decks, len(count))
		}
		for c, k := range count {
			if k != n {
				t.Fatalf("%d decks: %v dealt %d times", decks, c, k)
			}
		}
		// A dry shoe is shuffled anew rather than failing.
		s.Draw()
		if s.Remaining() != 52*n-1 {
			t.Fatalf("%d decks: %d left after running dry", decks, s.Remaining())
		}
	}
}

func TestShoeShuffleIsSeeded(t *testing.T) {
	deal := func(seed uint64) string {
		s := NewShoe(2, rand.New(rand.NewPCG(seed, 0)))
		var b strings.Builder
		for range 104 {
			b.WriteString(s.Draw().String())
		}
		return b.String()
	}
	if deal(7) != deal(7) {
		t.Error("the same seed dealt two orders")
	}
	if deal(7) == deal(8) {
		t.Error("two seeds dealt the same order")
	}
	s := NewShoe(1, rand.New(rand.NewPCG(7, 0)))
	for range 40 {
		s.Draw()
	}
	s.Shuffle()
	if s.Remaining() != 52 || s.NeedsShuffle() {
		t.Errorf("%d cards after a shuffle, needs another: %v", s.Remaining(), s.NeedsShuffle())
	}
}

func TestShoeStack(t *testing.T) {
	s := NewShoe(1, rand.New(rand.NewPCG(1, 1)))
	s.Draw()
	s.Stack(MustCards("Ah Kd 2c")...)
	if s.Remaining() != 51+3 {
		t.Fatalf("remaining %d", s.Remaining())
	}
	var got []string
	for range 3 {
		got = append(got, s.Draw().String())
	}
	if strings.Join(got, " ") != "Ah Kd 2c" {
		t.Errorf("stacked cards came out as %v", got)
	}
}

func TestSettle(t *testing.T) {
	tests := []struct {
		name    string
		player  string
		split   bool
		doubled bool
		bet     int64
		dealer  string
		outcome Outcome
		payout  int64
	}{
		{"blackjack pays 3:2", "Ah Kd", false, false, 100, "Tc 8d", Blackjack, 250},
		{"blackjack rounds down", "Ah Kd", false, false, 15, "Tc 8d", Blackjack, 37},
		{"blackjack of 1 chip", "Ah Kd", false, false, 1, "Tc 8d", Blackjack, 2},
		{"blackjack beats a dealer's three-card 21", "Ah Kd", false, false, 100, "Tc 5d 6h", Blackjack, 250},
		{"blackjack against a dealer's blackjack pushes", "Ah Kd", false, false, 100, "Ac Qd", Push, 100},
		{"21 after a split is not blackjack", "Ah Kd", true, false, 100, "Tc 8d", Win, 200},
		{"21 after a split loses to a dealer's blackjack", "Ah Kd", true, false, 100, "Ac Qd", Lose, 0},
		{"21 after a split pushes a dealer's 21", "Ah Kd", true, false, 100, "Tc 5d 6h", Push, 100},
		{"three-card 21 loses to a dealer's blackjack", "7h 7d 7c", false, false, 100, "Ac Qd", Lose, 0},
		{"higher total wins", "Th 9d", false, false, 100, "Tc 8d", Win, 200},
		{"lower total loses", "Th 7d", false, false, 100, "Tc 8d", Lose, 0},
		{"equal totals push", "Th 8d", false, false, 100, "9c 9d", Push, 100},
		{"soft against hard", "Ah 7d", false, false, 100, "Tc 8d", Push, 100},
		{"dealer busts", "Th 2d", false, false, 100, "Tc 6d 8h", Win, 200},
		{"player bust loses even when the dealer busts", "Th 6d 9h", false, false, 100, "Tc 6d 8h", Lose, 0},
		{"player bust loses", "Th 6d 9h", false, false, 100, "Tc 8d", Lose, 0},
		{"doubled win pays the doubled bet", "5h 6d Th", false, true, 200, "Tc 8d", Win, 400},
		{"doubled loss loses the doubled bet", "5h 6d 2h", false, true, 200, "Tc 8d", Lose, 0},
		{"doubled push returns the doubled bet", "5h 6d 7h", false, true, 200, "Tc 8d", Push, 200},
		{"five cards are just their total", "2h 2d 2c 2s 3h", false, false, 100, "Tc 8d", Lose, 0},
		{"dealer soft 17 against 17", "Th 7d", false, false, 100, "Ac 6d", Push, 100},
	}
	for _, tt := range tests {
		h := &PlayerHand{Cards: MustCards(tt.player), Bet: tt.bet, FromSplit: tt.split, Doubled: tt.doubled}
		got := Settle(h, MustCards(tt.dealer))
		want := HandResult{Outcome: tt.outcome, Bet: tt.bet, Payout: tt.payout}
		if got != want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestSettleInsurance(t *testing.T) {
	if got := SettleInsurance(50, MustCards("Ac Kd")); got != (HandResult{Win, 50, 150}) {
		t.Errorf("insurance against blackjack: %+v", got)
	}
	if got := SettleInsurance(50, MustCards("Ac 9d")); got != (HandResult{Lose, 50, 0}) {
		t.Errorf("insurance without blackjack: %+v", got)
	}
	if got := SettleInsurance(50, MustCards("Ac 5d 5h")); got != (HandResult{Lose, 50, 0}) {
		t.Errorf("insurance against a three-card 21: %+v", got)
	}
}

// round deals a round from a stacked shoe. The cards go, as at a table:
// one to each seat, the dealer's up card, a second to each seat, the
// dealer's hole card, then whatever is drawn.
func round(t *testing.T, rules Rules, cards string, bets ...Bet) *Round {
	t.Helper()
	s := NewShoe(1, rand.New(rand.NewPCG(3, 4)))
	s.Stack(MustCards(cards)...)
	return NewRound(rules, s, bets)
}

func hands(r *Round) string {
	var out []string
	for _, s := range r.Seats() {
		for i, h := range s.Hands {
			out = append(out, fmt.Sprintf("%d.%d[%s]", s.Number, i+1, h.Cards))
		}
	}
	return strings.Join(out, " ")
}

func results(r *Round) string {
	res, err := r.Results()
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, s := range res {
		for i, h := range s.Hands {
			out = append(out, fmt.Sprintf("%d.%d %s %d %d", s.Seat, i+1, h.Outcome, h.Bet, h.Payout))
		}
		if s.Insurance != nil {
			out = append(out, fmt.Sprintf("%d.ins %s %d %d", s.Seat, s.Insurance.Outcome, s.Insurance.Bet, s.Insurance.Payout))
		}
	}
	return strings.Join(out, ", ")
}

func TestDealOrder(t *testing.T) {
	r := round(t, Rules{}, "2c 3c 4c 5c 6c 7c 8c 9c", Bet{Seat: 5, Amount: 10}, Bet{Seat: 2, Amount: 20}, Bet{Seat: 3, Amount: 30})
	if got := hands(r); got != "2.1[2c 6c] 3.1[3c 7c] 5.1[4c 8c]" {
		t.Errorf("hands %s", got)
	}
	if r.Up().String() != "5c" || r.Dealer().String() != "5c 9c" {
		t.Errorf("dealer up %v hand %v", r.Up(), r.Dealer())
	}
	if r.Phase() != Playing || r.Peeks() {
		t.Errorf("phase %v, peeks %v", r.Phase(), r.Peeks())
	}
	if s := r.Seat(3); s == nil || s.Hands[0].Bet != 30 {
		t.Errorf("seat 3: %+v", s)
	}
	if r.Seat(1) != nil {
		t.Error("seat 1 has a hand without a bet")
	}
}

// step is an action in a scripted round: "hit", "stand", "double",
// "split", "insure", "decline", "end-insurance", "standall", "dealer".
type step struct {
	seat int
	act  string
	err  error
}

func (s step) run(r *Round) error {
	switch s.act {
	case "hit":
		_, err := r.Hit(s.seat)
		return err
	case "stand":
		return r.Stand(s.seat)
	case "double":
		_, err := r.Double(s.seat)
		return err
	case "split":
		_, err := r.Split(s.seat)
		return err
	case "insure":
		return r.Insure(s.seat)
	case "decline":
		return r.DeclineInsurance(s.seat)
	case "end-insurance":
		r.EndInsurance()
		return nil
	case "standall":
		r.StandAll(s.seat)
		return nil
	case "dealer":
		_, err := r.PlayDealer()
		return err
	}
	panic("unknown step " + s.act)
}

// TestRounds plays scripted rounds and checks every hand's result.
func TestRounds(t *testing.T) {
	s17, h17 := Rules{}, Rules{DealerHitsSoft17: true}
	one := []Bet{{Seat: 1, Amount: 100}}
	two := []Bet{{Seat: 1, Amount: 100}, {Seat: 2, Amount: 50}}
	tests := []struct {
		name   string
		rules  Rules
		cards  string
		bets   []Bet
		steps  []step
		hands  string // after the steps
		dealer string
		want   string
	}{
		{
			name: "stand and win", rules: s17, bets: one,
			cards: "Th Tc 9h 7c",
			steps: []step{{1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th 9h]", dealer: "Tc 7c", want: "1.1 win 100 200",
		},
		{
			name: "hit, dealer draws to 17 and stands", rules: s17, bets: one,
			cards: "5h 6c 4h Tc 6d Ac 9s",
			steps: []step{{1, "hit", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[5h 4h 6d]", dealer: "6c Tc Ac", want: "1.1 lose 100 0",
		},
		{
			name: "hit to bust ends the turn, the dealer does not draw", rules: s17, bets: one,
			cards: "Th 6c 6h Tc Kd",
			steps: []step{{1, "hit", nil}, {1, "stand", ErrNotYourTurn}, {1, "dealer", nil}},
			hands: "1.1[Th 6h Kd]", dealer: "6c Tc", want: "1.1 lose 100 0",
		},
		{
			name: "hit to 21 stands by itself", rules: s17, bets: one,
			cards: "Th 9c 6h Tc 5d",
			steps: []step{{1, "hit", nil}, {1, "hit", ErrNotYourTurn}, {1, "dealer", nil}},
			hands: "1.1[Th 6h 5d]", dealer: "9c Tc", want: "1.1 win 100 200",
		},
		{
			name: "S17: the dealer stands on soft 17", rules: s17, bets: one,
			cards: "Th Ac 7h 6c",
			steps: []step{{1, "end-insurance", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th 7h]", dealer: "Ac 6c", want: "1.1 push 100 100",
		},
		{
			name: "H17: the dealer hits soft 17", rules: h17, bets: one,
			cards: "Th Ac 7h 6c 2d",
			steps: []step{{1, "end-insurance", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th 7h]", dealer: "Ac 6c 2d", want: "1.1 lose 100 0",
		},
		{
			name: "H17: a hard 17 stands", rules: h17, bets: one,
			cards: "Th 7c Qh Kc",
			steps: []step{{1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th Qh]", dealer: "7c Kc", want: "1.1 win 100 200",
		},
		{
			name: "dealer busts", rules: s17, bets: one,
			cards: "Th 6c 2h Tc 9d",
			steps: []step{{1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th 2h]", dealer: "6c Tc 9d", want: "1.1 win 100 200",
		},
		{
			name: "double on two cards draws one card", rules: s17, bets: one,
			cards: "5h 9c 6h 8c Th",
			steps: []step{{1, "double", nil}, {1, "dealer", nil}},
			hands: "1.1[5h 6h Th]", dealer: "9c 8c", want: "1.1 win 200 400",
		},
		{
			name: "double ends the hand even under 21", rules: s17, bets: one,
			cards: "5h 9c 6h 8c 2h",
			steps: []step{{1, "double", nil}, {1, "hit", ErrNotYourTurn}, {1, "dealer", nil}},
			hands: "1.1[5h 6h 2h]", dealer: "9c 8c", want: "1.1 lose 200 0",
		},
		{
			name: "double soft hands too", rules: s17, bets: one,
			cards: "Ah 9c 6h 8c 3h",
			steps: []step{{1, "double", nil}, {1, "dealer", nil}},
			hands: "1.1[Ah 6h 3h]", dealer: "9c 8c", want: "1.1 win 200 400",
		},
		{
			name: "no double after a hit", rules: s17, bets: one,
			cards: "2h 9c 3h 8c 4h",
			steps: []step{{1, "hit", nil}, {1, "double", ErrDoubleTwoCards}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[2h 3h 4h]", dealer: "9c 8c", want: "1.1 lose 100 0",
		},
		{
			name: "split a pair: two hands, each with the bet", rules: s17, bets: one,
			cards: "8h 9c 8d 8c Th 3s",
			steps: []step{{1, "split", nil}, {1, "stand", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[8h Th] 1.2[8d 3s]", dealer: "9c 8c", want: "1.1 win 100 200, 1.2 lose 100 0",
		},
		{
			name: "split ten-value cards of different ranks", rules: s17, bets: one,
			cards: "Kh 9c Qd 8c 9h 7s",
			steps: []step{{1, "split", nil}, {1, "stand", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Kh 9h] 1.2[Qd 7s]", dealer: "9c 8c", want: "1.1 win 100 200, 1.2 push 100 100",
		},
		{
			name: "no split of an ace and a seven", rules: s17, bets: one,
			cards: "Ah 9c 7d 8c",
			steps: []step{{1, "split", ErrSplitPair}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Ah 7d]", dealer: "9c 8c", want: "1.1 win 100 200",
		},
		{
			name: "results wait for the dealer", rules: s17, bets: one,
			cards: "Ah 9c 7d 8c",
			steps: []step{{1, "stand", nil}},
			hands: "1.1[Ah 7d]", dealer: "9c 8c", want: ErrNotPlaying.Error(),
		},
		{
			name: "no split of 9 and 8", rules: s17, bets: one,
			cards: "9h 9c 8d 8c",
			steps: []step{{1, "split", ErrSplitPair}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[9h 8d]", dealer: "9c 8c", want: "1.1 push 100 100",
		},
		{
			name: "no split after a hit", rules: s17, bets: one,
			cards: "2h 9c 3h 8c 2d",
			steps: []step{{1, "hit", nil}, {1, "split", ErrSplitPair}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[2h 3h 2d]", dealer: "9c 8c", want: "1.1 lose 100 0",
		},
		{
			name: "split only once", rules: s17, bets: one,
			cards: "8h 9c 8d 8c 8s 2s",
			steps: []step{{1, "split", nil}, {1, "split", ErrSplitOnce}, {1, "stand", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[8h 8s] 1.2[8d 2s]", dealer: "9c 8c", want: "1.1 lose 100 0, 1.2 lose 100 0",
		},
		{
			name: "double after split", rules: s17, bets: one,
			cards: "5h 9c 5d 8c 6h 6s Ts Tc",
			steps: []step{{1, "split", nil}, {1, "double", nil}, {1, "double", nil}, {1, "dealer", nil}},
			hands: "1.1[5h 6h Ts] 1.2[5d 6s Tc]", dealer: "9c 8c", want: "1.1 win 200 400, 1.2 win 200 400",
		},
		{
			name: "split aces get one card each; 21 is not blackjack", rules: s17, bets: one,
			cards: "Ah 9c Ad 8c Kh 5s",
			steps: []step{{1, "split", nil}, {1, "hit", ErrNotYourTurn}, {1, "dealer", nil}},
			hands: "1.1[Ah Kh] 1.2[Ad 5s]", dealer: "9c 8c", want: "1.1 win 100 200, 1.2 lose 100 0",
		},
		{
			name: "21 after a split stands by itself", rules: s17, bets: one,
			cards: "Kh 9c Kd 8c Ah 5s 2c",
			steps: []step{{1, "split", nil}, {1, "hit", nil}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Kh Ah] 1.2[Kd 5s 2c]", dealer: "9c 8c", want: "1.1 win 100 200, 1.2 push 100 100",
		},
		{
			name: "player blackjack is paid without a turn", rules: s17, bets: one,
			cards: "Ah 9c Kd 7c",
			steps: []step{{1, "stand", ErrNotYourTurn}, {1, "dealer", nil}},
			hands: "1.1[Ah Kd]", dealer: "9c 7c", want: "1.1 blackjack 100 250",
		},
		{
			name: "ten up, dealer blackjack: the round ends at the peek", rules: s17, bets: two,
			cards: "Ah 9h Kc Kd 9d Ac",
			steps: []step{{1, "stand", ErrNotPlaying}, {1, "insure", ErrNoInsurance}},
			hands: "1.1[Ah Kd] 2.1[9h 9d]", dealer: "Kc Ac", want: "1.1 push 100 100, 2.1 lose 50 0",
		},
		{
			name: "ace up: insurance pays 2:1 on a dealer blackjack", rules: s17, bets: two,
			cards: "Th 9h Ac Td 9d Kc",
			steps: []step{
				{1, "stand", ErrNotPlaying},
				{1, "insure", nil}, {1, "insure", ErrInsuredAlready}, {1, "decline", ErrInsuredAlready},
				{2, "decline", nil}, {2, "insure", ErrInsuredAlready},
				{1, "end-insurance", nil},
			},
			hands: "1.1[Th Td] 2.1[9h 9d]", dealer: "Ac Kc", want: "1.1 lose 100 0, 1.ins win 50 150, 2.1 lose 50 0",
		},
		{
			name: "ace up: insurance is lost without a dealer blackjack", rules: s17, bets: two,
			cards: "Th 9h Ac Td 9d 7c",
			steps: []step{{1, "insure", nil}, {2, "end-insurance", nil}, {1, "stand", nil}, {2, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th Td] 2.1[9h 9d]", dealer: "Ac 7c", want: "1.1 win 100 200, 1.ins lose 50 0, 2.1 push 50 50",
		},
		{
			name: "even money: a blackjack insured against the dealer's blackjack", rules: s17, bets: one,
			cards: "Ah Ac Kd Kc",
			steps: []step{{1, "insure", nil}, {1, "end-insurance", nil}},
			hands: "1.1[Ah Kd]", dealer: "Ac Kc", want: "1.1 push 100 100, 1.ins win 50 150",
		},
		{
			name: "turns go by seat, then by hand", rules: s17, bets: two,
			cards: "8h 2h 9c 8d 3d 8c Th Ts 4c",
			steps: []step{
				{2, "hit", ErrNotYourTurn}, {1, "split", nil}, {2, "stand", ErrNotYourTurn},
				{1, "stand", nil}, {1, "stand", nil}, {2, "hit", nil}, {2, "stand", nil}, {2, "dealer", nil},
			},
			hands: "1.1[8h Th] 1.2[8d Ts] 2.1[2h 3d 4c]", dealer: "9c 8c", want: "1.1 win 100 200, 1.2 win 100 200, 2.1 lose 50 0",
		},
		{
			name: "an idle seat stands all its hands", rules: s17, bets: two,
			cards: "8h 2h 9c 8d 3d 8c Th Ts",
			steps: []step{{1, "split", nil}, {1, "standall", nil}, {1, "hit", ErrNotYourTurn}, {2, "standall", nil}, {1, "dealer", nil}},
			hands: "1.1[8h Th] 1.2[8d Ts] 2.1[2h 3d]", dealer: "9c 8c", want: "1.1 win 100 200, 1.2 win 100 200, 2.1 lose 50 0",
		},
		{
			name: "the dealer plays only after every hand", rules: s17, bets: two,
			cards: "Th Tc 9c 9h 9d 8c",
			steps: []step{{1, "stand", nil}, {1, "dealer", ErrNotPlaying}, {2, "stand", nil}, {2, "dealer", nil}, {1, "dealer", ErrNotPlaying}},
			hands: "1.1[Th 9h] 2.1[Tc 9d]", dealer: "9c 8c", want: "1.1 win 100 200, 2.1 win 50 100",
		},
		{
			name: "no hand in the round", rules: s17, bets: one,
			cards: "Th 9c 9h 8c",
			steps: []step{{3, "hit", ErrNoHand}, {3, "insure", ErrNoHand}, {3, "decline", ErrNoHand}, {1, "stand", nil}, {1, "dealer", nil}},
			hands: "1.1[Th 9h]", dealer: "9c 8c", want: "1.1 win 100 200",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := round(t, tt.rules, tt.cards, tt.bets...)
			for i, s := range tt.steps {
				if err := s.run(r); !errors.Is(err, s.err) {
					t.Fatalf("step %d (%d %s): %v, want %v", i, s.seat, s.act, err, s.err)
				}
			}
			if got := hands(r); got != tt.hands {
				t.Errorf("hands %s, want %s", got, tt.hands)
			}
			if got := r.Dealer().String(); got != tt.dealer {
				t.Errorf("dealer %s, want %s", got, tt.dealer)
			}
			if got := results(r); got != tt.want {
				t.Errorf("results %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCosts(t *testing.T) {
	// Insurance is half the bet, rounded down; a 1-chip bet cannot insure.
	r := round(t, Rules{}, "Th 9h 8h Ac Td 9d 8d 7c",
		Bet{Seat: 1, Amount: 100}, Bet{Seat: 2, Amount: 15}, Bet{Seat: 3, Amount: 1})
	if r.Phase() != Insurance || !r.Peeks() {
		t.Fatalf("phase %v", r.Phase())
	}
	for seat, want := range map[int]int64{1: 50, 2: 7} {
		if got, err := r.InsuranceCost(seat); got != want || err != nil {
			t.Errorf("seat %d insurance costs %d, %v; want %d", seat, got, err, want)
		}
	}
	if _, err := r.InsuranceCost(3); !errors.Is(err, ErrInsuranceSmall) {
		t.Errorf("1-chip insurance: %v", err)
	}
	if err := r.Insure(3); !errors.Is(err, ErrInsuranceSmall) {
		t.Errorf("1-chip insure: %v", err)
	}
	if _, err := r.PlayDealer(); !errors.Is(err, ErrNotPlaying) {
		t.Errorf("dealer played during insurance: %v", err)
	}
	if _, err := r.DoubleCost(1); !errors.Is(err, ErrNotPlaying) {
		t.Errorf("double during insurance: %v", err)
	}
	r.Insure(1)
	r.DeclineInsurance(2)
	if r.InsuranceDecided() {
		t.Error("decided while seat 3 has not")
	}
	r.DeclineInsurance(3)
	if !r.InsuranceDecided() {
		t.Error("undecided after every seat")
	}
	r.EndInsurance()
	r.EndInsurance() // twice changes nothing
	if r.Phase() != Playing {
		t.Fatalf("phase %v after insurance", r.Phase())
	}
	if _, err := r.InsuranceCost(2); !errors.Is(err, ErrNoInsurance) {
		t.Errorf("insurance after the peek: %v", err)
	}
	// Doubling or splitting costs the hand's bet again.
	if got, err := r.DoubleCost(1); got != 100 || err != nil {
		t.Errorf("double costs %d, %v", got, err)
	}
	if got, err := r.SplitCost(1); got != 100 || err != nil {
		t.Errorf("split costs %d, %v", got, err)
	}
	if _, err := r.DoubleCost(2); !errors.Is(err, ErrNotYourTurn) {
		t.Errorf("double out of turn: %v", err)
	}
	if _, err := r.SplitCost(2); !errors.Is(err, ErrNotYourTurn) {
		t.Errorf("split out of turn: %v", err)
	}
}

// TestRandomRounds plays many seeded rounds with random legal choices and
// checks what must always hold.
func TestRandomRounds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(42, 42))
	for _, rules := range []Rules{{}, {DealerHitsSoft17: true}} {
		shoe := NewShoe(6, rnd)
		for n := range 3000 {
			if shoe.NeedsShuffle() {
				shoe.Shuffle()
			}
			var bets []Bet
			for seat := 1; seat <= 6; seat++ {
				if rnd.IntN(2) == 0 {
					bets = append(bets, Bet{Seat: seat, Amount: int64(1 + rnd.IntN(200))})
				}
			}
			if len(bets) == 0 {
				continue
			}
			before := shoe.Remaining()
			r := NewRound(rules, shoe, bets)
			if r.Phase() == Insurance {
				for _, s := range r.Seats() {
					if rnd.IntN(2) == 0 {
						r.Insure(s.Number)
					}
				}
				r.EndInsurance()
			}
			for {
				seat, _, ok := r.Turn()
				if !ok {
					break
				}
				switch rnd.IntN(5) {
				case 0:
					r.Hit(seat)
				case 1:
					r.Stand(seat)
				case 2:
					if _, err := r.Double(seat); err != nil {
						r.Stand(seat)
					}
				case 3:
					if _, err := r.Split(seat); err != nil {
						r.Hit(seat)
					}
				case 4:
					r.StandAll(seat)
				}
			}
			if r.Phase() == Playing {
				if _, err := r.PlayDealer(); err != nil {
					t.Fatalf("round %d: %v", n, err)
				}
			}
			res, err := r.Results()
			if err != nil {
				t.Fatalf("round %d: %v", n, err)
			}
			dealt := len(r.Dealer())
			live := false
			for i, s := range r.Seats() {
				for j, h := range s.Hands {
					dealt += len(h.Cards)
					live = live || (!h.Cards.Busted() && !h.Blackjack())
					hr := res[i].Hands[j]
					ok := map[Outcome]int64{Lose: 0, Push: h.Bet, Win: 2 * h.Bet, Blackjack: h.Bet + h.Bet*3/2}
					if want, known := ok[hr.Outcome]; !known || hr.Payout != want || hr.Bet != h.Bet {
						t.Fatalf("round %d seat %d: %+v for %v", n, s.Number, hr, h.Cards)
					}
					if h.Cards.Busted() && hr.Outcome != Lose || hr.Outcome == Blackjack && (h.FromSplit || len(h.Cards) != 2) {
						t.Fatalf("round %d seat %d: %v is %s", n, s.Number, h.Cards, hr.Outcome)
					}
					if h.Doubled && (len(h.Cards) != 3 || h.Bet != 2*bets[i].Amount) {
						t.Fatalf("round %d seat %d: doubled %v for %d", n, s.Number, h.Cards, h.Bet)
					}
					if len(s.Hands) == 2 && s.Hands[0].Cards[0].Rank == Ace && len(h.Cards) != 2 {
						t.Fatalf("round %d seat %d: split ace drew %v", n, s.Number, h.Cards)
					}
				}
			}
			// Six decks cut at 75% never run dry in mid-round.
			if dealt != before-shoe.Remaining() {
				t.Fatalf("round %d: %d cards on the table, %d left the shoe", n, dealt, before-shoe.Remaining())
			}
			d := r.Dealer()
			switch {
			case r.Peeks() && d.Natural(), !live:
				if len(d) != 2 {
					t.Fatalf("round %d: dealer drew %v with nothing to play for", n, d)
				}
			case rules.DealerDraws(d), len(d) > 2 && !rules.DealerDraws(d[:len(d)-1]):
				// Stopped too early, or drew once too often.
				t.Fatalf("round %d: dealer %v drew wrongly under %+v", n, d, rules)
			}
		}
	}
}
