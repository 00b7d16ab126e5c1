package poker

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// deal starts a hand for players 1..n with these stacks.
func deal(t *testing.T, stacks []int64, button int, sb, bb int64, deck []Card) (*Hand, []Event) {
	t.Helper()
	seats := make([]Seat, len(stacks))
	for i, s := range stacks {
		seats[i] = Seat{ID: int64(i + 1), Stack: s}
	}
	if deck == nil {
		deck = NewDeck()
	}
	h, evs, err := NewHand(seats, button, sb, bb, deck)
	if err != nil {
		t.Fatal(err)
	}
	return h, evs
}

// stack deals from a deck stacked with these holes ("As Kd|..." in seat
// order) and board.
func stacked(t *testing.T, button int, holes, board string) []Card {
	t.Helper()
	var hs [][2]Card
	for _, s := range strings.Split(holes, "|") {
		cs := MustParseCards(s)
		hs = append(hs, [2]Card{cs[0], cs[1]})
	}
	d, err := StackDeck(button, hs, MustParseCards(board))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func play(t *testing.T, h *Hand, id int64, a Action, to int64) []Event {
	t.Helper()
	evs, err := h.Act(id, a, to)
	if err != nil {
		t.Fatalf("player %d %v %d: %v", id, a, to, err)
	}
	return evs
}

func refuse(t *testing.T, h *Hand, id int64, a Action, to int64, want string) {
	t.Helper()
	before := fmt.Sprint(h.Options(), stacksOf(h))
	evs, err := h.Act(id, a, to)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("player %d %v %d: got %v, %v; want an error with %q", id, a, to, evs, err, want)
	}
	if after := fmt.Sprint(h.Options(), stacksOf(h)); after != before {
		t.Fatalf("a refused move changed the hand: %s -> %s", before, after)
	}
}

func stacksOf(h *Hand) []int64 {
	s := make([]int64, len(h.Players))
	for i, p := range h.Players {
		s[i] = p.Stack
	}
	return s
}

func turn(t *testing.T, h *Hand, want int64) {
	t.Helper()
	if id, ok := h.ToAct(); !ok || id != want {
		t.Fatalf("to act: %d (%v), want player %d", id, ok, want)
	}
}

// passive calls or checks whoever is to act until the street changes.
func passive(t *testing.T, h *Hand) {
	t.Helper()
	s := h.Street
	for h.Street == s && !h.Done() {
		id, _ := h.ToAct()
		a := Check
		if h.Options().ToCall > 0 {
			a = Call
		}
		play(t, h, id, a, 0)
	}
}

// only keeps the events of one kind, without their Cards.
func only(evs []Event, k EventKind) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == k {
			e.Cards, e.Best = nil, nil
			out = append(out, e)
		}
	}
	return out
}

func TestPositions(t *testing.T) {
	// Seat indices: who posts the blinds, acts first before and after the
	// flop. Heads up the button posts the small blind and acts first
	// before the flop, last after it.
	cases := []struct {
		n, button, sb, bb, first, firstAfter int
	}{
		{2, 0, 0, 1, 0, 1},
		{2, 1, 1, 0, 1, 0},
		{3, 0, 1, 2, 0, 1},
		{3, 2, 0, 1, 2, 0},
		{4, 1, 2, 3, 0, 2},
		{6, 3, 4, 5, 0, 4},
		{9, 8, 0, 1, 2, 0},
		{9, 0, 1, 2, 3, 1},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d-players-button-%d", c.n, c.button), func(t *testing.T) {
			stacks := make([]int64, c.n)
			for i := range stacks {
				stacks[i] = 1000
			}
			h, evs := deal(t, stacks, c.button, 5, 10, nil)
			want := []Event{
				{Kind: EventBlind, Player: int64(c.sb + 1), Amount: 5, Bet: 5, Stack: 995},
				{Kind: EventBlind, Player: int64(c.bb + 1), Big: true, Amount: 10, Bet: 10, Stack: 990},
			}
			if !reflect.DeepEqual(evs, want) {
				t.Fatalf("blinds %+v, want %+v", evs, want)
			}
			turn(t, h, int64(c.first+1))
			passive(t, h)
			if h.Street != Flop || len(h.Board) != 3 || h.Pot() != int64(10*c.n) {
				t.Fatalf("after the calls: %v, board %v, pot %d", h.Street, h.Board, h.Pot())
			}
			turn(t, h, int64(c.firstAfter+1))
		})
	}
}

