package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// taggedIn is loggedIn on a server that granted tags: alice owns club, bob
// moderates #games, and #games holds two messages, the second alice's
// reply to the first.
func taggedIn(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, testConfig())
	h.events(client.Caps{Sub: "ACK", Names: []string{"tags"}}, client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines(world...)
	h.lines("OWNER 5 0 0 1", "MOD 5 2 0 2", "TOPIC 0 1 5 2 tonight: poker")
	h.events(client.Ready{})
	h.open("club/#games")
	h.lines("@id=10;time=1767348000000 MSG 0 2 5 2 hello", "@id=11;time=1767348060000;reply=10 MSG 0 1 5 2 hi bob", "HIST 5 2 2")
	h.screen()
	h.fake.takeLines()
	h.fake.takeCalls()
	return h
}

func TestTaggedViews(t *testing.T) {
	h := taggedIn(t)
	h.expectScreen("bob │ hello", "↱ bob: hello", "alice │ hi bob", "beginning of the conversation",
		" club/#games  tonight: poker · 2 members", "~alice", "@bob")
	h.lines("REACT 0 2 5 2 11 👍", "REACT 0 1 5 2 11 👍", "REACT 0 2 5 2 11 🎉", "EDIT 0 2 5 2 10 hello all")
	h.expectScreen("bob │ hello all (edited)", "↱ bob: hello all", "👍 2  🎉 1")
	h.lines("UNREACT 0 2 5 2 11 🎉", "DELETE 0 2 5 2 10")
	h.expectScreen("⌫ message deleted", "↱ bob: (deleted)")
	h.expectNotScreen("🎉")
	h.lines("TYPING 0 2 5 2")
	h.expectScreen("bob is typing…")
	h.lines("@id=12;time=1767348120000 MSG 0 2 5 2 done typing")
	h.expectNotScreen("is typing")
	h.lines("AWAY 0 2 lunch, back at 2", "TOPIC 0 2 5 2 cards", "UNMOD 5 2 0 2")
	h.expectScreen("bob (away)", " club/#games  cards · ", "bob set the topic: cards", "bob is no longer a moderator")
	h.expectNotScreen("@bob")
	h.typeLine("/msg bob")
	h.expectScreen(" @bob  online · friend · away: lunch, back at 2")
}

// What arrived while offline (UNREAD) counts in the sidebar; reading a
// conversation sends READ; another session's READ clears the counts.
func TestUnreadAndRead(t *testing.T) {
	h := taggedIn(t)
	if got := h.sent(); len(got) != 0 {
		t.Fatalf("sent %q: the page was read when it came", got)
	}
	h.lines("@id=13;time=1767348120000 MSG 0 2 5 2 news")
	if got := h.sent(); !slices.Equal(got, []string{"READ 5 2 13"}) {
		t.Errorf("a message on screen: sent %q", got)
	}
	h.lines("UNREAD 0 3 4 20", "UNREAD 5 0 2 30")
	h.expectScreen("○ carol           @4", "# general          2")
	h.lines("READ 5 0 30")
	h.expectNotScreen("# general          2")
	h.open("@carol")
	if got := h.sent(); !slices.Equal(got, []string{"READ 0 3 20"}) {
		t.Errorf("opening carol: sent %q", got)
	}
	h.expectNotScreen("@4")
}

