package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salon-chat/salon/games/roulette/wheel"
	"github.com/salon-chat/salon/sdk"
)

// settleTimeout bounds the host calls of a window's close, which runs
// outside any call from salond and so has no deadline of its own.
const settleTimeout = 30 * time.Second

// tableKey names a table: a channel, or the direct conversation between
// users A < B, which each of them writes "0 <the other>".
type tableKey struct {
	Server  int64 `json:"server,omitempty"`
	Channel int64 `json:"channel,omitempty"`
	A       int64 `json:"a,omitempty"`
	B       int64 `json:"b,omitempty"`
}

func (k tableKey) direct() bool { return k.Server == 0 }

func (k tableKey) String() string {
	if k.direct() {
		return fmt.Sprintf("0 %d-%d", k.A, k.B)
	}
	return sdk.Channel(k.Server, k.Channel).String()
}

// table is the state of one conversation's table. A round is open from
// its first bet until its window closes, then spinning until it is
// settled and announced; then the table is idle again.
type table struct {
	key tableKey

	// mu is held while a bet is placed and while a round's end is
	// announced, so that a close never misses a bet being placed and the
	// lines of one round never mix with those of the next.
	mu       sync.Mutex
	round    string // "" when idle
	spinning bool
	seq      int // bet numbers within the round; never reused, even for a refused bet
	bets     []betRecord
	orphans  bool // a bet of the round failed half way: the sweep must look at it
}

// bet handles `bet S C <bet> <chips>`.
func (p *roulette) bet(ctx context.Context, from sdk.User, args string) error {
	words := strings.FieldsFunc(args, func(r rune) bool { return r == ' ' })
	if len(words) < 4 {
		return p.fail(ctx, from.Tag, "bet: want bet S C <bet> <chips>, e.g. bet 5 2 red 50")
	}
	conv, err := sdk.ParseConversation(words[0] + " " + words[1])
	if err != nil {
		return p.fail(ctx, from.Tag, "bet: %v", err)
	}
	stake, ok := chips(words[len(words)-1])
	if !ok {
		return p.fail(ctx, from.Tag, "bet: %q is not a number of chips", words[len(words)-1])
	}
	b, err := wheel.Parse(strings.Join(words[2:len(words)-1], " "))
	if err != nil {
		return p.fail(ctx, from.Tag, "%v", err)
	}
	if stake < p.minBet || stake > p.maxBet {
		return p.fail(ctx, from.Tag, "a bet is %d to %d chips, not %d", p.minBet, p.maxBet, stake)
	}
	key, reason, err := p.tableFor(ctx, from.Tag, conv)
	if err != nil {
		return err
	}
	if reason != "" {
		return p.fail(ctx, from.Tag, "%s", reason)
	}
	return p.place(ctx, p.table(key), from, conv.String(), b, stake)
}

// chips reads a positive number of chips, written without sign or
// leading zeros.
func chips(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == s
}

// tableFor checks that user may play at conv's table and returns the
// table, or the reason they may not.
func (p *roulette) tableFor(ctx context.Context, user int64, conv sdk.Conversation) (tableKey, string, error) {
	if conv.IsDirect() {
		// The sender is one of the two parties by construction.
		if conv.Peer == user {
			return tableKey{}, "0 " + strconv.FormatInt(user, 10) + " is yourself; a direct table is with someone else", nil
		}
		if _, err := p.host.User(ctx, conv.Peer); errors.Is(err, sdk.ErrNotFound) {
			return tableKey{}, "no user " + strconv.FormatInt(conv.Peer, 10), nil
		} else if err != nil {
			return tableKey{}, "", err
		}
		return tableKey{A: min(user, conv.Peer), B: max(user, conv.Peer)}, "", nil
	}
	members, err := p.host.Members(ctx, conv)
	if errors.Is(err, sdk.ErrNotFound) {
		return tableKey{}, "no conversation " + conv.String(), nil
	} else if err != nil {
		return tableKey{}, "", err
	}
	if !slices.ContainsFunc(members, func(u sdk.User) bool { return u.Tag == user }) {
		return tableKey{}, "you are not a member of " + conv.String(), nil
	}
	return tableKey{Server: conv.Server, Channel: conv.Channel}, "", nil
}

// table returns key's table, creating it idle.
func (p *roulette) table(key tableKey) *table {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tables[key]
	if t == nil {
		t = &table{key: key}
		p.tables[key] = t
	}
	return t
}

