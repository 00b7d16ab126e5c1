package main

import (
	"strings"
	"testing"

	"github.com/salon-chat/salon/client"
)

// A channel's call, as alice (in #games) sees it: the sidebar's mark, the
// title, the member list and the notices, and /call.
func TestCallViews(t *testing.T) {
	h := taggedIn(t)
	h.lines("CALL 0 2 5 2 JOIN mic")
	h.expectScreen("# games 🔊 1", "-- │ bob joined the call", "2 members, 2 online · 🔊 1 in the call",
		"IN THE CALL 1", "│ bob mic")
	h.lines("CALL 0 1 5 2 JOIN mic,cam")
	h.expectScreen("# games 🔊 2", "you joined the call", "│ alice mic cam", "│ bob mic")
	h.lines("CALL 0 2 5 2 MEDIA mic,screen", "CALL 0 1 5 2 MEDIA cam")
	h.expectScreen("bob is sharing their screen", "│ bob mic screen", "│ alice mic off cam")
	h.lines("CALL 0 1 5 2 MUTE 0 2")
	h.expectScreen("bob was muted by you", "│ bob muted screen")
	h.typeLine("/call")
	h.expectScreen("-- │ 2 people in the call of club/#games:",
		"-- │ alice: mic off, cam", "-- │ bob: muted by alice, screen")
	if got := h.sent(); len(got) != 0 {
		t.Errorf("/call sent %q", got)
	}
	h.lines("CALL 0 1 5 2 KICK 0 2", "CALL 0 2 5 2 LEAVE")
	h.expectScreen("bob was removed from the call by you", "# games 🔊 1")
	h.expectNotScreen("bob left the call", "│ bob muted")
	h.lines("CALL 0 1 5 2 LEAVE")
	h.expectScreen("you left the call")
	h.expectNotScreen("🔊", "IN THE CALL")
	h.typeLine("/call")
	h.expectScreen("-- │ no call in club/#games")
	// Another conversation's call shows in the sidebar only.
	h.lines("CALL 0 2 5 0 JOIN mic")
	h.expectScreen("# general 🔊 1")
	h.expectNotScreen("IN THE CALL", "in the call ·")
}

// A direct call rings: the bell in the sidebar and the title, the status
// line, a notice that counts as a mention, then a missed call.
func TestCallRings(t *testing.T) {
	h := taggedIn(t)
	h.lines("CALL 0 2 0 1 JOIN mic")
	s := h.expectScreen("bob is calling you — answer in the web client")
	if !strings.Contains(s, "● bob 🔔          @1 │") {
		t.Fatalf("no bell, or no mention count, in the sidebar:\n%s", s)
	}
	h.open("@bob")
	h.expectScreen(" @bob  online · friend · 🔔 bob is calling you", "-- │ bob is calling you — answer in the web client",
		"IN THE CALL 1")
	h.lines("CALL 0 2 0 1 LEAVE")
	h.expectScreen("-- │ missed call from bob")
	h.expectNotScreen("🔔", "IN THE CALL")

	// Answered in the web client: it stops ringing here too.
	h.lines("CALL 0 2 0 1 JOIN mic", "CALL 0 1 0 2 JOIN mic")
	h.expectScreen("-- │ you joined the call", " @bob  online · friend · 🔊 2 in the call", "● bob 🔊 2")
	h.expectNotScreen("🔔")
}

// The login burst shows the calls going on without a word about them;
// RTC lines show nothing at all.
func TestCallBurst(t *testing.T) {
	h := newHarness(t, testConfig())
	h.events(client.Caps{Sub: "ACK", Names: []string{"tags"}}, client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines(world...)
	h.lines("CALL 0 2 5 2 JOIN mic,cam", "CALL 0 3 0 1 JOIN mic")
	h.events(client.Ready{})
	h.expectScreen("# games 🔊 1", "○ carol 🔔")
	h.expectNotScreen("joined the call", "is calling you")
	h.lines("RTC 5 2 offer 0 1 dj0w", "RTC 0 3 ice 0 1 W10=")
	h.expectNotScreen("RTC", "dj0w")
	h.open("club/#games")
	h.expectScreen("IN THE CALL 1", "│ bob mic cam")
	h.expectNotScreen("joined the call")
}
