// Command salon-holdem is a Salon plugin: no-limit Texas hold'em tables of
// 2 to 9 players, one per conversation, played with chips of the shared
// wallet. docs/games/holdem.md is the players' and operators' guide; the
// rules of the game are in package poker.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salon-chat/salon/games/holdem/poker"
	"github.com/salon-chat/salon/sdk"
)

const game = "holdem"

// settings is the plugin's config block. Pointers tell a setting left out
// (the default) from one set to zero (a mistake).
type settings struct {
	TurnTimeout *string `hcl:"turn_timeout,optional"`
	StartDelay  *string `hcl:"start_delay,optional"`
	SmallBlind  *int64  `hcl:"small_blind,optional"`
	BigBlind    *int64  `hcl:"big_blind,optional"`
	MinBuyIn    *int64  `hcl:"min_buy_in,optional"`
	MaxBuyIn    *int64  `hcl:"max_buy_in,optional"`
}

// rules are the settings, checked and with defaults filled in.
type rules struct {
	turnTimeout, startDelay time.Duration
	smallBlind, bigBlind    int64
	minBuyIn, maxBuyIn      int64
}

var defaults = rules{
	turnTimeout: 30 * time.Second,
	startDelay:  5 * time.Second,
	smallBlind:  5,
	bigBlind:    10,
	minBuyIn:    200,
	maxBuyIn:    1000,
}

// maxChips bounds amounts in the configuration, far from overflowing a sum
// of nine stacks.
const maxChips = 1_000_000_000_000

type holdem struct {
	host  sdk.Host
	rules rules
	clock clock
	deck  func() []poker.Card // a shuffled deck for each hand
	newID func() string       // a unique id for seats and hands: wallet keys derive from it

	// noticeDelay is how long after Configure the refunds of a restart
	// are told (lines are refused before Configure returns).
	noticeDelay time.Duration

	mu     sync.Mutex
	tables map[tableKey]*table

	// ready is closed once the tables left by an earlier run of the
	// plugin are refunded; until then the tables do not open.
	ready chan struct{}
	// told is closed once the refunds of the restart have been announced
	// (or there were none): tests wait for it before reading the table.
	told chan struct{}
}

func newHoldem() *holdem {
	return &holdem{
		clock: realClock{},
		deck:  func() []poker.Card { return poker.ShuffledDeck(cryptoRand{}) },
		newID: rand.Text,

		noticeDelay: time.Second,
	}
}

func (p *holdem) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	var s settings
	if err := cfg.Decode(&s); err != nil {
		return sdk.Manifest{}, err
	}
	r := defaults
	durations := []struct {
		name     string
		val      *string
		dst      *time.Duration
		min, max time.Duration
	}{
		{"turn_timeout", s.TurnTimeout, &r.turnTimeout, time.Second, time.Hour},
		{"start_delay", s.StartDelay, &r.startDelay, 0, time.Hour},
	}
	for _, d := range durations {
		if d.val == nil {
			continue
		}
		v, err := time.ParseDuration(*d.val)
		if err != nil || v < d.min || v > d.max {
			return sdk.Manifest{}, cfg.Errorf(d.name, "%s is a duration such as \"30s\", from %v to %v", d.name, d.min, d.max)
		}
		*d.dst = v
	}
	for _, c := range []struct {
		name string
		val  *int64
		dst  *int64
	}{
		{"small_blind", s.SmallBlind, &r.smallBlind},
		{"big_blind", s.BigBlind, &r.bigBlind},
		{"min_buy_in", s.MinBuyIn, &r.minBuyIn},
		{"max_buy_in", s.MaxBuyIn, &r.maxBuyIn},
	} {
		if c.val == nil {
			continue
		}
		if *c.val <= 0 || *c.val > maxChips {
			return sdk.Manifest{}, cfg.Errorf(c.name, "%s is a number of chips from 1 to %d", c.name, int64(maxChips))
		}
		*c.dst = *c.val
	}
	switch {
	case r.bigBlind < r.smallBlind:
		return sdk.Manifest{}, cfg.Errorf("big_blind", "big_blind (%d) is less than small_blind (%d)", r.bigBlind, r.smallBlind)
	case r.minBuyIn < r.bigBlind:
		return sdk.Manifest{}, cfg.Errorf("min_buy_in", "min_buy_in (%d) is less than big_blind (%d)", r.minBuyIn, r.bigBlind)
	case r.maxBuyIn < r.minBuyIn:
		return sdk.Manifest{}, cfg.Errorf("max_buy_in", "max_buy_in (%d) is less than min_buy_in (%d)", r.maxBuyIn, r.minBuyIn)
	}
	p.host, p.rules = host, r
	p.tables = map[tableKey]*table{}
	p.ready = make(chan struct{})
	p.told = make(chan struct{})
	// A previous run may have left seated players and a hand in play: give
	// their chips back, in the background since salond waits for
	// Configure, and retrying as long as the host fails.
	go p.recoverTables()
	host.Log().Info("holdem ready", "blinds", fmt.Sprintf("%d/%d", r.smallBlind, r.bigBlind),
		"turn_timeout", r.turnTimeout, "start_delay", r.startDelay)
	return sdk.Manifest{Games: []string{game}}, nil
}

