// Command salon-roulette is a Salon game plugin: European roulette (single
// zero), one table per conversation. The first bet at a table opens its
// betting window; when the window closes the wheel spins, winnings are
// paid, and the result and every player's payout are announced to the
// conversation. docs/games/roulette.md is the payload grammar.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salon-chat/salon/games/roulette/wheel"
	"github.com/salon-chat/salon/sdk"
)

const game = "roulette"

// Limits that keep a round's record within one KV value (64 KiB) and a
// table from being flooded.
const (
	maxBetsPerPlayer = 20
	maxBetsPerRound  = 200
)

// settings is the plugin's config block.
type settings struct {
	BettingWindow string `hcl:"betting_window,optional"`
	MinBet        int64  `hcl:"min_bet,optional"`
	MaxBet        int64  `hcl:"max_bet,optional"`
}

// roulette is the plugin. The fields before host are set by main (or by
// tests) before Configure; the zero value of each means the production one.
type roulette struct {
	afterFunc  func(d time.Duration, f func()) // schedules a window's close
	spin       func() int                      // the ball: 0 to 36
	sweepDelay time.Duration                   // before a sweep of the store; see Configure

	host           sdk.Host
	window         time.Duration
	minBet, maxBet int64

	mu     sync.Mutex
	tables map[tableKey]*table // kept when idle: a few words each
	live   map[string]bool     // rounds of this process whose bets it still handles itself

	sweepMu   sync.Mutex    // one sweep at a time
	recovered chan struct{} // closed when the start-up recovery is done
}

func (p *roulette) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	s := settings{BettingWindow: "30s", MinBet: 1, MaxBet: 1000}
	if err := cfg.Decode(&s); err != nil {
		return sdk.Manifest{}, err
	}
	window, err := time.ParseDuration(s.BettingWindow)
	switch {
	case err != nil:
		return sdk.Manifest{}, cfg.Errorf("betting_window", "betting_window %q is not a duration such as \"30s\"", s.BettingWindow)
	case window < time.Second || window > time.Hour:
		return sdk.Manifest{}, cfg.Errorf("betting_window", "betting_window is %v; it must be 1s to 1h", window)
	case s.MinBet < 1:
		return sdk.Manifest{}, cfg.Errorf("min_bet", "min_bet is %d; it must be at least 1", s.MinBet)
	case s.MaxBet < s.MinBet:
		return sdk.Manifest{}, cfg.Errorf("max_bet", "max_bet is %d; it must be at least min_bet (%d)", s.MaxBet, s.MinBet)
	case s.MaxBet > 1_000_000_000:
		// A straight pays 36 times the stake: keep payouts far from overflow.
		return sdk.Manifest{}, cfg.Errorf("max_bet", "max_bet is %d; it must be at most 1000000000", s.MaxBet)
	}
	p.host, p.window, p.minBet, p.maxBet = host, window, s.MinBet, s.MaxBet
	p.tables, p.live = map[tableKey]*table{}, map[string]bool{}
	if p.afterFunc == nil {
		p.afterFunc = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	if p.spin == nil {
		p.spin = cryptoSpin
	}
	if p.sweepDelay == 0 {
		// Lines are accepted only once Configure has returned, and the
		// SDK has no call for "configured": give it a moment.
		p.sweepDelay = time.Second
	}
	// Bets left open by an earlier run of the plugin are refunded (or
	// settled, if their wheel had spun) in the background, with retries:
	// Configure must answer within its deadline whatever the store does.
	p.recovered = make(chan struct{})
	go func() {
		p.sweepUntilDone(p.sweepDelay)
		close(p.recovered)
	}()
	return sdk.Manifest{Games: []string{game}}, nil
}

func (p *roulette) HandleGame(ctx context.Context, call sdk.GameCall) error {
	cmd, args, _ := strings.Cut(call.Payload, " ")
	switch cmd {
	case "", "help":
		return p.help(ctx, call.From.Tag)
	case "balance":
		chips, err := p.host.Wallet().Balance(ctx, call.From.Tag)
		if err != nil {
			return err
		}
		return p.send(ctx, call.From.Tag, "balance "+strconv.FormatInt(chips, 10))
	case "bet":
		return p.bet(ctx, call.From, args)
	}
	return p.fail(ctx, call.From.Tag, "unknown command %q; try help", cmd)
}

func (p *roulette) help(ctx context.Context, user int64) error {
	secs := strconv.Itoa(seconds(p.window))
	lines := []string{
		fmt.Sprintf("help bet S C <bet> <chips>: bet %d to %d chips at the table of conversation S C (0 U: your direct conversation with U); "+
			"the first bet opens the table for %ss, then the wheel spins; <bet> is straight N (35:1), split N N (17:1), street N (11:1), "+
			"corner N (8:1), sixline N (5:1), dozen 1-3 (2:1), column 1-3 (2:1), red, black, odd, even, low or high (1:1)",
			p.minBet, p.maxBet, secs),
		"help balance: your chips",
		"help help: this help",
	}
	for _, l := range lines {
		if err := p.send(ctx, user, l); err != nil {
			return err
		}
	}
	return nil
}

// send sends a line of the game to one user.
func (p *roulette) send(ctx context.Context, user int64, payload string) error {
	return p.host.SendGame(ctx, user, game, payload)
}

// fail answers a player's mistake, to them alone.
func (p *roulette) fail(ctx context.Context, user int64, format string, args ...any) error {
	return p.send(ctx, user, "error "+fmt.Sprintf(format, args...))
}

// seconds rounds d up to whole seconds, as the open line announces it.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// cryptoSpin is the ball, from crypto/rand: nobody can predict it from
// earlier spins.
func cryptoSpin() int {
	n, err := rand.Int(rand.Reader, big.NewInt(wheel.Pockets))
	if err != nil {
		panic(err) // crypto/rand does not fail on the systems salond runs on
	}
	return int(n.Int64())
}

// newRoundID is unique across restarts: wallet keys are used at most once,
// forever, so a round id must never come back.
func newRoundID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func main() { sdk.Serve(&roulette{}) }
