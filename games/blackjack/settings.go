package main

import (
	"time"

	"github.com/salon-chat/salon/games/blackjack/engine"
	"github.com/salon-chat/salon/sdk"
)

// settings are the table rules an operator sets in the plugin's config
// block.
type settings struct {
	bettingWindow time.Duration // from the first bet of a round to the deal
	turnTimeout   time.Duration // to decide on a hand, or on insurance
	decks         int
	rules         engine.Rules
	minBet        int64
	maxBet        int64
}

// parseSettings decodes the config block over the defaults, and refuses
// values a table cannot run with.
func parseSettings(cfg sdk.Config) (settings, error) {
	c := struct {
		BettingWindow    string `hcl:"betting_window,optional"`
		TurnTimeout      string `hcl:"turn_timeout,optional"`
		Decks            int    `hcl:"decks,optional"`
		DealerHitsSoft17 bool   `hcl:"dealer_hits_soft_17,optional"`
		MinBet           int64  `hcl:"min_bet,optional"`
		MaxBet           int64  `hcl:"max_bet,optional"`
	}{BettingWindow: "15s", TurnTimeout: "20s", Decks: 6, MinBet: 10, MaxBet: 500}
	if err := cfg.Decode(&c); err != nil {
		return settings{}, err
	}
	s := settings{decks: c.Decks, rules: engine.Rules{DealerHitsSoft17: c.DealerHitsSoft17}, minBet: c.MinBet, maxBet: c.MaxBet}
	for _, d := range []struct {
		attr string
		text string
		to   *time.Duration
	}{{"betting_window", c.BettingWindow, &s.bettingWindow}, {"turn_timeout", c.TurnTimeout, &s.turnTimeout}} {
		v, err := time.ParseDuration(d.text)
		if err != nil || v < time.Second || v > 10*time.Minute {
			return settings{}, cfg.Errorf(d.attr, "%s is a duration from \"1s\" to \"10m\", not %q", d.attr, d.text)
		}
		*d.to = v
	}
	switch {
	case s.decks < 1 || s.decks > 8:
		return settings{}, cfg.Errorf("decks", "decks is 1 to 8, not %d", s.decks)
	case s.minBet < 1:
		return settings{}, cfg.Errorf("min_bet", "min_bet is at least 1, not %d", s.minBet)
	case s.maxBet < s.minBet:
		return settings{}, cfg.Errorf("max_bet", "max_bet (%d) is below min_bet (%d)", s.maxBet, s.minBet)
	}
	return s, nil
}

// seconds writes a duration as whole seconds, rounded up, for players.
func seconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
