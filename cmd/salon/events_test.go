package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/wire"
)

// Every server line and client event shows on screen as it should.
func TestIncoming(t *testing.T) {
	games := wire.Addr{Server: 5, Channel: 2}
	tests := []struct {
		name   string
		where  string
		lines  []string
		events []client.Event
		screen []string
		absent []string
		calls  []string
	}{
		{name: "message here", where: "club/#games", lines: []string{"MSG 0 2 5 2 see you at 8"},
			screen: []string{"bob │ see you at 8"}},
		{name: "bidi overrides dropped", where: "club/#games", lines: []string{"MSG 0 2 5 2 abc\u202edef\u2066g"},
			screen: []string{"bob │ abcdefg"}},
		{name: "own echo", where: "club/#games", lines: []string{"MSG 0 1 5 2 mine"},
			screen: []string{"alice │ mine"}},
		{name: "message elsewhere is unread", where: "club/#games", lines: []string{"MSG 0 2 5 0 one", "MSG 0 2 5 0 two"},
			screen: []string{"# general          2"}, absent: []string{"one"}},
		{name: "mention elsewhere", where: "club/#games", lines: []string{"MSG 0 2 5 0 hey @alice"},
			screen: []string{"# general         @1"}},
		{name: "mention of someone else", where: "club/#games", lines: []string{"MSG 0 2 5 0 hey @carol"},
			screen: []string{"# general          1"}},
		{name: "direct message", where: "club/#games", lines: []string{"MSG 0 2 0 1 psst"},
			screen: []string{"DIRECT", "● bob             @1"}},
		{name: "own direct message", where: "home", lines: []string{"MSG 0 1 0 3 hello carol"},
			screen: []string{"DIRECT", "○ carol"}, absent: []string{"carol             1"}},
		{name: "offline", where: "club/#games", lines: []string{"BYE 0 2"},
			screen: []string{"○ bob", "2 members, 1 online"}},
		{name: "online again", where: "club/#games", lines: []string{"BYE 0 2", "ADD ON 0 2 bob"},
			screen: []string{"● bob", "2 members, 2 online"}},
		{name: "new server", where: "home", lines: []string{"TAG 9 0 den", "GRP 9 0 den general 0 1"},
			screen: []string{"den", " den/#general "}, calls: []string{"History 9 0"}},
		{name: "new channel", where: "club/#general", lines: []string{"TAG 5 4 dice", "GRP 5 4 club dice 0 1"},
			screen: []string{"# dice", " club/#dice ", "1 member, "}, calls: []string{"History 5 4"}},
		{name: "joined by invitation", where: "home", lines: []string{"ADD ON 0 7 zoe", "JOIN 8 0 0 1", "TAG 8 0 zoo", "GRP 8 0 zoo general 0 7 0 1", "JOIN 8 3 0 1", "GRP 8 3 zoo cage 0 7 0 1"},
			screen: []string{"zoo", "# cage", " zoo/#cage ", "● zoe"}, calls: []string{"History 8 0", "History 8 3"}},
		{name: "someone joins", where: "club/#games", lines: []string{"JOIN 5 2 0 3"},
			screen: []string{"carol joined", "3 members", "○ carol"}},
		{name: "someone leaves", where: "club/#games", lines: []string{"BYE 0 2 5 2"},
			screen: []string{"bob left", "1 member, "}},
		{name: "someone leaves the server", where: "club/#games", lines: []string{"BYE 0 2 5 0"},
			screen: []string{"1 member, "}},
		{name: "i leave", where: "club/#games", lines: []string{"BYE 0 1 5 2"},
			screen: []string{" home "}, absent: []string{"# games"}},
		{name: "i leave the server", where: "club/#games", lines: []string{"BYE 0 1 5 0"},
			screen: []string{" home "}, absent: []string{"# general", "club"}},
		{name: "channel deleted", where: "club/#games", lines: []string{"DEL 5 2"},
			screen: []string{" home ", "club/#games was deleted"}, absent: []string{"# games"}},
		{name: "server deleted", where: "club/#general", lines: []string{"DEL 5 0"},
			screen: []string{"club was deleted"}, absent: []string{"# general"}},
		{name: "channel renamed", where: "club/#games", lines: []string{"RENAME lounge 5 2"},
			screen: []string{"# lounge", " club/#lounge ", "renamed to lounge"}},
		{name: "server renamed", where: "club/#games", lines: []string{"RENAME salon 5"},
			screen: []string{" salon/#games "}},
		{name: "user renamed", where: "club/#games", lines: []string{"RENAME bobby 0 2"},
			screen: []string{"● bobby"}},
		{name: "i am renamed", where: "home", lines: []string{"RENAME alicia 0 1"},
			screen: []string{"you are now alicia", "alice is now alicia", "alicia@127.0.0.1:7777"}},
		{name: "friend request", where: "home", lines: []string{"INV 0 3"},
			screen: []string{"INVITES", "! carol → friendship", "carol wants to be your friend: /accept friend carol or /decline friend carol"}},
		{name: "pending at login", where: "home", lines: []string{"SENT 0 3 5 7 club poker"},
			screen: []string{"! carol → club/#pok", "carol invites you to club/#poker"}},
		{name: "invitation sent", where: "home", lines: []string{"INV 0 1 0 3 5 2 club games"},
			screen: []string{"… carol ← club/#gam", "you invited carol to club/#games"}},
		{name: "friend accepted", where: "home", lines: []string{"INV 0 1 0 3", "JOIN 0 1 0 3"},
			screen: []string{"FRIENDS", "○ carol", "you and carol are now friends"}, absent: []string{"INVITES"}},
		{name: "unfriended", where: "home", lines: []string{"BYE 0 2 0 1"},
			absent: []string{"FRIENDS", "● bob"}},
		{name: "password changed", where: "home", lines: []string{"PSW new-password"},
			screen: []string{"password changed"}},
		{name: "file shared", where: "club/#games", lines: []string{"FILESENT 0 2 5 2 notes.txt"},
			screen: []string{"bob │ [file] notes.txt · /download notes.txt"}},
		{name: "image shared is previewed", where: "club/#games", lines: []string{"FILESENT 0 2 5 2 cat.png"},
			events: []client.Event{client.Preview{Addr: games, Name: "cat.png", Size: 123456, Format: "png", Width: 640, Height: 480}},
			screen: []string{"[image] cat.png (PNG 640×480, 120.6 KiB)"}, calls: []string{"Preview 5 2 cat.png"}},
		{name: "direct file", where: "@bob", lines: []string{"FILESENT 0 2 photo.jpg", "FILESENT 0 1 0 2 mine.txt"},
			screen: []string{"bob │ [image] photo.jpg", "alice │ [file] mine.txt"}, calls: []string{"Preview 0 2 photo.jpg"}},
		{name: "game in its table", where: "club/#general", lines: []string{"JEU roulette result 5 2 red 32"},
			screen: []string{"# games            1"}, absent: []string{"red 32"}},
		{name: "game here", where: "club/#games", lines: []string{"JEU roulette result 5 2 red 32"},
			screen: []string{"⚂ roulette │ result 5 2 red 32"}},
		{name: "game without a table", where: "club/#games", lines: []string{"JEU dice help roll NdM"},
			screen: []string{"⚂ dice │ help roll NdM"}},
		{name: "error", where: "club/#games", lines: []string{"ERR MSG you are not a member of that channel"},
			screen: []string{"error: msg: you are not a member of that channel"}},
		{name: "pong error ignored", where: "club/#games", lines: []string{"ERR PONG unknown command"},
			absent: []string{"pong"}},
		{name: "plugin verb", where: "club/#games", lines: []string{"ROLL 2d6 3 4 = 7"},
			screen: []string{"ROLL 2d6 3 4 = 7"}},
		{name: "disconnected", where: "club/#games", events: []client.Event{client.Disconnected{Err: errors.New("EOF"), RetryIn: 2 * time.Second}},
			screen: []string{"○ disconnected (EOF): retrying in 2s"}},
		{name: "reconnecting", where: "club/#games", events: []client.Event{client.Disconnected{Err: errors.New("EOF")}, client.Connecting{Addr: "127.0.0.1:7777", Attempt: 2}},
			screen: []string{"○ reconnecting to 127.0.0.1:7777 (attempt 2)…"}},
		{name: "reconnected", where: "club/#games", events: []client.Event{client.Disconnected{}, client.LoggedIn{Me: 1, Pseudo: "alice", Reconnected: true}},
			screen: []string{"● alice@127.0.0.1:7777 · reconnected"}},
		{name: "history again after reconnecting", where: "club/#games",
			events: []client.Event{client.LoggedIn{Me: 1, Pseudo: "alice", Reconnected: true}, client.Ready{}},
			calls:  []string{"History 5 2"}},
		{name: "upload progress", where: "club/#games", events: []client.Event{client.UploadProgress{ID: 1, To: games, Name: "big.bin", Acked: 512 << 10, Size: 1 << 20}},
			screen: []string{"↑ big.bin 50% of 1.0 MiB"}},
		{name: "upload done", where: "club/#games", events: []client.Event{client.UploadProgress{ID: 1, To: games, Name: "big.bin", Size: 10}, client.UploadDone{ID: 1, To: games, Name: "big.bin", Size: 10}},
			screen: []string{"uploaded big.bin (10 B)"}, absent: []string{"↑"}},
		{name: "upload failed", where: "club/#games", events: []client.Event{client.UploadFailed{ID: 1, To: games, Name: "big.bin", Reason: "file too large"}},
			screen: []string{"error: upload of big.bin failed: file too large"}},
		{name: "download progress", where: "club/#games", events: []client.Event{client.DownloadProgress{Addr: games, Name: "a.zip", Received: 3 << 20, Size: 4 << 20}},
			screen: []string{"↓ a.zip 75% of 4.0 MiB"}},
		{name: "download done", where: "club/#games", events: []client.Event{client.DownloadDone{Addr: games, Name: "a.zip", Path: "/tmp/a.zip", Size: 2048}},
			screen: []string{"saved a.zip to /tmp/a.zip (2.0 KiB)"}},
		{name: "download failed", where: "club/#games", events: []client.Event{client.DownloadFailed{Addr: games, Name: "a.zip", Reason: "no such file"}},
			screen: []string{"error: download of a.zip failed: no such file"}},
		{name: "history", where: "club/#games", events: []client.Event{client.HistoryLoaded{Addr: games, Entries: []history.Entry{
			{Author: 2, Time: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC), Text: "an old message"},
			{Author: 1, Time: time.Date(2026, 1, 2, 10, 1, 0, 0, time.UTC), File: "old.png"},
		}}}, screen: []string{"beginning of the conversation", "bob │ an old message", "alice │ [image] old.png"},
			calls: []string{"Preview 5 2 old.png"}},
		{name: "history failed", where: "club/#games", events: []client.Event{client.DownloadFailed{Addr: games, Name: "save.txt", Reason: "you are not a member of that channel"}},
			screen: []string{"error: cannot load the history: you are not a member"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := loggedIn(t)
			if tt.where == "@bob" {
				h.typeLine("/msg bob")
				h.calls()
			} else {
				h.open(tt.where)
			}
			h.lines(tt.lines...)
			h.events(tt.events...)
			h.expectScreen(tt.screen...)
			h.expectNotScreen(tt.absent...)
			if got := h.calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
		})
	}
}

