package main

import (
	"testing"

	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

func TestMask(t *testing.T) {
	f := newFilter([]string{"darn", "Heck", "dang it", "x1"})
	cases := map[string]string{
		"well darn":      "well ****",
		"DARN it, Darn!": "**** it, ****!",
		"darned":         "darned",
		"undarn":         "undarn",
		"heck-darn":      "****-****",
		"oh heck.":       "oh ****.",
		"what the HeCk":  "what the ****",
		"dang it all":    "**** ** all",
		"dang":           "dang",
		"x1 marks":       "*1 marks",
		"nothing to see": "nothing to see",
		"tab\tdarn\tsep": "tab\t****\tsep",
		"éDARNé":         "éDARNé",
		"darn darn":      "**** ****",
		"":               "",
	}
	for in, want := range cases {
		got, found := f.mask(in)
		if got != want || found != (in != want) {
			t.Errorf("mask(%q) = %q, %v; want %q", in, got, found, want)
		}
	}
}

func TestValidWord(t *testing.T) {
	for w, want := range map[string]bool{"darn": true, "dang it": true, "x": true, "é": true,
		"": false, " darn": false, "darn ": false, "-x": false, "x!": false, "\xff": false} {
		if validWord(w) != want {
			t.Errorf("validWord(%q) = %v", w, !want)
		}
	}
}

// TestHookKinds: replies and edits are filtered like messages, and a
// rejection says which of them was refused.
func TestHookKinds(t *testing.T) {
	mask := sdktest.New(t, &wordfilter{}, `words = ["darn"]`)
	reject := sdktest.New(t, &wordfilter{}, "words = [\"darn\"]\nmode = \"reject\"")
	club := sdk.Channel(1, 0)
	for _, tt := range []struct {
		kind sdk.MessageKind
		why  string
	}{
		{sdk.MessageNew, "your message contains a word that is not allowed here"},
		{sdk.MessageReply, "your reply contains a word that is not allowed here"},
		{sdk.MessageEdit, "your edit contains a word that is not allowed here; the message keeps its text"},
	} {
		m := sdk.Message{Conversation: club, Text: "well darn", Kind: tt.kind}
		if tt.kind != sdk.MessageNew {
			m.Ref = 42
		}
		if got, want := mask.Hook(m), sdk.ReplaceText("well ****"); got != want {
			t.Errorf("mask %v: %+v, want %+v", tt.kind, got, want)
		}
		if got, want := reject.Hook(m), sdk.RejectMessage(tt.why); got != want {
			t.Errorf("reject %v: %+v, want %+v", tt.kind, got, want)
		}
		m.Text = "all clean"
		if got := reject.Hook(m); got != sdk.AllowMessage() {
			t.Errorf("reject %v of clean text: %+v", tt.kind, got)
		}
	}
}
