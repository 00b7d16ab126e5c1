package client_test

import (
	"slices"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/wire"
)

// noticesOf returns the notices of a conversation.
func noticesOf(s *client.State, a wire.Addr) []string {
	var out []string
	if c := s.Convs[a]; c != nil {
		for _, it := range c.Items {
			if it.Kind == client.Notice {
				out = append(out, it.Text)
			}
		}
	}
	return out
}

// Calls against a real salond with calls on: bob joins from a second,
// raw connection (as the web client would), and alice's client (and bob's
// own) keep the rosters: a channel call, its media and a moderator's
// mute (alice's own raw session joins to moderate), then a direct call
// that rings, as the burst of a new session restates it, until bob hangs
// up.
func TestCallRoster(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	cfg.Calls.UDP = "127.0.0.1:0"
	srv := servertest.Start(t, cfg)
	alice := connect(t, fastOptions(srv.Addr), "alice", true)
	bob := connect(t, fastOptions(srv.Addr), "bob", true)

	alice.send("NEW SERV club")
	club := alice.serverNamed("club")
	general := wire.Addr{Server: club.Tag}
	alice.send("WHO bob")
	alice.waitState("bob known", func(s *client.State) bool { return s.FindUser("bob") != nil })
	alice.send(wire.Head("INV", wire.User(bob.me()), general))
	bob.waitState("invitation", func(s *client.State) bool { return len(s.Invites) == 1 })
	bob.send(wire.Head("JOIN", general))
	alice.waitState("bob in club", func(s *client.State) bool { return s.Channel(general).Members[bob.me()] })
	alice.st.Open(general)
	bob.st.Open(general)

	web, _ := servertest.Login(t, srv.Addr, "bob")
	in := func(p *peer, a wire.Addr, want ...string) {
		t.Helper()
		p.waitState("the roster "+p.name+" expects", func(s *client.State) bool {
			var got []string
			for _, x := range s.CallList(a) {
				e := s.Pseudo(x.User) + ":" + x.Media.String()
				if x.MutedBy != 0 {
					e += "/muted"
				}
				got = append(got, e)
			}
			return slices.Equal(got, want)
		})
	}

	web.Send(wire.Head("CALL", general, "JOIN", "video"))
	in(alice, general, "bob:mic,cam")
	in(bob, general, "bob:mic,cam")
	web.Send(wire.Head("CALL", general, "MEDIA", "mic,cam,screen"))
	in(alice, general, "bob:mic,cam,screen")
	// salond lets a moderator moderate only from within the call.
	aliceWeb, _ := servertest.Login(t, srv.Addr, "alice")
	aliceWeb.Send(wire.Head("CALL", general, "JOIN", "audio"))
	in(alice, general, "alice:mic", "bob:mic,cam,screen")
	aliceWeb.Send(wire.Head("CALL", general, "MUTE", wire.User(bob.me())))
	in(alice, general, "alice:mic", "bob:mic,cam,screen/muted")
	in(bob, general, "alice:mic", "bob:mic,cam,screen/muted")
	if got, want := noticesOf(alice.st, general), []string{"bob joined the call", "bob is sharing their screen", "you joined the call", "bob was muted by you"}; !slices.Equal(got, want) {
		t.Errorf("alice's notices: %q, want %q", got, want)
	}
	if got, want := slices.DeleteFunc(noticesOf(bob.st, general), func(n string) bool { return n == "bob joined" }), []string{"you joined the call", "you are sharing your screen", "alice joined the call", "you were muted by alice"}; !slices.Equal(got, want) {
		t.Errorf("bob's notices: %q, want %q", got, want)
	}

	// Calling alice leaves the channel's call. The lines name the direct
	// conversation as bob does ("0 alice") for both: alice files them under
	// the conversation with bob, bob under the one with alice.
	withBob, withAlice := wire.User(bob.me()), wire.User(alice.me())
	web.Send(wire.Head("CALL", withAlice, "JOIN", "audio"))
	in(alice, withBob, "bob:mic")
	in(alice, general, "alice:mic")
	in(bob, withAlice, "bob:mic")
	in(bob, general, "alice:mic")
	if !alice.st.Ringing(withBob) || bob.st.Ringing(withAlice) {
		t.Errorf("ringing: for alice %v (want true), for bob %v (want false)", alice.st.Ringing(withBob), bob.st.Ringing(withAlice))
	}
	if got := noticesOf(alice.st, withBob); !slices.Equal(got, []string{"bob is calling you — answer in the web client"}) {
		t.Errorf("alice's direct notices: %q", got)
	}
	if got := noticesOf(bob.st, withAlice); !slices.Equal(got, []string{"you are calling alice"}) {
		t.Errorf("bob's direct notices: %q", got)
	}
	if c := alice.st.Convs[withBob]; c.Mentions != 1 {
		t.Errorf("the ring counts %d mentions, want 1", c.Mentions)
	}

	// A new session of alice: its burst states the ringing call, silently.
	alice2 := connect(t, fastOptions(srv.Addr), "alice", false)
	in(alice2, general, "alice:mic")
	if !alice2.st.Ringing(withBob) {
		t.Errorf("alice's new session: ringing %v, calls %v", alice2.st.Ringing(withBob), alice2.st.Calls)
	}
	for a, c := range alice2.st.Convs {
		if n := noticesOf(alice2.st, a); len(n) != 0 || c.Unread != 0 && a.IsUser() {
			t.Errorf("the burst noted %q in %v (unread %d)", n, a, c.Unread)
		}
	}

	web.Send(wire.Head("CALL", withAlice, "LEAVE"))
	in(alice, withBob)
	in(alice2, withBob)
	if got := noticesOf(alice.st, withBob); !slices.Equal(got, []string{"bob is calling you — answer in the web client", "missed call from bob"}) {
		t.Errorf("alice's direct notices at the end: %q", got)
	}
	if alice.st.Ringing(withBob) || alice2.st.Ringing(withBob) {
		t.Error("still ringing after bob left")
	}
}
