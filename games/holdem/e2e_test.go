package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

// TestEndToEnd builds the plugin, runs it under a real salond, and has
// three players sit in a server's general channel and play a hand to the
// end over TCP: the hole cards reach their owners alone, and every chip
// is back in the wallets when they leave.
func TestEndToEnd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "salon-holdem")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "salon.hcl")
	src := fmt.Sprintf(`plugin "holdem" {
  command = %q
  config {
    turn_timeout = "2s"
    start_delay  = "1s"
  }
}
`, bin)
	c, err := config.Parse([]byte(src), file)
	if err != nil {
		t.Fatal(err)
	}
	cfg := servertest.Config(t.TempDir())
	cfg.Plugins = c.Plugins
	in := servertest.Start(t, cfg)

	alice, aTag := servertest.Register(t, in.Addr, "alice")
	bob, bTag := servertest.Register(t, in.Addr, "bob")
	carol, cTag := servertest.Register(t, in.Addr, "carol")
	players := map[int64]*servertest.Client{aTag: alice, bTag: bob, cTag: carol}
	alice.Send("NEW SERV casino")
	var s int64
	if _, err := fmt.Sscanf(alice.Next(), "TAG %d 0 casino", &s); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		c   *servertest.Client
		tag int64
	}{{bob, bTag}, {carol, cTag}} {
		alice.Send(fmt.Sprintf("INV 0 %d %d 0", u.tag, s))
		alice.Sync()
		u.c.Sync()
		u.c.Send(fmt.Sprintf("JOIN %d 0", s))
		u.c.Sync()
	}
	for _, p := range players {
		p.Sync()
	}
	table := fmt.Sprintf("%d 0", s)

	// Every line each player receives, and a reader that waits for one.
	seen := map[int64][]string{}
	await := func(tag int64, ok func(string) bool) string {
		t.Helper()
		for {
			l := players[tag].Next()
			seen[tag] = append(seen[tag], l)
			if ok(l) {
				return l
			}
		}
	}
	own := func(tag int64, event string) func(string) bool {
		prefix := fmt.Sprintf("JEU holdem %s %s %d ", event, table, tag)
		return func(l string) bool { return strings.HasPrefix(l, prefix) || strings.HasPrefix(l, "JEU holdem error ") }
	}

	// The plugin refunds its last run first (nothing here) and may not be
	// open yet: sit again until it is.
	for _, tag := range []int64{aTag, bTag, cTag} {
		for try := 0; ; try++ {
			players[tag].Send("JEU holdem sit " + table + " 500")
			l := await(tag, own(tag, "sit"))
			if !strings.Contains(l, "error") {
				break
			}
			if try == 100 || !strings.Contains(l, "restored after a restart") {
				t.Fatalf("sit: %q", l)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Alice sees everything the table is told: play from her lines.
	raised := false
	end := await(aTag, func(l string) bool {
		f := strings.Fields(strings.TrimPrefix(l, "JEU holdem "))
		switch {
		case f[0] == "error":
			t.Fatalf("alice got %q", l)
		case f[0] == "toact" && len(f) == 8:
			who, _ := strconv.ParseInt(f[3], 10, 64)
			toCall, minTo := f[4], f[5]
			move := "check " + table
			switch {
			case who == bTag && !raised && minTo != "0":
				move, raised = "raise "+table+" "+minTo, true
			case toCall != "0":
				move = "call " + table
			}
			players[who].Send("JEU holdem " + move)
		}
		return f[0] == "end"
	})
	t.Logf("%s", end)
	if !raised {
		t.Error("bob never got to raise")
	}
	f := strings.Fields(end)
	var onTable int64
	for _, st := range f[6:] {
		_, chips, _ := strings.Cut(st, ":")
		n, _ := strconv.ParseInt(chips, 10, 64)
		onTable += n
	}
	if len(f) != 9 || onTable != 1500 {
		t.Fatalf("end of the hand %q: %d chips on the table, want 1500 among 3", end, onTable)
	}

	var total int64
	for tag, p := range players {
		p.Send("JEU holdem leave " + table)
		if l := await(tag, own(tag, "leave")); strings.Contains(l, "error") {
			t.Fatalf("leave: %q", l)
		}
		p.Send("JEU holdem balance")
		l := await(tag, func(l string) bool { return strings.HasPrefix(l, "JEU holdem balance ") })
		n, _ := strconv.ParseInt(strings.TrimPrefix(l, "JEU holdem balance "), 10, 64)
		total += n
	}
	if total != 3000 {
		t.Errorf("%d chips in the three wallets after leaving, want 3000", total)
	}

	// Each player got their own two cards, and saw nobody else's but in a
	// showdown's show line.
	cards := map[string]int64{}
	for tag, p := range players {
		seen[tag] = append(seen[tag], p.Sync()...)
		var mine []string
		for _, l := range seen[tag] {
			if f := strings.Fields(l); f[2] == "cards" {
				mine = append(mine, l)
				cards[f[5]], cards[f[6]] = tag, tag
			}
		}
		if len(mine) != 1 {
			t.Fatalf("user %d got cards lines %q", tag, mine)
		}
	}
	for tag, lines := range seen {
		for _, l := range lines {
			f := strings.Fields(l)
			for _, tok := range f {
				owner, ok := cards[tok]
				if ok && owner != tag && !(f[2] == "show" && f[5] == strconv.FormatInt(owner, 10)) {
					t.Errorf("user %d saw user %d's %s in %q", tag, owner, tok, l)
				}
			}
		}
	}
}
