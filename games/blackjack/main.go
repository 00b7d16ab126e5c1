// Command salon-blackjack is a Salon game plugin: blackjack tables of up
// to 6 seats, one per conversation, dealt from a shoe of several decks.
// docs/games/blackjack.md is the players' and operators' guide; the rules
// themselves live in package engine.
package main

import (
	"context"
	"crypto/rand"
	"math/big"
	"sync"
	"time"

	"github.com/salon-chat/salon/games/blackjack/engine"
	"github.com/salon-chat/salon/sdk"
)

// game is the game id: players send `JEU blackjack ...`.
const game = "blackjack"

const (
	// callTimeout bounds the host calls the plugin makes on its own
	// (timers, recovery), outside any player's call.
	callTimeout = 10 * time.Second
	// recoveryDelay lets Configure return before the refunds of a previous
	// run start: the host accepts lines only from then on.
	recoveryDelay = time.Second
	// maxBackoff caps the pause between retries of a failed refund or
	// payout: the host may be down for a while, the chips must not be.
	maxBackoff = time.Minute
)

// clock schedules the timers of the tables; tests drive a fake one.
type clock interface {
	// AfterFunc runs f after d, in its own goroutine, unless stop is called.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// cryptoRand shuffles with crypto/rand, so that nobody can predict the
// shoe from cards already seen.
type cryptoRand struct{}

func (cryptoRand) IntN(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on the systems salond runs on
	}
	return int(v.Int64())
}

// lockedRand lets tables under different locks share one source: seeded
// generators are not safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  engine.Rand
}

func (l *lockedRand) IntN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

// blackjack is the plugin.
type blackjack struct {
	// Set before Configure by main, or by tests; Configure fills in the
	// ones left nil.
	clock clock
	rand  engine.Rand

	host     sdk.Host
	set      settings
	instance string // this run's id, written in its open bets

	mu     sync.Mutex
	tables map[tableKey]*table
}

func (p *blackjack) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	set, err := parseSettings(cfg)
	if err != nil {
		return sdk.Manifest{}, err
	}
	if p.clock == nil {
		p.clock = realClock{}
	}
	if p.rand == nil {
		p.rand = cryptoRand{}
	}
	p.rand = &lockedRand{r: p.rand}
	// Random ids, unique forever: this run's, and its bets' (once keys
	// must never be reused).
	p.host, p.set, p.instance = host, set, rand.Text()
	p.tables = map[tableKey]*table{}
	// Bets left open by a previous run (a crash, a restart in mid-round)
	// are refunded in the background: Configure must answer quickly.
	p.retry("refund open bets", recoveryDelay, p.recoverBets)
	return sdk.Manifest{Games: []string{game}}, nil
}

// retry runs f after first, then again until it succeeds, pausing longer
// after each failure.
func (p *blackjack) retry(what string, first time.Duration, f func(ctx context.Context) error) {
	var attempt func(pause time.Duration)
	attempt = func(pause time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		err := f(ctx)
		cancel()
		if err == nil {
			return
		}
		p.host.Log().Warn("will retry", "what", what, "in", pause, "error", err)
		p.clock.AfterFunc(pause, func() { attempt(min(2*pause, maxBackoff)) })
	}
	p.clock.AfterFunc(first, func() { attempt(time.Second) })
}

func main() { sdk.Serve(&blackjack{}) }
