package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/salon-chat/salon/sdk"
)

// usage answers `JEU blackjack help`, one line per command.
var usage = []string{
	"sit S C - take a free seat at the table of conversation S C (0 U: your direct conversation with U)",
	"bet S C chips - bet on the next round; the first bet opens the betting window",
	"hit S C - take a card",
	"stand S C - keep your hand as it is",
	"double S C - on your first two cards: double your bet and take exactly one card",
	"split S C - split a pair into two hands, the second with a bet equal to the first (once)",
	"insurance S C [no] - while the dealer shows an ace: insure for half your bet (pays 2:1), or decline",
	"leave S C - leave your seat (a bet not yet dealt is refunded; hands in play stand)",
	"balance - your chips",
	"help - this list",
}

// arity is how many arguments each table command takes after the
// table's address.
var arity = map[string][]int{
	"sit": {0}, "bet": {1}, "hit": {0}, "stand": {0}, "double": {0}, "split": {0}, "insurance": {0, 1}, "leave": {0},
}

// mistake is a player's error: answered to them alone as
// `JEU blackjack error <reason>`, not a failure of the plugin.
type mistake string

func (m mistake) Error() string { return string(m) }

func oops(format string, args ...any) error { return mistake(fmt.Sprintf(format, args...)) }

// HandleGame reads `JEU blackjack <command> [arguments]`.
func (p *blackjack) HandleGame(ctx context.Context, call sdk.GameCall) error {
	err := p.command(ctx, call.From.Tag, strings.Fields(call.Payload))
	if m, ok := errors.AsType[mistake](err); ok {
		return p.host.SendGame(ctx, call.From.Tag, game, "error "+string(m))
	}
	return err
}

func (p *blackjack) command(ctx context.Context, user int64, f []string) error {
	if len(f) == 0 {
		f = []string{"help"}
	}
	cmd, args := f[0], f[1:]
	switch cmd {
	case "help":
		for _, l := range usage {
			if err := p.host.SendGame(ctx, user, game, "help "+l); err != nil {
				return err
			}
		}
		return nil
	case "balance":
		bal, err := p.host.Wallet().Balance(ctx, user)
		if err != nil {
			return err
		}
		return p.host.SendGame(ctx, user, game, "balance "+strconv.FormatInt(bal, 10))
	}
	// Every other command names a table, then takes its own arguments.
	counts, ok := arity[cmd]
	if !ok {
		return oops("unknown command %q; try help", cmd)
	}
	if len(args) < 2 || !slices.Contains(counts, len(args)-2) {
		return oops("usage: %s", usageOf(cmd))
	}
	conv, err := sdk.ParseConversation(args[0] + " " + args[1])
	if err != nil {
		return oops("%v", err)
	}
	args = args[2:]
	switch cmd {
	case "sit":
		return p.sit(ctx, user, conv)
	case "bet":
		amount, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || amount < p.set.minBet || amount > p.set.maxBet {
			return oops("a bet is %d to %d chips, not %q", p.set.minBet, p.set.maxBet, args[0])
		}
		return p.bet(ctx, user, conv, amount)
	case "insurance":
		if len(args) == 1 && args[0] != "no" {
			return oops("usage: %s", usageOf(cmd))
		}
		return p.insurance(ctx, user, conv, len(args) == 0)
	case "leave":
		return p.leave(ctx, user, conv)
	}
	return p.play(ctx, user, conv, cmd)
}

func usageOf(cmd string) string {
	for _, l := range usage {
		if strings.HasPrefix(l, cmd+" ") {
			return strings.SplitN(l, " - ", 2)[0]
		}
	}
	return cmd
}

