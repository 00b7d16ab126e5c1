package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

// TestEndToEnd builds the plugin, runs it under a real salond, and has
// two players play a round to its end over TCP: what the table announced
// must be what their wallets say.
func TestEndToEnd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "salon-blackjack")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	cfg := servertest.Config(dir)
	parsed, err := config.Parse([]byte(fmt.Sprintf(`plugin "blackjack" {
  command = %q
  config {
    betting_window = "1s"
    turn_timeout = "2s"
  }
}
`, bin)), filepath.Join(dir, "salon.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Plugins = parsed.Plugins
	srv := servertest.Start(t, cfg)

	a, aliceTag := servertest.Register(t, srv.Addr, "alice")
	b, bobTag := servertest.Register(t, srv.Addr, "bob")
	a.Send("NEW SERV casino")
	var server int64
	if _, err := fmt.Sscanf(a.ExpectPrefix("TAG "), "TAG %d 0 casino", &server); err != nil {
		t.Fatal(err)
	}
	a.Send(fmt.Sprintf("INV 0 %d %d 0", bobTag, server))
	a.Sync()
	b.Send(fmt.Sprintf("JOIN %d 0", server))
	b.Sync()
	a.Sync()
	table := fmt.Sprintf("%d 0", server)

	a.Send("JEU blackjack help")
	for range usage {
		a.ExpectPrefix("JEU blackjack help ")
	}
	a.Send("JEU blackjack sit " + table)
	a.Expect(fmt.Sprintf("JEU blackjack sat %s 1 %d", table, aliceTag))
	b.Send("JEU blackjack sit " + table)
	a.Expect(fmt.Sprintf("JEU blackjack sat %s 2 %d", table, bobTag))
	a.Send("JEU blackjack bet " + table + " 100")
	a.Expect("JEU blackjack betting "+table+" 1", fmt.Sprintf("JEU blackjack bet %s 1 %d 100", table, aliceTag),
		"JEU blackjack balance 900")
	b.Send("JEU blackjack bet " + table + " 50")

	// Alice's connection sees the whole table; each player acts on their
	// own connection: hit below 12, stand otherwise, never insure.
	players := map[string]*servertest.Client{"1": a, "2": b}
	tags := map[string]int64{"1": aliceTag, "2": bobTag}
	totals := map[string]int{}
	won := map[string]int64{}
	var seen []string
	for {
		l := a.Next()
		if strings.HasPrefix(l, "JEU blackjack balance ") {
			continue // after a hit: nothing staked; never alone
		}
		seen = append(seen, l)
		w := strings.Fields(strings.TrimPrefix(l, "JEU blackjack "))
		if len(w) < 3 || w[1]+" "+w[2] != table {
			t.Fatalf("not a line of the table: %q", l)
		}
		switch w[0] {
		case "card":
			totals[w[3]+"/"+w[4]], _ = strconv.Atoi(w[6])
		case "insurance":
			a.Send("JEU blackjack insurance " + table + " no")
			b.Send("JEU blackjack insurance " + table + " no")
		case "turn":
			move := "stand"
			if totals[w[3]+"/"+w[4]] < 12 {
				move = "hit"
			}
			players[w[3]].Send("JEU blackjack " + move + " " + table)
		case "result":
			bet, _ := strconv.ParseInt(w[6], 10, 64)
			paid, _ := strconv.ParseInt(w[7], 10, 64)
			won[w[3]] += paid - bet
		}
		if w[0] == "end" {
			break
		}
	}
	if _, ok := won["2"]; !ok {
		t.Fatalf("no result for bob: %q", seen)
	}
	t.Logf("the round: %q", seen)

	// Bob saw the same table, line for line, from his own bet on.
	b.WaitFor(seen[0])
	for _, want := range seen[1:] {
		got := b.Next()
		if strings.HasPrefix(got, "JEU blackjack balance ") {
			got = b.Next() // after his own bet
		}
		if got != want {
			t.Fatalf("bob got %q, alice %q", got, want)
		}
	}
	for seat, c := range players {
		c.Send("JEU blackjack balance")
		want := fmt.Sprintf("JEU blackjack balance %d", 1000+won[seat])
		if got := c.Next(); got != want {
			t.Errorf("user %d: %q, want %q (results %q)", tags[seat], got, want, seen)
		}
	}
}
