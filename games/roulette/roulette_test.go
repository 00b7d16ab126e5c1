package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salon-chat/salon/games/roulette/wheel"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

// fakeClock holds the timers the plugin starts until the test fires them.
type fakeClock struct {
	mu      sync.Mutex
	pending []func()
	delays  []time.Duration
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, f)
	c.delays = append(c.delays, d)
}

// fire runs the timers started so far, as if their time had come, and
// returns how many there were.
func (c *fakeClock) fire() int {
	c.mu.Lock()
	fs := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return len(fs)
}

func (c *fakeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// spinner is the ball in tests: the numbers a test forces, then a seeded
// generator.
type spinner struct {
	mu   sync.Mutex
	r    *rand.Rand
	next []int
}

func newSpinner(seed uint64) *spinner { return &spinner{r: rand.New(rand.NewPCG(seed, seed+1))} }

func (s *spinner) force(ns ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, ns...)
}

func (s *spinner) spin() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.next) > 0 {
		n := s.next[0]
		s.next = s.next[1:]
		return n
	}
	return s.r.IntN(wheel.Pockets)
}

const (
	alice = 1
	bob   = 2
	carol = 3 // not at the casino table
)

var casino = sdk.Channel(5, 2) // "5 2"

// world is a plugin configured against sdktest, alice and bob members of
// channel 5 2 with 1000 chips each, carol elsewhere with 1000.
type world struct {
	t     *testing.T
	h     *sdktest.Harness
	p     *roulette
	clock *fakeClock
	ball  *spinner
	cfg   string
}

func newWorld(t *testing.T, cfg string) *world {
	t.Helper()
	w := &world{t: t, clock: &fakeClock{}, ball: newSpinner(42), cfg: cfg}
	w.p = w.plugin()
	w.h = sdktest.New(t, w.p, cfg)
	w.waitRecovered(w.p)
	w.h.AddUser(sdktest.User{Tag: alice, Pseudo: "alice"})
	w.h.AddUser(sdktest.User{Tag: bob, Pseudo: "bob"})
	w.h.AddUser(sdktest.User{Tag: carol, Pseudo: "carol"})
	w.h.AddMember(casino, alice, bob)
	w.h.AddMember(sdk.Channel(6, 0), carol)
	for _, u := range []int64{alice, bob, carol} {
		w.h.SetBalance(u, 1000)
	}
	return w
}

// plugin is a new, unconfigured plugin on the world's clock and ball.
func (w *world) plugin() *roulette {
	return &roulette{afterFunc: w.clock.AfterFunc, spin: w.ball.spin, sweepDelay: time.Millisecond}
}

func (w *world) waitRecovered(p *roulette) {
	w.t.Helper()
	select {
	case <-p.recovered:
	case <-time.After(5 * time.Second):
		w.t.Fatal("the start-up recovery did not finish")
	}
}

// play sends `JEU roulette payload` from user and fails on a plugin error.
func (w *world) play(user int64, payload string) {
	w.t.Helper()
	if err := w.h.Game(user, game, payload); err != nil {
		w.t.Fatalf("%d: %q: %v", user, payload, err)
	}
}

// lines returns what each user received since the last call, as
// "tag: line", in order.
func (w *world) lines() []string {
	var out []string
	for _, l := range w.h.TakeSent() {
		for _, r := range l.Recipients {
			out = append(out, fmt.Sprintf("%d: %s", r, l.Line))
		}
	}
	return out
}

func (w *world) expectLines(want ...string) {
	w.t.Helper()
	if got := w.lines(); !slices.Equal(got, want) {
		w.t.Fatalf("lines:\n got %q\nwant %q", got, want)
	}
}

func (w *world) expectBalances(want map[int64]int64) {
	w.t.Helper()
	for u, chips := range want {
		if got := w.h.Balance(u); got != chips {
			w.t.Errorf("user %d has %d chips, want %d", u, got, chips)
		}
	}
}

func (w *world) expectStoreEmpty() {
	w.t.Helper()
	if kv := w.h.KV(); len(kv) != 0 {
		w.t.Errorf("the store still holds %d keys: %q", len(kv), keys(kv))
	}
}

