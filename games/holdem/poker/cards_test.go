package poker

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestCardStrings(t *testing.T) {
	d := NewDeck()
	if len(d) != 52 {
		t.Fatalf("deck has %d cards", len(d))
	}
	seen := map[string]bool{}
	for _, c := range d {
		s := c.String()
		if seen[s] {
			t.Errorf("%s twice in a new deck", s)
		}
		seen[s] = true
		back, err := ParseCard(s)
		if err != nil || back != c {
			t.Errorf("ParseCard(%q) = %v, %v; want %v", s, back, err, c)
		}
	}
	for in, want := range map[string]string{"as": "As", "10h": "Th", "tD": "Td", "2C": "2c", "KS": "Ks"} {
		if c, err := ParseCard(in); err != nil || c.String() != want {
			t.Errorf("ParseCard(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	for _, bad := range []string{"", "A", "1s", "Ax", "Asd", "11h", "☃s"} {
		if c, err := ParseCard(bad); err == nil {
			t.Errorf("ParseCard(%q) = %v, want an error", bad, c)
		}
	}
	if got := FormatCards(MustParseCards("As  Kd 7c")); got != "As Kd 7c" {
		t.Errorf("FormatCards = %q", got)
	}
	if Card(0).Valid() || Card(0).String() != "??" {
		t.Error("the zero card is valid")
	}
}

func TestShuffle(t *testing.T) {
	seeded := func(seed uint64) []Card { return ShuffledDeck(rand.New(rand.NewPCG(seed, 1))) }
	a, b, c := seeded(1), seeded(1), seeded(2)
	if !slices.Equal(a, b) {
		t.Error("the same seed shuffled two ways")
	}
	if slices.Equal(a, c) {
		t.Error("two seeds shuffled the same way")
	}
	if err := checkDeck(a, 9); err != nil || len(a) != 52 {
		t.Errorf("a shuffled deck is not the 52 cards: %v", err)
	}
	// Every card lands on top about as often as every other: 52000
	// shuffles put each there 1000 times give or take (±25% is over 8
	// standard deviations).
	r := rand.New(rand.NewPCG(7, 7))
	var top [64]int
	for range 52000 {
		top[ShuffledDeck(r)[0]]++
	}
	for _, c := range NewDeck() {
		if top[c] < 750 || top[c] > 1250 {
			t.Errorf("%v on top %d times in 52000 shuffles", c, top[c])
		}
	}
}

func TestStackDeck(t *testing.T) {
	holes := [][2]Card{}
	for _, s := range strings.Split("As Ad|Kc Kd|2h 7s|Qs Js|9c 9d", "|") {
		cs := MustParseCards(s)
		holes = append(holes, [2]Card{cs[0], cs[1]})
	}
	board := MustParseCards("3c 4c 5c 6h Th")
	for n := 2; n <= len(holes); n++ {
		for button := range n {
			d, err := StackDeck(button, holes[:n], board)
			if err != nil {
				t.Fatal(err)
			}
			seats := make([]Seat, n)
			for i := range seats {
				seats[i] = Seat{ID: int64(i + 1), Stack: 100}
			}
			h, _, err := NewHand(seats, button, 1, 2, d)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range h.Players {
				if p.Hole != holes[i] {
					t.Errorf("n=%d button=%d: player %d got %v, want %v", n, button, i, p.Hole, holes[i])
				}
			}
			// Everyone all in: the board comes out as stacked.
			for !h.Done() {
				id, _ := h.ToAct()
				if _, err := h.Act(id, AllIn, 0); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(h.Board, board) {
				t.Errorf("n=%d button=%d: board %v, want %v", n, button, h.Board, board)
			}
		}
	}
	if _, err := StackDeck(0, [][2]Card{{1 << 3, 1 << 3}, {2 << 2, 3 << 2}}, nil); err == nil {
		t.Error("StackDeck accepted a card twice")
	}
}
