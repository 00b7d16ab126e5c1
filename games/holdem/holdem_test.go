package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/games/holdem/poker"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

func TestHelpBalanceAndMistakes(t *testing.T) {
	w := newWorld(t, nil, 3)
	w.do(1, "help")
	help := w.h.LinesFor(1)
	if len(help) != len(helpLines) {
		t.Fatalf("help: %d lines, want one per command (%d)", len(help), len(helpLines))
	}
	for _, cmd := range []string{"help", "balance", "sit S C CHIPS", "leave", "back", "table", "check", "call", "fold", "allin", "bet S C TO", "raise S C TO"} {
		if !slices.ContainsFunc(help, func(l string) bool { return strings.HasPrefix(l, "JEU holdem help "+cmd) }) {
			t.Errorf("no help line for %s in %q", cmd, help)
		}
	}
	if !strings.Contains(help[2], "100 to 1000; blinds 5/10") {
		t.Errorf("the help of sit does not give the limits: %q", help[2])
	}
	w.take()
	w.do(1, "") // a bare JEU holdem is the same
	if got := w.h.LinesFor(1); !slices.Equal(got, help) {
		t.Errorf("bare JEU holdem: %q", got)
	}
	w.take()
	w.answer(1, "balance", "balance 1000")

	w.h.AddUser(sdktest.User{Tag: 9, Pseudo: "mallory"})
	w.h.SetBalance(4, 50)
	w.h.AddMember(table52, 4)
	mistakes := []struct {
		user          int64
		payload, want string
	}{
		{1, "dance", `error unknown command "dance"; try help`},
		{1, "sit 5 2", "error usage: sit S C CHIPS"},
		{1, "call 5 2 10", "error usage: call S C"},
		{1, "raise 5 2", "error usage: raise S C TO"},
		{1, "sit 5 x 100", `error address "5 x": tags are decimal numbers without sign or leading zeros`},
		{1, "sit 5 2 -5", "error -5 is not a number of chips"},
		{1, "sit 5 2 lots", "error lots is not a number of chips"},
		{1, "sit 5 2 99", "error a buy-in is 100 to 1000 chips"},
		{1, "sit 5 2 1001", "error a buy-in is 100 to 1000 chips"},
		{9, "sit 5 2 100", "error you are not a member of 5 2"},
		{9, "table 5 2", "error you are not a member of 5 2"},
		{1, "sit 7 1 100", "error no channel 7 1"},
		{1, "sit 0 1 100", "error a table needs someone else: 0 1 is yourself"},
		{1, "sit 0 99 100", "error no user 99"},
		{1, "call 5 2", "error you are not seated at this table"},
		{1, "leave 5 2", "error you are not seated at this table"},
		{1, "back 5 2", "error you are not seated at this table"},
		{4, "sit 5 2 100", "error you have 50 chips; the buy-in is 100"},
	}
	for _, m := range mistakes {
		w.answer(m.user, m.payload, m.want)
	}
	if w.h.Balance(4) != 50 || len(w.tableKeys()) != 0 {
		t.Errorf("a refused buy-in left %d chips and tables %q", w.h.Balance(4), w.tableKeys())
	}

	w.do(1, "sit 5 2 100")
	w.expect("sit 5 2 1 1 100")
	w.answer(1, "sit 5 2 100", "error you are seated at this table already")
	w.answer(1, "call 5 2", "error no hand in play; one starts when two players are seated")
	w.answer(1, "back 5 2", "error you are not sitting out")
	w.answer(1, "table 5 2", "table 5 2 1:1:100:waiting")
	w.answer(2, "table 5 2", "table 5 2 1:1:100:waiting")
	if w.h.Balance(1) != 900 {
		t.Errorf("alice has %d after a buy-in of 100", w.h.Balance(1))
	}
	w.do(1, "leave 5 2")
	w.expect("leave 5 2 1 100")
	if w.h.Balance(1) != 1000 || len(w.tableKeys()) != 0 {
		t.Errorf("after leaving: %d chips, tables %q", w.h.Balance(1), w.tableKeys())
	}
}

