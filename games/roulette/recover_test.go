package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

// instance is a plugin process started over the world's fake server,
// sharing its store and wallets: what salond does after a crash.
type instance struct {
	p     *roulette
	inst  *sdk.Instance
	clock *fakeClock
}

// restart configures a new plugin on host (the harness's, or one that
// fails on purpose), with a clock of its own: the old process's timers
// died with it. It waits for the start-up recovery.
func (w *world) restart(host sdk.Host) *instance {
	w.t.Helper()
	in := &instance{clock: &fakeClock{}}
	in.p = &roulette{afterFunc: in.clock.AfterFunc, spin: w.ball.spin, sweepDelay: time.Millisecond}
	inst, err := sdk.NewInstance(in.p, host, sdk.Source{Name: "test", Filename: "salon.hcl", Body: []byte(w.cfg)})
	if err != nil {
		w.t.Fatal(err)
	}
	in.inst = inst
	w.waitRecovered(in.p)
	return in
}

func (w *world) playOn(in *instance, user int64, payload string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return in.inst.HandleGame(ctx, sdk.GameCall{From: w.h.User(user), Game: game, Payload: payload})
}

// storedBets decodes the open bets in the store.
func (w *world) storedBets() []betRecord {
	w.t.Helper()
	var bs []betRecord
	for k, v := range w.h.KV() {
		if !strings.HasPrefix(k, "bet/") {
			continue
		}
		var b betRecord
		if err := json.Unmarshal(v, &b); err != nil {
			w.t.Fatal(err)
		}
		bs = append(bs, b)
	}
	slices.SortFunc(bs, func(a, b betRecord) int { return strings.Compare(a.ID, b.ID) })
	return bs
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// A crash with bets open: the next process refunds each of them exactly
// once, tells the tables, and plays on. Replaying the recovery over the
// same records changes nothing.
func TestRestartRefundsOpenBets(t *testing.T) {
	w := newWorld(t, "")
	w.play(alice, "bet 5 2 red 100")
	w.play(alice, "bet 5 2 straight 17 50")
	w.play(bob, "bet 5 2 black 30")
	w.play(alice, "bet 0 2 odd 20")
	w.expectBalances(map[int64]int64{alice: 830, bob: 970})
	if n := len(w.storedBets()); n != 4 {
		t.Fatalf("%d open bets stored, want 4", n)
	}
	left := w.h.KV()
	w.lines()
	// The first process dies here: its windows never close.

	in := w.restart(w.h.Host())
	w.expectBalances(map[int64]int64{alice: 1000, bob: 1000})
	w.expectStoreEmpty()
	got := sorted(w.lines())
	want := sorted([]string{
		"1: JEU roulette refund 5 2 alice 150", "2: JEU roulette refund 5 2 alice 150",
		"1: JEU roulette refund 5 2 bob 30", "2: JEU roulette refund 5 2 bob 30",
		"1: JEU roulette refund 0 2 alice 20", "2: JEU roulette refund 0 1 alice 20",
	})
	if !slices.Equal(got, want) {
		t.Errorf("announced\n%q\nwant\n%q", got, want)
	}
	ledger := w.h.Ledger()
	if len(ledger) != 8 {
		t.Errorf("ledger: %d entries, want 4 stakes and 4 refunds: %v", len(ledger), ledger)
	}

	// Recovery again, over the same records (as if the store had not
	// recorded their deletion): the wallet keys make it a no-op.
	for k, v := range left {
		w.h.SetKV(k, v)
	}
	if err := in.p.sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.expectBalances(map[int64]int64{alice: 1000, bob: 1000})
	w.expectStoreEmpty()
	if n := len(w.h.Ledger()); n != 8 {
		t.Errorf("a second recovery changed wallets: %v", w.h.Ledger()[8:])
	}
	w.lines()

	// And a third process finds nothing to do.
	w.restart(w.h.Host())
	w.expectBalances(map[int64]int64{alice: 1000, bob: 1000})
	if got := w.lines(); len(got) != 0 {
		t.Errorf("nothing to recover, yet: %q", got)
	}

	// The recovered process plays on.
	if err := w.playOn(in, bob, "bet 5 2 even 40"); err != nil {
		t.Fatal(err)
	}
	w.ball.force(2)
	if in.clock.fire() != 1 {
		t.Fatal("no window opened after the restart")
	}
	w.expectBalances(map[int64]int64{bob: 1040})
	w.expectStoreEmpty()
}

// A crash after the wheel spun and some winners were paid: the next
// process pays the others, each bet once, with the same number, refunds a
// bet the round did not take in, and announces the round.
func TestRestartSettlesSpunRound(t *testing.T) {
	w := newWorld(t, "")
	w.play(alice, "bet 5 2 straight 17 10")
	w.play(alice, "bet 5 2 red 10")
	w.play(bob, "bet 5 2 black 20")
	w.play(bob, "bet 5 2 odd 50") // the round's record will not list it
	w.lines()
	bets := w.storedBets()
	if len(bets) != 4 {
		t.Fatalf("%d bets stored", len(bets))
	}

	// What the first process did before dying: record the result (17,
	// black) and the round's three bets, pay the straight, forget it.
	r := roundRecord{ID: bets[0].Round, Table: bets[0].Table, Number: 17, Bets: bets[:3]}
	data, _ := json.Marshal(r)
	w.h.SetKV(roundKey(r.ID), data)
	ctx := context.Background()
	if _, err := w.h.Host().Wallet().CreditOnce(ctx, "pay/"+bets[0].ID, alice, 360, "roulette win"); err != nil {
		t.Fatal(err)
	}
	w.h.SetKV(betKey(bets[0]), nil)

	w.restart(w.h.Host())
	// alice: -20 staked, +360 once; bob: black wins 40, odd refunded.
	w.expectBalances(map[int64]int64{alice: 1340, bob: 1020})
	w.expectStoreEmpty()
	got := w.lines()
	want := []string{
		"1: JEU roulette spin 5 2 17 black", "2: JEU roulette spin 5 2 17 black",
		"1: JEU roulette payout 5 2 alice 20 360", "2: JEU roulette payout 5 2 alice 20 360",
		"1: JEU roulette payout 5 2 bob 20 40", "2: JEU roulette payout 5 2 bob 20 40",
		"1: JEU roulette over 5 2", "2: JEU roulette over 5 2",
		"1: JEU roulette refund 5 2 bob 50", "2: JEU roulette refund 5 2 bob 50",
	}
	if !slices.Equal(got, want) {
		t.Errorf("announced\n%q\nwant\n%q", got, want)
	}
}

// A crash between writing a bet's record and taking its stake: the
// recovery cannot know whether the stake was taken, and comes out even
// either way.
func TestRestartBeforeStakeTaken(t *testing.T) {
	w := newWorld(t, "")
	rich := betRecord{ID: "feed.1", Round: "feed", Table: tableKey{Server: 5, Channel: 2}, User: alice, Pseudo: "alice", Bet: "red", Stake: 50}
	poor := betRecord{ID: "feed.2", Round: "feed", Table: tableKey{Server: 5, Channel: 2}, User: bob, Pseudo: "bob", Bet: "red", Stake: 5000}
	for _, b := range []betRecord{rich, poor} {
		data, _ := json.Marshal(b)
		w.h.SetKV(betKey(b), data)
	}
	w.h.SetKV("bet/junk", []byte("{not json"))
	w.restart(w.h.Host())
	w.expectBalances(map[int64]int64{alice: 1000, bob: 1000})
	w.expectStoreEmpty()
	// alice's stake is taken and given back; bob's could not have been.
	var deltas []int64
	for _, e := range w.h.Ledger() {
		deltas = append(deltas, e.Delta)
	}
	if !slices.Equal(deltas, []int64{-50, 50}) {
		t.Errorf("ledger deltas %v", deltas)
	}
	if got := w.lines(); !slices.Equal(got, []string{"1: JEU roulette refund 5 2 alice 50", "2: JEU roulette refund 5 2 alice 50"}) {
		t.Errorf("announced %q", got)
	}
}

// A sweep never touches the rounds the process is playing.
func TestSweepSkipsLiveRounds(t *testing.T) {
	w := newWorld(t, "")
	w.play(alice, "bet 5 2 red 100")
	before := w.h.KV()
	if err := w.p.sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := w.h.KV(); len(got) != len(before) {
		t.Errorf("the sweep changed the store: %q", keys(got))
	}
	w.expectBalances(map[int64]int64{alice: 900})
	w.ball.force(1)
	w.clock.fire()
	w.expectBalances(map[int64]int64{alice: 1100})
	w.expectStoreEmpty()
}

// faultyHost makes wallet calls fail on demand, before or after they
// take effect: an error from the host does not say which.
type faultyHost struct {
	sdk.Host
	mu      sync.Mutex
	debits  []fault // consumed by DebitOnce calls, in order
	credits []fault // consumed by CreditOnce calls
}

type fault int

const (
	ok         fault = iota
	failBefore       // the call fails without effect
	failAfter        // the call takes effect, then fails
)

var errInjected = errors.New("injected failure")

func (f *faultyHost) Wallet() sdk.Wallet { return faultyWallet{f.Host.Wallet(), f} }

func (f *faultyHost) next(q *[]fault) fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(*q) == 0 {
		return ok
	}
	x := (*q)[0]
	*q = (*q)[1:]
	return x
}

