package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/games/roulette/wheel"
)

// TestEndToEnd builds the plugin, runs it under a real salond, and plays a
// round over TCP: two members of a channel bet, the one-second window
// closes, the result and payouts reach both of them, and their balances
// are what the announcements say.
func TestEndToEnd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "salon-roulette")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	src := fmt.Sprintf("plugin \"roulette\" {\n  command = %q\n  config {\n    betting_window = \"1s\"\n  }\n}\n", bin)
	parsed, err := config.Parse([]byte(src), filepath.Join(t.TempDir(), "salon.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := servertest.Config(t.TempDir())
	cfg.Plugins = parsed.Plugins
	in := servertest.Start(t, cfg)

	alice, _ := servertest.Register(t, in.Addr, "alice")
	bob, bobTag := servertest.Register(t, in.Addr, "bob")
	var s, c int64
	alice.Send("NEW SERV casino")
	if _, err := fmt.Sscanf(alice.ExpectPrefix("TAG "), "TAG %d 0 casino", &s); err != nil {
		t.Fatal(err)
	}
	alice.Sync()
	alice.Send(fmt.Sprintf("NEW CHAN %d tables", s))
	if _, err := fmt.Sscanf(alice.ExpectPrefix("TAG "), "TAG %d %d tables", &s, &c); err != nil {
		t.Fatal(err)
	}
	alice.Send(fmt.Sprintf("INV 0 %d %d %d", bobTag, s, c))
	alice.Sync()
	bob.Sync()
	bob.Send(fmt.Sprintf("JOIN %d %d", s, c))
	bob.Sync()
	alice.Sync()
	table := fmt.Sprintf("%d %d", s, c)

	balance := func(cl *servertest.Client) int64 {
		t.Helper()
		cl.Send("JEU roulette balance")
		var chips int64
		if _, err := fmt.Sscanf(cl.ExpectPrefix("JEU roulette balance "), "JEU roulette balance %d", &chips); err != nil {
			t.Fatal(err)
		}
		return chips
	}
	start := map[string]int64{"alice": balance(alice), "bob": balance(bob)}
	if start["alice"] != 1000 || start["bob"] != 1000 {
		t.Fatalf("opening balances %v", start)
	}

	// A player's mistake is answered to them alone.
	bob.Send("JEU roulette bet " + table + " split 17 19 10")
	bob.Expect("JEU roulette error split: 17 and 19 are not next to each other on the layout")

	bets := map[string][]string{"alice": {"red 100"}, "bob": {"straight 17 50", "dozen 2 30"}}
	alice.Send("JEU roulette bet " + table + " red 100")
	alice.Expect(
		"JEU roulette open "+table+" 1",
		"JEU roulette placed "+table+" alice red 100",
		"JEU roulette balance 900")
	for _, b := range bets["bob"] {
		bob.Send("JEU roulette bet " + table + " " + b)
	}

	// Both see the whole round, the same way, ending with over.
	seen := map[string][]string{}
	for name, cl := range map[string]*servertest.Client{"alice": alice, "bob": bob} {
		for _, l := range cl.WaitFor("JEU roulette over " + table) {
			if strings.HasPrefix(l, "JEU roulette spin ") || strings.HasPrefix(l, "JEU roulette payout ") {
				seen[name] = append(seen[name], l)
			}
		}
	}
	if !slices.Equal(seen["alice"], seen["bob"]) || len(seen["alice"]) != 3 {
		t.Fatalf("the round as alice saw it: %q\nas bob saw it: %q", seen["alice"], seen["bob"])
	}
	var n int
	var colour string
	if _, err := fmt.Sscanf(seen["alice"][0], "JEU roulette spin "+table+" %d %s", &n, &colour); err != nil || colour != wheel.Colour(n) {
		t.Fatalf("spin line %q: %v", seen["alice"][0], err)
	}

	// The payouts are the wheel's, and the wallets show them.
	var net int64
	for i, name := range []string{"alice", "bob"} {
		var staked, paid int64
		for _, b := range bets[name] {
			i := strings.LastIndexByte(b, ' ')
			bet, err := wheel.Parse(b[:i])
			if err != nil {
				t.Fatal(err)
			}
			var stake int64
			fmt.Sscan(b[i+1:], &stake)
			staked += stake
			paid += bet.Payout(stake, n)
		}
		want := fmt.Sprintf("JEU roulette payout %s %s %d %d", table, name, staked, paid)
		if seen["alice"][1+i] != want {
			t.Errorf("payout line %q, want %q", seen["alice"][1+i], want)
		}
		cl := map[string]*servertest.Client{"alice": alice, "bob": bob}[name]
		if got := balance(cl); got != start[name]-staked+paid {
			t.Errorf("%s has %d chips after the round, want %d - %d + %d", name, got, start[name], staked, paid)
		}
		net += paid - staked
	}
	if total := balance(alice) + balance(bob); total != 2000+net {
		t.Errorf("the players hold %d chips, want %d: the house's result is the only change", total, 2000+net)
	}
}
