package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

func TestHelpAndBalance(t *testing.T) {
	f := newFixture(t)
	f.do(alice, "help")
	got := f.take()
	if len(got) != len(usage) {
		t.Fatalf("help: %q", got)
	}
	for i, l := range got {
		if l != "@1 help "+usage[i] {
			t.Errorf("help line %d: %q", i, l)
		}
	}
	// One line per command, each documented.
	for i, cmd := range []string{"sit", "bet", "hit", "stand", "double", "split", "insurance", "leave", "balance", "help"} {
		if !strings.HasPrefix(usage[i], cmd+" ") {
			t.Errorf("help line %d is %q, want the usage of %s", i, usage[i], cmd)
		}
	}
	f.do(alice, "")
	if n := len(f.take()); n != len(usage) {
		t.Errorf("an empty payload got %d lines, want the help", n)
	}
	f.h.SetBalance(alice, 1234)
	f.do(alice, "balance")
	f.do(alice, "fold 5 2")
	f.do(alice, "sit 5")
	f.do(alice, "sit 5 x")
	f.do(alice, "sit 05 2")
	f.do(alice, "sit 7 1")
	f.do(alice, "stand 5 2 now")
	f.do(alice, "leave 5 2")
	f.do(alice, "sit 0 1")
	f.do(alice, "sit 0 99")
	f.expect(
		"@1 balance 1234",
		`@1 error unknown command "fold"; try help`,
		"@1 error usage: sit S C",
		`@1 error address "5 x": tags are decimal numbers without sign or leading zeros`,
		`@1 error address "05 2": tags are decimal numbers without sign or leading zeros`,
		"@1 error no conversation 7 1",
		"@1 error usage: stand S C",
		"@1 error you do not sit at the table of 5 2",
		"@1 error a direct table is shared with someone: name them, 0 U",
		"@1 error no user 99",
	)
}