func (f *faultyHost) fail(debits, credits []fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.debits, f.credits = debits, credits
}

type faultyWallet struct {
	sdk.Wallet
	f *faultyHost
}

func (w faultyWallet) DebitOnce(ctx context.Context, key string, user, amount int64, reason string) (bool, int64, error) {
	x := w.f.next(&w.f.debits)
	if x == failBefore {
		return false, 0, errInjected
	}
	ok, bal, err := w.Wallet.DebitOnce(ctx, key, user, amount, reason)
	if x == failAfter {
		return false, 0, errInjected
	}
	return ok, bal, err
}

func (w faultyWallet) CreditOnce(ctx context.Context, key string, user, amount int64, reason string) (int64, error) {
	x := w.f.next(&w.f.credits)
	if x == failBefore {
		return 0, errInjected
	}
	bal, err := w.Wallet.CreditOnce(ctx, key, user, amount, reason)
	if x == failAfter {
		return 0, errInjected
	}
	return bal, err
}

// eventually waits for the background sweep to empty the store.
func (w *world) eventuallyStoreEmpty() {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(w.h.KV()) > 0 {
		if time.Now().After(deadline) {
			w.t.Fatalf("the store still holds %q", keys(w.h.KV()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Host failures in mid-round: a stake whose fate is unknown is refunded
// after the round, and a settlement cut short is finished by a sweep. No
// chip is lost or created.
func TestHostFailures(t *testing.T) {
	w := newWorld(t, "")
	host := &faultyHost{Host: w.h.Host()}
	in := w.restart(host)

	if err := w.playOn(in, alice, "bet 5 2 red 10"); err != nil {
		t.Fatal(err)
	}
	host.fail([]fault{failAfter}, nil)
	if err := w.playOn(in, bob, "bet 5 2 black 20"); !errors.Is(err, errInjected) {
		t.Fatalf("bet with a failing wallet: %v", err)
	}
	w.expectBalances(map[int64]int64{bob: 980}) // taken, though the plugin cannot know
	host.fail([]fault{failBefore}, nil)
	if err := w.playOn(in, bob, "bet 5 2 odd 30"); !errors.Is(err, errInjected) {
		t.Fatalf("bet with a failing wallet: %v", err)
	}
	if err := w.playOn(in, alice, "bet 5 2 straight 1 10"); err != nil {
		t.Fatal(err)
	}
	w.lines()
	w.ball.force(1)
	in.clock.fire()
	w.eventuallyStoreEmpty()
	// alice: 20 + 360 back for 20 staked; bob: both doubtful stakes come
	// out even. The sweep cannot tell a stake it took itself (the 30,
	// which never was) from one taken before, so it takes and refunds
	// both: the ledger shows it, the balance does not.
	w.expectBalances(map[int64]int64{alice: 1360, bob: 1000})
	got := w.lines()
	for _, want := range []string{"1: JEU roulette payout 5 2 alice 20 380", "1: JEU roulette refund 5 2 bob 50"} {
		if !slices.Contains(got, want) {
			t.Errorf("no %q in %q", want, got)
		}
	}
	for _, l := range got {
		if strings.Contains(l, "bob 30") || strings.Contains(l, "payout 5 2 bob") {
			t.Errorf("bob's refused bets were announced: %q", l)
		}
	}

	// The settlement fails after the first payout took effect: nothing
	// is announced until a sweep has finished it, paying each bet once.
	if err := w.playOn(in, alice, "bet 5 2 red 10"); err != nil {
		t.Fatal(err)
	}
	if err := w.playOn(in, bob, "bet 5 2 low 10"); err != nil {
		t.Fatal(err)
	}
	w.lines()
	host.fail(nil, []fault{failAfter})
	w.ball.force(3) // red, low
	in.clock.fire()
	w.eventuallyStoreEmpty()
	w.expectBalances(map[int64]int64{alice: 1370, bob: 1010})
	deadline := time.Now().Add(5 * time.Second)
	var lines []string
	for !slices.Contains(lines, "2: JEU roulette over 5 2") && time.Now().Before(deadline) {
		lines = append(lines, w.lines()...)
		time.Sleep(5 * time.Millisecond)
	}
	want := []string{
		"1: JEU roulette spin 5 2 3 red", "2: JEU roulette spin 5 2 3 red",
		"1: JEU roulette payout 5 2 alice 10 20", "2: JEU roulette payout 5 2 alice 10 20",
		"1: JEU roulette payout 5 2 bob 10 20", "2: JEU roulette payout 5 2 bob 10 20",
		"1: JEU roulette over 5 2", "2: JEU roulette over 5 2",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("announced\n%q\nwant\n%q", lines, want)
	}
}

// The exchanges of docs/games/roulette.md, line for line.
func TestDocExamples(t *testing.T) {
	w := &world{t: t, clock: &fakeClock{}, ball: newSpinner(1)}
	w.p = w.plugin()
	w.h = sdktest.New(t, w.p, "")
	w.waitRecovered(w.p)
	const alice, bob = 7, 9
	w.h.AddUser(sdktest.User{Tag: alice, Pseudo: "alice"})
	w.h.AddUser(sdktest.User{Tag: bob, Pseudo: "bob"})
	w.h.AddMember(casino, alice, bob)
	w.h.SetBalance(alice, 1000)
	w.h.SetBalance(bob, 1000)
	expect := func(user int64, want ...string) {
		t.Helper()
		if got := w.h.LinesFor(user); !slices.Equal(got, want) {
			t.Errorf("%d got\n%q\nwant\n%q", user, got, want)
		}
	}

	w.play(alice, "balance")
	w.play(alice, "bet 5 2 red 100")
	w.play(bob, "bet 5 2 split 17 19 10")
	w.play(bob, "bet 5 2 split 18 17 10")
	w.play(bob, "bet 5 2 corner 17 30")
	w.ball.force(17)
	w.clock.fire()
	end := []string{
		"JEU roulette spin 5 2 17 black",
		"JEU roulette payout 5 2 alice 100 0",
		"JEU roulette payout 5 2 bob 40 450",
		"JEU roulette over 5 2",
	}
	expect(alice, append([]string{
		"JEU roulette balance 1000",
		"JEU roulette open 5 2 30",
		"JEU roulette placed 5 2 alice red 100",
		"JEU roulette balance 900",
		"JEU roulette placed 5 2 bob split 17 18 10",
		"JEU roulette placed 5 2 bob corner 17 18 20 21 30",
	}, end...)...)
	expect(bob, append([]string{
		"JEU roulette open 5 2 30",
		"JEU roulette placed 5 2 alice red 100",
		"JEU roulette error split: 17 and 19 are not next to each other on the layout",
		"JEU roulette placed 5 2 bob split 17 18 10",
		"JEU roulette balance 990",
		"JEU roulette placed 5 2 bob corner 17 18 20 21 30",
		"JEU roulette balance 960",
	}, end...)...)
	w.expectBalances(map[int64]int64{alice: 900, bob: 1410})

	w.h.TakeSent()
	w.play(alice, "bet 0 9 odd 10")
	expect(alice, "JEU roulette open 0 9 30", "JEU roulette placed 0 9 alice odd 10", "JEU roulette balance 890")
	expect(bob, "JEU roulette open 0 7 30", "JEU roulette placed 0 7 alice odd 10")
	w.h.TakeSent()
	w.restart(w.h.Host())
	expect(alice, "JEU roulette refund 0 9 alice 10")
	expect(bob, "JEU roulette refund 0 7 alice 10")
	w.expectBalances(map[int64]int64{alice: 900})
}
