package server_test

// End-to-end tests of plugin protocol version 2 (docs/plugins.md) against
// a real salond with real plugin processes: message hooks judge REPLY and
// EDIT text like MSG text (the bundled wordfilter), a bot kicks and bans
// through the host API when it moderates and is refused when it does not
// (testdata/plugins/warden), and a plugin built against the previous SDK
// (testdata/plugins/oldsdk, on the frozen internal/sdkv1) negotiates
// version 1 and keeps working next to version-2 plugins.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/salon-chat/salon/sdk"
)

// plWorld is a cmWorld on a server running the plugin blocks given.
func plWorld(t *testing.T, blocks ...string) *cmWorld {
	t.Helper()
	return &cmWorld{t: t, in: plStart(t, blocks...)}
}

// plBotTag finds a bot's tag as a user would, with WHO.
func plBotTag(t *testing.T, u *cmUser, pseudo string) int64 {
	t.Helper()
	u.Send("WHO " + pseudo)
	line := u.Next()
	var tag int64
	if _, err := fmt.Sscanf(line, "ADD ON 0 %d "+pseudo, &tag); err != nil || line != sf("ADD ON 0 %d %s", tag, pseudo) {
		t.Fatalf("WHO %s answered %q, want ADD ON 0 <tag> %s", pseudo, line, pseudo)
	}
	return tag
}

// refusedWith sends cmd and checks that it gets exactly one
// "ERR verb ..." line that contains why, and nothing else.
func refusedWith(t *testing.T, u *cmUser, verb, cmd, why string) {
	t.Helper()
	u.Send(cmd)
	got := u.Next()
	if !strings.HasPrefix(got, "ERR "+verb+" ") || !strings.Contains(got, why) {
		t.Fatalf("%s: %q: got %q, want ERR %s ...%s...", u.name, cmd, got, verb, why)
	}
	if rest := u.Sync(); len(rest) > 0 {
		t.Fatalf("%s: %q: after %q also got %q", u.name, cmd, got, rest)
	}
}

// TestPluginWordfilterRepliesEdits: the bundled wordfilter masks, or
// rejects, a banned word in a REPLY and in an EDIT as in a MSG; what the
// others see (tags connections and a plain one) and what is stored
// follow its verdict.
func TestPluginWordfilterRepliesEdits(t *testing.T) {
	t.Parallel()
	t.Run("mask", func(t *testing.T) {
		t.Parallel()
		w := plWorld(t, plBlock("wordfilter", plBin(t, "wordfilter"), `words = ["frack"]`, ""))
		alice, bob, carol := w.tagsUser("alice"), w.tagsUser("bob"), w.user("carol")
		s := w.newServer(alice, "club")
		w.admit(alice, bob, s, 0)
		w.admit(alice, carol, s, 0)
		tagged2 := us(alice, bob)

		alice.Send(sf("MSG %d 0 hello", s))
		var orig int64
		for _, u := range tagged2 {
			orig = expectTagged(t, u, sf("MSG 0 %d %d 0 hello", alice.tag, s)).ID
		}
		carol.Expect(sf("MSG 0 %d %d 0 hello", alice.tag, s))

		bob.Send(sf("REPLY %d frack off", orig))
		var reply int64
		for _, u := range tagged2 {
			tg := expectTagged(t, u, sf("MSG 0 %d %d 0 ***** off", bob.tag, s))
			if tg.Reply != orig {
				t.Fatalf("%s: the masked reply's reply tag is %d, want %d", u.name, tg.Reply, orig)
			}
			reply = tg.ID
		}
		carol.Expect(sf("MSG 0 %d %d 0 ***** off", bob.tag, s))

		alice.Send(sf("EDIT %d hello, you frack", orig))
		expectAll(tagged2, sf("EDIT 0 %d %d 0 %d hello, you *****", alice.tag, s, orig))
		quiet(alice, bob, carol)

		// What is stored is what was shown.
		alice.Send(sf("HIST %d 0 0 10", s))
		if tg := expectTagged(t, alice, sf("MSG 0 %d %d 0 hello, you *****", alice.tag, s)); tg.ID != orig || tg.Edited == 0 {
			t.Fatalf("history: %+v, want message %d, edited", tg, orig)
		}
		if tg := expectTagged(t, alice, sf("MSG 0 %d %d 0 ***** off", bob.tag, s)); tg.ID != reply || tg.Reply != orig {
			t.Fatalf("history: %+v, want message %d replying to %d", tg, reply, orig)
		}
		alice.Expect(sf("HIST %d 0 2", s))
	})

	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		w := plWorld(t, plBlock("wordfilter", plBin(t, "wordfilter"), "words = [\"frack\"]\nmode = \"reject\"", ""))
		alice, bob, carol := w.tagsUser("alice"), w.tagsUser("bob"), w.user("carol")
		s := w.newServer(alice, "club")
		w.admit(alice, bob, s, 0)
		w.admit(alice, carol, s, 0)

		alice.Send(sf("MSG %d 0 hello", s))
		orig := expectTagged(t, alice, sf("MSG 0 %d %d 0 hello", alice.tag, s)).ID
		w.settle()

		reject := func(u *cmUser, verb, cmd, why string) {
			t.Helper()
			u.Send(cmd)
			u.Expect("ERR " + verb + " " + why)
		}
		reject(bob, "REPLY", sf("REPLY %d frack off", orig), "your reply contains a word that is not allowed here")
		reject(alice, "EDIT", sf("EDIT %d hello, you frack", orig), "your edit contains a word that is not allowed here; the message keeps its text")
		// Direct conversations too: a reply to a direct message.
		w.do(alice, sf("MSG 0 %d psst", bob.tag))
		bob.Send(sf("HIST 0 %d 0 1", alice.tag))
		direct := expectTagged(t, bob, sf("MSG 0 %d 0 %d psst", alice.tag, bob.tag)).ID
		bob.Expect(sf("HIST 0 %d 1", alice.tag))
		reject(bob, "REPLY", sf("REPLY %d frack", direct), "your reply contains a word that is not allowed here")
		// Clean text goes through, replies and edits alike.
		bob.Send(sf("REPLY %d fine", orig))
		for _, u := range us(alice, bob) {
			expectTagged(t, u, sf("MSG 0 %d %d 0 fine", bob.tag, s))
		}
		carol.Expect(sf("MSG 0 %d %d 0 fine", bob.tag, s))
		alice.Send(sf("EDIT %d hello all", orig))
		expectAll(us(alice, bob), sf("EDIT 0 %d %d 0 %d hello all", alice.tag, s, orig))
		quiet(alice, bob, carol)

		alice.Send(sf("HIST %d 0 0 10", s))
		expectTagged(t, alice, sf("MSG 0 %d %d 0 hello all", alice.tag, s))
		expectTagged(t, alice, sf("MSG 0 %d %d 0 fine", bob.tag, s))
		alice.Expect(sf("HIST %d 0 2", s))
		bob.Send(sf("HIST 0 %d 0 10", alice.tag))
		expectTagged(t, bob, sf("MSG 0 %d 0 %d psst", alice.tag, bob.tag))
		bob.Expect(sf("HIST 0 %d 1", alice.tag))
		quiet(alice, bob, carol)
	})
}

