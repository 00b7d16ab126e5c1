package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salon-chat/salon/sdk"
)

// A table keeps in the plugin's store, under "table/<key>", what it takes
// to give every chip back if the plugin dies: each seat's stack, and what
// it put into the hand in play. Within a hand a seat's stack plus what it
// put in never changes, so the record only has to be written before the
// wallet moves (a buy-in, a cash-out) and when a hand ends.
//
// The wallet keys (once keys, per plugin and forever) make every move
// happen at most once, whoever makes it and however often:
//
//	sit/<sit>             the buy-in
//	out/<sit>             the stack going back, on leaving or after a restart
//	refund/<hand>/<sit>   what the seat had put into a hand a restart cut short
const tablePrefix = "table/"

type record struct {
	Hand  string       `json:"hand,omitempty"` // the id of the hand in play
	Seats []seatRecord `json:"seats"`
}

type seatRecord struct {
	Sit     string `json:"sit"`
	User    int64  `json:"user"`
	BuyIn   int64  `json:"buy_in"`
	Stack   int64  `json:"stack"`             // chips behind
	Contrib int64  `json:"contrib,omitempty"` // chips put into the hand in play
	Paid    bool   `json:"paid"`              // the buy-in is known to be taken
	Cashed  bool   `json:"cashed,omitempty"`  // the stack is known to be back in the wallet
}

// save writes the table's record (deletes it when nobody sits).
func (t *table) save(ctx context.Context) error {
	rec := record{Hand: t.handID}
	for _, s := range t.seats {
		if s == nil {
			continue
		}
		r := seatRecord{Sit: s.sit, User: s.user, BuyIn: s.buyIn, Stack: t.stackOf(s), Paid: s.paid, Cashed: s.cashed}
		if p := t.player(s); p != nil {
			r.Contrib = p.Total
		}
		rec.Seats = append(rec.Seats, r)
	}
	key := tablePrefix + t.key.String()
	if len(rec.Seats) == 0 {
		return t.p.host.KV().Delete(ctx, key)
	}
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return t.p.host.KV().Set(ctx, key, v)
}

// saveOrLog saves where the game must go on anyway: a failure is logged,
// the next save catches up, and nothing leaves the wallet meanwhile.
func (t *table) saveOrLog(ctx context.Context) error {
	err := t.save(ctx)
	if err != nil {
		t.p.host.Log().Error("cannot store the table", "table", t.key.String(), "error", err)
	}
	return err
}

// recoverTables refunds what the tables of an earlier run held, then opens
// the tables and tells the players. The host may be failing (salond
// restarting it too): it tries again, waiting longer each time.
func (p *holdem) recoverTables() {
	defer close(p.told)
	// Lines are refused until Configure has returned, and the SDK says
	// nothing when it has: the refunds are told a moment later.
	tell := time.Now().Add(p.noticeDelay)
	var refunded []notice
	wait := 100 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := p.refundAll(ctx, &refunded)
		cancel()
		if err == nil {
			break
		}
		p.host.Log().Warn("cannot refund the tables of the last run yet", "error", err, "retry_in", wait)
		time.Sleep(wait)
		wait = min(2*wait, 30*time.Second)
	}
	close(p.ready)
	if len(refunded) == 0 {
		return
	}
	time.Sleep(time.Until(tell))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range refunded {
		t := &table{p: p, key: n.table}
		t.announce(ctx, "refund", fmt.Sprintf("%d %d", n.user, n.chips))
	}
}

// notice is a refund to tell a table about.
type notice struct {
	table       tableKey
	user, chips int64
}

func (p *holdem) refundAll(ctx context.Context, refunded *[]notice) error {
	for {
		// List gives at most 1000 entries: each pass deletes what it read.
		es, err := p.host.KV().List(ctx, tablePrefix)
		if err != nil || len(es) == 0 {
			return err
		}
		for _, e := range es {
			var rec record
			key, ok := parseTableKey(strings.TrimPrefix(e.Key, tablePrefix))
			if err := json.Unmarshal(e.Value, &rec); err != nil || !ok {
				p.host.Log().Error("unreadable table record dropped: its chips cannot be refunded", "key", e.Key, "error", err)
			} else if err := p.refund(ctx, key, rec, refunded); err != nil {
				return err
			}
			if err := p.host.KV().Delete(ctx, e.Key); err != nil {
				return err
			}
		}
	}
}

// refund gives back each seat's stack and what it put into the unfinished
// hand, and lists what it gave in refunded. Run twice (a crash during a
// refund), it pays nothing more: the wallet keys are the ones used while
// playing.
func (p *holdem) refund(ctx context.Context, key tableKey, rec record, refunded *[]notice) error {
	w := p.host.Wallet()
	table := key.String()
	for _, s := range rec.Seats {
		steps := []func() error{
			func() error {
				if s.Paid {
					return nil
				}
				// The plugin died around the buy-in: take it if it was
				// not taken (a replay does nothing), to give it back.
				ok, _, err := w.DebitOnce(ctx, "sit/"+s.Sit, s.User, s.BuyIn, "holdem: buy-in at table "+table)
				if err == nil && !ok {
					s.Stack = 0 // never taken: nothing to give back
				}
				return err
			},
			func() error {
				if s.Cashed || s.Stack <= 0 {
					s.Stack = 0
					return nil
				}
				_, err := w.CreditOnce(ctx, "out/"+s.Sit, s.User, s.Stack, "holdem: stack returned after a restart, table "+table)
				return err
			},
			func() error {
				if s.Contrib <= 0 {
					return nil
				}
				_, err := w.CreditOnce(ctx, "refund/"+rec.Hand+"/"+s.Sit, s.User, s.Contrib, "holdem: unfinished hand refunded after a restart, table "+table)
				return err
			},
		}
		for _, step := range steps {
			err := step()
			if errors.Is(err, sdk.ErrRefused) {
				// Refused for good (the account is gone): retrying would
				// keep every table closed.
				p.host.Log().Error("refund refused", "table", table, "user", s.User, "error", err)
				break
			}
			if err != nil {
				return err
			}
		}
		p.host.Log().Info("refunded", "table", table, "user", s.User, "stack", s.Stack, "hand", s.Contrib)
		if n := (notice{key, s.User, s.Stack + s.Contrib}); n.chips > 0 && !slices.Contains(*refunded, n) {
			*refunded = append(*refunded, n)
		}
	}
	return nil
}

// parseTableKey reads tableKey.String.
func parseTableKey(s string) (tableKey, bool) {
	var k tableKey
	if n, err := fmt.Sscanf(s, "0/%d/%d", &k.a, &k.b); err == nil && n == 2 && k.a > 0 && k.a < k.b {
		return k, k.String() == s
	}
	if n, err := fmt.Sscanf(s, "%d/%d", &k.server, &k.channel); err == nil && n == 2 && k.server > 0 && k.channel >= 0 {
		return k, k.String() == s
	}
	return tableKey{}, false
}