func TestBigBlindOption(t *testing.T) {
	h, _ := deal(t, []int64{1000, 1000}, 0, 5, 10, nil)
	play(t, h, 1, Call, 0)
	turn(t, h, 2) // the big blind may still raise though the bet is matched
	if o := h.Options(); o != (Options{Player: 2, ToCall: 0, CanRaise: true, MinTo: 20, MaxTo: 1000}) {
		t.Fatalf("options %+v", o)
	}
	evs := play(t, h, 2, Raise, 30)
	if evs[0].Action != Raise || evs[0].Bet != 30 || evs[0].Stack != 970 {
		t.Fatalf("raise reported as %+v", evs[0])
	}
	if o := h.Options(); o != (Options{Player: 1, ToCall: 20, CanRaise: true, MinTo: 50, MaxTo: 1000}) {
		t.Fatalf("options %+v", o)
	}
}

func TestMinimumBetsAndRaises(t *testing.T) {
	h, _ := deal(t, []int64{1000, 1000, 1000}, 0, 5, 10, nil)
	turn(t, h, 1)
	refuse(t, h, 1, Raise, 15, "the smallest raise is to 20")
	refuse(t, h, 1, Bet, 10, "the smallest raise is to 20")
	if evs := play(t, h, 1, Bet, 20); evs[0].Action != Raise {
		t.Errorf("a bet over the blinds is reported as %v", evs[0].Action)
	}
	refuse(t, h, 2, Raise, 29, "the smallest raise is to 30")
	play(t, h, 2, Raise, 50) // by 30: the next raise must be by 30 too
	if o := h.Options(); o != (Options{Player: 3, ToCall: 40, CanRaise: true, MinTo: 80, MaxTo: 1000}) {
		t.Fatalf("options %+v", o)
	}
	refuse(t, h, 3, Raise, 79, "the smallest raise is to 80")
	refuse(t, h, 3, Check, 0, "40 to call")
	play(t, h, 3, Call, 0)
	turn(t, h, 1)
	if o := h.Options(); !o.CanRaise || o.ToCall != 30 || o.MinTo != 80 {
		t.Fatalf("a full raise reopens the betting: %+v", o)
	}
	play(t, h, 1, Call, 0)

	// The flop: the smallest bet is the big blind.
	turn(t, h, 2)
	refuse(t, h, 2, Call, 0, "nothing to call")
	refuse(t, h, 2, Bet, 9, "the smallest bet is to 10")
	if evs := play(t, h, 2, Bet, 10); evs[0].Action != Bet {
		t.Errorf("an opening bet is reported as %v", evs[0].Action)
	}
	play(t, h, 3, Raise, 20)
	refuse(t, h, 1, Raise, 29, "the smallest raise is to 30")
	play(t, h, 1, Raise, 100) // by 80
	refuse(t, h, 2, Raise, 179, "the smallest raise is to 180")
	// More than the stack is all in, the cap.
	evs := play(t, h, 2, Raise, 5000)
	if evs[0].Action != AllIn || evs[0].Bet != 950 || evs[0].Stack != 0 {
		t.Fatalf("an oversized raise: %+v", evs[0])
	}
}

