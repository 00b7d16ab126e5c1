package client_test

// End-to-end tests: Clients against a real salond (servertest) on a
// loopback port, each with a State kept up to date by its events, as a UI
// would.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/wire"
)

const timeout = 10 * time.Second

// peer is a Client with the State its events maintain.
type peer struct {
	t      *testing.T
	name   string
	c      *client.Client
	st     *client.State
	events []client.Event // every event received, in order
}

func fastOptions(addr string) client.Options {
	return client.Options{Addr: addr, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
}

// connect starts a client for pseudo (password "password-"+pseudo, as
// servertest uses) and waits until its login burst is in.
func connect(t *testing.T, opts client.Options, pseudo string, register bool) *peer {
	t.Helper()
	p := &peer{t: t, name: pseudo, c: client.New(opts), st: client.NewState()}
	p.c.Login(pseudo, "password-"+pseudo, register)
	t.Cleanup(p.c.Close)
	p.waitEvent(func(e client.Event) bool { _, ok := e.(client.Ready); return ok })
	return p
}

// waitEvent applies events to the state until one satisfies ok, and
// returns it.
func (p *peer) waitEvent(ok func(client.Event) bool) client.Event {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		// Events already received but not yet examined come first.
		evs, err := p.c.NextEvents(ctx)
		if err != nil {
			p.t.Fatalf("%s: no matching event within %v; last events: %s", p.name, timeout, p.tail())
		}
		for i, e := range evs {
			p.st.Apply(e)
			p.events = append(p.events, e)
			if ok(e) {
				p.requeue(evs[i+1:])
				return e
			}
		}
	}
}

// requeue keeps events that arrived after the awaited one for the next
// wait, applying them now: the state is always up to date.
func (p *peer) requeue(evs []client.Event) {
	for _, e := range evs {
		p.st.Apply(e)
		p.events = append(p.events, e)
	}
}

// waitState pumps events until the state satisfies ok.
func (p *peer) waitState(what string, ok func(*client.State) bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok(p.st) {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		evs, err := p.c.NextEvents(ctx)
		cancel()
		if err != nil {
			p.t.Fatalf("%s: %s not reached within %v; last events: %s", p.name, what, timeout, p.tail())
		}
		p.requeue(evs)
	}
}

func (p *peer) tail() string {
	var b strings.Builder
	for _, e := range p.events[max(0, len(p.events)-15):] {
		fmt.Fprintf(&b, "\n  %#v", e)
	}
	return b.String()
}

func (p *peer) send(line string) {
	p.t.Helper()
	if err := p.c.Send(line); err != nil {
		p.t.Fatalf("%s: send %q: %v", p.name, line, err)
	}
}

func (p *peer) me() int64 { return p.st.Me }

// serverNamed waits until the user is in a server called name.
func (p *peer) serverNamed(name string) *client.Server {
	p.t.Helper()
	var found *client.Server
	p.waitState("server "+name, func(s *client.State) bool {
		for _, sv := range s.Servers {
			if sv.Name == name {
				found = sv
				return true
			}
		}
		return false
	})
	return found
}

func lastItem(s *client.State, a wire.Addr) client.Item {
	c := s.Convs[a]
	if c == nil || len(c.Items) == 0 {
		return client.Item{}
	}
	return c.Items[len(c.Items)-1]
}