// A whole hand, from the seats to the payouts: three players all in for
// different amounts make a main pot, a side pot and an uncalled bet.
func TestHandWithSidePots(t *testing.T) {
	w := newWorld(t, holes(t, 0, "As Ad|Ks Kd|Qh 5d", "2c 7d 9h Js 3c"), 3)
	w.do(1, "sit 5 2 100")
	w.do(2, "sit 5 2 300")
	w.clock.Advance(time.Second) // the delay runs from the second player
	w.do(3, "sit 5 2 600")
	w.expect("sit 5 2 1 1 100", "sit 5 2 2 2 300", "sit 5 2 3 3 600")
	w.clock.Advance(startDelay - time.Second - time.Millisecond)
	w.expect()
	w.clock.Advance(time.Millisecond)
	// Three handed, the button (alice) acts first; bob and carol post.
	w.expect(
		"hand 5 2 1 1 1:100 2:300 3:600",
		"blind 5 2 2 small 5 295",
		"blind 5 2 3 big 10 590",
		"toact 5 2 1 10 20 100 20",
	)
	for u, cards := range map[int64]string{1: "As Ad", 2: "Ks Kd", 3: "Qh 5d"} {
		if got := w.linesFor(u); !slices.Contains(got, "cards 5 2 "+cards) {
			t.Errorf("%s did not get %s: %q", names[u], cards, got)
		}
	}
	w.answer(1, "table 5 2", "table 5 2 1:1:100:playing 2:2:295:playing 3:3:590:playing",
		"cards 5 2 As Ad", "toact 5 2 1 10 20 100 20")
	w.answer(2, "call 5 2", "error it is not your turn")
	w.answer(1, "raise 5 2 15", "error the smallest raise is to 20")
	w.do(1, "allin 5 2")
	// A raise of 90: the next one is by 90 at least.
	w.expect("act 5 2 1 allin 100 0", "toact 5 2 2 95 190 300 20")
	w.do(2, "raise 5 2 5000") // more than bob has: all in
	// Nobody is left to raise against: carol may call or fold.
	w.expect("act 5 2 2 allin 300 0", "toact 5 2 3 290 0 600 20")
	w.answer(3, "raise 5 2 500", "error everyone else is all in: call or fold")
	w.do(3, "allin 5 2") // as far as a call goes
	w.expect(
		"act 5 2 3 call 300 300",
		"board 5 2 flop 2c 7d 9h",
		"board 5 2 turn 2c 7d 9h Js",
		"board 5 2 river 2c 7d 9h Js 3c",
		"show 5 2 2 Ks Kd Ks Kd 7d 9h Js pair of kings",
		"show 5 2 3 Qh 5d Qh 5d 7d 9h Js high card, queen",
		"show 5 2 1 As Ad As Ad 7d 9h Js pair of aces",
		"win 5 2 1 300 main",
		"win 5 2 2 400 side1",
		"end 5 2 1 1:300 2:400 3:300",
	)
	w.answer(1, "table 5 2", "table 5 2 1:1:300:waiting 2:2:400:waiting 3:3:300:waiting")
	for _, u := range []int64{1, 2, 3} {
		w.do(u, "leave 5 2")
	}
	w.expect("leave 5 2 1 300", "leave 5 2 2 400", "leave 5 2 3 300")
	for u, want := range map[int64]int64{1: 1200, 2: 1100, 3: 700} {
		if got := w.h.Balance(u); got != want {
			t.Errorf("%s has %d, want %d", names[u], got, want)
		}
	}
	w.clock.Advance(time.Minute) // the next hand's timer finds nobody
	w.expect()
	if ks := w.tableKeys(); len(ks) != 0 {
		t.Errorf("tables left in the store: %q", ks)
	}
	w.take()
	checkPrivacy(t, w.sent)
}