func keys(kv map[string][]byte) []string {
	var ks []string
	for k := range kv {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestHelp(t *testing.T) {
	w := newWorld(t, "betting_window = \"45s\"\nmin_bet = 5\nmax_bet = 500")
	for _, payload := range []string{"help", ""} {
		w.play(alice, payload)
		got := w.h.TakeSent()
		if len(got) != 3 {
			t.Fatalf("%q: %d lines, want one per command: %v", payload, len(got), got)
		}
		for i, cmd := range []string{"bet S C <bet> <chips>: ", "balance: ", "help: "} {
			if l := got[i]; l.To != alice || !strings.HasPrefix(l.Line, "JEU roulette help "+cmd) {
				t.Errorf("line %d = %+v, want JEU roulette help %s...", i, l, cmd)
			}
		}
		for _, s := range []string{"5 to 500 chips", "45s", "straight N (35:1)", "split N N (17:1)", "street N (11:1)",
			"corner N (8:1)", "sixline N (5:1)", "dozen 1-3 (2:1)", "column 1-3 (2:1)", "red, black, odd, even, low or high (1:1)"} {
			if !strings.Contains(got[0].Line, s) {
				t.Errorf("the bet line lacks %q: %s", s, got[0].Line)
			}
		}
	}
}

func TestBalance(t *testing.T) {
	w := newWorld(t, "")
	w.h.SetBalance(alice, 1234)
	w.play(alice, "balance")
	w.expectLines("1: JEU roulette balance 1234")
}

// A whole round at a channel: the first bet opens the window, each bet is
// announced, the close spins, winners are paid, and every player's result
// is announced to the members, and to them only.
func TestRound(t *testing.T) {
	w := newWorld(t, `betting_window = "20s"`)
	w.play(alice, "bet 5 2 red 100")
	w.expectLines(
		"1: JEU roulette open 5 2 20", "2: JEU roulette open 5 2 20",
		"1: JEU roulette placed 5 2 alice red 100", "2: JEU roulette placed 5 2 alice red 100",
		"1: JEU roulette balance 900")
	if w.clock.waiting() != 1 || w.clock.delays[0] != 20*time.Second {
		t.Fatalf("timers %v, want one of 20s", w.clock.delays)
	}
	w.play(bob, "bet 5 2 straight 17 10")
	w.play(bob, "bet 5 2 split 18 17 20") // canonical order in the announcement
	w.play(alice, "bet 5 2 corner 17 100")
	w.expectLines(
		"1: JEU roulette placed 5 2 bob straight 17 10", "2: JEU roulette placed 5 2 bob straight 17 10",
		"2: JEU roulette balance 990",
		"1: JEU roulette placed 5 2 bob split 17 18 20", "2: JEU roulette placed 5 2 bob split 17 18 20",
		"2: JEU roulette balance 970",
		"1: JEU roulette placed 5 2 alice corner 17 18 20 21 100", "2: JEU roulette placed 5 2 alice corner 17 18 20 21 100",
		"1: JEU roulette balance 800")
	if w.clock.waiting() != 1 {
		t.Fatalf("%d timers: only the first bet opens the window", w.clock.waiting())
	}
	if n := len(w.h.KV()); n != 4 {
		t.Errorf("%d keys in the store during the round, want one per open bet", n)
	}

	w.ball.force(17) // black
	w.clock.fire()
	// alice: red loses, corner pays 100*9; bob: 10*36 + 20*18.
	w.expectLines(
		"1: JEU roulette spin 5 2 17 black", "2: JEU roulette spin 5 2 17 black",
		"1: JEU roulette payout 5 2 alice 200 900", "2: JEU roulette payout 5 2 alice 200 900",
		"1: JEU roulette payout 5 2 bob 30 720", "2: JEU roulette payout 5 2 bob 30 720",
		"1: JEU roulette over 5 2", "2: JEU roulette over 5 2")
	w.expectBalances(map[int64]int64{alice: 1700, bob: 1690, carol: 1000})
	w.expectStoreEmpty()

	// Winnings are credited once each, keyed by bet: the ledger has the
	// four stakes and the two winning bets' payouts.
	var deltas []int64
	for _, e := range w.h.Ledger() {
		deltas = append(deltas, e.Delta)
	}
	if want := []int64{-100, -10, -20, -100, 360, 360, 900}; !slices.Equal(sortedCopy(deltas), sortedCopy(want)) {
		t.Errorf("ledger deltas %v, want %v", deltas, want)
	}

	// The table is free again: the next bet opens a new round.
	w.play(bob, "bet 5 2 black 5")
	if got := w.lines(); len(got) < 2 || got[0] != "1: JEU roulette open 5 2 20" {
		t.Errorf("after the round: %q", got)
	}
}

func sortedCopy(s []int64) []int64 { return slices.Sorted(slices.Values(s)) }

// Every outcome from 0 to 36 settles every kind of bet as the wheel
// package says, zero included (every outside bet loses).
func TestEveryOutcome(t *testing.T) {
	bets := []string{"straight 0", "straight 17", "split 0 2", "split 17 20", "street 0 1 2", "street 34", "corner 0 1 2 3",
		"corner 32", "sixline 13", "dozen 1", "dozen 3", "column 2", "red", "black", "odd", "even", "low", "high"}
	w := newWorld(t, "")
	for n := 0; n <= 36; n++ {
		w.h.SetBalance(alice, 10000)
		var staked, want int64
		for i, s := range bets {
			stake := int64(i + 1)
			w.play(alice, "bet 5 2 "+s+" "+strconv.FormatInt(stake, 10))
			b, err := wheel.Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			staked += stake
			want += b.Payout(stake, n)
		}
		w.lines()
		w.ball.force(n)
		if w.clock.fire() != 1 {
			t.Fatal("no round to close")
		}
		got := w.lines()
		wantLine := fmt.Sprintf("1: JEU roulette payout 5 2 alice %d %d", staked, want)
		if !slices.Contains(got, wantLine) || !slices.Contains(got, fmt.Sprintf("1: JEU roulette spin 5 2 %d %s", n, wheel.Colour(n))) {
			t.Errorf("on %d: %q, want %q", n, got, wantLine)
		}
		if bal := w.h.Balance(alice); bal != 10000-staked+want {
			t.Errorf("on %d: alice has %d, want %d", n, bal, 10000-staked+want)
		}
		if n == 0 && want != 1*36+3*18+5*12+7*9 {
			t.Errorf("on zero only the bets covering it pay: %d", want)
		}
	}
	w.expectStoreEmpty()
}

// Rounds with a seeded ball and random bets: what is announced is what
// the wallets show, and the wheel's payouts for the announced number.
func TestSeededRounds(t *testing.T) {
	w := newWorld(t, "")
	r := rand.New(rand.NewPCG(2024, 7))
	kinds := []string{"straight %d", "split %d %d", "street %d", "corner %d", "sixline %d", "dozen %d", "column %d", "red", "black", "odd", "even", "low", "high"}
	// betFor makes a valid bet of the kind by retrying numbers.
	betFor := func(k string) string {
		for {
			s := fmt.Sprintf(k, r.IntN(37), r.IntN(37))
			s = strings.Split(s, "%!")[0] // kinds taking fewer numbers
			if _, err := wheel.Parse(strings.TrimSpace(s)); err == nil {
				return strings.TrimSpace(s)
			}
		}
	}
	for round := 0; round < 30; round++ {
		before := map[int64]int64{alice: w.h.Balance(alice), bob: w.h.Balance(bob)}
		type placed struct {
			user  int64
			bet   wheel.Bet
			stake int64
		}
		var all []placed
		for range 1 + r.IntN(6) {
			u := int64(alice + r.IntN(2))
			s := betFor(kinds[r.IntN(len(kinds))])
			stake := int64(1 + r.IntN(50))
			w.play(u, fmt.Sprintf("bet 5 2 %s %d", s, stake))
			b, _ := wheel.Parse(s)
			all = append(all, placed{u, b, stake})
		}
		w.lines()
		w.clock.fire()
		got := w.lines()
		var n int
		if len(got) == 0 || !strings.HasPrefix(got[0], "1: JEU roulette spin 5 2 ") {
			t.Fatalf("round %d: %q", round, got)
		}
		fmt.Sscanf(got[0], "1: JEU roulette spin 5 2 %d", &n)
		for _, u := range []int64{alice, bob} {
			var staked, paid int64
			for _, pl := range all {
				if pl.user == u {
					staked += pl.stake
					paid += pl.bet.Payout(pl.stake, n)
				}
			}
			if staked == 0 {
				continue
			}
			pseudo := map[int64]string{alice: "alice", bob: "bob"}[u]
			if want := fmt.Sprintf("%d: JEU roulette payout 5 2 %s %d %d", u, pseudo, staked, paid); !slices.Contains(got, want) {
				t.Errorf("round %d: no %q in %q", round, want, got)
			}
			if bal := w.h.Balance(u); bal != before[u]-staked+paid {
				t.Errorf("round %d: %s has %d, want %d", round, pseudo, bal, before[u]-staked+paid)
			}
		}
	}
	w.expectStoreEmpty()
}

// A player's mistakes are answered to them alone, and change nothing.
func TestErrors(t *testing.T) {
	cases := []struct {
		from    int64
		payload string
		want    string
	}{
		{carol, "bet 5 2 red 10", "you are not a member of 5 2"},
		{alice, "bet 5 9 red 10", "no conversation 5 9"},
		{alice, "bet 5 2 red 1001", "a bet is 1 to 1000 chips, not 1001"},
		{alice, "bet 5 2 red 0", `bet: "0" is not a number of chips`},
		{alice, "bet 5 2 red -5", `bet: "-5" is not a number of chips`},
		{alice, "bet 5 2 red ten", `bet: "ten" is not a number of chips`},
		{alice, "bet 5 2 red 010", `bet: "010" is not a number of chips`},
		{alice, "bet 5 2 split 17 19 10", "split: 17 and 19 are not next to each other on the layout"},
		{alice, "bet 5 2 corner 17 18 19 20 10", "corner: 17 18 19 20 is not a square of the layout, nor 0 1 2 3"},
		{alice, "bet 5 2 street 0 10", "street: 0 does not start a row"},
		{alice, "bet 5 2 rouge 10", `unknown bet "rouge"`},
		{alice, "bet 5 2 straight 37 10", `straight: "37" is not a number from 0 to 36`},
		{alice, "bet 5 2 red", "bet: want bet S C <bet> <chips>, e.g. bet 5 2 red 50"},
		{alice, "bet red 10", "bet: want bet S C <bet> <chips>"},
		{alice, "bet 5 x red 10", `bet: address "5 x"`},
		{alice, "bet 0 0 red 10", "no user 0"},
		{alice, "bet 0 1 red 10", "0 1 is yourself"},
		{alice, "bet 0 99 red 10", "no user 99"},
		{alice, "spin", `unknown command "spin"; try help`},
		{alice, "Bet 5 2 red 10", `unknown command "Bet"`},
	}
	w := newWorld(t, "")
	for _, c := range cases {
		w.play(c.from, c.payload)
		got := w.h.TakeSent()
		if len(got) != 1 || got[0].To != c.from || !strings.HasPrefix(got[0].Line, "JEU roulette error ") || !strings.Contains(got[0].Line, c.want) {
			t.Errorf("%q: got %v, want one line to %d: JEU roulette error ...%s...", c.payload, got, c.from, c.want)
		}
	}
	if n := w.clock.waiting(); n != 0 {
		t.Errorf("%d rounds opened by refused bets", n)
	}
	w.expectBalances(map[int64]int64{alice: 1000, bob: 1000, carol: 1000})
	w.expectStoreEmpty()
}

// A bet of more chips than the player has takes nothing, opens nothing,
// and leaves no record.
func TestNotEnoughChips(t *testing.T) {
	w := newWorld(t, "")
	w.h.SetBalance(alice, 30)
	w.play(alice, "bet 5 2 red 50")
	w.expectLines("1: JEU roulette error you have 30 chips; this bet is 50")
	if w.clock.waiting() != 0 {
		t.Error("a refused first bet opened a round")
	}
	w.expectStoreEmpty()

	// Within a round, the stakes add up.
	w.play(alice, "bet 5 2 red 20")
	w.play(alice, "bet 5 2 black 20")
	got := w.lines()
	if last := got[len(got)-1]; last != "1: JEU roulette error you have 10 chips; this bet is 20" {
		t.Errorf("second bet: %q", got)
	}
	w.expectBalances(map[int64]int64{alice: 10})
	if len(w.h.Ledger()) != 1 {
		t.Errorf("ledger %v, want the one stake", w.h.Ledger())
	}
}

// blockingSpinner stops the ball until the test lets it go, so that a
// test can act while the wheel is spinning.
type blockingSpinner struct {
	entered chan struct{}
	release chan int
}

func (b *blockingSpinner) spin() int {
	b.entered <- struct{}{}
	return <-b.release
}

// Once the window closes, bets are refused until the round is over; then
// the next bet opens a new round.
func TestOutOfWindow(t *testing.T) {
	w := newWorld(t, "")
	ball := &blockingSpinner{entered: make(chan struct{}), release: make(chan int)}
	w.p.spin = ball.spin
	w.play(alice, "bet 5 2 red 10")
	w.lines()
	fired := make(chan struct{})
	go func() {
		w.clock.fire()
		close(fired)
	}()
	<-ball.entered
	w.play(bob, "bet 5 2 black 10")
	w.expectLines("2: JEU roulette error no more bets at 5 2: the wheel is spinning; bet again when the round is over")
	ball.release <- 1
	<-fired
	w.expectLines(
		"1: JEU roulette spin 5 2 1 red", "2: JEU roulette spin 5 2 1 red",
		"1: JEU roulette payout 5 2 alice 10 20", "2: JEU roulette payout 5 2 alice 10 20",
		"1: JEU roulette over 5 2", "2: JEU roulette over 5 2")
	w.expectBalances(map[int64]int64{alice: 1010, bob: 1000})

	w.play(bob, "bet 5 2 black 10")
	if got := w.lines(); len(got) != 5 || got[0] != "1: JEU roulette open 5 2 30" {
		t.Errorf("after the round: %q", got)
	}
}

// A direct conversation's table is one table for its two parties, each
// writing the other's tag; only they hear about it.
func TestDirectTable(t *testing.T) {
	w := newWorld(t, "")
	w.play(alice, "bet 0 2 odd 10")
	w.play(bob, "bet 0 1 even 20")
	w.expectLines(
		"1: JEU roulette open 0 2 30", "2: JEU roulette open 0 1 30",
		"1: JEU roulette placed 0 2 alice odd 10", "2: JEU roulette placed 0 1 alice odd 10",
		"1: JEU roulette balance 990",
		"1: JEU roulette placed 0 2 bob even 20", "2: JEU roulette placed 0 1 bob even 20",
		"2: JEU roulette balance 980")
	if w.clock.waiting() != 1 {
		t.Fatalf("%d windows, want the one table's", w.clock.waiting())
	}
	w.ball.force(36)
	w.clock.fire()
	w.expectLines(
		"1: JEU roulette spin 0 2 36 red", "2: JEU roulette spin 0 1 36 red",
		"1: JEU roulette payout 0 2 alice 10 0", "2: JEU roulette payout 0 1 alice 10 0",
		"1: JEU roulette payout 0 2 bob 20 40", "2: JEU roulette payout 0 1 bob 20 40",
		"1: JEU roulette over 0 2", "2: JEU roulette over 0 1")
	w.expectBalances(map[int64]int64{alice: 990, bob: 1020})
}

// Tables are independent: a channel's round does not close another's.
func TestTablesAreIndependent(t *testing.T) {
	w := newWorld(t, "")
	w.h.AddMember(sdk.Channel(5, 3), alice)
	w.play(alice, "bet 5 2 red 10")
	w.play(alice, "bet 5 3 black 10")
	if w.clock.waiting() != 2 {
		t.Fatalf("%d windows, want one a table", w.clock.waiting())
	}
	w.lines()
	w.ball.force(0, 0)
	w.clock.fire()
	got := w.lines()
	for _, want := range []string{"1: JEU roulette spin 5 2 0 green", "1: JEU roulette spin 5 3 0 green",
		"1: JEU roulette payout 5 3 alice 10 0", "2: JEU roulette over 5 2"} {
		if !slices.Contains(got, want) {
			t.Errorf("no %q in %q", want, got)
		}
	}
	if slices.Contains(got, "2: JEU roulette spin 5 3 0 green") {
		t.Error("bob heard about a channel he is not in")
	}
	w.expectBalances(map[int64]int64{alice: 980})
}

func TestBetsPerPlayer(t *testing.T) {
	w := newWorld(t, "")
	for i := 0; i < maxBetsPerPlayer; i++ {
		w.play(alice, "bet 5 2 straight "+strconv.Itoa(i)+" 1")
	}
	w.lines()
	w.play(alice, "bet 5 2 red 1")
	w.expectLines("1: JEU roulette error you have 20 bets at 5 2, the most a round takes from one player")
	w.play(bob, "bet 5 2 red 1") // others still may
	if got := w.lines(); len(got) != 3 {
		t.Errorf("bob's bet: %q", got)
	}
}

// Bets arriving all at once from many players at several tables: every
// chip is accounted for after the rounds close (run with -race).
func TestConcurrentBets(t *testing.T) {
	w := newWorld(t, "")
	players := []int64{}
	for u := int64(10); u < 30; u++ {
		players = append(players, u)
		w.h.AddMember(sdk.Channel(7, u%3), u)
		w.h.SetBalance(u, 1000)
	}
	var wg sync.WaitGroup
	for _, u := range players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				w.play(u, fmt.Sprintf("bet 7 %d straight %d 10", u%3, (int(u)+i)%37))
			}
		}()
	}
	wg.Wait()
	w.ball.force(5, 5, 5)
	if n := w.clock.fire(); n != 3 {
		t.Fatalf("%d windows, want 3", n)
	}
	for _, u := range players {
		want := int64(1000 - 50)
		for i := range 5 {
			if (int(u)+i)%37 == 5 {
				want += 360
			}
		}
		if got := w.h.Balance(u); got != want {
			t.Errorf("user %d has %d, want %d", u, got, want)
		}
	}
	w.expectStoreEmpty()
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		`betting_window = "soon"`:            `salon.hcl:1:1: betting_window "soon" is not a duration such as "30s"`,
		`betting_window = "500ms"`:           "salon.hcl:1:1: betting_window is 500ms; it must be 1s to 1h",
		`betting_window = "2h"`:              "salon.hcl:1:1: betting_window is 2h0m0s; it must be 1s to 1h",
		"min_bet = 0":                        "salon.hcl:1:1: min_bet is 0; it must be at least 1",
		"min_bet = 10\nmax_bet = 5":          "salon.hcl:2:1: max_bet is 5; it must be at least min_bet (10)",
		"max_bet = 2000000000":               "salon.hcl:1:1: max_bet is 2000000000; it must be at most 1000000000",
		`colour = "red"`:                     `salon.hcl:1:1: Unsupported argument; An argument named "colour" is not expected here.`,
		"\n\n  min_bet = \"a lot\"":          "salon.hcl:3:14: Unsuitable value type; Unsuitable value: a number is required",
		"betting_window = 30":                `betting_window "30" is not a duration`, // seconds need their unit
		"min_bet = 1\nbetting_window = \"\"": "salon.hcl:2:1: betting_window \"\" is not a duration",
	}
	for body, want := range cases {
		got := sdktest.ConfigError(t, &roulette{}, body)
		if !strings.Contains(got, want) {
			t.Errorf("%q: got %q, want %q", body, got, want)
		}
	}
	// The defaults, and the settings taken.
	p := &roulette{sweepDelay: time.Millisecond}
	h := sdktest.New(t, p, "")
	if p.window != 30*time.Second || p.minBet != 1 || p.maxBet != 1000 || h.Manifest().Games[0] != "roulette" {
		t.Errorf("defaults: %v %d %d %v", p.window, p.minBet, p.maxBet, h.Manifest())
	}
	<-p.recovered
}