// playerError is a player's mistake: answered to them as `error <reason>`,
// not a failure of the plugin.
type playerError string

func (e playerError) Error() string { return string(e) }

func mistake(format string, args ...any) error { return playerError(fmt.Sprintf(format, args...)) }

var helpLines = []string{
	"help help: this list",
	"help balance: the chips in your wallet",
	"help sit S C CHIPS: sit at the table of conversation S C (0 U: your direct conversation with user U), buying in for CHIPS from your wallet (%d to %d; blinds %d/%d)",
	"help leave S C: stand up; your stack goes back to your wallet (a hand you are in is folded)",
	"help back S C: be dealt in again after sitting out for not acting in time",
	"help table S C: the table as it is: seats, stacks, the hand in play",
	"help check S C: check",
	"help call S C: call the bet",
	"help fold S C: fold",
	"help allin S C: bet every chip you have",
	"help bet S C TO: bet, so that your bet on this round is TO chips",
	"help raise S C TO: raise to TO chips in all on this round (TO, not BY; more than you have is all in)",
}

func (p *holdem) HandleGame(ctx context.Context, call sdk.GameCall) error {
	user := call.From.Tag
	err := p.handle(ctx, user, strings.Fields(call.Payload))
	if pe, ok := errors.AsType[playerError](err); ok {
		return p.host.SendGame(ctx, user, game, "error "+string(pe))
	}
	return err
}

func (p *holdem) handle(ctx context.Context, user int64, f []string) error {
	if len(f) == 0 {
		f = []string{""} // a bare `JEU holdem` is a call for help
	}
	switch f[0] {
	case "help", "":
		r := p.rules
		for _, l := range helpLines {
			if strings.Contains(l, "%d") {
				l = fmt.Sprintf(l, r.minBuyIn, r.maxBuyIn, r.smallBlind, r.bigBlind)
			}
			if err := p.host.SendGame(ctx, user, game, l); err != nil {
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
	args, ok := commandArgs[f[0]]
	if !ok {
		return mistake("unknown command %q; try help", f[0])
	}
	if len(f) != 3+len(args) {
		return mistake("usage: %s S C%s", f[0], strings.ToUpper(strings.Join(append([]string{""}, args...), " ")))
	}
	conv, err := sdk.ParseConversation(f[1] + " " + f[2])
	if err != nil {
		return mistake("%v", err)
	}
	var amount int64
	if len(args) > 0 {
		amount, err = strconv.ParseInt(f[3], 10, 64)
		if err != nil || amount <= 0 {
			return mistake("%s is not a number of chips", f[3])
		}
	}
	select {
	case <-p.ready:
	default:
		return mistake("the tables are being restored after a restart; try again in a moment")
	}
	t, err := p.table(ctx, user, conv, f[0] == "sit" || f[0] == "table")
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch f[0] {
	case "sit":
		return t.sit(ctx, user, amount)
	case "leave":
		return t.leave(ctx, user)
	case "back":
		return t.back(ctx, user)
	case "table":
		return t.show(ctx, user)
	}
	return t.act(ctx, user, actions[f[0]], amount)
}

// commandArgs are the commands on a table and their arguments after the
// address.
var commandArgs = map[string][]string{
	"sit": {"chips"}, "leave": nil, "back": nil, "table": nil,
	"check": nil, "call": nil, "fold": nil, "allin": nil, "bet": {"to"}, "raise": {"to"},
}

var actions = map[string]poker.Action{
	"check": poker.Check, "call": poker.Call, "fold": poker.Fold,
	"allin": poker.AllIn, "bet": poker.Bet, "raise": poker.Raise,
}

// table finds (or opens) the table of conversation c as user names it.
// Only members of a channel, and the two parties of a direct conversation,
// may sit or look; the other commands need a seat, checked later.
func (p *holdem) table(ctx context.Context, user int64, c sdk.Conversation, member bool) (*table, error) {
	var key tableKey
	if c.IsDirect() {
		if c.Peer == user {
			return nil, mistake("a table needs someone else: 0 %d is yourself", user)
		}
		if _, err := p.host.User(ctx, c.Peer); errors.Is(err, sdk.ErrNotFound) {
			return nil, mistake("no user %d", c.Peer)
		} else if err != nil {
			return nil, err
		}
		key = tableKey{a: min(user, c.Peer), b: max(user, c.Peer)}
	} else {
		key = tableKey{server: c.Server, channel: c.Channel}
		if member {
			ms, err := p.host.Members(ctx, c)
			if errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrRefused) {
				return nil, mistake("no channel %v", c)
			} else if err != nil {
				return nil, err
			}
			if !isMember(ms, user) {
				return nil, mistake("you are not a member of %v", c)
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tables[key]
	if t == nil {
		t = &table{p: p, key: key, button: -1}
		p.tables[key] = t
	}
	return t, nil
}

func isMember(ms []sdk.User, user int64) bool {
	for _, m := range ms {
		if m.Tag == user {
			return true
		}
	}
	return false
}

// cryptoRand shuffles from crypto/rand: nobody can predict the cards.
type cryptoRand struct{}

func (cryptoRand) IntN(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on the systems Go supports
	}
	return int(v.Int64())
}

func main() { sdk.Serve(newHoldem()) }