// An all-in for less than a full raise does not reopen the betting for
// those who already acted; a full raise after it does.
func TestShortAllInDoesNotReopen(t *testing.T) {
	for _, third := range []struct {
		a      Action
		to     int64
		reopen bool
	}{{Call, 0, false}, {Raise, 250, true}} {
		t.Run(third.a.String(), func(t *testing.T) {
			h, _ := deal(t, []int64{1000, 160, 1000}, 2, 5, 10, nil)
			passive(t, h) // everyone in for 10
			turn(t, h, 1)
			play(t, h, 1, Bet, 100)
			if evs := play(t, h, 2, AllIn, 0); evs[0].Bet != 150 {
				t.Fatalf("all in: %+v", evs[0])
			}
			// Player 3 has not acted: a full raise is to 150 + 100.
			if o := h.Options(); o != (Options{Player: 3, ToCall: 150, CanRaise: true, MinTo: 250, MaxTo: 990}) {
				t.Fatalf("options %+v", o)
			}
			refuse(t, h, 3, Raise, 249, "the smallest raise is to 250")
			play(t, h, 3, third.a, third.to)
			turn(t, h, 1)
			o := h.Options()
			if o.CanRaise != third.reopen {
				t.Fatalf("after %v: options %+v", third.a, o)
			}
			if !third.reopen {
				refuse(t, h, 1, Raise, 400, "not reopened")
				refuse(t, h, 1, AllIn, 0, "not reopened")
				play(t, h, 1, Call, 0)
				if h.Street != Turn || h.Pot() != 10*3+150*3 {
					t.Fatalf("street %v, pot %d", h.Street, h.Pot())
				}
				return
			}
			if o.MinTo != 350 {
				t.Fatalf("min raise after a full raise to 250: %+v", o)
			}
			play(t, h, 1, Raise, 350)
		})
	}
}

func TestBlindsAllIn(t *testing.T) {
	// A big blind short of chips is all in; the small blind still owes the
	// full blind, and what nobody matched comes back.
	h, evs := deal(t, []int64{1000, 7}, 0, 5, 10, nil)
	if evs[1].Amount != 7 || evs[1].Stack != 0 {
		t.Fatalf("short big blind: %+v", evs[1])
	}
	if o := h.Options(); o != (Options{Player: 1, ToCall: 5, MaxTo: 1000}) {
		t.Fatalf("options %+v", o)
	}
	refuse(t, h, 1, Raise, 20, "everyone else is all in")
	evs = play(t, h, 1, AllIn, 0) // as far as a call goes
	if evs[0].Action != Call || evs[0].Bet != 10 || evs[0].Stack != 990 {
		t.Fatalf("all in against an all-in: %+v", evs[0])
	}
	if !h.Done() || len(h.Board) != 5 {
		t.Fatalf("the hand did not run out: done %v, board %v", h.Done(), h.Board)
	}
	if r := only(evs, EventReturn); len(r) != 1 || r[0].Player != 1 || r[0].Amount != 3 {
		t.Fatalf("returns %+v", r)
	}
	if s := stacksOf(h); s[0]+s[1] != 1007 {
		t.Fatalf("stacks %v", s)
	}

	// A small blind all in: the big blind has nobody to bet against.
	h, evs = deal(t, []int64{3, 1000}, 0, 5, 10, nil)
	if !h.Done() {
		t.Fatalf("the hand waits for %v", h.Options())
	}
	if r := only(evs, EventReturn); len(r) != 1 || r[0].Player != 2 || r[0].Amount != 7 {
		t.Fatalf("returns %+v", r)
	}
	if s := stacksOf(h); s[0]+s[1] != 1003 {
		t.Fatalf("stacks %v", s)
	}
}

