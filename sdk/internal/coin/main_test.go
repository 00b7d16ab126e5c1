package main

import (
	"strings"
	"testing"

	"github.com/salon-chat/salon/sdk/sdktest"
)

func TestFlip(t *testing.T) {
	h := sdktest.New(t, &coin{}, `greeting = "Pile ou face ?"`)
	h.AddUser(sdktest.User{Tag: 1, Pseudo: "alice"})

	for _, move := range []string{"", "flip", "flip", "stats"} {
		if err := h.Game(1, "coin", move); err != nil {
			t.Fatal(err)
		}
	}
	got := h.LinesFor(1)
	if len(got) != 4 || got[0] != "JEU coin hello Pile ou face ?" || got[3] != "JEU coin flips 2" {
		t.Fatalf("alice got %q", got)
	}
	for _, line := range got[1:3] {
		if line != "JEU coin heads" && line != "JEU coin tails" {
			t.Errorf("flip answered %q", line)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	got := sdktest.ConfigError(t, &coin{}, "\ngreeting = \""+strings.Repeat("a", 201)+"\"")
	if got != "salon.hcl:2:1: greeting is 201 bytes long; 200 at most" {
		t.Errorf("got %q", got)
	}
}

// The tests above are the ones docs/plugins.md shows; those below are not.

func TestBadMove(t *testing.T) {
	h := sdktest.New(t, &coin{}, ``)
	if err := h.Game(1, "coin", "toss"); err != nil {
		t.Fatal(err)
	}
	if got := h.TakeSent(); len(got) != 1 || got[0].To != 1 || got[0].Line != `JEU coin error unknown move "toss"; try flip` {
		t.Errorf("sent %+v", got)
	}
	if err := h.Game(1, "coin", ""); err != nil {
		t.Fatal(err)
	}
	if got := h.LinesFor(1); len(got) != 1 || got[0] != "JEU coin hello Heads or tails?" {
		t.Errorf("greeting %q", got)
	}
}

func TestUnknownSetting(t *testing.T) {
	got := sdktest.ConfigError(t, &coin{}, "greeting = \"hi\"\ncolour = \"red\"")
	if !strings.HasPrefix(got, "salon.hcl:2:1: Unsupported argument") {
		t.Errorf("got %q", got)
	}
}