// checkMember refuses a player who is not in the conversation: a member
// of the channel, or a party of the direct conversation.
func (p *blackjack) checkMember(ctx context.Context, user int64, c sdk.Conversation) error {
	if c.IsDirect() {
		if c.Peer == user {
			return oops("a direct table is shared with someone: name them, 0 U")
		}
		if _, err := p.host.User(ctx, c.Peer); errors.Is(err, sdk.ErrNotFound) {
			return oops("no user %d", c.Peer)
		} else if err != nil {
			return err
		}
		return nil
	}
	ms, err := p.host.Members(ctx, c)
	if errors.Is(err, sdk.ErrNotFound) {
		return oops("no conversation %s", c)
	} else if err != nil {
		return err
	}
	if !slices.ContainsFunc(ms, func(u sdk.User) bool { return u.Tag == user }) {
		return oops("you are not a member of %s", c)
	}
	return nil
}

// seated locks the table of conv where user sits and returns it with the
// seat number; the caller unlocks t.mu.
func (p *blackjack) seated(user int64, c sdk.Conversation) (*table, int, error) {
	t := p.existing(keyFor(user, c))
	if t == nil {
		return nil, 0, oops("you do not sit at the table of %s", c)
	}
	t.mu.Lock()
	n := t.seatOf(user)
	switch {
	case n == 0:
		t.mu.Unlock()
		return nil, 0, oops("you do not sit at the table of %s", c)
	case t.seats[n].leaving:
		t.mu.Unlock()
		return nil, 0, oops("you have left the table of %s", c)
	}
	return t, n, nil
}

func (p *blackjack) sit(ctx context.Context, user int64, c sdk.Conversation) error {
	if err := p.checkMember(ctx, user, c); err != nil {
		return err
	}
	t := p.table(keyFor(user, c))
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := t.seatOf(user); n != 0 {
		if t.seats[n].leaving {
			return oops("you are leaving seat %d: sit again when this round ends", n)
		}
		return oops("you already sit at seat %d", n)
	}
	for n := 1; n <= seats; n++ {
		if t.seats[n] == nil {
			t.seats[n] = &seat{user: user}
			p.announce(ctx, t, "sat", n, user)
			return nil
		}
	}
	return oops("the table is full: %d seats", seats)
}

func (p *blackjack) bet(ctx context.Context, user int64, c sdk.Conversation, amount int64) error {
	if err := p.checkMember(ctx, user, c); err != nil {
		return err
	}
	t, n, err := p.seated(user, c)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	s := t.seats[n]
	switch {
	case t.phase == insuring || t.phase == playing:
		return oops("a round is in play: bet when it ends")
	case s.bet != nil:
		return oops("you have bet %d on this round already", s.bet.total())
	}
	b := &bet{id: rand.Text(), rec: betRecord{Instance: p.instance, Table: t.key, Seat: n, User: user}, played: map[string]bool{}}
	ok, balance, err := p.stake(ctx, b, "bet", amount)
	if err != nil {
		// Taken or not, the stake goes back once the host answers again.
		p.finishLater(b.id, &b.rec, 0, nil)
		return err
	}
	if !ok {
		if err := p.host.KV().Delete(ctx, openPrefix+b.id); err != nil {
			p.finishLater(b.id, &b.rec, 0, nil)
		}
		return oops("not enough chips: you have %d", balance)
	}
	s.bet = b
	if t.phase == idle {
		p.openBetting(ctx, t)
	}
	p.announce(ctx, t, "bet", n, user, amount)
	p.tellBalance(ctx, user, balance)
	return nil
}