func TestChatInviteAndPresence(t *testing.T) {
	srv := servertest.Start(t, nil)
	alice := connect(t, fastOptions(srv.Addr), "alice", true)
	bob := connect(t, fastOptions(srv.Addr), "bob", true)

	// alice creates a server and a channel.
	alice.send("NEW SERV club")
	club := alice.serverNamed("club")
	general := wire.Addr{Server: club.Tag}
	alice.send(wire.Head("NEW CHAN", club.Tag, "games"))
	var games wire.Addr
	alice.waitState("channel games", func(s *client.State) bool {
		for _, ch := range s.Servers[club.Tag].Channels {
			if ch.Name == "games" {
				games = ch.Addr
				return true
			}
		}
		return false
	})

	// alice finds bob and invites him to #games; he accepts.
	alice.send("WHO bob")
	alice.waitState("bob known", func(s *client.State) bool { return s.FindUser("bob") != nil })
	bobTag := alice.st.FindUser("bob").Tag
	alice.send(wire.Head("INV", wire.User(bobTag), games))
	bob.waitState("invitation", func(s *client.State) bool { return len(s.Invites) == 1 })
	inv := bob.st.Invites[0]
	if inv.From != alice.me() || inv.To != bob.me() || inv.Place != games || inv.Name() != "club/#games" {
		t.Fatalf("bob's invitation: %+v", inv)
	}
	if !strings.Contains(lastItem(bob.st, client.Home).Text, "alice invites you to club/#games") {
		t.Errorf("bob's notice: %+v", lastItem(bob.st, client.Home))
	}
	bob.send(wire.Head("JOIN", games))
	bob.waitState("member of games", func(s *client.State) bool {
		ch := s.Channel(games)
		return ch != nil && ch.Members[alice.me()] && ch.Members[bob.me()] && s.Channel(general) != nil && len(s.Invites) == 0
	})
	alice.waitState("bob in games", func(s *client.State) bool {
		return s.Channel(games).Members[bob.me()] && s.Channel(general).Members[bob.me()] && len(s.Invites) == 0
	})

	// A message in the channel mentions bob: unread and marked for him.
	bob.st.Open(general)
	alice.send(wire.Head("MSG", games, "hello @bob, ready?"))
	bob.waitState("message", func(s *client.State) bool { return lastItem(s, games).Text == "hello @bob, ready?" })
	it := lastItem(bob.st, games)
	if it.Author != alice.me() || !it.Mention || it.Kind != client.Said {
		t.Errorf("bob's item: %+v", it)
	}
	if c := bob.st.Convs[games]; c.Unread != 1 || c.Mentions != 1 {
		t.Errorf("bob's counts: unread %d mentions %d, want 1 1", c.Unread, c.Mentions)
	}
	alice.waitState("own echo", func(s *client.State) bool { return lastItem(s, games).Text == "hello @bob, ready?" })
	if c := alice.st.Convs[games]; c.Unread != 0 || lastItem(alice.st, games).Mention {
		t.Errorf("alice's own message counted: %+v", c)
	}

	// A direct message (they share a server now).
	bob.send(wire.Head("MSG", wire.User(alice.me()), "yes!"))
	alice.waitState("dm", func(s *client.State) bool { return lastItem(s, wire.User(bob.me())).Text == "yes!" })
	if c := alice.st.Convs[wire.User(bob.me())]; c.Mentions != 1 {
		t.Errorf("a direct message should count as a mention: %+v", c)
	}
	bob.waitState("dm echo", func(s *client.State) bool { return lastItem(s, wire.User(alice.me())).Text == "yes!" })

	// Friends: bob asks, alice accepts.
	bob.send(wire.Head("INV", wire.User(alice.me())))
	alice.waitState("friend request", func(s *client.State) bool {
		return len(s.Invites) == 1 && s.Invites[0].Place.IsUser() && s.Invites[0].From == bob.me()
	})
	alice.send(wire.Head("JOIN", wire.User(bob.me())))
	alice.waitState("friends", func(s *client.State) bool { return s.Friends[bob.me()] && len(s.Invites) == 0 })
	bob.waitState("friends", func(s *client.State) bool { return s.Friends[alice.me()] && len(s.Invites) == 0 })

	// Presence: bob leaves and comes back.
	if !alice.st.Users[bob.me()].Online {
		t.Fatal("bob should be online")
	}
	bob.c.Close()
	alice.waitState("bob offline", func(s *client.State) bool { return !s.Users[bob.me()].Online })
	bob2 := connect(t, fastOptions(srv.Addr), "bob", false)
	alice.waitState("bob online", func(s *client.State) bool { return s.Users[bob.me()].Online })
	// bob's new session has everything back from the burst.
	if !bob2.st.Friends[alice.me()] || bob2.st.Channel(games) == nil || !bob2.st.Channel(games).Members[alice.me()] {
		t.Errorf("bob's burst state: friends %v, servers %v", bob2.st.Friends, bob2.st.Servers)
	}

	// bob leaves #games: alice sees him go; he loses the channel.
	bob2.send(wire.Head("BYE", games))
	alice.waitState("bob left games", func(s *client.State) bool { return !s.Channel(games).Members[bob.me()] })
	bob2.waitState("games gone", func(s *client.State) bool { return s.Channel(games) == nil && s.Channel(general) != nil })

	// alice renames and deletes.
	alice.send(wire.Head("RENAME", "lounge", games))
	alice.waitState("renamed", func(s *client.State) bool { return s.Channel(games).Name == "lounge" })
	alice.send(wire.Head("RENAME", "salon", club.Tag))
	bob2.waitState("server renamed", func(s *client.State) bool { return s.Servers[club.Tag].Name == "salon" })
	alice.send(wire.Head("DEL", general))
	bob2.waitState("server deleted", func(s *client.State) bool { return s.Servers[club.Tag] == nil })
	alice.waitState("server deleted", func(s *client.State) bool { return len(s.Servers) == 0 })

	// Ending the friendship.
	alice.send(wire.Head("BYE", wire.User(bob.me())))
	bob2.waitState("unfriended", func(s *client.State) bool { return !s.Friends[alice.me()] })
}

