package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/salon-chat/salon/games/blackjack/engine"
	"github.com/salon-chat/salon/sdk"
)

// seats is how many players a table holds.
const seats = 6

// phase is where a table stands between and during rounds.
type phase int

const (
	idle     phase = iota // no round: the first bet opens one
	betting               // the betting window is open
	insuring              // the dealer shows an ace: insurance is offered
	playing               // the players play their hands in turn
)

// table is the blackjack table of one conversation. Its mutex is held
// through every change, host calls included, so that announcements go out
// in the order things happened.
type table struct {
	key tableKey

	mu    sync.Mutex
	seats [seats + 1]*seat // 1 to 6; nil when free
	shoe  *engine.Shoe
	phase phase
	round *engine.Round
	// gen counts the table's steps: a timer set at one step does nothing
	// if it fires at another.
	gen  int
	stop func() bool // the pending timer's
}

// seat is a player at a table.
type seat struct {
	user    int64
	bet     *bet // this round's, nil if none
	leaving bool // left in mid-round: freed when the round ends
}

// table returns the table of key, created on first use. Tables are never
// dropped, so a pointer taken here stays the table's.
func (p *blackjack) table(key tableKey) *table {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tables[key]
	if !ok {
		t = &table{key: key, shoe: engine.NewShoe(p.set.decks, p.rand)}
		p.tables[key] = t
	}
	return t
}

// existing returns the table of key if it was ever used.
func (p *blackjack) existing(key tableKey) *table {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tables[key]
}

// seatOf is the seat number of user at t, 0 if none; t.mu is held.
func (t *table) seatOf(user int64) int {
	for n, s := range t.seats {
		if s != nil && s.user == user {
			return n
		}
	}
	return 0
}

// announce tells every member of the table's conversation: for a direct
// table, both parties, each with the address as they write it. t.mu is
// held.
func (p *blackjack) announce(ctx context.Context, t *table, event string, args ...any) {
	p.announceAt(ctx, t.key, event, args...)
}

// announceAt is announce for a table known by its key alone.
func (p *blackjack) announceAt(ctx context.Context, key tableKey, event string, args ...any) {
	rest := ""
	for _, a := range args {
		rest += " " + fmt.Sprint(a)
	}
	var err error
	if key.direct() {
		for _, u := range []int64{key.A, key.B} {
			if e := p.host.SendGame(ctx, u, game, event+" "+key.addrFor(u)+rest); e != nil {
				err = e
			}
		}
	} else {
		err = p.host.SendGameTo(ctx, sdk.Channel(key.Server, key.Channel), game, event+" "+key.addrFor(0)+rest)
	}
	if err != nil {
		p.host.Log().Warn("cannot announce", "table", key.String(), "event", event, "error", err)
	}
}

// schedule moves the table to its next step and, when after > 0, sets
// the timer that ends that step; t.mu is held.
func (p *blackjack) schedule(t *table, after time.Duration, fire func(ctx context.Context)) {
	t.gen++
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	if after <= 0 {
		return
	}
	gen := t.gen
	t.stop = p.clock.AfterFunc(after, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.gen != gen {
			return // the step ended before its time ran out
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		fire(ctx)
	})
}

// openBetting starts a round's betting window; t.mu is held.
func (p *blackjack) openBetting(ctx context.Context, t *table) {
	t.phase = betting
	p.announce(ctx, t, "betting", seconds(p.set.bettingWindow))
	p.schedule(t, p.set.bettingWindow, func(ctx context.Context) { p.deal(ctx, t) })
}

// deal closes the betting window and deals to every seat that bet;
// t.mu is held.
func (p *blackjack) deal(ctx context.Context, t *table) {
	var bets []engine.Bet
	for n, s := range t.seats {
		if s != nil && s.bet != nil {
			bets = append(bets, engine.Bet{Seat: n, Amount: s.bet.total()})
		}
	}
	if len(bets) == 0 {
		// Everyone who bet left: no round.
		p.endRound(ctx, t)
		return
	}
	if t.shoe.NeedsShuffle() {
		t.shoe.Shuffle()
		p.announce(ctx, t, "shuffle")
	}
	r := engine.NewRound(p.set.rules, t.shoe, bets)
	t.round = r
	// Every card as it was dealt: a first card to each seat, the dealer's
	// up card, a second to each seat, the hole card face down.
	for i := range 2 {
		for _, s := range r.Seats() {
			h := s.Hands[0]
			p.announce(ctx, t, "card", s.Number, 1, h.Cards[i], h.Cards[:i+1].Value())
		}
		if i == 0 {
			p.announce(ctx, t, "dealer", r.Up(), r.Dealer()[:1].Value())
		} else {
			p.announce(ctx, t, "dealer", "hidden")
		}
	}
	if r.Phase() == engine.Insurance {
		t.phase = insuring
		p.announce(ctx, t, "insurance", seconds(p.set.turnTimeout))
		p.schedule(t, p.set.turnTimeout, func(ctx context.Context) { p.endInsurance(ctx, t) })
		return
	}
	p.afterPeek(ctx, t)
}