// play is hit, stand, double and split: the hand whose turn it is.
func (p *blackjack) play(ctx context.Context, user int64, c sdk.Conversation, cmd string) error {
	t, n, err := p.seated(user, c)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	r := t.round
	if t.phase != playing || r == nil {
		return oops("no hand is being played at this table now")
	}
	_, hand, _ := r.Turn()
	b := t.seats[n].bet
	switch cmd {
	case "hit":
		card, err := r.Hit(n)
		if err != nil {
			return oops("%v", err)
		}
		h := r.Seat(n).Hands[hand]
		p.announce(ctx, t, "card", n, hand+1, card, h.Cards.Value())
	case "stand":
		if err := r.Stand(n); err != nil {
			return oops("%v", err)
		}
		p.announce(ctx, t, "stand", n, hand+1)
	case "double":
		cost, err := r.DoubleCost(n)
		if err != nil {
			return oops("%v", err)
		}
		balance, err := p.take(ctx, b, fmt.Sprintf("double%d", hand+1), cost)
		if err != nil {
			return err
		}
		card, _ := r.Double(n) // cannot fail: DoubleCost said yes, under the same lock
		h := r.Seat(n).Hands[hand]
		p.announce(ctx, t, "double", n, hand+1, h.Bet)
		p.announce(ctx, t, "card", n, hand+1, card, h.Cards.Value())
		p.tellBalance(ctx, user, balance)
	case "split":
		cost, err := r.SplitCost(n)
		if err != nil {
			return oops("%v", err)
		}
		balance, err := p.take(ctx, b, "split", cost)
		if err != nil {
			return err
		}
		cards, _ := r.Split(n)
		p.announce(ctx, t, "split", n, cost)
		for i, h := range r.Seat(n).Hands {
			p.announce(ctx, t, "card", n, i+1, cards[i], h.Cards.Value())
		}
		p.tellBalance(ctx, user, balance)
	}
	p.nextTurn(ctx, t)
	return nil
}

// take stakes a part of b, or says why not, and returns the player's
// balance.
func (p *blackjack) take(ctx context.Context, b *bet, name string, amount int64) (int64, error) {
	ok, balance, err := p.stake(ctx, b, name, amount)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, oops("not enough chips: you have %d, this takes %d", balance, amount)
	}
	return balance, nil
}

// tellBalance tells a player their chips after a stake, as `balance`: a
// courtesy, so a failure only gets logged, the stake stands.
func (p *blackjack) tellBalance(ctx context.Context, user, balance int64) {
	if err := p.host.SendGame(ctx, user, game, "balance "+strconv.FormatInt(balance, 10)); err != nil {
		p.host.Log().Warn("cannot tell a balance", "user", user, "error", err)
	}
}

func (p *blackjack) insurance(ctx context.Context, user int64, c sdk.Conversation, insure bool) error {
	t, n, err := p.seated(user, c)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	r := t.round
	if t.phase != insuring || r == nil {
		return oops("insurance is offered only while the dealer shows an ace, before the players play")
	}
	if !insure {
		if err := r.DeclineInsurance(n); err != nil {
			return oops("%v", err)
		}
		p.announce(ctx, t, "insured", n, 0)
	} else {
		cost, err := r.InsuranceCost(n)
		if err != nil {
			return oops("%v", err)
		}
		balance, err := p.take(ctx, t.seats[n].bet, "insurance", cost)
		if err != nil {
			return err
		}
		r.Insure(n)
		p.announce(ctx, t, "insured", n, cost)
		p.tellBalance(ctx, user, balance)
	}
	if r.InsuranceDecided() {
		p.endInsurance(ctx, t) // nobody left to wait for
	}
	return nil
}

func (p *blackjack) leave(ctx context.Context, user int64, c sdk.Conversation) error {
	t, n, err := p.seated(user, c)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	s := t.seats[n]
	r := t.round
	if r == nil || r.Seat(n) == nil {
		// Not dealt in: the seat is free now, and a bet comes back.
		t.seats[n] = nil
		p.announce(ctx, t, "left", n, user)
		if b := s.bet; b != nil {
			if _, err := p.finish(ctx, b.id, &b.rec, 0, nil); err != nil {
				p.host.Log().Warn("cannot refund a bet now", "bet", b.id, "error", err)
				p.finishLater(b.id, &b.rec, 0, nil)
			}
		}
		return nil
	}
	// Dealt in: the hands stand and are settled with the round, then the
	// seat is freed.
	s.leaving = true
	p.announce(ctx, t, "left", n, user)
	switch t.phase {
	case insuring:
		r.DeclineInsurance(n) // an error only says it decided already
		if r.InsuranceDecided() {
			p.endInsurance(ctx, t)
		}
	case playing:
		turn, _, _ := r.Turn()
		r.StandAll(n)
		if turn == n {
			p.nextTurn(ctx, t)
		}
	}
	return nil
}
