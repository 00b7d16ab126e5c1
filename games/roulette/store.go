package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/salon-chat/salon/games/roulette/wheel"
	"github.com/salon-chat/salon/sdk"
)

// What the plugin keeps in its store, so that a crash loses no chips:
//
//	bet/<bet id>    a bet whose stake is (or may be) taken and not yet
//	                settled: a betRecord
//	round/<round>   a round whose wheel has spun and whose payouts may
//	                not all be made: a roundRecord, with its bets
//
// Every wallet change is keyed by the bet's id, at most once: its stake
// (stake/<id>), its winnings (pay/<id>), its refund (refund/<id>). Doing a
// step twice, after a crash or in a sweep, is then harmless.

// betRecord is a bet as stored.
type betRecord struct {
	ID     string   `json:"id"` // <round>.<n>
	Round  string   `json:"round"`
	Table  tableKey `json:"table"`
	User   int64    `json:"user"`
	Pseudo string   `json:"pseudo"`
	Bet    string   `json:"bet"` // canonical, as wheel.Bet.String writes it
	Stake  int64    `json:"stake"`
}

// roundRecord is a round whose wheel has spun.
type roundRecord struct {
	ID     string      `json:"id"`
	Table  tableKey    `json:"table"`
	Number int         `json:"number"`
	Bets   []betRecord `json:"bets"`
}

func betKey(b betRecord) string { return "bet/" + b.ID }
func roundKey(id string) string { return "round/" + id }

// payout is what the bet pays when the ball lands on n, stake included.
// A bet that no longer parses (the store was edited by hand) gets its
// stake back rather than lose it to a bug.
func (b betRecord) payout(n int) int64 {
	bet, err := wheel.Parse(b.Bet)
	if err != nil {
		return b.Stake
	}
	return bet.Payout(b.Stake, n)
}

func (p *roulette) putJSON(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return p.host.KV().Set(ctx, key, data)
}

func (p *roulette) putBet(ctx context.Context, b betRecord) error {
	return p.putJSON(ctx, betKey(b), b)
}

// settle pays a spun round's winners and forgets its bets. The result is
// recorded before anything is paid, so that after a crash the sweep
// finishes paying the same number instead of refunding half a round.
func (p *roulette) settle(ctx context.Context, r roundRecord) error {
	if err := p.putJSON(ctx, roundKey(r.ID), r); err != nil {
		return err
	}
	for _, b := range r.Bets {
		if pay := b.payout(r.Number); pay > 0 {
			reason := fmt.Sprintf("roulette win %s %s on %d", b.ID, b.Bet, r.Number)
			if _, err := p.host.Wallet().CreditOnce(ctx, "pay/"+b.ID, b.User, pay, reason); err != nil {
				return err
			}
		}
		if err := p.host.KV().Delete(ctx, betKey(b)); err != nil {
			return err
		}
	}
	return p.host.KV().Delete(ctx, roundKey(r.ID))
}

// refund gives a bet's stake back and forgets the bet. Whether the stake
// was taken may be unknown (a crash, or a host error, right after the
// record was written): taking it again under the same key settles that,
// as a no-op if it was taken, and as a debit that the refund cancels if
// it was not. Either way nothing is lost or created.
func (p *roulette) refund(ctx context.Context, b betRecord) (refunded bool, err error) {
	taken, _, err := p.host.Wallet().DebitOnce(ctx, "stake/"+b.ID, b.User, b.Stake, "roulette stake "+b.ID+" "+b.Bet)
	if err != nil {
		return false, err
	}
	if taken {
		if _, err := p.host.Wallet().CreditOnce(ctx, "refund/"+b.ID, b.User, b.Stake, "roulette refund "+b.ID); err != nil {
			return false, err
		}
	}
	return taken, p.host.KV().Delete(ctx, betKey(b))
}

