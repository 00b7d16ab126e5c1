package main

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salon-chat/salon/games/blackjack/engine"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

// fakeClock runs timers when the test advances it, in the test's
// goroutine, in the order they are due.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	seq    int
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Duration
	seq  int
	f    func()
	done bool // fired or stopped
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{at: c.now + d, seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.done
		t.done = true
		return was
	}
}

// Advance moves time on by d, firing every timer due meanwhile (those set
// by the timers too).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now + d
	for {
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.done && t.at <= end && (next == nil || t.at < next.at || t.at == next.at && t.seq < next.seq) {
				next = t
			}
		}
		if next == nil {
			break
		}
		next.done = true
		c.now = next.at
		c.mu.Unlock()
		next.f()
		c.mu.Lock()
	}
	c.now = end
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool { return t.done })
	c.mu.Unlock()
}

// Pending is how many timers are set.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.done {
			n++
		}
	}
	return n
}

const (
	alice, bob, carol = 1, 2, 3
	testConfig        = `betting_window = "10s"
turn_timeout = "20s"
decks = 8
min_bet = 10
max_bet = 500
`
)

var room = sdk.Channel(5, 2)

// fixture is a plugin on the fake host with a fake clock: alice and bob
// are members of channel 5 2 with 1000 chips each, carol is not.
type fixture struct {
	t     *testing.T
	h     *sdktest.Harness
	p     *blackjack
	clock *fakeClock
}

func newFixture(t *testing.T) *fixture { return newFixtureWith(t, testConfig) }

func newFixtureWith(t *testing.T, config string) *fixture {
	t.Helper()
	clk := &fakeClock{}
	p := &blackjack{clock: clk, rand: rand.New(rand.NewPCG(1, 2))}
	h := sdktest.New(t, p, config)
	h.AddUser(sdktest.User{Tag: alice, Pseudo: "alice"})
	h.AddUser(sdktest.User{Tag: bob, Pseudo: "bob"})
	h.AddUser(sdktest.User{Tag: carol, Pseudo: "carol"})
	h.AddMember(room, alice, bob)
	for _, u := range []int64{alice, bob, carol} {
		h.SetBalance(u, 1000)
	}
	return &fixture{t: t, h: h, p: p, clock: clk}
}

// do sends `JEU blackjack payload` from user; the plugin must not fail.
func (f *fixture) do(user int64, payload string) {
	f.t.Helper()
	if err := f.h.Game(user, game, payload); err != nil {
		f.t.Fatalf("%d: %q: %v", user, payload, err)
	}
}

// take returns what the plugin sent since the last take, without the
// "JEU blackjack " prefix: "@U ..." for a line to user U alone.
func (f *fixture) take() []string {
	var out []string
	for _, l := range f.h.TakeSent() {
		s := strings.TrimPrefix(l.Line, "JEU blackjack ")
		if l.To != 0 {
			s = "@" + itoa(l.To) + " " + s
		}
		out = append(out, s)
	}
	return out
}

// expect checks the lines sent since the last take.
func (f *fixture) expect(want ...string) {
	f.t.Helper()
	got := f.take()
	if !slices.Equal(got, want) {
		f.t.Fatalf("sent:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// stack puts cards on top of the shoe of the table of c (as alice names
// it): they are the next dealt.
func (f *fixture) stack(c sdk.Conversation, cards string) {
	f.t.Helper()
	t := f.p.existing(keyFor(alice, c))
	if t == nil {
		f.t.Fatalf("no table at %v", c)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shoe.Stack(engine.MustCards(cards)...)
}

func (f *fixture) balances(want map[int64]int64) {
	f.t.Helper()
	for u, w := range want {
		if got := f.h.Balance(u); got != w {
			f.t.Errorf("user %d has %d chips, want %d", u, got, w)
		}
	}
}

// openBets is the keys of the bets the store holds open.
func (f *fixture) openBets() []string {
	var keys []string
	for k := range f.h.KV() {
		if strings.HasPrefix(k, openPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