// place takes the stake and adds the bet to the table's round, opening
// one if the table is idle. The bet's record is in the store before the
// stake is taken, so that a crash in between leaves something to refund
// rather than chips gone without a trace.
func (p *roulette) place(ctx context.Context, t *table, from sdk.User, addr string, b wheel.Bet, stake int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spinning {
		return p.fail(ctx, from.Tag, "no more bets at %s: the wheel is spinning; bet again when the round is over", addr)
	}
	if len(t.bets) >= maxBetsPerRound {
		return p.fail(ctx, from.Tag, "the table at %s has %d bets, the most a round takes", addr, maxBetsPerRound)
	}
	if n := countBets(t.bets, from.Tag); n >= maxBetsPerPlayer {
		return p.fail(ctx, from.Tag, "you have %d bets at %s, the most a round takes from one player", n, addr)
	}
	opening := t.round == ""
	round := t.round
	if opening {
		round = newRoundID()
		p.setLive(round, true)
		t.seq = 0
	}
	// failed undoes the opening of a round whose first bet did not go
	// through; the round never existed for the players.
	failed := func() {
		if opening {
			p.setLive(round, false)
		}
	}
	// leftover hands a record this call could not clean up to a sweep,
	// once the round is no longer this table's business.
	leftover := func() {
		if opening {
			p.sweepLater()
		} else {
			t.orphans = true
		}
	}
	t.seq++
	rec := betRecord{ID: round + "." + strconv.Itoa(t.seq), Round: round, Table: t.key,
		User: from.Tag, Pseudo: from.Pseudo, Bet: b.String(), Stake: stake}
	if err := p.putBet(ctx, rec); err != nil {
		failed()
		leftover() // it may have been written all the same
		return err
	}
	ok, balance, err := p.host.Wallet().DebitOnce(ctx, "stake/"+rec.ID, from.Tag, stake, "roulette stake "+rec.ID+" "+rec.Bet)
	if err != nil {
		// The stake may or may not have been taken: the record stays for
		// a sweep, which settles the doubt and refunds.
		failed()
		leftover()
		return err
	}
	if !ok {
		err := p.host.KV().Delete(ctx, betKey(rec))
		failed()
		if err != nil {
			// Harmless: a sweep finds the stake was never taken.
			p.host.Log().Warn("cannot delete a refused bet", "bet", rec.ID, "error", err)
			leftover()
		}
		return p.fail(ctx, from.Tag, "you have %d chips; this bet is %d", balance, stake)
	}
	t.bets = append(t.bets, rec)
	if opening {
		t.round = round
		p.afterFunc(p.window, func() { p.close(t, round) })
		p.announce(ctx, t.key, "open", strconv.Itoa(seconds(p.window)))
	}
	p.announce(ctx, t.key, "placed", from.Pseudo+" "+rec.Bet+" "+strconv.FormatInt(stake, 10))
	if err := p.send(ctx, from.Tag, "balance "+strconv.FormatInt(balance, 10)); err != nil {
		p.host.Log().Warn("cannot send a balance", "user", from.Tag, "error", err)
	}
	return nil
}

func countBets(bets []betRecord, user int64) int {
	n := 0
	for _, b := range bets {
		if b.User == user {
			n++
		}
	}
	return n
}

func (p *roulette) setLive(round string, live bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if live {
		p.live[round] = true
	} else {
		delete(p.live, round)
	}
}

func (p *roulette) isLive(round string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live[round]
}

// close ends a round's betting window: the wheel spins, the round is
// settled, and its end announced. Bets arriving meanwhile are refused.
func (p *roulette) close(t *table, round string) {
	t.mu.Lock()
	if t.round != round || t.spinning {
		t.mu.Unlock()
		return
	}
	t.spinning = true
	r := roundRecord{ID: round, Table: t.key, Bets: slices.Clone(t.bets)}
	t.mu.Unlock()

	r.Number = p.spin()
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	err := p.settle(ctx, r)

	t.mu.Lock()
	if err == nil {
		p.announceResult(ctx, r)
	}
	orphans := t.orphans
	t.round, t.spinning, t.bets, t.orphans = "", false, nil, false
	t.mu.Unlock()
	p.setLive(round, false)
	if err != nil {
		// The store holds what is left to do: the sweep finishes the
		// settlement if the result was recorded, refunds otherwise, and
		// announces it.
		p.host.Log().Error("cannot settle a round; a sweep will", "round", round, "table", t.key.String(), "error", err)
	}
	if err != nil || orphans {
		p.sweepLater()
	}
}

// announce sends `verb <address> rest` to everyone at the table, each
// with the table's address as they write it.
func (p *roulette) announce(ctx context.Context, k tableKey, verb, rest string) {
	line := func(addr string) string {
		if rest == "" {
			return verb + " " + addr
		}
		return verb + " " + addr + " " + rest
	}
	var errs []error
	if k.direct() {
		errs = append(errs,
			p.send(ctx, k.A, line("0 "+strconv.FormatInt(k.B, 10))),
			p.send(ctx, k.B, line("0 "+strconv.FormatInt(k.A, 10))))
	} else {
		c := sdk.Channel(k.Server, k.Channel)
		errs = append(errs, p.host.SendGameTo(ctx, c, game, line(c.String())))
	}
	// The game goes on without the line: the wallet and the store are
	// the truth, lines only tell about them.
	if err := errors.Join(errs...); err != nil {
		p.host.Log().Warn("cannot announce", "table", k.String(), "line", verb, "error", err)
	}
}

// announceResult tells the table the ball's number, what each player
// staked and was paid in total, and that the round is over.
func (p *roulette) announceResult(ctx context.Context, r roundRecord) {
	p.announce(ctx, r.Table, "spin", strconv.Itoa(r.Number)+" "+wheel.Colour(r.Number))
	type total struct {
		pseudo       string
		staked, paid int64
	}
	var players []int64 // in the order of their first bet
	totals := map[int64]*total{}
	for _, b := range r.Bets {
		tot := totals[b.User]
		if tot == nil {
			tot = &total{pseudo: b.Pseudo}
			totals[b.User] = tot
			players = append(players, b.User)
		}
		tot.staked += b.Stake
		tot.paid += b.payout(r.Number)
	}
	for _, u := range players {
		tot := totals[u]
		p.announce(ctx, r.Table, "payout", fmt.Sprintf("%s %d %d", tot.pseudo, tot.staked, tot.paid))
	}
	p.announce(ctx, r.Table, "over", "")
}