// Scrolling to the top of what is loaded asks for the page before it, and
// the page goes above.
func TestInfiniteScroll(t *testing.T) {
	h := newHarness(t, testConfig())
	h.events(client.Caps{Sub: "ACK", Names: []string{"tags"}}, client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines(world...)
	h.events(client.Ready{})
	h.open("club/#games")
	var page []string
	for i := 100; i < 150; i++ {
		page = append(page, fmt.Sprintf("@id=%d;time=1767348000000 MSG 0 2 5 2 message %d", i, i))
	}
	h.lines(append(page, "HIST 5 2 50")...)
	h.expectScreen("message 149")
	if got := h.calls(); len(got) != 0 {
		t.Fatalf("calls %q before scrolling", got)
	}
	for range 3 {
		h.press("pgup")
	}
	h.expectScreen("loading older messages…")
	if got := h.calls(); !slices.Equal(got, []string{"Older 5 2 100"}) {
		t.Fatalf("calls %q", got)
	}
	h.press("pgup")
	if got := h.calls(); len(got) != 0 {
		t.Fatalf("asked twice: %q", got)
	}
	h.lines("@id=60;time=1767348000000 MSG 0 2 5 2 message 60", "@id=61;time=1767348000000 MSG 0 2 5 2 message 61", "HIST 5 2 2")
	for range 3 {
		h.press("pgup")
	}
	h.expectScreen("message 60", "beginning of the conversation")
	if got := h.calls(); len(got) != 0 {
		t.Fatalf("asked past the beginning: %q", got)
	}
}

func TestExtCommands(t *testing.T) {
	tests := []struct {
		name   string
		where  string
		setup  []string
		input  string
		lines  []string
		calls  []string
		screen []string
	}{
		{name: "reply to the newest", input: "/reply sure", lines: []string{"REPLY 11 sure"}},
		{name: "reply composes", input: "/reply", screen: []string{"replying to alice: hi bob · esc cancels"}},
		{name: "edit own last", input: "/edit hi bobby", lines: []string{"EDIT 11 hi bobby"}},
		{name: "edit composes", input: "/edit", screen: []string{"editing your message"}},
		{name: "react", input: "/react 👍", lines: []string{"REACT 11 👍"}},
		{name: "unreact", input: "/unreact 👍", lines: []string{"UNREACT 11 👍"}},
		{name: "react usage", input: "/react", screen: []string{"usage: /react EMOJI"}},
		{name: "delete without selection", input: "/delete", screen: []string{"select it first", "type /delete games to confirm"}},
		{name: "search", input: "/search poker night", calls: []string{"Find 5 2 poker night"}, screen: []string{"SEARCH “poker night” in club/#games — searching…"}},
		{name: "search everywhere", where: "home", input: "/search poker", calls: []string{"Find 0 0 poker"}, screen: []string{"everywhere"}},
		{name: "list", input: "/list", lines: []string{"LIST 5"}},
		{name: "list shown", input: "/list", setup: []string{"CHAN 5 0 public 3 general", "CHAN 5 7 public 2 poker cards at 9", "LIST 5 2"},
			lines: []string{"LIST 5"}, screen: []string{"#general (public, 3 members) · joined", "#poker (public, 2 members) — cards at 9 · /join #poker"}},
		{name: "join", input: "/join #poker", setup: []string{"CHAN 5 7 public 2 poker", "LIST 5 1"}, lines: []string{"LIST 5", "JOIN 5 7"}},
		{name: "join unknown", input: "/join #nope", setup: []string{"LIST 5 0"}, lines: []string{"LIST 5"}, screen: []string{"error: no channel #nope in club"}},
		{name: "join at home", where: "home", input: "/join #poker", screen: []string{"error: /join works in a channel"}},
		{name: "topic", input: "/topic cards at 9", lines: []string{"TOPIC 5 2 cards at 9"}},
		{name: "topic clear", input: "/topic", lines: []string{"TOPIC 5 2"}},
		{name: "mod", input: "/mod bob", lines: []string{"MOD 5 2 0 2"}},
		{name: "mod of the server", where: "club/#general", input: "/mod carol", lines: []string{"MOD 5 0 0 3"}},
		{name: "unmod", input: "/unmod @bob", lines: []string{"UNMOD 5 2 0 2"}},
		{name: "kick", input: "/kick bob too loud", lines: []string{"KICK 5 2 0 2 too loud"}},
		{name: "kick unknown asks WHO", input: "/kick zed", lines: []string{"WHO zed"}},
		{name: "ban", input: "/ban carol spam", lines: []string{"BAN 5 0 0 3 spam"}},
		{name: "unban", input: "/unban carol", lines: []string{"UNBAN 5 0 0 3"}},
		{name: "bans", input: "/bans", setup: []string{"BAN 5 0 0 3 spam", "BANS 5 1"}, lines: []string{"BANS 5"}, screen: []string{"banned from club: carol: spam"}},
		{name: "open", input: "/open", lines: []string{"OPEN 5 2"}},
		{name: "close", input: "/close", lines: []string{"CLOSE 5 2"}},
		{name: "away", input: "/away lunch, back at 2", lines: []string{"AWAY lunch, back at 2"}},
		{name: "back", input: "/away", lines: []string{"AWAY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := taggedIn(t)
			if tt.where != "" {
				h.open(tt.where)
				h.fake.takeLines()
				h.fake.takeCalls()
			}
			h.typeLine(tt.input)
			h.lines(tt.setup...)
			h.expectScreen(tt.screen...)
			if got := h.sent(); !slices.Equal(got, tt.lines) {
				t.Errorf("sent %q, want %q", got, tt.lines)
			}
			if got := h.calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
		})
	}
}

// The keyboard acts on messages: up on an empty line edits one's last
// message; alt+s selects, up/down move, r replies, d deletes, + reacts.
func TestSelectionKeys(t *testing.T) {
	h := taggedIn(t)
	h.press("up")
	if got := h.input(); got != "hi bob" {
		t.Fatalf("up on an empty line: input %q", got)
	}
	h.expectScreen("editing your message · esc cancels")
	h.tm.Type(" again")
	h.press("enter")
	if got := h.sent(); !slices.Equal(got, []string{"EDIT 11 hi bob again"}) {
		t.Fatalf("edit: sent %q", got)
	}

	h.press("alt+s", "up", "r")
	h.expectScreen("replying to bob: hello")
	h.tm.Type("yo")
	h.press("enter")
	if got := h.sent(); !slices.Equal(got, []string{"TYPING 5 2", "REPLY 10 yo"}) {
		t.Fatalf("reply: sent %q", got)
	}

	h.press("alt+s", "up")
	h.tm.Type("+")
	h.tm.Type("🎉")
	h.press("enter")
	h.press("alt+s", "d", "enter")
	if got := h.sent(); !slices.Equal(got, []string{"REACT 10 🎉", "DELETE 11"}) {
		t.Fatalf("react and delete: sent %q", got)
	}

	// esc leaves a selection and a reply without sending anything.
	h.press("alt+s", "esc", "alt+s", "r", "esc")
	h.expectNotScreen("replying to")
	if got := h.sent(); len(got) != 0 {
		t.Fatalf("esc sent %q", got)
	}
}

// Search results show in a pane; enter opens the conversation at the
// message, paging back until it is loaded.
func TestSearchPane(t *testing.T) {
	h := taggedIn(t)
	h.open("home")
	h.typeLine("/search poker")
	h.calls()
	found := func(id int64, to wire.Addr, text string) client.Message {
		return client.Message{Tags: wire.Tags{ID: id, Time: 1767348000000}, From: 2, To: to, Text: text, Source: client.Found}
	}
	h.events(found(11, wire.Addr{Server: 5, Channel: 2}, "hi bob"), found(3, wire.Addr{Server: 5}, "poker tonight"))
	h.lines("FIND 2")
	h.expectScreen("SEARCH “poker” everywhere — 2 found", "club/#games", "hi bob", "club/#general", "poker tonight")
	h.press("down", "enter")
	h.expectScreen(" club/#general ")
	if got := h.calls(); !slices.Equal(got, []string{"History 5 0"}) {
		t.Fatalf("calls %q", got)
	}
	h.lines("@id=20;time=1767348000000 MSG 0 2 5 0 later", "HIST 5 0 50")
	if got := h.calls(); !slices.Equal(got, []string{"Older 5 0 20"}) {
		t.Fatalf("paging to the result: calls %q", got)
	}
	h.lines("@id=3;time=1767348000000 MSG 0 2 5 0 poker tonight", "HIST 5 0 1")
	h.inspect(func(m *model) {
		if !m.ext.selecting || m.ext.sel != 3 {
			t.Errorf("selection %v %d, want message 3", m.ext.selecting, m.ext.sel)
		}
	})
	h.press("r")
	h.expectScreen("replying to bob: poker tonight")
	if s := h.screen(); !strings.Contains(s, "poker tonight") {
		t.Fatal(s)
	}
}