// Four players all in for different amounts: a main pot and two side
// pots, the last one split.
func TestSidePots(t *testing.T) {
	deck := stacked(t, 3, "As Ad|Ks Kd|Qh 5d|Qd 5h", "2c 7d 9h Js 3c")
	h, _ := deal(t, []int64{100, 300, 500, 1000}, 3, 5, 10, deck)
	turn(t, h, 3)
	var evs []Event
	evs = append(evs, play(t, h, 3, AllIn, 0)...)
	evs = append(evs, play(t, h, 4, Call, 0)...)
	evs = append(evs, play(t, h, 1, Call, 0)...) // all in for less
	evs = append(evs, play(t, h, 2, AllIn, 0)...)
	if !h.Done() || h.Street != Showdown {
		t.Fatalf("done %v street %v", h.Done(), h.Street)
	}
	acts := only(evs, EventAction)
	if acts[1].Action != Call || acts[2].Action != AllIn || acts[2].Bet != 100 {
		t.Errorf("actions %+v", acts)
	}
	if b := only(evs, EventBoard); len(b) != 3 || b[0].Street != Flop || b[2].Street != River {
		t.Errorf("boards %+v", b)
	}
	want := []Event{
		{Kind: EventWin, Player: 1, Amount: 400, Pot: 0},
		{Kind: EventWin, Player: 2, Amount: 600, Pot: 1},
		{Kind: EventWin, Player: 3, Amount: 200, Pot: 2},
		{Kind: EventWin, Player: 4, Amount: 200, Pot: 2},
	}
	if got := only(evs, EventWin); !reflect.DeepEqual(got, want) {
		t.Errorf("wins %+v\nwant %+v", got, want)
	}
	if got := stacksOf(h); !reflect.DeepEqual(got, []int64{400, 600, 200, 700}) {
		t.Errorf("stacks %v", got)
	}
	shows := only(evs, EventShow)
	if len(shows) != 4 {
		t.Fatalf("shows %+v", shows)
	}
	for _, s := range shows {
		if s.Player == 1 && s.Value.String() != "pair of aces" || s.Player == 3 && s.Value.String() != "high card, queen" {
			t.Errorf("show %+v (%v)", s, s.Value)
		}
	}
}

func TestSplitPotOddChip(t *testing.T) {
	// The board is a straight for both players left: 25 chips split, the
	// odd one to the first winner left of the button (player 3).
	deck := stacked(t, 0, "2c 3d|4c 5d|6c 7d", "Ts Jh Qd Kc Ac")
	h, _ := deal(t, []int64{1000, 1000, 1000}, 0, 5, 10, deck)
	play(t, h, 1, Call, 0)
	play(t, h, 2, Fold, 0)
	var evs []Event
	for !h.Done() {
		id, _ := h.ToAct()
		evs = append(evs, play(t, h, id, Check, 0)...)
	}
	want := []Event{{Kind: EventWin, Player: 3, Amount: 13}, {Kind: EventWin, Player: 1, Amount: 12}}
	if got := only(evs, EventWin); !reflect.DeepEqual(got, want) {
		t.Errorf("wins %+v", got)
	}
	if got := stacksOf(h); !reflect.DeepEqual(got, []int64{1002, 995, 1003}) {
		t.Errorf("stacks %v", got)
	}
	if s := only(evs, EventShow); len(s) != 2 || s[0].Player != 3 || s[1].Player != 1 {
		t.Errorf("shows %+v: the folded player must not show", s)
	}
}

func TestUncalledBet(t *testing.T) {
	h, _ := deal(t, []int64{1000, 1000}, 0, 5, 10, nil)
	play(t, h, 1, Call, 0)
	play(t, h, 2, Check, 0)
	play(t, h, 2, Bet, 50)
	evs := play(t, h, 1, Fold, 0)
	want := []Event{
		{Kind: EventAction, Player: 1, Action: Fold, Stack: 990, Street: Flop},
		{Kind: EventReturn, Player: 2, Amount: 50},
		{Kind: EventWin, Player: 2, Amount: 20},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events %+v", evs)
	}
	if got := stacksOf(h); !reflect.DeepEqual(got, []int64{990, 1010}) {
		t.Errorf("stacks %v", got)
	}

	// Folded to the big blind: the small blind is won, the rest returned.
	h, _ = deal(t, []int64{1000, 1000, 1000}, 0, 5, 10, nil)
	play(t, h, 1, Fold, 0)
	evs = play(t, h, 2, Fold, 0)
	if got := evs[1:]; !reflect.DeepEqual(got, []Event{{Kind: EventReturn, Player: 3, Amount: 5}, {Kind: EventWin, Player: 3, Amount: 10}}) {
		t.Fatalf("events %+v", got)
	}
}

