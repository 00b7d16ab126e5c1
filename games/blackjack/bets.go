package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/salon-chat/salon/sdk"
)

// openPrefix is where open bets are kept in the plugin's store, one key
// per bet: "open/<bet id>".
const openPrefix = "open/"

// part is one stake of a bet: the bet itself, a double, a split, the
// insurance. Key is its wallet once key, so that a replay never takes it
// twice.
type part struct {
	Key    string `json:"key"`
	Amount int64  `json:"amount"`
}

// betRecord is what the store keeps of an open bet. A part is written
// before its chips are taken, so a crash between the two leaves a record
// that says more than was taken, never less; settling a record (finish)
// takes every part not yet taken before paying it back, which makes the
// uncertain ones certain.
type betRecord struct {
	Instance string   `json:"instance"` // the run that opened it
	Table    tableKey `json:"table"`
	Seat     int      `json:"seat"`
	User     int64    `json:"user"`
	Parts    []part   `json:"parts"`
	// Payout, once set, is what the player gets back, decided for good:
	// a replay pays exactly this.
	Payout *int64 `json:"payout,omitempty"`
}

// bet is a seat's open bet in memory.
type bet struct {
	id     string
	rec    betRecord
	played map[string]bool // parts taken and put in play by the engine
}

// total is every chip the bet has in play.
func (b *bet) total() int64 {
	var n int64
	for _, pt := range b.rec.Parts {
		if b.played[pt.Key] {
			n += pt.Amount
		}
	}
	return n
}

func (p *blackjack) save(ctx context.Context, id string, rec *betRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return p.host.KV().Set(ctx, openPrefix+id, v)
}

// stake records a part of b, then takes its chips. ok is false when the
// player has fewer than amount chips (balance is what they have): the
// part is dropped and nothing changes.
func (p *blackjack) stake(ctx context.Context, b *bet, name string, amount int64) (ok bool, balance int64, err error) {
	pt := part{Key: b.id + "/" + name, Amount: amount}
	b.rec.Parts = append(b.rec.Parts, pt)
	if err := p.save(ctx, b.id, &b.rec); err != nil {
		b.rec.Parts = b.rec.Parts[:len(b.rec.Parts)-1]
		return false, 0, err
	}
	reason := fmt.Sprintf("blackjack %s at %s", name, b.rec.Table)
	ok, balance, err = p.host.Wallet().DebitOnce(ctx, pt.Key, b.rec.User, amount, reason)
	if err != nil {
		// Taken or not, the part stays on record: finish settles it.
		return false, 0, err
	}
	if !ok {
		b.rec.Parts = b.rec.Parts[:len(b.rec.Parts)-1]
		if err := p.save(ctx, b.id, &b.rec); err != nil {
			// The part stays on record, untaken: finish finds that out.
			p.host.Log().Warn("cannot drop a refused stake", "bet", b.id, "error", err)
		}
		return false, balance, nil
	}
	b.played[pt.Key] = true
	return true, balance, nil
}

// finish closes an open bet: the player gets back won, plus every part
// the engine did not put in play (a refund). It can be replayed after a
// failure or a crash at any point, and pays exactly once.
func (p *blackjack) finish(ctx context.Context, id string, rec *betRecord, won int64, played map[string]bool) (int64, error) {
	if rec.Payout == nil {
		total := won
		for _, pt := range rec.Parts {
			if played[pt.Key] {
				continue
			}
			// Already taken: a no-op that says ok. Never taken: taken now,
			// and given back just below. Cannot be taken: not owed.
			ok, _, err := p.host.Wallet().DebitOnce(ctx, pt.Key, rec.User, pt.Amount, "blackjack stake, refunded")
			if err != nil {
				return 0, err
			}
			if ok {
				total += pt.Amount
			}
		}
		rec.Payout = &total
		if err := p.save(ctx, id, rec); err != nil {
			rec.Payout = nil
			return 0, err
		}
	}
	if *rec.Payout > 0 {
		if _, err := p.host.Wallet().CreditOnce(ctx, id+"/payout", rec.User, *rec.Payout, "blackjack payout at "+rec.Table.String()); err != nil {
			return 0, err
		}
	}
	return *rec.Payout, p.host.KV().Delete(ctx, openPrefix+id)
}

// finishLater settles a bet in the background, until it works.
func (p *blackjack) finishLater(id string, rec *betRecord, won int64, played map[string]bool) {
	p.retry("settle bet "+id, time.Second, func(ctx context.Context) error {
		_, err := p.finish(ctx, id, rec, won, played)
		return err
	})
}

// recoverBets refunds the bets a previous run left open: its rounds died
// with it. A bet whose payout was decided before the crash is paid
// instead. Bets of this run are its tables' business.
func (p *blackjack) recoverBets(ctx context.Context) error {
	for {
		entries, err := p.host.KV().List(ctx, openPrefix)
		if err != nil {
			return err
		}
		done := 0
		for _, e := range entries {
			var rec betRecord
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				p.host.Log().Error("unreadable open bet left as it is", "key", e.Key, "error", err)
				continue
			}
			if rec.Instance == p.instance {
				continue
			}
			decided := rec.Payout != nil
			id := strings.TrimPrefix(e.Key, openPrefix)
			paid, err := p.finish(ctx, id, &rec, 0, nil)
			if err != nil {
				return err
			}
			done++
			p.host.Log().Info("closed a bet of a previous run", "bet", id, "user", rec.User, "paid", paid, "decided", decided)
			word := "refund"
			if decided {
				word = "paid"
			}
			p.announceAt(ctx, rec.Table, word, rec.User, paid)
		}
		// The store lists a bounded number of keys at a time: list again
		// while that made progress.
		if done == 0 || len(entries) < 1000 {
			return nil
		}
	}
}

// tableKey names a table: a channel (Server > 0), or the direct
// conversation between users A < B.
type tableKey struct {
	Server  int64 `json:"server,omitempty"`
	Channel int64 `json:"channel,omitempty"`
	A       int64 `json:"a,omitempty"`
	B       int64 `json:"b,omitempty"`
}

// keyFor is the table user means by address c.
func keyFor(user int64, c sdk.Conversation) tableKey {
	if !c.IsDirect() {
		return tableKey{Server: c.Server, Channel: c.Channel}
	}
	return tableKey{A: min(user, c.Peer), B: max(user, c.Peer)}
}

func (k tableKey) direct() bool { return k.Server == 0 }

// addrFor is the table's address as user writes it: "S C", or "0 U" for
// the direct conversation with U.
func (k tableKey) addrFor(user int64) string {
	if !k.direct() {
		return sdk.Channel(k.Server, k.Channel).String()
	}
	if user == k.A {
		return sdk.Direct(k.B).String()
	}
	return sdk.Direct(k.A).String()
}

// String is for logs and the ledger.
func (k tableKey) String() string {
	if k.direct() {
		return fmt.Sprintf("0 %d/0 %d", k.A, k.B)
	}
	return sdk.Channel(k.Server, k.Channel).String()
}