// TestPluginKickBan: the warden bot kicks and bans through the host API
// once an admin has made it a moderator (MOD S 0 0 <bot>), as a user
// moderator would, under the same rules; before that, and where the rules
// say no, the plugin gets a refusal that says why.
func TestPluginKickBan(t *testing.T) {
	t.Parallel()
	w := plWorld(t, plBlock("warden", plBin(t, "warden"), "", ""))
	alice, bob, carol, dave, eve := w.tagsUser("alice"), w.tagsUser("bob"), w.tagsUser("carol"), w.tagsUser("dave"), w.tagsUser("eve")
	s := w.newServer(alice, "club")
	for _, u := range us(bob, carol, dave) {
		w.admit(alice, u, s, 0)
	}
	c := w.newChan(alice, s, "club", "games")
	w.admit(alice, carol, s, c)
	warden := plBotTag(t, alice, "warden")
	w.do(alice, sf("INV 0 %d %d %d", warden, s, c)) // a bot accepts by itself
	w.settle()

	// Not a moderator yet: refused, nothing changes.
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick %d %d %d spam", s, c, carol.tag), "only a moderator can kick")
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick %d 0 %d spam", s, carol.tag), "only a moderator can kick")
	refusedWith(t, bob, "WARDEN", sf("WARDEN ban %d %d spam", s, eve.tag), "only the owner and server moderators can ban")
	// A moderator of a channel only: it kicks there, but does not ban.
	w.do(alice, sf("MOD %d %d 0 %d", s, c, warden))
	refusedWith(t, bob, "WARDEN", sf("WARDEN ban %d %d spam", s, eve.tag), "only the owner and server moderators can ban")
	bob.Send(sf("WARDEN kick %d %d %d too loud", s, c, carol.tag))
	carol.Expect(sf("KICK 0 %d %d %d 0 %d too loud", warden, s, c, carol.tag), sf("BYE 0 %d %d %d", carol.tag, s, c))
	alice.Expect(sf("BYE 0 %d %d %d", carol.tag, s, c))
	bob.Sync()
	w.settle()
	quiet(alice, bob, carol, dave, eve)

	// Bad requests are told apart from rules.
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick 0 0 %d spam", carol.tag), "a kick is from a channel or a server")
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick %d 0 0 spam", s), "the user's tag is positive")
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick %d 0 %d %s", s, carol.tag, strings.Repeat("x", 300)), "a reason is at most 256 bytes")

	// An admin (the owner) makes the bot a server moderator.
	alice.Send(sf("MOD %d 0 0 %d", s, warden))
	expectAll(us(alice, bob, carol, dave), sf("MOD %d 0 0 %d", s, warden))
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick %d 0 %d no", s, alice.tag), "you cannot kick the owner")
	refusedWith(t, bob, "WARDEN", sf("WARDEN ban %d %d no", s, alice.tag), "you cannot ban the owner")
	refusedWith(t, bob, "WARDEN", sf("WARDEN kick %d 0 %d no", s, eve.tag), "that user is not a member")

	bob.Send(sf("WARDEN kick %d 0 %d spam", s, carol.tag))
	carol.Expect(sf("KICK 0 %d %d 0 0 %d spam", warden, s, carol.tag), sf("BYE 0 %d %d 0", carol.tag, s))
	expectAll(us(alice, bob, dave), sf("BYE 0 %d %d 0", carol.tag, s))

	// A ban of a member kicks it; a ban of a stranger keeps it out.
	bob.Send(sf("WARDEN ban %d %d flood", s, dave.tag))
	dave.Expect(sf("KICK 0 %d %d 0 0 %d flood", warden, s, dave.tag), sf("BYE 0 %d %d 0", dave.tag, s))
	expectAll(us(alice, bob), sf("BYE 0 %d %d 0", dave.tag, s))
	bob.Send(sf("WARDEN ban %d %d spam", s, eve.tag))
	bob.Sync()
	refusedWith(t, bob, "WARDEN", sf("WARDEN ban %d %d again", s, eve.tag), "already banned")
	alice.Send(sf("BANS %d", s))
	alice.Expect(sf("BAN %d 0 0 %d flood", s, dave.tag), sf("BAN %d 0 0 %d spam", s, eve.tag), sf("BANS %d 2", s))
	reject(t, alice, "INV", sf("INV 0 %d %d 0", eve.tag, s))
	w.settle()
	quiet(alice, bob, carol, dave, eve)
}

