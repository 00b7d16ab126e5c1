package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salon-chat/salon/games/holdem/poker"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

// fakeClock runs timers when the test moves time on, in the test's own
// goroutine: a timeout costs no waiting and happens exactly when asked.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
}

type fakeTimer struct {
	c    *fakeClock
	at   time.Duration
	f    func()
	done bool
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now + d, f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// Advance moves time on by d, firing the timers due in order (those they
// arm too, if due).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now + d
	for {
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.done && t.at <= end && (next == nil || t.at < next.at) {
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
	c.mu.Unlock()
}

const testConfig = `turn_timeout = "20s"
start_delay  = "3s"
small_blind  = 5
big_blind    = 10
min_buy_in   = 100
max_buy_in   = 1000
`

const (
	turnTimeout = 20 * time.Second
	startDelay  = 3 * time.Second
)

// world is a plugin on the fake host, with players 1 (alice), 2 (bob), 3
// (carol)... members of channel 2 of server 5, 1000 chips each.
type world struct {
	t     *testing.T
	h     *sdktest.Harness
	p     *holdem
	clock *fakeClock
	sent  []sdktest.Line // every line taken so far
}

var names = []string{"", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}

var table52 = sdk.Channel(5, 2)

func newWorld(t *testing.T, deck func() []poker.Card, players int) *world {
	t.Helper()
	w := &world{t: t, clock: &fakeClock{}}
	w.p = w.plugin(deck)
	w.h = sdktest.New(t, w.p, testConfig)
	w.waitReady(w.p)
	for u := int64(1); u <= int64(players); u++ {
		w.h.AddUser(sdktest.User{Tag: u, Pseudo: names[u], Online: true})
		w.h.SetBalance(u, 1000)
		w.h.AddMember(table52, u)
	}
	return w
}

// plugin makes an instance on the world's clock, dealing decks from deck
// (shuffled by a seed when nil).
func (w *world) plugin(deck func() []poker.Card) *holdem {
	p := newHoldem()
	p.clock = w.clock
	p.noticeDelay = 0
	if deck != nil {
		p.deck = deck
	}
	return p
}

func (w *world) waitReady(p *holdem) {
	w.t.Helper()
	for _, done := range []chan struct{}{p.ready, p.told} {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			w.t.Fatal("the plugin did not finish its recovery")
		}
	}
}

// do sends `JEU holdem payload` from user and fails on a plugin error.
func (w *world) do(user int64, payload string) {
	w.t.Helper()
	if err := w.h.Game(user, game, payload); err != nil {
		w.t.Fatalf("%s: %q: %v", names[user], payload, err)
	}
}

// table is what the conversation 5 2 was told since the last call, each
// line without "JEU holdem ".
func (w *world) table() []string {
	var out []string
	for _, l := range w.take() {
		if l.Conversation == table52 {
			out = append(out, strings.TrimPrefix(l.Line, "JEU holdem "))
		}
	}
	return out
}

// take returns the lines sent since the last take, keeping them all in
// w.sent for the privacy checks.
func (w *world) take() []sdktest.Line {
	ls := w.h.TakeSent()
	w.sent = append(w.sent, ls...)
	return ls
}

// linesFor is what user received in the lines taken so far, without
// "JEU holdem ".
func (w *world) linesFor(user int64) []string {
	var out []string
	for _, l := range w.sent {
		if slices.Contains(l.Recipients, user) {
			out = append(out, strings.TrimPrefix(l.Line, "JEU holdem "))
		}
	}
	return out
}

// expect checks the next lines to the table.
func (w *world) expect(want ...string) {
	w.t.Helper()
	got := w.table()
	if !slices.Equal(got, want) {
		w.t.Fatalf("the table was told:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// answer checks what user alone was answered since the last call.
func (w *world) answer(user int64, payload string, want ...string) {
	w.t.Helper()
	w.do(user, payload)
	var got []string
	for _, l := range w.take() {
		if l.To == user && l.Conversation == (sdk.Conversation{}) {
			got = append(got, strings.TrimPrefix(l.Line, "JEU holdem "))
		} else {
			w.t.Errorf("%q also sent %+v", payload, l)
		}
	}
	if !slices.Equal(got, want) {
		w.t.Fatalf("%s: %q got:\n  %s\nwant:\n  %s", names[user], payload, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// holes deals a deck stacked for the players in seat order, the button
// on seat index button.
func holes(t *testing.T, button int, cards, board string) func() []poker.Card {
	t.Helper()
	var hs [][2]poker.Card
	for _, s := range strings.Split(cards, "|") {
		cs := poker.MustParseCards(s)
		hs = append(hs, [2]poker.Card{cs[0], cs[1]})
	}
	d, err := poker.StackDeck(button, hs, poker.MustParseCards(board))
	if err != nil {
		t.Fatal(err)
	}
	return func() []poker.Card { return slices.Clone(d) }
}

// checkPrivacy checks every line sent in the test: a hole card is only in
// the `cards` line to its owner, sent to them alone, and in its owner's
// own `show` line at a showdown.
func checkPrivacy(t *testing.T, ls []sdktest.Line) {
	t.Helper()
	owner := map[string]int64{} // card -> the player it was dealt to, in the current hand
	for _, l := range ls {
		f := strings.Fields(strings.TrimPrefix(l.Line, "JEU holdem "))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "hand":
			owner = map[string]int64{}
		case "cards":
			if l.To == 0 || !slices.Equal(l.Recipients, []int64{l.To}) || l.Conversation != (sdk.Conversation{}) || len(f) != 5 {
				t.Errorf("hole cards went to %v / %v: %q", l.Recipients, l.Conversation, l.Line)
			}
			owner[f[3]], owner[f[4]] = l.To, l.To
			continue
		}
		for _, tok := range f {
			u, ok := owner[tok]
			if ok && !(f[0] == "show" && f[3] == strconv.FormatInt(u, 10)) {
				t.Errorf("user %d's card %s in a line to %v: %q", u, tok, l.Recipients, l.Line)
			}
		}
	}
}

// balances sums what the players have in their wallets.
func (w *world) balances(users ...int64) (sum int64) {
	for _, u := range users {
		sum += w.h.Balance(u)
	}
	return sum
}

// restart configures a new instance of the plugin over the same fake
// host (store and wallets), as salond does after a crash, and waits for
// its recovery.
func (w *world) restart() (*holdem, *sdk.Instance) {
	w.t.Helper()
	p := w.plugin(nil)
	inst, err := sdk.NewInstance(p, w.h.Host(), sdk.Source{Name: sdktest.Name, Filename: sdktest.Filename, Body: []byte(testConfig)})
	if err != nil {
		w.t.Fatal(err)
	}
	w.waitReady(p)
	return p, inst
}

func (w *world) tableKeys() []string {
	var ks []string
	for k := range w.h.KV() {
		if strings.HasPrefix(k, tablePrefix) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// gameOn sends a call to an instance made by restart.
func (w *world) gameOn(inst *sdk.Instance, user int64, payload string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := inst.HandleGame(ctx, sdk.GameCall{From: w.h.User(user), Game: game, Payload: payload}); err != nil {
		w.t.Fatalf("%q: %v", payload, err)
	}
}

// The table of a channel, seen from the tests.

func (p *holdem) tableOf(c sdk.Conversation) *table {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tables[tableKey{server: c.Server, channel: c.Channel}]
}

// seatFor is the sit id of user's seat at c ("" if none, or leaving).
func (p *holdem) seatFor(c sdk.Conversation, user int64) string {
	t := p.tableOf(c)
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.seatOf(user); s != nil && !s.left {
		return s.sit
	}
	return ""
}

// toAct is the player whose turn it is at c, or 0.
func (p *holdem) toAct(c sdk.Conversation) int64 {
	t := p.tableOf(c)
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hand == nil {
		return 0
	}
	id, _ := t.hand.ToAct()
	return id
}

// onTable counts the chips the table holds: stacks not paid back yet, and
// the pot.
func (p *holdem) onTable(c sdk.Conversation) int64 {
	t := p.tableOf(c)
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for _, s := range t.seats {
		if s != nil && s.paid && !s.cashed {
			n += t.stackOf(s)
		}
	}
	if t.hand != nil {
		n += t.hand.Pot()
	}
	return n
}