func TestUploadDownloadAndHistory(t *testing.T) {
	srv := servertest.Start(t, nil)
	alice := connect(t, fastOptions(srv.Addr), "alice", true)
	bob := connect(t, fastOptions(srv.Addr), "bob", true)
	alice.send("NEW SERV club")
	club := alice.serverNamed("club")
	general := wire.Addr{Server: club.Tag}
	alice.send("WHO bob")
	alice.waitState("bob known", func(s *client.State) bool { return s.FindUser("bob") != nil })
	alice.send(wire.Head("INV", wire.User(bob.me()), general))
	bob.waitState("invited", func(s *client.State) bool { return len(s.Invites) == 1 })
	bob.send(wire.Head("JOIN", general))
	bob.waitState("joined", func(s *client.State) bool { return s.Channel(general) != nil })
	alice.send(wire.Head("MSG", general, "here is the map"))

	// Several lines' worth of random bytes, not a multiple of a chunk, with
	// a name that needs sanitizing.
	data := make([]byte, 3*2880*70+123)
	rand.Read(data)
	src := filepath.Join(t.TempDir(), "the map.png")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	id, name, err := alice.c.Upload(general, src)
	if err != nil || name != "the_map.png" {
		t.Fatalf("Upload: %d %q %v", id, name, err)
	}
	done := alice.waitEvent(func(e client.Event) bool {
		switch e := e.(type) {
		case client.UploadFailed:
			t.Fatalf("upload failed: %s", e.Reason)
		case client.UploadDone:
			return e.ID == id
		}
		return false
	}).(client.UploadDone)
	if done.Size != int64(len(data)) {
		t.Errorf("UploadDone: %+v", done)
	}
	var progress []int64
	for _, e := range alice.events {
		if p, ok := e.(client.UploadProgress); ok && p.ID == id {
			progress = append(progress, p.Acked)
		}
	}
	if len(progress) < 10 || progress[0] != 0 || progress[len(progress)-1] != int64(len(data)) {
		t.Errorf("progress reports: %v", progress)
	}
	bob.waitState("file shared", func(s *client.State) bool { return lastItem(s, general).File == "the_map.png" })
	if it := lastItem(bob.st, general); it.Kind != client.Shared || it.Author != alice.me() {
		t.Errorf("bob's file item: %+v", it)
	}

	// bob saves it into a folder twice at once (the second GET waits for
	// the first, and a free name is picked), then under a name of his own.
	dir := t.TempDir()
	for range 2 {
		if err := bob.c.Download(general, "the_map.png", dir); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"the_map.png", "the_map-2.png"} {
		got := bob.waitEvent(func(e client.Event) bool {
			if f, ok := e.(client.DownloadFailed); ok {
				t.Fatalf("download failed: %s", f.Reason)
			}
			_, ok := e.(client.DownloadDone)
			return ok
		}).(client.DownloadDone)
		if got.Path != filepath.Join(dir, want) || got.Size != int64(len(data)) {
			t.Errorf("DownloadDone: %+v, want path %s", got, want)
		}
		if b, err := os.ReadFile(got.Path); err != nil || !bytes.Equal(b, data) {
			t.Fatalf("downloaded file differs (%v)", err)
		}
	}
	named := filepath.Join(dir, "mine.png")
	bob.c.Download(general, "the_map.png", named)
	bob.waitEvent(func(e client.Event) bool { d, ok := e.(client.DownloadDone); return ok && d.Path == named })
	if b, _ := os.ReadFile(named); !bytes.Equal(b, data) {
		t.Fatal("downloaded file differs")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".salon-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// A missing file is refused, and the refusal does not block the next
	// download of another name, nor a history.
	bob.c.Download(general, "nothing.txt", dir)
	f := bob.waitEvent(func(e client.Event) bool { _, ok := e.(client.DownloadFailed); return ok }).(client.DownloadFailed)
	if f.Name != "nothing.txt" || f.Reason != "no such file" {
		t.Errorf("DownloadFailed: %+v", f)
	}

	// The history, with its text and its file, as the newest HIST page (the
	// client asks for tags); a message sent while it loads appears once.
	if !bob.st.Open(general) {
		t.Fatal("Open should ask for the history")
	}
	if err := bob.c.History(general); err != nil {
		t.Fatal(err)
	}
	alice.send(wire.Head("MSG", general, "did you get it?"))
	h := bob.waitEvent(func(e client.Event) bool { end, ok := e.(client.End); return ok && end.Verb == "HIST" }).(client.End)
	if h.Addr != general || h.N < 2 || !bob.st.Convs[general].Complete {
		t.Errorf("history: %+v", h)
	}
	bob.waitState("last message", func(s *client.State) bool { return lastItem(s, general).Text == "did you get it?" })
	var texts []string
	for _, it := range bob.st.Convs[general].Items {
		if it.Kind == client.Said || it.Kind == client.Shared {
			texts = append(texts, it.Text+it.File)
		}
	}
	if strings.Join(texts, "|") != "here is the map|the_map.png|did you get it?" {
		t.Errorf("conversation after history: %q", texts)
	}

	// A direct upload, and a preview of an image (size and dimensions).
	png := tinyPNG()
	pic := filepath.Join(t.TempDir(), "dot.png")
	os.WriteFile(pic, png, 0o600)
	if _, _, err := bob.c.Upload(wire.User(alice.me()), pic); err != nil {
		t.Fatal(err)
	}
	alice.waitState("dm file", func(s *client.State) bool { return lastItem(s, wire.User(bob.me())).File == "dot.png" })
	alice.c.Preview(wire.User(bob.me()), "dot.png")
	alice.waitState("preview", func(s *client.State) bool { return lastItem(s, wire.User(bob.me())).Format == "png" })
	if it := lastItem(alice.st, wire.User(bob.me())); it.Size != int64(len(png)) || it.Width != 3 || it.Height != 2 {
		t.Errorf("preview: %+v", it)
	}
}

func TestUploadRefused(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	cfg.Files.MaxBytes = 1000
	srv := servertest.Start(t, cfg)
	alice := connect(t, fastOptions(srv.Addr), "alice", true)
	alice.send("NEW SERV club")
	club := alice.serverNamed("club")
	big := filepath.Join(t.TempDir(), "big.bin")
	os.WriteFile(big, make([]byte, 5000), 0o600)
	small := filepath.Join(t.TempDir(), "small.bin")
	os.WriteFile(small, []byte("small"), 0o600)
	idBig, _, _ := alice.c.Upload(wire.Addr{Server: club.Tag}, big)
	idSmall, _, _ := alice.c.Upload(wire.Addr{Server: club.Tag}, small)
	// The two uploads run side by side, so either may end first: wait for
	// both outcomes in whatever order they come.
	var failed *client.UploadFailed
	var done *client.UploadDone
	for failed == nil || done == nil {
		switch e := alice.waitEvent(func(e client.Event) bool {
			switch e.(type) {
			case client.UploadFailed, client.UploadDone:
				return true
			}
			return false
		}).(type) {
		case client.UploadFailed:
			failed = &e
		case client.UploadDone:
			done = &e
		}
	}
	if failed.ID != idBig || !strings.Contains(failed.Reason, "too large") {
		t.Errorf("UploadFailed: %+v", failed)
	}
	if done.ID != idSmall {
		t.Errorf("UploadDone: %+v, want the small file's (id %d)", done, idSmall)
	}
	if _, _, err := alice.c.Upload(wire.Addr{Server: club.Tag}, t.TempDir()); err == nil {
		t.Error("uploading a folder should fail")
	}
}

func TestLoginFailedAndReconnect(t *testing.T) {
	dir := t.TempDir()
	cfg := servertest.Config(dir)
	srv := servertest.Start(t, cfg)
	addr := srv.Addr
	alice := connect(t, fastOptions(addr), "alice", true)
	alice.send("NEW SERV club")
	club := alice.serverNamed("club")

	// A wrong password stops the client with the server's reason.
	bad := client.New(fastOptions(addr))
	bad.Login("alice", "wrong-password", false)
	defer bad.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var failed *client.LoginFailed
	for failed == nil {
		evs, err := bad.NextEvents(ctx)
		if err != nil {
			t.Fatal("no LoginFailed")
		}
		for _, e := range evs {
			if f, ok := e.(client.LoginFailed); ok {
				failed = &f
			}
		}
	}
	if failed.Reason != "bad pseudo or password" {
		t.Errorf("LoginFailed: %+v", failed)
	}
	if err := bad.Send("PING"); !errors.Is(err, client.ErrNotConnected) {
		t.Errorf("Send while logged out: %v", err)
	}

	// The server restarts on the same address: alice reconnects by herself
	// and logs in again (not registers), with her world restated.
	srv.Stop()
	d := alice.waitEvent(func(e client.Event) bool { _, ok := e.(client.Disconnected); return ok }).(client.Disconnected)
	if d.Err == nil {
		t.Error("Disconnected without a reason")
	}
	cfg2 := servertest.Config(dir)
	cfg2.Listen = addr
	servertest.Start(t, cfg2)
	li := alice.waitEvent(func(e client.Event) bool { _, ok := e.(client.LoggedIn); return ok }).(client.LoggedIn)
	if !li.Reconnected || li.Registered {
		t.Errorf("LoggedIn after restart: %+v", li)
	}
	alice.waitEvent(func(e client.Event) bool { _, ok := e.(client.Ready); return ok })
	if alice.st.Servers[club.Tag] == nil || alice.st.Servers[club.Tag].Name != "club" {
		t.Errorf("state after reconnecting: %+v", alice.st.Servers)
	}
	alice.send(wire.Head("MSG", wire.Addr{Server: club.Tag}, "back"))
	alice.waitState("message after reconnect", func(s *client.State) bool {
		return lastItem(s, wire.Addr{Server: club.Tag}).Text == "back"
	})
}

// The connection drops under the client (the server goes away and comes
// back later): it keeps trying, with growing waits, and says so.
func TestReconnectBackoff(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.Config(dir))
	addr := srv.Addr
	alice := connect(t, fastOptions(addr), "alice", true)
	srv.Stop()
	var waits []time.Duration
	for len(waits) < 4 {
		d := alice.waitEvent(func(e client.Event) bool { _, ok := e.(client.Disconnected); return ok }).(client.Disconnected)
		waits = append(waits, d.RetryIn)
	}
	if waits[3] <= waits[0] {
		t.Errorf("waits do not grow: %v", waits)
	}
	cfg := servertest.Config(dir)
	cfg.Listen = addr
	servertest.Start(t, cfg)
	alice.waitEvent(func(e client.Event) bool { l, ok := e.(client.LoggedIn); return ok && l.Reconnected })
}

