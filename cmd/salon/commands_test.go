package main

import (
	"slices"
	"strings"
	"testing"
)

func TestKeyNames(t *testing.T) {
	for _, name := range []string{"enter", "tab", "shift+tab", "alt+2", "ctrl+n", "ctrl+r", "pgup", "up", "a", "esc", "ctrl+end"} {
		if name == "ctrl+end" {
			continue
		}
		if got := keyPress(name).String(); got != name {
			t.Errorf("keyPress(%q).String() = %q", name, got)
		}
	}
}

// Every slash command, typed in the conversation "where", sends exactly
// the lines it should (or none), and says what the user must know.
func TestCommands(t *testing.T) {
	tests := []struct {
		name   string
		where  string   // conversation on screen
		setup  []string // server lines first
		input  string
		lines  []string // sent
		calls  []string // other calls on the client
		screen []string // shown
	}{
		{name: "new server", where: "home", input: "/new server den", lines: []string{"NEW SERV den"}},
		{name: "new channel", where: "club/#general", input: "/new channel dice", lines: []string{"NEW CHAN 5 dice"}},
		{name: "new channel at home", where: "home", input: "/new channel dice", screen: []string{"error: open a channel of the server first"}},
		{name: "new nonsense", where: "home", input: "/new planet x", screen: []string{"usage: /new server NAME | channel NAME"}},
		{name: "new bad name", where: "home", input: "/new server", screen: []string{"usage: /new"}},
		{name: "invite known", where: "club/#games", input: "/invite carol", lines: []string{"INV 0 3 5 2"}},
		{name: "invite with @", where: "club/#games", input: "/invite @carol", lines: []string{"INV 0 3 5 2"}},
		{name: "invite in a dm", where: "@bob", input: "/invite carol", screen: []string{"error: /invite works in a channel"}},
		{name: "invite unknown asks WHO", where: "club/#games", input: "/invite dave", lines: []string{"WHO dave"}},
		{name: "friend", where: "home", input: "/friend carol", lines: []string{"INV 0 3"}},
		{name: "unfriend", where: "home", input: "/unfriend bob", lines: []string{"BYE 0 2"}},
		{name: "unfriend nobody", where: "home", input: "/unfriend zed", screen: []string{"error: no such user: zed"}},
		{name: "accept the only one", where: "home", setup: []string{"INV 0 3 5 7 club poker"}, input: "/accept", lines: []string{"JOIN 5 7"}},
		{name: "accept alone is ambiguous", where: "home", setup: []string{"SENT 0 3", "INV 0 3 5 7 club poker"}, input: "/accept",
			screen: []string{"!! │ error: several invitations match: type /accept friend carol or /accept invite", "│ carol club/#poker"}},
		{name: "accept pseudo is ambiguous", where: "home", setup: []string{"SENT 0 3", "INV 0 3 5 7 club poker"}, input: "/accept carol",
			screen: []string{"/accept friend carol or /accept invite"}},
		{name: "accept friend", where: "home", setup: []string{"SENT 0 3", "INV 0 3 5 7 club poker"}, input: "/accept friend carol", lines: []string{"JOIN 0 3"}},
		{name: "accept invite", where: "home", setup: []string{"INV 0 3 5 7 club poker", "SENT 0 3"}, input: "/accept invite carol", lines: []string{"JOIN 5 7"}},
		{name: "accept invite to a place", where: "home", setup: []string{"INV 0 3 5 7 club poker", "INV 0 3 5 8 club dice", "SENT 0 3"},
			input: "/accept invite carol club/#dice", lines: []string{"JOIN 5 8"}},
		{name: "accept invite by place alone", where: "home", setup: []string{"INV 0 3 5 7 club poker", "INV 0 3 5 8 club dice"},
			input: "/accept invite #dice", lines: []string{"JOIN 5 8"}},
		{name: "accept friend when only an invitation", where: "home", setup: []string{"INV 0 3 5 7 club poker"}, input: "/accept friend carol",
			screen: []string{"error: no pending friend request matches carol"}},
		{name: "accept too many words", where: "home", setup: []string{"SENT 0 3"}, input: "/accept friend carol now",
			screen: []string{"usage: /accept friend PSEUDO | invite PSEUDO [PLACE]"}},
		{name: "decline friend by kind", where: "home", setup: []string{"SENT 0 3", "INV 0 3 5 7 club poker"}, input: "/decline friend carol", lines: []string{"BYE 0 3"}},
		{name: "accept by pseudo", where: "home", setup: []string{"ADD OFF 0 4 dave", "SENT 0 4", "INV 0 3 5 7 club poker"}, input: "/accept dave", lines: []string{"JOIN 0 4"}},
		{name: "accept by place", where: "home", setup: []string{"INV 0 3 5 7 club poker", "SENT 0 3"}, input: "/accept #poker", lines: []string{"JOIN 5 7"}},
		{name: "accept nothing", where: "home", input: "/accept", screen: []string{"error: no pending invitation"}},
		{name: "decline friend", where: "home", setup: []string{"SENT 0 3"}, input: "/decline", lines: []string{"BYE 0 3"}},
		{name: "decline channel", where: "home", setup: []string{"INV 0 3 5 7 club poker"}, input: "/decline carol", screen: []string{"declined the invitation to club/#poker"}},
		{name: "msg", where: "home", input: "/msg bob hi there", lines: []string{"MSG 0 2 hi there"}, calls: []string{"History 0 2"}, screen: []string{" @bob "}},
		{name: "msg opens only", where: "home", input: "/msg @carol", calls: []string{"History 0 3"}, screen: []string{" @carol "}},
		{name: "msg unknown asks WHO", where: "home", input: "/msg zed hello", lines: []string{"WHO zed"}},
		{name: "leave channel", where: "club/#games", input: "/leave", lines: []string{"BYE 5 2"}},
		{name: "leave server", where: "club/#general", input: "/leave", lines: []string{"BYE 5 0"}},
		{name: "leave dm", where: "@bob", input: "/leave", screen: []string{" home "}},
		{name: "delete asks", where: "club/#games", input: "/delete", screen: []string{"type /delete games to confirm"}},
		{name: "delete channel", where: "club/#games", input: "/delete games", lines: []string{"DEL 5 2"}},
		{name: "delete server", where: "club/#general", input: "/delete club", lines: []string{"DEL 5 0"}},
		{name: "delete wrong name", where: "club/#general", input: "/delete games", screen: []string{"the server club with all its channels"}},
		{name: "rename channel", where: "club/#games", input: "/rename lounge", lines: []string{"RENAME lounge 5 2"}},
		{name: "rename server", where: "club/#general", input: "/rename salon", lines: []string{"RENAME salon 5"}},
		{name: "rename at home", where: "home", input: "/rename x", screen: []string{"error: /rename works in a channel"}},
		{name: "nick", where: "home", input: "/nick alicia", lines: []string{"PSD alicia secret-password"}},
		{name: "nick invalid", where: "home", input: "/nick", screen: []string{"usage: /nick PSEUDO"}},
		{name: "password new", where: "home", input: "/password new-password", lines: []string{"PSW secret-password new-password"}},
		{name: "password old new", where: "home", input: "/password old-password new-password", lines: []string{"PSW old-password new-password"}},
		{name: "password short", where: "home", input: "/password short", screen: []string{"error: a password is 8 to 128 bytes"}},
		{name: "who", where: "home", input: "/who bob", lines: []string{"WHO bob"}},
		{name: "upload", where: "club/#games", input: "/upload /tmp/some file.bin", calls: []string{"Upload 5 2 /tmp/some file.bin"}, screen: []string{"uploading name.bin"}},
		{name: "upload fails", where: "club/#games", input: "/upload /tmp/missing", calls: []string{"Upload 5 2 /tmp/missing"}, screen: []string{"error: cannot upload: no such file"}},
		{name: "upload at home", where: "home", input: "/upload /tmp/x", screen: []string{"error: /upload works in a conversation"}},
		{name: "download", where: "@bob", input: "/download cat.png", calls: []string{"Download 0 2 cat.png ."}},
		{name: "download to", where: "club/#games", input: "/download cat.png /tmp/cat.png", calls: []string{"Download 5 2 cat.png /tmp/cat.png"}},
		{name: "download usage", where: "club/#games", input: "/download", screen: []string{"usage: /download NAME [PATH]"}},
		{name: "jeu here", where: "club/#games", input: "/jeu roulette bet . red 50", lines: []string{"JEU roulette bet 5 2 red 50"}},
		{name: "jeu plain", where: "home", input: "/jeu dice help", lines: []string{"JEU dice help"}},
		{name: "jeu dot at home", where: "home", input: "/jeu roulette bet . red 50", screen: []string{"error: “.” stands for the conversation on screen"}},
		{name: "reconnect", where: "home", input: "/reconnect", calls: []string{"Reconnect"}},
		{name: "help", where: "club/#games", input: "/help", screen: []string{"/upload PATH — share a file", "/jeu GAME ARGS", "tab complete"}},
		{name: "unknown", where: "home", input: "/bogus", screen: []string{"error: unknown command /bogus"}},
		{name: "say", where: "club/#games", input: "plain text", lines: []string{"MSG 5 2 plain text"}},
		{name: "say in dm", where: "@bob", input: "hi @bob", lines: []string{"MSG 0 2 hi @bob"}},
		{name: "say a slash", where: "club/#games", input: "//slash", lines: []string{"MSG 5 2 /slash"}},
		{name: "say at home", where: "home", input: "hello", screen: []string{"error: this is not a conversation"}},
		{name: "say too long", where: "club/#games", input: strings.Repeat("é", 2001), screen: []string{"error: a message is at most 4000 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := loggedIn(t)
			h.lines("ADD OFF 0 1 alice") // nothing: an upsert
			h.lines(tt.setup...)
			if tt.where == "@bob" {
				h.typeLine("/msg bob")
				h.sent()
				h.calls()
			} else {
				h.open(tt.where)
			}
			h.typeLine(tt.input)
			if got := h.sent(); !slices.Equal(got, tt.lines) {
				t.Errorf("sent %q, want %q", got, tt.lines)
			}
			if got := h.calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			h.expectScreen(tt.screen...)
		})
	}
}