func TestForfeit(t *testing.T) {
	h, _ := deal(t, []int64{1000, 1000, 1000}, 0, 5, 10, nil)
	evs := h.Forfeit(3) // the big blind leaves before acting
	if len(evs) != 1 || evs[0].Action != Fold || evs[0].Player != 3 {
		t.Fatalf("events %+v", evs)
	}
	turn(t, h, 1)
	if h.Forfeit(3) != nil || h.Forfeit(9) != nil {
		t.Error("forfeiting twice, or a stranger, did something")
	}
	play(t, h, 1, Call, 0)
	evs = h.Forfeit(2) // on their turn: a fold
	if len(evs) != 2 || !reflect.DeepEqual(evs[1], Event{Kind: EventWin, Player: 1, Amount: 25}) {
		t.Fatalf("events %+v", evs)
	}
	if !h.Done() || stacksOf(h)[0] != 1015 {
		t.Fatalf("done %v stacks %v", h.Done(), stacksOf(h))
	}

	// Both blinds leave before anyone acts: the chips go to the last
	// player, who put in nothing.
	h, _ = deal(t, []int64{1000, 1000, 1000}, 0, 5, 10, nil)
	h.Forfeit(2)
	evs = h.Forfeit(3)
	if !h.Done() || !reflect.DeepEqual(stacksOf(h), []int64{1015, 995, 990}) {
		t.Fatalf("done %v stacks %v events %+v", h.Done(), stacksOf(h), evs)
	}

	// Leaving when only one player can still bet ends the betting.
	h, _ = deal(t, []int64{1000, 50, 1000}, 2, 5, 10, nil)
	passive(t, h)
	play(t, h, 1, Check, 0)
	play(t, h, 2, AllIn, 0)
	turn(t, h, 3)
	h.Forfeit(1)
	turn(t, h, 3) // still has the all-in to call
	play(t, h, 3, Call, 0)
	if !h.Done() || len(h.Board) != 5 {
		t.Fatalf("done %v board %v", h.Done(), h.Board)
	}
}

func TestActErrors(t *testing.T) {
	h, _ := deal(t, []int64{1000, 1000, 1000}, 0, 5, 10, nil)
	if _, err := h.Act(2, Call, 0); !errors.Is(err, ErrNotYourTurn) {
		t.Errorf("out of turn: %v", err)
	}
	if _, err := h.Act(7, Call, 0); !errors.Is(err, ErrNotInHand) {
		t.Errorf("stranger: %v", err)
	}
	play(t, h, 1, Fold, 0)
	play(t, h, 2, Fold, 0)
	if _, err := h.Act(3, Check, 0); !errors.Is(err, ErrHandOver) {
		t.Errorf("after the end: %v", err)
	}
	if h.Options() != (Options{}) {
		t.Errorf("options after the end: %+v", h.Options())
	}

	seats := []Seat{{1, 100}, {2, 100}}
	bad := []struct {
		seats  []Seat
		button int
		sb, bb int64
		deck   []Card
	}{
		{seats[:1], 0, 5, 10, nil},
		{make([]Seat, 10), 0, 5, 10, nil},
		{seats, 2, 5, 10, nil},
		{seats, 0, 0, 10, nil},
		{seats, 0, 10, 5, nil},
		{[]Seat{{1, 100}, {1, 100}}, 0, 5, 10, nil},
		{[]Seat{{1, 100}, {2, 0}}, 0, 5, 10, nil},
		{seats, 0, 5, 10, NewDeck()[:8]},
		{seats, 0, 5, 10, append(NewDeck()[:51], NewDeck()[0])},
	}
	for i, b := range bad {
		d := b.deck
		if d == nil {
			d = NewDeck()
		}
		if _, _, err := NewHand(b.seats, b.button, b.sb, b.bb, d); err == nil {
			t.Errorf("case %d: NewHand accepted it", i)
		}
	}
}