// The login form: checks before sending, registers or logs in, reports
// refusals, and gives way to the chat screen.
func TestLoginScreen(t *testing.T) {
	h := newHarness(t, testConfig())
	h.expectScreen("Log in", "pseudo", "password", "ctrl+r: create an account instead")
	h.tm.Type("bad pseudo")
	h.press("tab")
	h.tm.Type("password-1")
	h.press("enter")
	h.expectScreen("a pseudo is 1 to 32 characters without spaces")
	if calls := h.calls(); len(calls) != 0 {
		t.Fatalf("calls %q", calls)
	}

	// Register (the pseudo field has the focus again): the confirmation
	// must match.
	h.press("ctrl+r")
	h.expectScreen("Create an account", "again")
	for range len("bad pseudo") {
		h.press("backspace")
	}
	h.tm.Type("alice")
	h.press("tab", "tab")
	h.tm.Type("password-2")
	h.press("enter")
	h.expectScreen("the two passwords differ")
	for range len("password-2") {
		h.press("backspace")
	}
	h.tm.Type("password-1")
	h.press("enter")
	if got := h.calls(); !slices.Equal(got, []string{"Login alice password-1 true"}) {
		t.Fatalf("calls %q", got)
	}
	h.events(client.Connecting{Addr: "127.0.0.1:7777", Attempt: 1})
	h.expectScreen("connecting to 127.0.0.1:7777")
	h.events(client.LoginFailed{Reason: "pseudo already taken"})
	h.expectScreen("pseudo already taken")

	// Log in instead.
	h.press("ctrl+r", "enter")
	if got := h.calls(); !slices.Equal(got, []string{"Login alice password-1 false"}) {
		t.Fatalf("calls %q", got)
	}
	h.events(client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines("ADD ON 0 1 alice", "GRP 0 1")
	h.events(client.Ready{})
	h.expectScreen("logged in: welcome, alice", "● alice@127.0.0.1:7777")

	// The password changed elsewhere: the next login fails, back to the form.
	h.events(client.Disconnected{}, client.LoginFailed{Reason: "bad pseudo or password"})
	h.expectScreen("logged out: bad pseudo or password", "Log in")
}

// A server that cannot be reached is reported on the login screen.
func TestLoginUnreachable(t *testing.T) {
	h := newHarness(t, testConfig())
	h.tm.Type("alice")
	h.press("enter")
	h.tm.Type("password-1")
	h.press("enter")
	h.events(client.Disconnected{Err: errors.New("connection refused"), RetryIn: time.Second})
	h.expectScreen("cannot reach 127.0.0.1:7777: connection refused (retrying)")
}

// With a pseudo and password in the configuration, salon logs in at once.
func TestAutoLogin(t *testing.T) {
	cfg := testConfig()
	cfg.Pseudo, cfg.Password = "alice", "password-1"
	h := newHarness(t, cfg)
	if got := h.calls(); !slices.Equal(got, []string{"Login alice password-1 false"}) {
		t.Fatalf("calls %q", got)
	}
}

func TestTabCompletion(t *testing.T) {
	h := loggedIn(t)
	h.lines("ADD ON 0 4 bobby", "JOIN 5 2 0 4", "FILESENT 0 2 5 2 report.pdf", "FILESENT 0 2 5 2 notes.txt")
	h.open("club/#games")
	steps := []struct {
		keys []string
		typ  string
		want string
	}{
		{typ: "/inv", keys: []string{"tab"}, want: "/invite "},
		{typ: "ca", keys: []string{"tab"}, want: "/invite carol "},
		{keys: []string{"ctrl+u"}, want: ""},
		{typ: "/n", keys: []string{"tab", "tab"}, want: "/nick "}, // /new, then /nick
		{keys: []string{"ctrl+u"}, typ: "/new s", want: "/new s"},
		{keys: []string{"tab"}, want: "/new server "},
		{keys: []string{"ctrl+u"}, typ: "bo", want: "bo"},
		{keys: []string{"tab"}, want: "bob: "},
		{keys: []string{"tab"}, want: "bobby: "},
		{keys: []string{"tab"}, want: "bob: "},
		{keys: []string{"shift+tab"}, want: "bobby: "},
		{keys: []string{"ctrl+u"}, typ: "hi @B", want: "hi @B"},
		{keys: []string{"tab"}, want: "hi @bob "},
		{keys: []string{"ctrl+u"}, typ: "/download ", want: "/download "},
		{keys: []string{"tab"}, want: "/download notes.txt "},
		{keys: []string{"tab"}, want: "/download report.pdf "},
		{keys: []string{"ctrl+u"}, typ: "zz", want: "zz"},
		{keys: []string{"tab"}, want: "zz"},
	}
	for i, s := range steps {
		if s.keys != nil && s.keys[0] == "ctrl+u" {
			h.press("ctrl+e", "ctrl+u")
			h.tm.Type(s.typ)
		} else {
			h.tm.Type(s.typ)
			h.press(s.keys...)
		}
		if got := h.input(); got != s.want {
			t.Fatalf("step %d: input %q, want %q", i, got, s.want)
		}
	}
}

func TestInputHistory(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.typeLine("first")
	h.typeLine("second")
	h.tm.Type("draft")
	for _, step := range []struct{ key, want string }{
		{"up", "second"}, {"up", "first"}, {"up", "first"}, {"down", "second"}, {"down", "draft"}, {"down", "draft"},
	} {
		h.press(step.key)
		if got := h.input(); got != step.want {
			t.Fatalf("after %s: %q, want %q", step.key, got, step.want)
		}
	}
	h.press("up", "enter")
	if got := h.sent(); !slices.Equal(got, []string{"MSG 5 2 first", "MSG 5 2 second", "MSG 5 2 second"}) {
		t.Errorf("sent %q", got)
	}
}

// Navigation: ctrl+n/ctrl+p and alt+N walk the sidebar; opening a
// conversation clears its counts and fetches its history once.
func TestNavigation(t *testing.T) {
	h := loggedIn(t)
	h.lines("MSG 0 2 5 2 unread one")
	h.expectScreen("# games            1")
	h.press("ctrl+n")
	h.expectScreen(" club/#general ")
	h.press("ctrl+n")
	h.expectScreen(" club/#games ", "unread one")
	h.expectNotScreen("# games            1")
	h.press("ctrl+n", "ctrl+n") // @bob (from the friends), then back home
	h.expectScreen(" home ")
	h.press("ctrl+p")
	h.expectScreen(" @bob ")
	h.press("alt+3")
	h.expectScreen(" club/#games ")
	if got := h.calls(); !slices.Equal(got, []string{"History 5 0", "History 5 2", "History 0 2"}) {
		t.Errorf("calls %q (each history once)", got)
	}
}

// Scrolling draws only what shows: the newest lines at the bottom; pgup
// goes back; new messages below are counted while scrolled up.
func TestScrollback(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.events(client.HistoryLoaded{Addr: wire.Addr{Server: 5, Channel: 2}})
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("MSG 0 2 5 2 message number %03d", i))
	}
	h.lines(lines...)
	h.expectScreen("message number 199")
	h.expectNotScreen("message number 150")
	h.press("pgup")
	s := h.expectScreen("message number 160", "more below: pgdown")
	if strings.Contains(s, "message number 199") {
		t.Errorf("pgup did not scroll:\n%s", s)
	}
	h.lines("MSG 0 2 5 2 fresh")
	h.expectScreen("1 new below: pgdown")
	h.expectNotScreen("fresh")
	for range 20 {
		h.press("pgup")
	}
	h.expectScreen("message number 000", "beginning of the conversation")
	h.press("pgdown")
	h.expectNotScreen("message number 000")
	h.typeLine("back to the bottom")
	h.expectScreen("fresh")
	h.expectNotScreen("new below")
}

// Long messages wrap under their text column.
func TestWrapping(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	long := strings.Repeat("word ", 40) + "end"
	h.lines("MSG 0 2 5 2 " + long)
	s := h.expectScreen("bob │ word word", "end")
	var rows []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "word") {
			rows = append(rows, l)
		}
	}
	if len(rows) < 3 {
		t.Fatalf("a 200-character message should wrap in a 74-column pane:\n%s", s)
	}
	col := strings.Index(rows[0], "│ word")
	for _, r := range rows[1:] {
		if strings.Index(r, "│ word") != col {
			t.Errorf("continuation not aligned:\n%s", strings.Join(rows, "\n"))
		}
	}
}

// The member list hides on narrow terminals.
func TestNarrowTerminal(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.expectScreen("MEMBERS 2")
	h.tm.Send(windowSize(80, 24))
	h.expectNotScreen("MEMBERS")
}