// sweep settles what the store holds and no round of this process is
// handling: rounds that spun are paid, other bets refunded, and the
// tables told. It is what the plugin does when it starts, and after a
// failure in mid-round.
//
// A round of this process is left alone while it is live. Once it is not,
// nothing but sweeps (one at a time) touches its records, and they are
// read afresh: the listing may predate the round's own settlement.
func (p *roulette) sweep(ctx context.Context) error {
	p.sweepMu.Lock()
	defer p.sweepMu.Unlock()

	err := eachEntry(ctx, p.host.KV(), "round/", func(e sdk.KVEntry) (bool, error) {
		var r roundRecord
		if err := json.Unmarshal(e.Value, &r); err != nil {
			// Its bets, still stored, are refunded below.
			p.host.Log().Error("dropping an unreadable round", "key", e.Key, "error", err)
			return true, p.host.KV().Delete(ctx, e.Key)
		}
		if p.isLive(r.ID) {
			return false, nil
		}
		if found, err := p.getJSON(ctx, e.Key, &r); err != nil || !found {
			return !found, err
		}
		if err := p.settle(ctx, r); err != nil {
			return false, err
		}
		p.announceResult(ctx, r)
		return true, nil
	})
	if err != nil {
		return err
	}

	type player struct {
		table tableKey
		user  int64
	}
	refunds := map[player]int64{}
	pseudos := map[player]string{}
	var order []player
	err = eachEntry(ctx, p.host.KV(), "bet/", func(e sdk.KVEntry) (bool, error) {
		var b betRecord
		if err := json.Unmarshal(e.Value, &b); err != nil || b.ID == "" || betKey(b) != e.Key {
			p.host.Log().Error("dropping an unreadable bet", "key", e.Key, "value", string(e.Value), "error", err)
			return true, p.host.KV().Delete(ctx, e.Key)
		}
		if p.isLive(b.Round) {
			return false, nil
		}
		if found, err := p.getJSON(ctx, e.Key, &b); err != nil || !found {
			return !found, err
		}
		// A round that spun after the listing above is settled by the
		// sweep its failure asked for, not refunded here.
		if _, spun, err := p.host.KV().Get(ctx, roundKey(b.Round)); err != nil || spun {
			return false, err
		}
		refunded, err := p.refund(ctx, b)
		if err != nil || !refunded {
			return err == nil, err
		}
		pl := player{b.Table, b.User}
		if _, ok := refunds[pl]; !ok {
			order = append(order, pl)
			pseudos[pl] = b.Pseudo
		}
		refunds[pl] += b.Stake
		return true, nil
	})
	// Tell about the refunds made, even if the sweep stops half way.
	for _, pl := range order {
		p.announce(ctx, pl.table, "refund", pseudos[pl]+" "+strconv.FormatInt(refunds[pl], 10))
	}
	return err
}

// getJSON reads key into v.
func (p *roulette) getJSON(ctx context.Context, key string, v any) (bool, error) {
	data, found, err := p.host.KV().Get(ctx, key)
	if err != nil || !found {
		return false, err
	}
	return true, json.Unmarshal(data, v)
}

// eachEntry calls f on every entry under prefix, f reporting whether it
// removed the entry. The store lists 1000 keys at a time: list again as
// long as the last batch was full and something was removed from it.
func eachEntry(ctx context.Context, kv sdk.KV, prefix string, f func(sdk.KVEntry) (bool, error)) error {
	for {
		es, err := kv.List(ctx, prefix)
		if err != nil {
			return err
		}
		progress := false
		for _, e := range es {
			removed, err := f(e)
			if err != nil {
				return err
			}
			progress = progress || removed
		}
		if len(es) < 1000 || !progress {
			return nil
		}
	}
}

// sweepUntilDone sweeps after delay, retrying with a growing pause until a
// sweep succeeds.
func (p *roulette) sweepUntilDone(delay time.Duration) {
	for pause := time.Second; ; pause = min(2*pause, time.Minute) {
		time.Sleep(delay)
		ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
		err := p.sweep(ctx)
		cancel()
		if err == nil {
			return
		}
		p.host.Log().Warn("cannot settle the bets left in the store; will retry", "in", pause, "error", err)
		delay = pause
	}
}

// sweepLater sweeps in the background.
func (p *roulette) sweepLater() { go p.sweepUntilDone(p.sweepDelay) }