func TestPots(t *testing.T) {
	all := func(bs ...bool) []bool { return bs }
	cases := []struct {
		contrib []int64
		folded  []bool
		want    []Pot
	}{
		{[]int64{100, 300, 500, 500}, all(false, false, false, false), []Pot{
			{400, all(true, true, true, true)}, {600, all(false, true, true, true)}, {400, all(false, false, true, true)}}},
		{[]int64{50, 100, 100}, all(true, false, false), []Pot{{250, all(false, true, true)}}},
		{[]int64{300, 100, 300}, all(true, false, false), []Pot{{300, all(false, true, true)}, {400, all(false, false, true)}}},
		{[]int64{200, 100, 400, 400}, all(true, false, false, false), []Pot{
			{400, all(false, true, true, true)}, {700, all(false, false, true, true)}}},
		{[]int64{500, 100, 200}, all(true, false, false), []Pot{{300, all(false, true, true)}, {500, all(false, false, true)}}},
		{[]int64{0, 5, 10}, all(false, true, true), []Pot{{15, all(true, false, false)}}},
	}
	for _, c := range cases {
		if got := Pots(c.contrib, c.folded); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Pots(%v, %v) = %v, want %v", c.contrib, c.folded, got, c.want)
		}
	}
}

// TestRandomHands plays thousands of hands with random legal moves (and
// players leaving): every hand ends, no chip is created or lost, nobody
// goes below zero, and every move the options allow is accepted.
func TestRandomHands(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 6))
	for game := range 3000 {
		n := 2 + r.IntN(8)
		seats := make([]Seat, n)
		var total int64
		for i := range seats {
			seats[i] = Seat{ID: int64(100 + i), Stack: 1 + r.Int64N(400)}
			total += seats[i].Stack
		}
		h, _, err := NewHand(seats, r.IntN(n), 2, 4, ShuffledDeck(r))
		if err != nil {
			t.Fatal(err)
		}
		for step := 0; !h.Done(); step++ {
			if step > 500 {
				t.Fatalf("game %d does not end", game)
			}
			id, _ := h.ToAct()
			o := h.Options()
			if o.ToCall < 0 || o.MaxTo < o.MinTo || o.CanRaise && o.MinTo <= h.CurrentBet() {
				t.Fatalf("game %d: options %+v with bet %d", game, o, h.CurrentBet())
			}
			var err error
			switch k := r.IntN(20); {
			case k == 0:
				h.Forfeit(seats[r.IntN(n)].ID)
				continue
			case k < 3:
				_, err = h.Act(id, Fold, 0)
			case k < 5 && o.CanRaise:
				_, err = h.Act(id, AllIn, 0)
			case k < 9 && o.CanRaise:
				_, err = h.Act(id, Raise, o.MinTo+r.Int64N(o.MaxTo-o.MinTo+1))
			case o.ToCall > 0:
				_, err = h.Act(id, Call, 0)
			default:
				_, err = h.Act(id, Check, 0)
			}
			if err != nil {
				t.Fatalf("game %d: a legal move was refused: %v (options %+v)", game, err, o)
			}
		}
		var sum int64
		for _, p := range h.Players {
			if p.Stack < 0 {
				t.Fatalf("game %d: player %d has %d", game, p.ID, p.Stack)
			}
			sum += p.Stack
		}
		if sum != total {
			t.Fatalf("game %d: %d chips at the end, %d at the start", game, sum, total)
		}
	}
}
