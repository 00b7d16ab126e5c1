package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/salon-chat/salon/client"
	salonconfig "github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

// The real roulette plugin under a real salond: alice bets from the
// channel on screen without naming it, and reads the round as words.
func TestRouletteEndToEnd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "salon-roulette")
	build := exec.Command("go", "build", "-o", bin, "../../games/roulette")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	src := fmt.Sprintf("plugin \"roulette\" {\n  command = %q\n  config {\n    betting_window = \"1s\"\n  }\n}\n", bin)
	parsed, err := salonconfig.Parse([]byte(src), filepath.Join(t.TempDir(), "salon.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := servertest.Config(t.TempDir())
	cfg.Plugins = parsed.Plugins
	srv := servertest.Start(t, cfg)

	c := client.New(client.Options{Addr: srv.Addr})
	m := newModel(c, testConfig())
	h := &harness{t: t, m: m, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 32))}
	t.Cleanup(func() {
		m.cancel()
		h.tm.Quit()
		h.tm.WaitFinished(t, finalTimeout)
	})
	h.waitScreen("Log in")
	h.press("ctrl+r")
	h.tm.Type("alice")
	h.press("tab")
	h.tm.Type("password-alice")
	h.press("tab")
	h.tm.Type("password-alice")
	h.press("enter")
	h.waitScreen("account created")
	h.typeLine("/new server casino")
	h.waitScreen(" casino/#general ")

	h.typeLine("/jeu roulette balance")
	h.waitScreen("⚂ roulette │ you have 1000 chips")
	h.typeLine("/jeu roulette bet rouge 50")
	h.waitScreen("⚂ roulette │ error: unknown bet \"rouge\"")
	h.typeLine("/jeu roulette bet red 50")
	h.waitScreen(
		"⚂ roulette │ bets are open: the wheel spins in 1 s",
		"⚂ roulette │ alice bets 50 chips on red",
		"⚂ roulette │ you have 950 chips")
	// The wheel spins when the one-second window closes.
	h.waitScreen("⚂ roulette │ the ball lands on ", "⚂ roulette │ alice staked 50, paid ",
		"⚂ roulette │ the round is over")
	h.expectNotScreen("roulette │ open ", "roulette │ placed ", "roulette │ spin ")
}
