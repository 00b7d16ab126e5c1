package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/salon-chat/salon/sdk"
)

// restart starts a new plugin over the fixture's store and wallets, as
// salond does after a crash: the old one is left as it was, its clock
// stopped for good.
func (f *fixture) restart() (*blackjack, *sdk.Instance, *fakeClock) {
	f.t.Helper()
	clk := &fakeClock{}
	p := &blackjack{clock: clk, rand: rand.New(rand.NewPCG(5, 6))}
	inst, err := sdk.NewInstance(p, f.h.Host(), sdk.Source{
		Name: "test", Filename: "salon.hcl", Body: []byte(testConfig), Start: hcl.Pos{Line: 1, Column: 1},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p, inst, clk
}

func (f *fixture) record(id string, rec betRecord) {
	v, err := json.Marshal(rec)
	if err != nil {
		f.t.Fatal(err)
	}
	f.h.SetKV(openPrefix+id, v)
}

func TestRestartRefundsOpenBets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	// A round in play at 5 2: alice has split and doubled, bob bet.
	f.do(alice, "sit 5 2")
	f.do(bob, "sit 5 2")
	f.do(alice, "bet 5 2 100")
	f.do(bob, "bet 5 2 50")
	f.stack(room, "8h 9c 6d 8s 2c Td 3h Kd 9s")
	f.clock.Advance(10 * time.Second)
	f.do(alice, "split 5 2")
	f.do(alice, "double 5 2")
	// Betting at carol's direct table with alice.
	f.do(carol, "sit 0 1")
	f.do(carol, "bet 0 1 30")
	// What a crash between the store and the wallet leaves: a stake on
	// record never taken...
	f.record("ghost", betRecord{Instance: "old", Table: tableKey{Server: 5, Channel: 2}, Seat: 3, User: bob,
		Parts: []part{{Key: "ghost/bet", Amount: 40}}})
	// ... and a settled bet whose payout was decided but not yet paid.
	if ok, _, err := f.h.Host().Wallet().DebitOnce(ctx, "decided/bet", carol, 20, "test"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	won := int64(45)
	f.record("decided", betRecord{Instance: "old", Table: tableKey{A: alice, B: carol}, Seat: 2, User: carol,
		Parts: []part{{Key: "decided/bet", Amount: 20}}, Payout: &won})
	f.balances(map[int64]int64{alice: 700, bob: 950, carol: 950})
	if got := f.openBets(); len(got) != 5 {
		t.Fatalf("open bets %q", got)
	}
	before := f.h.KV()
	f.take()

	// The crash: a new process, the same store and wallets.
	p2, inst, clk := f.restart()
	clk.Advance(recoveryDelay - time.Millisecond)
	f.balances(map[int64]int64{alice: 700, bob: 950, carol: 950}) // not yet
	clk.Advance(time.Millisecond)
	f.balances(map[int64]int64{alice: 1000, bob: 1000, carol: 1025})
	if got := f.openBets(); len(got) != 0 {
		t.Errorf("open bets after the recovery: %q", got)
	}
	got := f.take()
	slices.Sort(got)
	want := []string{
		"@1 paid 0 3 3 45", "@1 refund 0 3 3 30", // at carol's direct table with alice
		"@3 paid 0 1 3 45", "@3 refund 0 1 3 30",
		"refund 5 2 1 300", "refund 5 2 2 40", "refund 5 2 2 50",
	}
	if !slices.Equal(got, want) {
		t.Errorf("told %q, want %q", got, want)
	}
	ledger := len(f.h.Ledger())

	// Replays pay nothing more: the same recovery again...
	if err := p2.recoverBets(ctx); err != nil {
		t.Fatal(err)
	}
	// ... and another crash that lost the recovery's deletions: the store
	// as it was, recovered by a third process.
	for k, v := range before {
		f.h.SetKV(k, v)
	}
	_, _, clk3 := f.restart()
	clk3.Advance(recoveryDelay)
	f.balances(map[int64]int64{alice: 1000, bob: 1000, carol: 1025})
	if n := len(f.h.Ledger()); n != ledger {
		t.Errorf("the replays wrote %d ledger entries", n-ledger)
	}
	if got := f.openBets(); len(got) != 0 {
		t.Errorf("open bets after the replays: %q", got)
	}

	// The new process's own bets are its tables', not the recovery's.
	f.take()
	for _, payload := range []string{"sit 5 2", "bet 5 2 100"} {
		if err := inst.HandleGame(ctx, sdk.GameCall{From: f.h.User(alice), Game: game, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p2.recoverBets(ctx); err != nil {
		t.Fatal(err)
	}
	f.balances(map[int64]int64{alice: 900})
	if got := f.openBets(); len(got) != 1 {
		t.Errorf("open bets %q, want alice's new one", got)
	}
	if got := f.take(); !slices.Equal(got, []string{"sat 5 2 1 1", "betting 5 2 10", "bet 5 2 1 1 100", "@1 balance 900"}) {
		t.Errorf("sent %q", got)
	}
}

// TestRecoveryRetries: a store that cannot be read delays the refunds,
// it does not lose them.
func TestRecoveryRetries(t *testing.T) {
	f := newFixture(t)
	f.do(alice, "sit 5 2")
	f.do(alice, "bet 5 2 100")
	f.take()
	p2, _, clk := f.restart()
	// The store is down at the first attempt, back for the second.
	host := p2.host
	p2.host = failingKV{Host: host}
	clk.Advance(recoveryDelay)
	f.balances(map[int64]int64{alice: 900})
	p2.host = host
	clk.Advance(time.Second)
	f.balances(map[int64]int64{alice: 1000})
	if clk.Pending() != 0 {
		t.Errorf("%d timers left", clk.Pending())
	}
}

// failingKV is a host whose store is down.
type failingKV struct{ sdk.Host }

func (h failingKV) KV() sdk.KV { return downKV{h.Host.KV()} }

type downKV struct{ sdk.KV }

func (downKV) List(context.Context, string) ([]sdk.KVEntry, error) {
	return nil, context.DeadlineExceeded
}
