package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/salon-chat/salon/games/holdem/poker"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

// A crash in the middle of a hand: the next instance gives everyone their
// stack and what they had put into the hand, exactly once, however many
// times it restarts, even if a restart dies before clearing the store.
func TestRestartRefundsOnce(t *testing.T) {
	w := newWorld(t, poker.NewDeck, 3)
	for u := int64(1); u <= 3; u++ {
		w.do(u, "sit 5 2 500")
	}
	w.clock.Advance(startDelay)
	w.do(1, "raise 5 2 40")
	w.do(2, "call 5 2")
	w.do(3, "leave 5 2") // folds her big blind; her 490 go back now
	w.expect(
		"sit 5 2 1 1 500", "sit 5 2 2 2 500", "sit 5 2 3 3 500",
		"hand 5 2 1 1 1:500 2:500 3:500", "blind 5 2 2 small 5 495", "blind 5 2 3 big 10 490",
		"toact 5 2 1 10 20 500 20", "act 5 2 1 raise 40 460", "toact 5 2 2 35 70 500 20",
		"act 5 2 2 call 40 460", "toact 5 2 3 30 70 500 20", "act 5 2 3 fold 10 490",
		"board 5 2 flop 8c 9c Tc", "toact 5 2 2 0 10 460 20", "leave 5 2 3 490",
	)
	if got := []int64{w.h.Balance(1), w.h.Balance(2), w.h.Balance(3)}; !slices.Equal(got, []int64{500, 500, 990}) {
		t.Fatalf("balances before the crash: %v", got)
	}
	stored := w.h.KV()
	var rec record
	if err := json.Unmarshal(stored["table/5/2"], &rec); err != nil {
		t.Fatalf("stored table: %v (%q)", err, w.tableKeys())
	}
	if rec.Hand == "" || len(rec.Seats) != 3 || rec.Seats[0].Stack != 460 || rec.Seats[0].Contrib != 40 || rec.Seats[2].Contrib != 10 || !rec.Seats[2].Cashed {
		t.Fatalf("stored table %+v", rec)
	}

	// The plugin dies; salond starts it again over the same store.
	before := len(w.h.Ledger())
	w.restart()
	for u := int64(1); u <= 3; u++ {
		if got := w.h.Balance(u); got != 1000 {
			t.Errorf("%s has %d after the refund, want 1000", names[u], got)
		}
	}
	var refunds []sdktest.LedgerEntry
	for _, e := range w.h.Ledger()[before:] {
		e.Balance = 0
		refunds = append(refunds, e)
	}
	want := []sdktest.LedgerEntry{
		{User: 1, Delta: 460, Reason: "holdem: stack returned after a restart, table 5/2"},
		{User: 1, Delta: 40, Reason: "holdem: unfinished hand refunded after a restart, table 5/2"},
		{User: 2, Delta: 460, Reason: "holdem: stack returned after a restart, table 5/2"},
		{User: 2, Delta: 40, Reason: "holdem: unfinished hand refunded after a restart, table 5/2"},
		{User: 3, Delta: 10, Reason: "holdem: unfinished hand refunded after a restart, table 5/2"},
	}
	if !slices.Equal(refunds, want) {
		t.Errorf("refunds %+v\nwant %+v", refunds, want)
	}
	if ks := w.tableKeys(); len(ks) != 0 {
		t.Errorf("tables left in the store after the refund: %q", ks)
	}
	// The table is told, once the new instance is surely configured.
	for range 200 {
		if len(w.h.Sent()) == 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.expect("refund 5 2 1 500", "refund 5 2 2 500", "refund 5 2 3 10")

	// Again: nothing left to refund. Then as if a restart had died after
	// paying but before clearing the store: the same keys pay nothing.
	n := len(w.h.Ledger())
	w.restart()
	for k, v := range stored {
		w.h.SetKV(k, v)
	}
	_, inst := w.restart()
	if len(w.h.Ledger()) != n {
		t.Errorf("a second refund moved chips: %+v", w.h.Ledger()[n:])
	}
	for u := int64(1); u <= 3; u++ {
		if got := w.h.Balance(u); got != 1000 {
			t.Errorf("%s has %d after refunding twice, want 1000", names[u], got)
		}
	}
	if ks := w.tableKeys(); len(ks) != 0 {
		t.Errorf("tables left in the store: %q", ks)
	}

	// The tables open again.
	w.take()
	w.gameOn(inst, 1, "sit 5 2 100")
	w.expect("sit 5 2 1 1 100")
	if got := w.h.Balance(1); got != 900 {
		t.Errorf("alice has %d after sitting again", got)
	}
}

// A plugin that died around a buy-in does not know whether it was taken:
// the restart takes it if it was not, and gives it back. A record it
// cannot read is dropped.
func TestRestartSettlesBuyIns(t *testing.T) {
	w := newWorld(t, nil, 4)
	ctx := context.Background()
	if ok, _, err := w.h.Host().Wallet().DebitOnce(ctx, "sit/B", 2, 300, "holdem: buy-in at table 5/2"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	w.h.SetBalance(3, 50)
	w.h.SetBalance(4, 500) // paid 500, has 450 behind and 50 in the hand
	rec, _ := json.Marshal(record{Hand: "H1", Seats: []seatRecord{
		{Sit: "A", User: 1, BuyIn: 200, Stack: 200}, // never taken
		{Sit: "B", User: 2, BuyIn: 300, Stack: 300}, // taken
		{Sit: "C", User: 3, BuyIn: 100, Stack: 100}, // never taken, and carol cannot pay it now
		{Sit: "D", User: 4, BuyIn: 500, Stack: 450, Contrib: 50, Paid: true},
	}})
	w.h.SetKV("table/5/2", rec)
	w.h.SetKV("table/9/9", []byte("{not json"))
	w.restart()
	for u, want := range map[int64]int64{1: 1000, 2: 1000, 3: 50, 4: 1000} {
		if got := w.h.Balance(u); got != want {
			t.Errorf("%s has %d, want %d", names[u], got, want)
		}
	}
	if ks := w.tableKeys(); len(ks) != 0 {
		t.Errorf("tables left in the store: %q", ks)
	}
	// Alice's buy-in was taken and given back: two entries, net zero.
	var alice []int64
	for _, e := range w.h.Ledger() {
		if e.User == 1 {
			alice = append(alice, e.Delta)
		}
	}
	if !slices.Equal(alice, []int64{-200, 200}) {
		t.Errorf("alice's ledger %v", alice)
	}
}

// Until the refund of the last run is done, the tables stay closed.
func TestClosedUntilRefunded(t *testing.T) {
	w := newWorld(t, nil, 2)
	w.p.ready = make(chan struct{}) // as if the refund were still going on
	w.answer(1, "sit 5 2 100", "error the tables are being restored after a restart; try again in a moment")
	w.answer(1, "balance", "balance 1000")
	if w.h.Balance(1) != 1000 || len(w.tableKeys()) != 0 {
		t.Error("a closed table took a buy-in")
	}
}

// flakyHost loses the answer of the next DebitOnce: the debit is made, the
// plugin gets an error, as when salond's answer does not arrive.
type flakyHost struct {
	sdk.Host
	lose *bool
}

func (f flakyHost) Wallet() sdk.Wallet { return flakyWallet{f.Host.Wallet(), f.lose} }

type flakyWallet struct {
	sdk.Wallet
	lose *bool
}

func (f flakyWallet) DebitOnce(ctx context.Context, key string, user, amount int64, reason string) (bool, int64, error) {
	ok, bal, err := f.Wallet.DebitOnce(ctx, key, user, amount, reason)
	if *f.lose {
		*f.lose = false
		return false, 0, errors.New("connection lost")
	}
	return ok, bal, err
}

// A buy-in whose answer is lost is settled on the next attempt: taken
// under its key (nothing more) and given back; the new buy-in goes on.
func TestBuyInInDoubt(t *testing.T) {
	w := newWorld(t, nil, 2)
	lose := true
	p := w.plugin(nil)
	inst, err := sdk.NewInstance(p, flakyHost{w.h.Host(), &lose}, sdk.Source{Name: sdktest.Name, Filename: sdktest.Filename, Body: []byte(testConfig)})
	if err != nil {
		t.Fatal(err)
	}
	w.waitReady(p)
	ctx := context.Background()
	err = inst.HandleGame(ctx, sdk.GameCall{From: w.h.User(1), Game: game, Payload: "sit 5 2 300"})
	if err == nil || w.h.Balance(1) != 700 {
		t.Fatalf("lost answer: %v, balance %d", err, w.h.Balance(1))
	}
	w.expect() // nobody was told alice sat
	// Bob's sit settles alice's seat first, and takes it.
	w.gameOn(inst, 2, "sit 5 2 100")
	if got := w.h.Balance(1); got != 1000 {
		t.Errorf("alice has %d after her doubtful buy-in was settled", got)
	}
	w.gameOn(inst, 1, "sit 5 2 200")
	w.expect("sit 5 2 2 1 100", "sit 5 2 1 2 200")
	if got := w.h.Balance(1); got != 800 {
		t.Errorf("alice has %d after the doubtful buy-in of 300 and one of 200", got)
	}
	var rec record
	if err := json.Unmarshal(w.h.KV()["table/5/2"], &rec); err != nil || len(rec.Seats) != 2 || !rec.Seats[0].Paid || !rec.Seats[1].Paid {
		t.Errorf("stored %+v (%v)", rec, err)
	}
}