// endInsurance closes the insurance phase (the undecided decline);
// t.mu is held.
func (p *blackjack) endInsurance(ctx context.Context, t *table) {
	t.round.EndInsurance()
	p.afterPeek(ctx, t)
}

// afterPeek tells what the dealer's peek found, and goes on to the
// players or, on a dealer's blackjack, to the results; t.mu is held.
func (p *blackjack) afterPeek(ctx context.Context, t *table) {
	t.phase = playing
	r := t.round
	if r.Peeks() {
		if r.DealerBlackjack() {
			p.announce(ctx, t, "dealer", r.Dealer()[1], r.Dealer().Value())
			p.settle(ctx, t)
			return
		}
		p.announce(ctx, t, "peek", "none")
	}
	p.nextTurn(ctx, t)
}

// nextTurn gives the turn to the next hand to play, or plays the dealer
// when there is none; t.mu is held.
func (p *blackjack) nextTurn(ctx context.Context, t *table) {
	r := t.round
	for {
		n, hand, ok := r.Turn()
		if !ok {
			break
		}
		if s := t.seats[n]; s == nil || s.leaving {
			r.StandAll(n) // nobody there to play it
			continue
		}
		p.announce(ctx, t, "turn", n, hand+1, seconds(p.set.turnTimeout))
		p.schedule(t, p.set.turnTimeout, func(ctx context.Context) {
			// Idle: the seat's hands stand, the table moves on.
			p.announce(ctx, t, "timeout", n)
			r.StandAll(n)
			p.nextTurn(ctx, t)
		})
		return
	}
	drawn, err := r.PlayDealer()
	if err != nil {
		p.abort(ctx, t, err)
		return
	}
	d := r.Dealer()
	p.announce(ctx, t, "dealer", d[1], d[:2].Value())
	for i, c := range drawn {
		p.announce(ctx, t, "dealer", c, d[:3+i].Value())
	}
	p.settle(ctx, t)
}

// settle pays every seat, tells the table the results, and frees it for
// the next round; t.mu is held.
func (p *blackjack) settle(ctx context.Context, t *table) {
	results, err := t.round.Results()
	if err != nil {
		p.abort(ctx, t, err)
		return
	}
	// Paid first, announced next: a balance asked after the results
	// shows the winnings.
	for _, res := range results {
		b := t.seats[res.Seat].bet
		if _, err := p.finish(ctx, b.id, &b.rec, res.Paid(), b.played); err != nil {
			p.host.Log().Warn("cannot settle a bet now", "bet", b.id, "error", err)
			p.finishLater(b.id, &b.rec, res.Paid(), b.played)
		}
	}
	for _, res := range results {
		for i, h := range res.Hands {
			p.announce(ctx, t, "result", res.Seat, i+1, h.Outcome, h.Bet, h.Payout)
		}
		if ins := res.Insurance; ins != nil {
			p.announce(ctx, t, "result", res.Seat, "insurance", ins.Outcome, ins.Bet, ins.Payout)
		}
	}
	p.endRound(ctx, t)
}

// abort calls a round off and refunds its bets: a bug, not a rule, got in
// the way, and the table must not stay stuck on it; t.mu is held.
func (p *blackjack) abort(ctx context.Context, t *table, err error) {
	p.host.Log().Error("round called off", "table", t.key.String(), "error", err)
	for _, s := range t.seats {
		if s != nil && s.bet != nil {
			if _, err := p.finish(ctx, s.bet.id, &s.bet.rec, 0, nil); err != nil {
				p.finishLater(s.bet.id, &s.bet.rec, 0, nil)
			}
		}
	}
	p.endRound(ctx, t)
}

// endRound clears the table for the next round; t.mu is held.
func (p *blackjack) endRound(ctx context.Context, t *table) {
	if t.phase != idle {
		p.announce(ctx, t, "end")
	}
	for n, s := range t.seats {
		if s == nil {
			continue
		}
		s.bet = nil
		if s.leaving {
			t.seats[n] = nil
		}
	}
	t.round, t.phase = nil, idle
	p.schedule(t, 0, nil)
}
