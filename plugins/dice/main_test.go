package main

import (
	"testing"

	"github.com/salon-chat/salon/sdk/sdktest"
)

// ROLL answers the roller alone, and refuses what it cannot roll: the
// roller gets `ERR ROLL reason` from salond, and no line from the plugin.
func TestRollVerb(t *testing.T) {
	h := sdktest.New(t, &dice{intn: func(n int) int { return n - 1 }}, "")
	h.AddUser(sdktest.User{Tag: 1, Pseudo: "alice"})
	if err := h.Verb(1, "ROLL", " 2d6+1 "); err != nil {
		t.Fatal(err)
	}
	if got := h.TakeSent(); len(got) != 1 || got[0].To != 1 || got[0].Line != "ROLL 2d6+1 6 + 6 + 1 = 13" {
		t.Errorf("sent %+v", got)
	}
	for args, want := range map[string]string{
		"":         "nothing to roll: try 2d6+1",
		"   ":      "nothing to roll: try 2d6+1",
		"two dice": `"two " is not a number`,
		"101d6":    "at most 100 dice at once",
		"5":        "roll at least one die",
	} {
		err := h.Verb(1, "ROLL", args)
		if reason, ok := sdktest.Refused(err); !ok || reason != want {
			t.Errorf("ROLL %q: %v; want the refusal %q", args, err, want)
		}
	}
	if got := h.Sent(); len(got) != 0 {
		t.Errorf("refused rolls sent %+v", got)
	}
}