// TLS: a TLS front for salond (which speaks plain TCP) with a self-signed
// certificate that the client is told to trust.
func TestTLS(t *testing.T) {
	srv := servertest.Start(t, nil)
	front, roots := tlsFront(t, srv.Addr)
	opts := fastOptions(front)
	opts.TLS = &tls.Config{RootCAs: roots}
	alice := connect(t, opts, "alice", true)
	alice.send("NEW SERV secure")
	alice.serverNamed("secure")

	// Without trusting the certificate, the connection is refused.
	opts.TLS = &tls.Config{}
	c := client.New(opts)
	c.Login("bob", "password-bob", true)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		evs, err := c.NextEvents(ctx)
		if err != nil {
			t.Fatal("no Disconnected for an untrusted certificate")
		}
		for _, e := range evs {
			if d, ok := e.(client.Disconnected); ok {
				if !strings.Contains(d.Err.Error(), "certificate") {
					t.Errorf("error: %v", d.Err)
				}
				return
			}
		}
	}
}

// Reconnect cuts a long wait short: what /reconnect does.
func TestReconnectNow(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.Config(dir))
	addr := srv.Addr
	opts := fastOptions(addr)
	opts.MinBackoff, opts.MaxBackoff = time.Minute, time.Minute
	alice := connect(t, opts, "alice", true)
	srv.Stop()
	d := alice.waitEvent(func(e client.Event) bool { _, ok := e.(client.Disconnected); return ok }).(client.Disconnected)
	if d.RetryIn < 30*time.Second {
		t.Fatalf("RetryIn %v", d.RetryIn)
	}
	cfg := servertest.Config(dir)
	cfg.Listen = addr
	servertest.Start(t, cfg)
	start := time.Now()
	alice.c.Reconnect()
	alice.waitEvent(func(e client.Event) bool { l, ok := e.(client.LoggedIn); return ok && l.Reconnected })
	if time.Since(start) > 5*time.Second {
		t.Errorf("Reconnect took %v", time.Since(start))
	}
}
