package main

// End to end: the whole program (model, views and a real client.Client)
// driven by keys through teatest, against a real salond on a loopback
// port, with a second user speaking through the client package.

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/wire"
)

const e2eTimeout = 10 * time.Second

// waitScreen polls the screen until it holds every want.
func (h *harness) waitScreen(want ...string) string {
	h.t.Helper()
	deadline := time.Now().Add(e2eTimeout)
	for {
		s := h.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("screen still lacks %q after %v:\n%s", missing, e2eTimeout, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peer is the other user: a client.Client and the State its events keep.
type peer struct {
	t  *testing.T
	c  *client.Client
	st *client.State
}

func newPeer(t *testing.T, addr, pseudo string) *peer {
	p := &peer{t: t, c: client.New(client.Options{Addr: addr}), st: client.NewState()}
	p.c.Login(pseudo, "password-"+pseudo, true)
	t.Cleanup(p.c.Close)
	p.until("logged in", func(e client.Event) bool { _, ok := e.(client.Ready); return ok })
	return p
}

// until applies events until one satisfies ok.
func (p *peer) until(what string, ok func(client.Event) bool) client.Event {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	var found client.Event
	for found == nil {
		evs, err := p.c.NextEvents(ctx)
		if err != nil {
			p.t.Fatalf("peer: %s did not happen", what)
		}
		for _, e := range evs {
			p.st.Apply(e)
			if found == nil && ok(e) {
				found = e
			}
		}
	}
	return found
}

func (p *peer) send(line string) {
	p.t.Helper()
	if err := p.c.Send(line); err != nil {
		p.t.Fatal(err)
	}
}

func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.Config(dir))
	addr := srv.Addr

	c := client.New(client.Options{Addr: addr, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	cfg := testConfig()
	cfg.Downloads = t.TempDir()
	m := newModel(c, cfg)
	h := &harness{t: t, m: m, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 32))}
	t.Cleanup(func() {
		m.cancel()
		h.tm.Quit()
		h.tm.WaitFinished(t, finalTimeout)
	})

	// alice creates her account from the first screen.
	h.waitScreen("Log in")
	h.press("ctrl+r")
	h.tm.Type("alice")
	h.press("tab")
	h.tm.Type("password-alice")
	h.press("tab")
	h.tm.Type("password-alice")
	h.press("enter")
	h.waitScreen("account created: welcome, alice", "● alice@"+addr)

	// She creates a server, and lands in its general channel.
	h.typeLine("/new server club")
	h.waitScreen(" club/#general ", "# general", "beginning of the conversation")
	var club wire.Addr
	h.inspect(func(m *model) { club = m.st.Active })

	// bob registers; alice invites him by pseudo (the client asks WHO).
	bob := newPeer(t, addr, "bob")
	h.typeLine("/invite bob")
	bob.until("invitation", func(e client.Event) bool { i, ok := e.(client.Invite); return ok && i.Place == club })
	bob.send(wire.Head("JOIN", club))
	h.waitScreen("bob joined", "● bob", "2 members, 2 online")

	// They chat; bob's mention of alice is highlighted for her.
	bob.send(wire.Head("MSG", club, "hi @alice!"))
	h.waitScreen("bob │ hi @alice!")
	h.typeLine("hello @bob")
	bob.until("alice's message", func(e client.Event) bool { m, ok := e.(client.Message); return ok && m.Text == "hello @bob" })
	if it := lastItem(bob.st, club); !it.Mention {
		t.Errorf("bob's view of the mention: %+v", it)
	}

	// A direct message, from the command line.
	h.typeLine("/msg bob psst")
	h.waitScreen(" @bob ", "alice │ psst")
	bob.until("direct message", func(e client.Event) bool { m, ok := e.(client.Message); return ok && m.Text == "psst" && m.To.IsUser() })
	h.press("alt+2") // back to club/#general
	h.waitScreen(" club/#general ")

	// alice uploads a file; bob downloads it byte for byte.
	data := make([]byte, 200_000)
	rand.Read(data)
	src := filepath.Join(t.TempDir(), "data.bin")
	os.WriteFile(src, data, 0o600)
	h.typeLine("/upload " + src)
	h.waitScreen("uploaded data.bin", "alice │ [file] data.bin")
	bob.until("file", func(e client.Event) bool { f, ok := e.(client.FileSent); return ok && f.Name == "data.bin" })
	bobDir := t.TempDir()
	bob.c.Download(club, "data.bin", bobDir)
	bob.until("download", func(e client.Event) bool { _, ok := e.(client.DownloadDone); return ok })
	if got, _ := os.ReadFile(filepath.Join(bobDir, "data.bin")); !bytes.Equal(got, data) {
		t.Fatal("bob's copy differs from alice's file")
	}

	// bob shares a file; alice saves it with /download (tab completes it).
	theirs := make([]byte, 9000)
	rand.Read(theirs)
	bobFile := filepath.Join(t.TempDir(), "from-bob.txt")
	os.WriteFile(bobFile, theirs, 0o600)
	bob.c.Upload(club, bobFile)
	h.waitScreen("bob │ [file] from-bob.txt")
	h.tm.Type("/download fr")
	h.press("tab", "enter")
	h.waitScreen("saved from-bob.txt to ", "saved "+filepath.Join(cfg.Downloads, "from-bob.txt"))
	if got, _ := os.ReadFile(filepath.Join(cfg.Downloads, "from-bob.txt")); !bytes.Equal(got, theirs) {
		t.Fatal("alice's copy differs from bob's file")
	}

	// The history, as bob fetches it, holds it all in order.
	// With tags, that is the newest HIST page.
	bob.c.History(club)
	var got []string
	bob.until("history", func(e client.Event) bool {
		switch e := e.(type) {
		case client.Message:
			if e.Source == client.Paged {
				got = append(got, e.Text)
			}
		case client.FileSent:
			if e.Source == client.Paged {
				got = append(got, e.Name)
			}
		case client.End:
			return e.Verb == "HIST"
		}
		return false
	})
	if strings.Join(got, "|") != "hi @alice!|hello @bob|data.bin|from-bob.txt" {
		t.Errorf("history: %q", got)
	}

	// Presence: bob goes away.
	bob.c.Close()
	h.waitScreen("○ bob", "2 members, 1 online")

	// The server restarts: alice's client says so, reconnects by itself,
	// and reloads what is on screen from the history.
	srv.Stop()
	h.waitScreen("disconnected")
	cfg2 := servertest.Config(dir)
	cfg2.Listen = addr
	servertest.Start(t, cfg2)
	s := h.waitScreen("reconnected", "● alice@"+addr)
	h.waitScreen("bob │ hi @alice!", "alice │ [file] data.bin")
	if strings.Count(s, "hi @alice!") > 1 {
		t.Errorf("a message shows twice after reloading:\n%s", s)
	}

	// /quit logs out and ends the program.
	h.typeLine("/quit")
	h.tm.WaitFinished(t, finalTimeout)
}

func lastItem(s *client.State, a wire.Addr) client.Item {
	c := s.Convs[a]
	if c == nil || len(c.Items) == 0 {
		return client.Item{}
	}
	return c.Items[len(c.Items)-1]
}