// Players who do not act in time check or fold, sit out, and are not
// waited for again until they come back.
func TestTimeouts(t *testing.T) {
	w := newWorld(t, poker.NewDeck, 3)
	for u := int64(1); u <= 3; u++ {
		w.do(u, "sit 5 2 500")
	}
	w.clock.Advance(startDelay)
	w.table()
	w.clock.Advance(turnTimeout - time.Millisecond)
	w.expect()
	w.clock.Advance(time.Millisecond)
	w.expect("timeout 5 2 1", "act 5 2 1 fold 0 500", "toact 5 2 2 5 20 500 20")
	w.do(2, "call 5 2")
	w.expect("act 5 2 2 call 10 490", "toact 5 2 3 0 20 500 20")
	w.clock.Advance(turnTimeout) // nothing to call: a check
	w.expect("timeout 5 2 3", "act 5 2 3 check 10 490", "board 5 2 flop 8c 9c Tc", "toact 5 2 2 0 10 490 20")
	w.answer(2, "table 5 2", "table 5 2 1:1:500:folded 2:2:490:playing 3:3:490:playing",
		"board 5 2 flop 8c 9c Tc", "cards 5 2 2c 5c", "toact 5 2 2 0 10 490 20")
	w.do(2, "check 5 2")
	// Carol sits out: she checks at once, without a turn of her own.
	w.expect("act 5 2 2 check 0 490", "act 5 2 3 check 0 490", "board 5 2 turn 8c 9c Tc Jc", "toact 5 2 2 0 10 490 20")
	w.do(2, "bet 5 2 50")
	w.expect("act 5 2 2 bet 50 440", "act 5 2 3 fold 0 490", "return 5 2 2 50", "win 5 2 2 20 main", "end 5 2 1 1:500 2:510 3:490")
	w.answer(1, "table 5 2", "table 5 2 1:1:500:away 2:2:510:waiting 3:3:490:away")

	// Only bob is ready: no hand, however long.
	w.clock.Advance(time.Hour)
	w.expect()
	w.do(1, "back 5 2")
	w.expect("back 5 2 1")
	w.clock.Advance(startDelay)
	// The button moves on to bob; heads up he posts the small blind.
	w.expect("hand 5 2 2 2 1:500 2:510", "blind 5 2 2 small 5 505", "blind 5 2 1 big 10 490", "toact 5 2 2 5 20 510 20")

	// Acting brings a player back: carol is dealt in next time.
	w.do(3, "fold 5 2")
	if got := w.h.LinesFor(3); got[len(got)-1] != "JEU holdem error you are not in this hand" {
		t.Errorf("carol got %q", got)
	}
	w.expect("back 5 2 3")
	w.do(2, "fold 5 2")
	w.expect("act 5 2 2 fold 5 505", "return 5 2 1 5", "win 5 2 1 10 main", "end 5 2 2 1:505 2:505")
	w.clock.Advance(startDelay)
	if got := w.table(); len(got) == 0 || got[0] != "hand 5 2 3 3 1:505 2:505 3:490" {
		t.Fatalf("third hand: %q", got)
	}
}

func TestDirectTable(t *testing.T) {
	w := newWorld(t, holes(t, 0, "Ah Kh|7c 2d", "Qh Jh Th 3s 4d"), 0)
	w.h.AddUser(sdktest.User{Tag: 1, Pseudo: "alice"})
	w.h.AddUser(sdktest.User{Tag: 2, Pseudo: "bob"})
	w.h.SetBalance(1, 1000)
	w.h.SetBalance(2, 1000)
	w.do(1, "sit 0 2 100")
	w.do(2, "sit 0 1 200")
	w.clock.Advance(startDelay)
	w.do(1, "call 0 2")
	w.do(2, "allin 0 1")
	w.do(1, "call 0 2")
	w.take()
	// Each of the two reads the table's address as the other's tag.
	want := map[int64][]string{
		1: {"sit 0 2 1 1 100", "sit 0 2 2 2 200", "hand 0 2 1 1 1:100 2:200", "cards 0 2 Ah Kh",
			"blind 0 2 1 small 5 95", "blind 0 2 2 big 10 190", "toact 0 2 1 5 20 100 20",
			"act 0 2 1 call 10 90", "toact 0 2 2 0 20 200 20", "act 0 2 2 allin 200 0", "toact 0 2 1 90 0 100 20",
			"act 0 2 1 allin 100 0", "board 0 2 flop Qh Jh Th", "board 0 2 turn Qh Jh Th 3s", "board 0 2 river Qh Jh Th 3s 4d",
			"return 0 2 2 100", "show 0 2 2 7c 2d 7c Qh Jh Th 4d high card, queen",
			"show 0 2 1 Ah Kh Ah Kh Qh Jh Th royal flush", "win 0 2 1 200 main", "end 0 2 1 1:200 2:100"},
	}
	for _, l := range want[1] {
		f := strings.Fields(l)
		f[2] = "1"
		if f[0] != "cards" {
			want[2] = append(want[2], strings.Join(f, " "))
		}
	}
	want[2] = slices.Insert(want[2], 3, "cards 0 1 7c 2d")
	for _, l := range w.sent {
		if l.Conversation != (sdk.Conversation{}) {
			t.Errorf("a direct table sent to a conversation: %+v", l)
		}
	}
	for u, lines := range want {
		if got := w.linesFor(u); !slices.Equal(got, lines) {
			t.Errorf("%s got:\n  %s\nwant:\n  %s", names[u], strings.Join(got, "\n  "), strings.Join(lines, "\n  "))
		}
	}
	checkPrivacy(t, w.sent)
	if w.h.Balance(1) != 900 || w.h.Balance(2) != 800 {
		t.Errorf("balances %d %d while alice still sits with 200", w.h.Balance(1), w.h.Balance(2))
	}
	w.do(1, "leave 0 2")
	w.do(2, "leave 0 1")
	if w.h.Balance(1) != 1100 || w.h.Balance(2) != 900 {
		t.Errorf("balances %d %d after the table closed", w.h.Balance(1), w.h.Balance(2))
	}
}