// WHO answers complete what waited for them: an invitation, a friend
// request, a direct message, a look-up.
func TestWhoWaiters(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.typeLine("/invite dave")
	h.typeLine("/friend dave")
	h.typeLine("/who dave")
	if got := h.sent(); !slices.Equal(got, []string{"WHO dave", "WHO dave", "WHO dave"}) {
		t.Fatalf("sent %q", got)
	}
	h.lines("ADD OFF 0 4 Dave")
	if got := h.sent(); !slices.Equal(got, []string{"INV 0 4 5 2", "INV 0 4"}) {
		t.Errorf("after ADD: sent %q", got)
	}
	h.expectScreen("Dave is offline (tag 4)")
	// Another ADD for dave (presence) does nothing more.
	h.lines("ADD ON 0 4 Dave")
	if got := h.sent(); len(got) != 0 {
		t.Errorf("sent %q", got)
	}
	h.typeLine("/msg zed hi")
	h.lines("ERR WHO no such user")
	h.expectScreen("error: who: no such user")
	h.lines("ADD ON 0 9 zed")
	if got := h.sent(); !slices.Equal(got, []string{"WHO zed"}) {
		t.Errorf("a refused WHO must not act later: sent %q", got)
	}
}

func TestQuit(t *testing.T) {
	h := loggedIn(t)
	h.typeLine("/quit")
	h.tm.WaitFinished(t, finalTimeout)
	select {
	case <-h.fake.closed:
	default:
		t.Error("quitting did not close the session")
	}
}

func TestCtrlCQuits(t *testing.T) {
	h := newHarness(t, testConfig())
	h.press("ctrl+c")
	h.tm.WaitFinished(t, finalTimeout)
	select {
	case <-h.fake.closed:
	default:
		t.Error("ctrl+c did not close the session")
	}
}
