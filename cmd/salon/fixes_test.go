package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// texts returns the texts of a conversation's items, errors marked.
func texts(m *model, a wire.Addr) []string {
	var out []string
	if c := m.st.Convs[a]; c != nil {
		for _, it := range c.Items {
			if it.Error {
				out = append(out, "error: "+it.Text)
			} else {
				out = append(out, it.Text)
			}
		}
	}
	return out
}

// What the server answers to /friend and /invite is told in the
// conversation the command was typed in, even if the user has moved on.
func TestFeedbackWhereTyped(t *testing.T) {
	games := wire.Addr{Server: 5, Channel: 2}
	h := loggedIn(t)
	h.open("club/#games")
	h.typeLine("/invite carol")
	h.typeLine("/friend carol")
	h.typeLine("/invite bob")
	if got := h.sent(); !slices.Equal(got, []string{"INV 0 3 5 2", "INV 0 3", "INV 0 2 5 2"}) {
		t.Fatalf("sent %q", got)
	}
	h.open("home")
	h.lines("INV 0 1 0 3 5 2 club games", "INV 0 1 0 3", "ERR INV bob is already a member")
	h.inspect(func(m *model) {
		got := texts(m, games)
		want := []string{"you invited carol to club/#games", "you asked carol to be your friend", "error: inv: bob is already a member"}
		if !slices.Equal(got, want) {
			t.Errorf("club/#games says %q, want %q", got, want)
		}
		for _, text := range texts(m, client.Home) {
			if strings.Contains(text, "carol") || strings.Contains(text, "bob is") {
				t.Errorf("home says %q", text)
			}
		}
	})
	// An invitation sent from another session has no origin here: home.
	h.lines("INV 0 1 0 3 5 0 club general")
	h.inspect(func(m *model) {
		if got := texts(m, client.Home); !slices.Contains(got, "you invited carol to club") {
			t.Errorf("home says %q", got)
		}
	})
}

// Errors are told apart from notices without colours (a mark and a
// word) and with them (bold red).
func TestErrorsStandOut(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.lines("JOIN 5 2 0 3")
	h.typeLine("/bogus")
	h.expectScreen("-- │ carol joined", "!! │ error: unknown command /bogus")
	h.inspect(func(m *model) {
		red := regexp.MustCompile(`\x1b\[[0-9;]*31[;m]`)
		for _, line := range strings.Split(m.View().Content, "\n") {
			switch plain := stripANSI(line); {
			case strings.Contains(plain, "unknown command") && !red.MatchString(line):
				t.Errorf("error line not red: %q", line)
			case strings.Contains(plain, "carol joined") && red.MatchString(line):
				t.Errorf("notice line red: %q", line)
			}
		}
	})
}

// Counts take the noun's right form.
func TestPlurals(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.expectScreen("2 members, 2 online")
	h.lines("BYE 0 2 5 2")
	h.expectScreen("1 member, 1 online")
	h.expectNotScreen("1 members")
}

// A nick change is told in every conversation the user shares with this
// one, and the messages they wrote show the pseudo they have now.
func TestNickChangeLine(t *testing.T) {
	general, games := wire.Addr{Server: 5}, wire.Addr{Server: 5, Channel: 2}
	h := loggedIn(t)
	h.open("club/#general")
	h.open("club/#games")
	h.typeLine("/msg carol")
	h.lines("MSG 0 3 0 1 hello alice", "MSG 0 3 5 0 hi all")
	h.open("club/#general")
	h.lines("RENAME caro 0 3")
	h.expectScreen("-- │ carol is now caro", "caro │ hi all")
	h.expectNotScreen("carol │")
	h.inspect(func(m *model) {
		for a, want := range map[wire.Addr]bool{general: true, wire.User(3): true, games: false} {
			if got := slices.Contains(texts(m, a), "carol is now caro"); got != want {
				t.Errorf("%s: told %v, want %v: %q", m.st.ConversationName(a), got, want, texts(m, a))
			}
		}
		if c := m.st.Convs[wire.User(3)]; c.Unread != 0 {
			t.Errorf("the notice counts as unread: %d", c.Unread)
		}
	})
}

// Tab completes the kind of invitation after /accept and /decline, then
// the pseudo.
func TestAcceptCompletion(t *testing.T) {
	h := loggedIn(t)
	h.lines("SENT 0 3")
	h.tm.Type("/accept ")
	h.press("tab")
	if got := h.input(); got != "/accept friend " {
		t.Fatalf("input %q", got)
	}
	h.tm.Type("ca")
	h.press("tab")
	if got := h.input(); got != "/accept friend carol " {
		t.Fatalf("input %q", got)
	}
	h.press("enter")
	if got := h.sent(); !slices.Equal(got, []string{"JOIN 0 3"}) {
		t.Errorf("sent %q", got)
	}
	h.tm.Type("/decline i")
	h.press("tab")
	if got := h.input(); got != "/decline invite " {
		t.Fatalf("input %q", got)
	}
}