func TestConfig(t *testing.T) {
	p := &blackjack{clock: &fakeClock{}}
	sdktest.New(t, p, "")
	want := settings{bettingWindow: 15 * time.Second, turnTimeout: 20 * time.Second, decks: 6, minBet: 10, maxBet: 500}
	if p.set != want {
		t.Errorf("defaults %+v, want %+v", p.set, want)
	}
	p = &blackjack{clock: &fakeClock{}}
	sdktest.New(t, p, "betting_window = \"1s\"\nturn_timeout = \"2m\"\ndecks = 1\ndealer_hits_soft_17 = true\nmin_bet = 1\nmax_bet = 1\n")
	want = settings{bettingWindow: time.Second, turnTimeout: 2 * time.Minute, decks: 1, minBet: 1, maxBet: 1}
	want.rules.DealerHitsSoft17 = true
	if p.set != want {
		t.Errorf("settings %+v, want %+v", p.set, want)
	}
	bad := map[string]string{
		`betting_window = "soon"`:   `salon.hcl:1:1: betting_window is a duration from "1s" to "10m", not "soon"`,
		`betting_window = "500ms"`:  `salon.hcl:1:1: betting_window is a duration from "1s" to "10m", not "500ms"`,
		"\nturn_timeout = \"11m\"":  `salon.hcl:2:1: turn_timeout is a duration from "1s" to "10m", not "11m"`,
		`decks = 0`:                 "salon.hcl:1:1: decks is 1 to 8, not 0",
		`decks = 9`:                 "salon.hcl:1:1: decks is 1 to 8, not 9",
		`min_bet = 0`:               "salon.hcl:1:1: min_bet is at least 1, not 0",
		"min_bet = 20\nmax_bet = 5": "salon.hcl:2:1: max_bet (5) is below min_bet (20)",
	}
	for body, want := range bad {
		if got := sdktest.ConfigError(t, &blackjack{clock: &fakeClock{}}, body); got != want {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
	}
	if got := sdktest.ConfigError(t, &blackjack{clock: &fakeClock{}}, `seats = 7`); !strings.Contains(got, `An argument named "seats" is not expected here`) {
		t.Errorf("unknown setting: %q", got)
	}
}

// TestExampleConfig: the block of config/salon.hcl is accepted, and shows
// the defaults.
func TestExampleConfig(t *testing.T) {
	c, err := config.Load(filepath.Join("..", "..", "config", "salon.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(c.Plugins, func(p config.Plugin) bool { return p.Name == "blackjack" })
	if i < 0 {
		t.Fatal("no blackjack plugin in config/salon.hcl")
	}
	if got := filepath.Base(c.Plugins[i].Command); got != "salon-blackjack" {
		t.Errorf("command %q", c.Plugins[i].Command)
	}
	p, def := &blackjack{clock: &fakeClock{}}, &blackjack{clock: &fakeClock{}}
	sdktest.New(t, p, string(c.Plugins[i].ConfigSource))
	sdktest.New(t, def, "")
	if p.set != def.set {
		t.Errorf("example %+v, defaults %+v", p.set, def.set)
	}
}

func TestTableFull(t *testing.T) {
	f := newFixture(t)
	for u := int64(4); u <= 8; u++ {
		f.h.AddMember(room, u)
	}
	for _, u := range []int64{alice, bob, 4, 5, 6, 7, 8} {
		f.do(u, "sit 5 2")
	}
	got := f.take()
	if len(got) != 7 || got[5] != "sat 5 2 6 7" || got[6] != "@8 error the table is full: 6 seats" {
		t.Fatalf("sent %q", got)
	}
	f.do(4, "leave 5 2")
	f.do(8, "sit 5 2")
	f.expect("left 5 2 3 4", "sat 5 2 3 8")
}

func TestLeave(t *testing.T) {
	f := newFixture(t)
	f.do(alice, "sit 5 2")
	f.do(bob, "sit 5 2")

	// Before the deal: the bet comes back and the seat is free.
	f.do(alice, "bet 5 2 100")
	f.balances(map[int64]int64{alice: 900})
	f.do(alice, "leave 5 2")
	f.balances(map[int64]int64{alice: 1000})
	if got := f.openBets(); len(got) != 0 {
		t.Errorf("open bets after a refund: %q", got)
	}
	f.clock.Advance(10 * time.Second) // nobody left to deal to
	f.expect("sat 5 2 1 1", "sat 5 2 2 2", "betting 5 2 10", "bet 5 2 1 1 100", "@1 balance 900", "left 5 2 1 1", "end 5 2")

	// In mid-round: the hand stands and is settled, then the seat frees.
	f.do(alice, "sit 5 2")
	f.do(alice, "bet 5 2 100")
	f.do(bob, "bet 5 2 100")
	f.stack(room, "Th 9d 7c 9h 8d Tc")
	f.clock.Advance(10 * time.Second)
	f.take()
	f.do(alice, "leave 5 2")
	f.do(alice, "hit 5 2")
	f.do(alice, "sit 5 2")
	f.do(bob, "stand 5 2")
	f.expect(
		"left 5 2 1 1",
		"turn 5 2 2 1 20",
		"@1 error you have left the table of 5 2",
		"@1 error you are leaving seat 1: sit again when this round ends",
		"stand 5 2 2 1",
		"dealer 5 2 Tc 17",
		"result 5 2 1 1 win 100 200",
		"result 5 2 2 1 push 100 100",
		"end 5 2",
	)
	f.balances(map[int64]int64{alice: 1100, bob: 1000})
	f.do(alice, "sit 5 2")
	f.expect("sat 5 2 1 1")

	// During the insurance: a leaver declines; the last decision ends it.
	f.do(alice, "bet 5 2 100")
	f.do(bob, "bet 5 2 100")
	f.stack(room, "Th 9d Ac 9h 8d 7c")
	f.clock.Advance(10 * time.Second)
	f.take()
	f.do(bob, "insurance 5 2 no")
	f.do(alice, "leave 5 2")
	f.expect("insured 5 2 2 0", "left 5 2 1 1", "peek 5 2 none", "turn 5 2 2 1 20")
}

// TestDirectTable: a table in a direct conversation is the two parties',
// each naming it by the other.
func TestDirectTable(t *testing.T) {
	f := newFixture(t)
	f.do(alice, "sit 0 2")
	f.do(bob, "sit 0 1")
	f.do(carol, "sit 0 1") // another table: carol's and alice's
	f.expect("@1 sat 0 2 1 1", "@2 sat 0 1 1 1", "@1 sat 0 2 2 2", "@2 sat 0 1 2 2", "@1 sat 0 3 1 3", "@3 sat 0 1 1 3")
	f.do(alice, "bet 0 2 100")
	f.do(bob, "bet 0 1 10")
	f.stack(sdk.Direct(bob), "Th 9d 7c 9h 8d Tc")
	f.clock.Advance(10 * time.Second)
	got := f.take()
	if len(got) != 2*10+2 || got[0] != "@1 betting 0 2 10" || got[1] != "@2 betting 0 1 10" || got[len(got)-1] != "@2 turn 0 1 1 1 20" {
		t.Fatalf("sent %q", got)
	}
	f.do(alice, "stand 0 2")
	f.do(bob, "stand 0 1")
	got = f.take()
	want := "@1 result 0 2 1 1 win 100 200"
	if len(got) < 6 || !strings.Contains(strings.Join(got, "\n"), want) {
		t.Fatalf("sent %q, want %q among them", got, want)
	}
	f.balances(map[int64]int64{alice: 1100, bob: 1000, carol: 1000}) // bob's 17 pushed
}