// Leaving in the middle of a hand folds the player and pays their stack
// back at once; an all-in player's stack waits for the end of the hand.
func TestLeaveDuringHand(t *testing.T) {
	w := newWorld(t, holes(t, 0, "2c 7d|As Ad|Ks Kd", "2h 8s 9h Jc 3d"), 3)
	for u := int64(1); u <= 3; u++ {
		w.do(u, "sit 5 2 500")
	}
	w.clock.Advance(startDelay)
	w.table()
	w.do(1, "raise 5 2 40")
	w.do(2, "allin 5 2")
	w.expect("act 5 2 1 raise 40 460", "toact 5 2 2 35 70 500 20", "act 5 2 2 allin 500 0", "toact 5 2 3 490 0 500 20")
	w.do(1, "leave 5 2") // not her turn: carol is told again it is hers
	w.expect("act 5 2 1 fold 40 460", "toact 5 2 3 490 0 500 20", "leave 5 2 1 460")
	if got := w.h.Balance(1); got != 960 {
		t.Errorf("alice has %d after leaving with 460", got)
	}
	w.answer(1, "sit 5 2 100", "error you are leaving this table; sit again when this hand is over")
	w.do(2, "leave 5 2") // all in: she stays in the hand
	w.expect()
	w.do(3, "call 5 2")
	got := w.table()
	want := []string{"win 5 2 2 1040 main", "end 5 2 1 1:460 2:1040 3:0", "bust 5 2 3", "leave 5 2 2 1040"}
	if got[0] != "act 5 2 3 allin 500 0" || !slices.Equal(got[len(got)-len(want):], want) {
		t.Fatalf("end of the hand:\n  %s", strings.Join(got, "\n  "))
	}
	if got := w.balances(1, 2, 3); got != 3000 {
		t.Errorf("%d chips in the wallets, want 3000", got)
	}
	w.answer(1, "table 5 2", "table 5 2")
	if ks := w.tableKeys(); len(ks) != 0 {
		t.Errorf("tables left in the store: %q", ks)
	}
}