// TestPluginOldSDK: a plugin built against the SDK as it was before
// protocol version 2 negotiates version 1 and runs next to a version-2
// plugin: its hook still judges messages, and also replies and edits,
// which it is shown as plain messages (so an old filter cannot be got
// past by editing); its bot still hears and posts.
func TestPluginOldSDK(t *testing.T) {
	t.Parallel()
	w := plWorld(t,
		plBlock("oldsdk", plBin(t, "oldsdk"), `reject = "frack"`, ""),
		plBlock("wordfilter", plBin(t, "wordfilter"), `words = ["gorram"]`, ""))
	versions := map[string]int{}
	for _, st := range w.in.Server.PluginStatus() {
		versions[st.Name] = st.Protocol
	}
	if versions["oldsdk"] != 1 || versions["wordfilter"] != sdk.ProtocolVersion {
		t.Fatalf("negotiated protocol versions %v, want oldsdk 1 and wordfilter %d", versions, sdk.ProtocolVersion)
	}

	alice, bob := w.tagsUser("alice"), w.tagsUser("bob")
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)
	elder := plBotTag(t, alice, "elder")
	w.do(alice, sf("INV 0 %d %d 0", elder, s))
	w.settle()
	both := us(alice, bob)

	// The old bot hears and posts; its post goes through the new hook.
	alice.Send(sf("MSG %d 0 hello gorram world", s))
	var orig int64
	for _, u := range both {
		orig = expectTagged(t, u, sf("MSG 0 %d %d 0 hello ****** world", alice.tag, s)).ID
		expectTagged(t, u, sf("MSG 0 %d %d 0 elder heard hello ****** world", elder, s))
	}

	// The old hook judges messages, replies and edits alike.
	refusedWith(t, alice, "MSG", sf("MSG %d 0 what the frack", s), "oldsdk rejects frack")
	refusedWith(t, bob, "REPLY", sf("REPLY %d frack", orig), "oldsdk rejects frack")
	refusedWith(t, alice, "EDIT", sf("EDIT %d frack it", orig), "oldsdk rejects frack")
	quiet(alice, bob)

	// What it lets through, the new hook still sees.
	bob.Send(sf("REPLY %d gorram right", orig))
	for _, u := range both {
		if tg := expectTagged(t, u, sf("MSG 0 %d %d 0 ****** right", bob.tag, s)); tg.Reply != orig {
			t.Fatalf("%s: reply tag %d, want %d", u.name, tg.Reply, orig)
		}
		expectTagged(t, u, sf("MSG 0 %d %d 0 elder heard ****** right", elder, s))
	}
	alice.Send(sf("EDIT %d hello gorram all", orig))
	expectAll(both, sf("EDIT 0 %d %d 0 %d hello ****** all", alice.tag, s, orig))
	w.settle()
	quiet(alice, bob)
}