// Many hands of random moves, timeouts, players leaving and coming back,
// from seeded decks: every chip is accounted for at every hand's end, and
// all are back in the wallets when the table empties.
func TestRandomPlayConservesChips(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 17))
	w := newWorld(t, func() []poker.Card { return poker.ShuffledDeck(r) }, 6)
	hands := 0
	for step := 0; step < 10000 && hands < 300; step++ {
		u := int64(1 + r.IntN(6))
		seat := w.p.seatFor(table52, u)
		switch k := r.IntN(100); {
		case seat == "":
			w.do(u, fmt.Sprintf("sit 5 2 %d", 100+r.IntN(901)))
		case k < 3:
			w.do(u, "leave 5 2")
		case k < 6:
			w.clock.Advance(turnTimeout)
		case k < 10:
			w.do(u, "back 5 2")
		default:
			w.clock.Advance(startDelay)
			if to := w.p.toAct(table52); to != 0 {
				moves := []string{"check", "call", "fold", "allin", "raise 5 2 " + strconv.Itoa(10+r.IntN(300)), "bet 5 2 " + strconv.Itoa(10+r.IntN(100))}
				m := moves[r.IntN(len(moves))]
				if !strings.Contains(m, " ") {
					m += " 5 2"
				}
				w.do(to, m)
			}
		}
		for _, l := range w.table() {
			if strings.HasPrefix(l, "end ") {
				hands++
				if got := w.balances(1, 2, 3, 4, 5, 6) + w.p.onTable(table52); got != 6000 {
					t.Fatalf("after %q: %d chips in all, want 6000", l, got)
				}
			}
		}
	}
	if hands < 100 {
		t.Fatalf("only %d hands were played", hands)
	}
	t.Logf("%d hands played", hands)
	for u := int64(1); u <= 6; u++ {
		if w.p.seatFor(table52, u) != "" {
			w.do(u, "leave 5 2")
		}
	}
	for range 100 {
		if w.p.toAct(table52) == 0 {
			break
		}
		w.clock.Advance(turnTimeout) // the all-in players' hand plays out
	}
	w.take()
	if got := w.balances(1, 2, 3, 4, 5, 6); got != 6000 {
		t.Errorf("%d chips in the wallets after everyone left, want 6000", got)
	}
	if ks := w.tableKeys(); len(ks) != 0 {
		t.Errorf("tables left in the store: %q", ks)
	}
	checkPrivacy(t, w.sent)
}

func TestConfig(t *testing.T) {
	errs := map[string]string{
		`turn_timeout = "soon"`:            `salon.hcl:1:1: turn_timeout is a duration such as "30s", from 1s to 1h0m0s`,
		`turn_timeout = "500ms"`:           `salon.hcl:1:1: turn_timeout is a duration such as "30s", from 1s to 1h0m0s`,
		`start_delay = "-1s"`:              `salon.hcl:1:1: start_delay is a duration such as "30s", from 0s to 1h0m0s`,
		`small_blind = 0`:                  `salon.hcl:1:1: small_blind is a number of chips from 1 to 1000000000000`,
		"small_blind = 20\nbig_blind = 10": `salon.hcl:2:1: big_blind (10) is less than small_blind (20)`,
		"big_blind = 500":                  `salon.hcl:1:1: min_buy_in (200) is less than big_blind (500)`,
		"min_buy_in = 2000":                `salon.hcl:1:1: max_buy_in (1000) is less than min_buy_in (2000)`,
		`colour = "green"`:                 `salon.hcl:1:1: Unsupported argument; An argument named "colour" is not expected here.`,
	}
	for body, want := range errs {
		if got := sdktest.ConfigError(t, newHoldem(), body); got != want {
			t.Errorf("%q: got %q, want %q", body, got, want)
		}
	}
	p := newHoldem()
	h := sdktest.New(t, p, "")
	<-p.ready
	if p.rules != defaults {
		t.Errorf("defaults: %+v", p.rules)
	}
	if m := h.Manifest(); !slices.Equal(m.Games, []string{"holdem"}) {
		t.Errorf("manifest %+v", m)
	}

	// The example configuration `make run` uses is accepted, and shows
	// the defaults.
	c, err := config.Load(filepath.Join("..", "..", "config", "salon.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(c.Plugins, func(p config.Plugin) bool { return p.Name == "holdem" })
	if i < 0 || filepath.Base(c.Plugins[i].Command) != "salon-holdem" {
		t.Fatalf("no holdem plugin in config/salon.hcl")
	}
	p = newHoldem()
	sdktest.New(t, p, string(c.Plugins[i].ConfigSource))
	<-p.ready
	if p.rules != defaults {
		t.Errorf("config/salon.hcl: %+v, the defaults are %+v", p.rules, defaults)
	}
}
