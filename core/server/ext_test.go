package server_test

// End-to-end tests of the community extensions (PROTOCOL.md Part two,
// sections 14 to 18 and the KEY relay of 20), over TCP against an
// in-process server: capabilities and tags, replies, edits, deletions,
// reactions, history pages, search, read markers, typing, moderation,
// away notes and keys.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/wire"
)

// tagsUser registers an account on a connection that asked for tags.
func (w *cmWorld) tagsUser(name string) *cmUser {
	w.t.Helper()
	c := servertest.Dial(w.t, w.in.Addr)
	c.Name = name
	c.Send("CAP REQ tags")
	c.Expect("CAP ACK tags")
	c.Send("NEW USR " + name + " password-" + name)
	var tag int64
	if _, err := fmt.Sscanf(c.ExpectPrefix("TAG 0 "), "TAG 0 %d", &tag); err != nil {
		w.t.Fatalf("%s: bad TAG line: %v", name, err)
	}
	c.Expect(sf("ADD ON 0 %d %s", tag, name), sf("GRP 0 %d", tag))
	u := &cmUser{Client: c, tag: tag, name: name}
	w.all = append(w.all, u)
	return u
}

// tagsLogin logs name in again on a new tags connection and returns it
// with its burst.
func (w *cmWorld) tagsLogin(name string, tag int64) (*cmUser, []string) {
	w.t.Helper()
	c := servertest.Dial(w.t, w.in.Addr)
	c.Name = name
	c.Send("CAP REQ tags")
	c.Expect("CAP ACK tags")
	c.Send("IAM " + name + " password-" + name)
	burst := c.Sync()
	u := &cmUser{Client: c, tag: tag, name: name}
	w.all = append(w.all, u)
	return u, burst
}

// tagged splits a tagged line into its tags and the line behind them.
func tagged(t *testing.T, line string) (wire.Tags, string) {
	t.Helper()
	m, rest, err := wire.SplitTags(line)
	if err != nil || m == nil {
		t.Fatalf("want a tagged line, got %q (%v)", line, err)
	}
	tags, err := wire.ParseTags(m)
	if err != nil || tags.ID <= 0 || tags.Time <= 0 {
		t.Fatalf("bad tags in %q: %+v %v", line, tags, err)
	}
	return tags, rest
}

// expectTagged reads the next line, checks what follows its tags and
// returns the tags.
func expectTagged(t *testing.T, u *cmUser, want string) wire.Tags {
	t.Helper()
	tags, rest := tagged(t, u.Next())
	if rest != want {
		t.Fatalf("%s: got %q behind the tags, want %q", u.name, rest, want)
	}
	return tags
}

// TestCapabilities: CAP LS and REQ, before and after login; MSG and
// FILESENT lines tagged only for tags connections; a plain connection
// sees the original protocol.
func TestCapabilities(t *testing.T) {
	w := newCmWorld(t)
	c := servertest.Dial(t, w.in.Addr)
	c.Send("CAP LS", "CAP REQ tags bogus", "CAP REQ")
	c.Expect("CAP LS tags", "ERR CAP unknown capability: bogus")
	c.ExpectPrefix("ERR CAP ")
	c.Close()

	alice := w.tagsUser("alice")
	bob := w.user("bob")
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)

	alice.Send(sf("MSG %d 0 salut", s))
	first := expectTagged(t, alice, sf("MSG 0 %d %d 0 salut", alice.tag, s))
	bob.Expect(sf("MSG 0 %d %d 0 salut", alice.tag, s))
	bob.Send(sf("MSG %d 0 re", s))
	second := expectTagged(t, alice, sf("MSG 0 %d %d 0 re", bob.tag, s))
	bob.Expect(sf("MSG 0 %d %d 0 re", bob.tag, s))
	if second.ID <= first.ID || second.Time < first.Time {
		t.Fatalf("ids and times must grow: %+v then %+v", first, second)
	}
	// Part two works for a plain connection: it gets its own
	// acknowledgement, never the others' notifications.
	bob.Send(sf("REACT %d ok", second.ID))
	bob.Expect(sf("REACT 0 %d %d 0 %d ok", bob.tag, s, second.ID))
	alice.Expect(sf("REACT 0 %d %d 0 %d ok", bob.tag, s, second.ID))
	alice.Send(sf("REACT %d ok", second.ID))
	alice.Expect(sf("REACT 0 %d %d 0 %d ok", alice.tag, s, second.ID))
	quiet(bob)

	// Asked after login, tags bring the burst's lines of Part two.
	bob.Send("CAP REQ tags")
	bob.Expect("CAP ACK tags", sf("OWNER %d 0 0 %d", s, alice.tag))
	quiet(alice, bob)
}

// TestRepliesEditsDeletionsReactions covers section 15 end to end,
// history and the save.txt export included.
func TestRepliesEditsDeletionsReactions(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.user("carol") // plain
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)
	w.admit(alice, carol, s, 0)
	all := us(alice, bob)

	alice.Send(sf("MSG %d 0 salut les gens", s))
	orig := expectTagged(t, alice, sf("MSG 0 %d %d 0 salut les gens", alice.tag, s))
	expectTagged(t, bob, sf("MSG 0 %d %d 0 salut les gens", alice.tag, s))
	carol.Expect(sf("MSG 0 %d %d 0 salut les gens", alice.tag, s))

	bob.Send(sf("REPLY %d salut !", orig.ID))
	for _, u := range all {
		tg := expectTagged(t, u, sf("MSG 0 %d %d 0 salut !", bob.tag, s))
		if tg.Reply != orig.ID {
			t.Fatalf("%s: reply tag %d, want %d", u.name, tg.Reply, orig.ID)
		}
	}
	carol.Expect(sf("MSG 0 %d %d 0 salut !", bob.tag, s))

	reject(t, bob, "EDIT", sf("EDIT %d not mine", orig.ID))
	reject(t, bob, "EDIT", "EDIT 999999 nothing")
	alice.Send(sf("EDIT %d salut tout le monde", orig.ID))
	expectAll(all, sf("EDIT 0 %d %d 0 %d salut tout le monde", alice.tag, s, orig.ID))
	quiet(carol)

	bob.Send(sf("REACT %d 👍", orig.ID))
	expectAll(all, sf("REACT 0 %d %d 0 %d 👍", bob.tag, s, orig.ID))
	reject(t, bob, "REACT", sf("REACT %d 👍", orig.ID))
	reject(t, bob, "UNREACT", sf("UNREACT %d 🎉", orig.ID))
	for i := 1; i < 20; i++ {
		w.do(alice, sf("REACT %d e%d", orig.ID, i))
	}
	reject(t, bob, "REACT", sf("REACT %d e20", orig.ID))
	w.do(alice, sf("UNREACT %d e19", orig.ID))
	w.do(bob, sf("REACT %d e20", orig.ID))

	// The history has the edit, the reply and the reactions.
	alice.Send(sf("HIST %d 0 0 10", s))
	tg := expectTagged(t, alice, sf("MSG 0 %d %d 0 salut tout le monde", alice.tag, s))
	if tg.ID != orig.ID || tg.Edited == 0 {
		t.Fatalf("history tags %+v: want id %d, edited", tg, orig.ID)
	}
	alice.Expect(sf("REACT 0 %d %d 0 %d 👍", bob.tag, s, orig.ID))
	for i := 1; i < 19; i++ {
		alice.Expect(sf("REACT 0 %d %d 0 %d e%d", alice.tag, s, orig.ID, i))
	}
	alice.Expect(sf("REACT 0 %d %d 0 %d e20", bob.tag, s, orig.ID))
	reply := expectTagged(t, alice, sf("MSG 0 %d %d 0 salut !", bob.tag, s))
	alice.Expect(sf("HIST %d 0 2", s))

	// Only the author or a moderator deletes; a deleted message is gone
	// from every history.
	reject(t, carol, "DELETE", sf("DELETE %d", orig.ID))
	alice.Send(sf("DELETE %d", reply.ID)) // the owner moderates
	expectAll(all, sf("DELETE 0 %d %d 0 %d", alice.tag, s, reply.ID))
	quiet(carol)
	reject(t, bob, "REACT", sf("REACT %d x", reply.ID))
	alice.Send(sf("HIST %d 0 0 10", s))
	expectTagged(t, alice, sf("MSG 0 %d %d 0 salut tout le monde", alice.tag, s))
	alice.WaitFor(sf("HIST %d 0 1", s))
	data, _ := flHistory(t, carol.Client, sf("%d 0", s))
	text := string(data)
	if !strings.Contains(text, "> salut tout le monde\n") || strings.Contains(text, "salut !") || strings.Contains(text, "les gens") {
		t.Fatalf("save.txt does not follow the edit and the deletion:\n%s", text)
	}
}

// TestReadMarkersAndUnread: what arrived while a user was away is in its
// next tags burst, direct conversations it never opened included; READ
// moves the marker and reaches the user's other sessions; one's own
// messages are never unread.
func TestReadMarkersAndUnread(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)
	bob.Close()
	w.forget(bob)

	for i := 0; i < 3; i++ {
		w.do(alice, sf("MSG %d 0 m%d", s, i))
	}
	alice.Send(sf("MSG 0 %d psst", bob.tag))
	dm := expectTagged(t, alice, sf("MSG 0 %d 0 %d psst", alice.tag, bob.tag))

	bob1, burst := w.tagsLogin("bob", bob.tag)
	var unread []string
	for _, l := range burst {
		if strings.HasPrefix(l, "UNREAD ") {
			unread = append(unread, l)
		}
	}
	want := []string{sf("UNREAD %d 0 3 %d", s, dm.ID-1), sf("UNREAD 0 %d 1 %d", alice.tag, dm.ID)}
	if strings.Join(unread, "|") != strings.Join(want, "|") {
		t.Fatalf("unread lines %q, want %q (burst %q)", unread, want, burst)
	}
	bob2, _ := w.tagsLogin("bob", bob.tag)
	bob1.Send(sf("READ 0 %d %d", alice.tag, dm.ID))
	bob2.Expect(sf("READ 0 %d %d", alice.tag, dm.ID))
	bob1.ExpectQuiet()
	bob1.Send(sf("READ 0 %d 1", alice.tag)) // backwards: ignored
	bob1.ExpectQuiet()
	bob2.ExpectQuiet()
	// Bob writes in the channel: his marker moves to his message.
	bob1.Send(sf("MSG %d 0 back", s))
	bob1.Sync()
	w.settle()

	_, burst = w.tagsLogin("bob", bob.tag)
	for _, l := range burst {
		if strings.HasPrefix(l, "UNREAD ") {
			t.Fatalf("nothing should be unread, got %q", l)
		}
	}
	// A plain connection's burst has no UNREAD.
	alice.Send(sf("MSG %d 0 more", s))
	alice.Sync()
	_, burst = servertest.Login(t, w.in.Addr, "bob")
	for _, l := range burst {
		if strings.HasPrefix(l, "UNREAD ") || strings.HasPrefix(l, "@") {
			t.Fatalf("plain burst has a line of Part two: %q", l)
		}
	}
}

// TestUnreadCountStops: an UNREAD count stops at a thousand, which reads
// "a thousand or more" (docs/protocol.md); under it the count is exact.
func TestUnreadCountStops(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)
	bob.Close()
	w.forget(bob)

	var msgs []string
	for i := range 1005 {
		msgs = append(msgs, sf("MSG %d 0 m%d", s, i))
	}
	w.do(alice, msgs...)
	alice.Send(sf("MSG 0 %d psst", bob.tag))
	dm := expectTagged(t, alice, sf("MSG 0 %d 0 %d psst", alice.tag, bob.tag))

	_, burst := w.tagsLogin("bob", bob.tag)
	var unread []string
	for _, l := range burst {
		if strings.HasPrefix(l, "UNREAD ") {
			unread = append(unread, l)
		}
	}
	want := []string{sf("UNREAD %d 0 1000 %d", s, dm.ID-1), sf("UNREAD 0 %d 1 %d", alice.tag, dm.ID)}
	if strings.Join(unread, "|") != strings.Join(want, "|") {
		t.Fatalf("unread lines %q, want %q", unread, want)
	}
}

// TestHistoryPagesAndSearch: HIST pages back through a conversation; FIND
// matches whole words without regard to case or accents, newest first,
// only where the user may read.
func TestHistoryPagesAndSearch(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	plain := w.user("plain")
	s := w.newServer(alice, "club")
	c := w.newChan(alice, s, "club", "secret")
	w.admit(alice, bob, s, 0)

	var ids []int64
	for i := 0; i < 205; i++ {
		alice.Send(sf("MSG %d 0 n%d", s, i))
		ids = append(ids, expectTagged(t, alice, sf("MSG 0 %d %d 0 n%d", alice.tag, s, i)).ID)
	}
	w.settle()
	bob.Send(sf("HIST %d 0 0 200", s))
	for i := 5; i < 205; i++ {
		expectTagged(t, bob, sf("MSG 0 %d %d 0 n%d", alice.tag, s, i))
	}
	bob.Expect(sf("HIST %d 0 200", s))
	bob.Send(sf("HIST %d 0 %d 200", s, ids[5]))
	for i := 0; i < 5; i++ {
		expectTagged(t, bob, sf("MSG 0 %d %d 0 n%d", alice.tag, s, i))
	}
	bob.Expect(sf("HIST %d 0 5", s))
	reject(t, bob, "HIST", sf("HIST %d 0 0 201", s))
	reject(t, bob, "HIST", sf("HIST %d %d 0 10", s, c))
	reject(t, plain, "HIST", sf("HIST 0 %d 0 10", alice.tag))

	w.do(alice, sf("MSG %d 0 Rendez-vous à l'École demain", s))
	w.do(alice, sf("MSG %d %d l'ecole est fermée", s, c))
	w.do(alice, sf("MSG %d 0 les écoles", s))
	alice.Send(sf("MSG %d 0 ECOLE encore", s))
	last := expectTagged(t, alice, sf("MSG 0 %d %d 0 ECOLE encore", alice.tag, s))
	w.settle()

	bob.Send(sf("FIND %d 0 école", s))
	expectTagged(t, bob, sf("MSG 0 %d %d 0 ECOLE encore", alice.tag, s))
	expectTagged(t, bob, sf("MSG 0 %d %d 0 Rendez-vous à l'École demain", alice.tag, s))
	bob.Expect("FIND 2")
	// Bob is not in the secret channel: FIND 0 0 does not look there.
	bob.Send("FIND 0 0 ecole")
	expectTagged(t, bob, sf("MSG 0 %d %d 0 ECOLE encore", alice.tag, s))
	expectTagged(t, bob, sf("MSG 0 %d %d 0 Rendez-vous à l'École demain", alice.tag, s))
	bob.Expect("FIND 2")
	alice.Send("FIND 0 0 ecole")
	expectTagged(t, alice, sf("MSG 0 %d %d 0 ECOLE encore", alice.tag, s))
	expectTagged(t, alice, sf("MSG 0 %d %d %d l'ecole est fermée", alice.tag, s, c))
	expectTagged(t, alice, sf("MSG 0 %d %d 0 Rendez-vous à l'École demain", alice.tag, s))
	alice.Expect("FIND 3")
	reject(t, bob, "FIND", sf("FIND %d %d ecole", s, c))
	reject(t, plain, "FIND", "FIND 0 0 ecole")

	// Edits and deletions reach the index.
	w.do(alice, sf("EDIT %d plus rien", last.ID))
	bob.Send(sf("FIND %d 0 \"ecole", s)) // a quote is no operator
	expectTagged(t, bob, sf("MSG 0 %d %d 0 Rendez-vous à l'École demain", alice.tag, s))
	bob.Expect("FIND 1")
	bob.Send(sf("FIND %d 0 rien", s))
	expectTagged(t, bob, sf("MSG 0 %d %d 0 plus rien", alice.tag, s))
	bob.Expect("FIND 1")
	w.do(alice, sf("DELETE %d", last.ID))
	bob.Send(sf("FIND %d 0 rien", s))
	bob.Expect("FIND 0")
}

// TestTypingIsRelayedNotStored: TYPING reaches the other members' tags
// connections once, and a second one right behind it is dropped.
func TestTypingIsRelayedNotStored(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.user("carol")
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)
	w.admit(alice, carol, s, 0)
	alice.Send(sf("TYPING %d 0", s), sf("TYPING %d 0", s))
	alice.ExpectQuiet()
	bob.Expect(sf("TYPING 0 %d %d 0", alice.tag, s))
	quiet(bob, carol)
	reject(t, alice, "TYPING", "TYPING 0 999")
}

// TestModeration covers section 17: roles, kicks, bans, topics, public
// channels and LIST, with the rules that refuse.
func TestModeration(t *testing.T) {
	w := newCmWorld(t)
	owner := w.tagsUser("owner")
	mod := w.tagsUser("mod")
	chanMod := w.tagsUser("chanmod")
	bob := w.tagsUser("bob")
	eve := w.tagsUser("eve")
	s := w.newServer(owner, "club")
	c := w.newChan(owner, s, "club", "games")
	for _, u := range us(mod, chanMod, bob) {
		w.admit(owner, u, s, 0)
	}
	w.admit(owner, chanMod, s, c)
	w.admit(owner, bob, s, c)
	general := us(owner, mod, chanMod, bob)
	games := us(owner, chanMod, bob)

	reject(t, mod, "MOD", sf("MOD %d 0 0 %d", s, bob.tag)) // only the owner names server moderators
	owner.Send(sf("MOD %d 0 0 %d", s, mod.tag))
	expectAll(general, sf("MOD %d 0 0 %d", s, mod.tag))
	reject(t, owner, "MOD", sf("MOD %d 0 0 %d", s, mod.tag))
	reject(t, mod, "MOD", sf("MOD %d %d 0 %d", s, c, mod.tag)) // not a member of games
	mod.Send(sf("MOD %d %d 0 %d", s, c, chanMod.tag))          // a server moderator moderates every channel
	expectAll(games, sf("MOD %d %d 0 %d", s, c, chanMod.tag))
	mod.Expect(sf("MOD %d %d 0 %d", s, c, chanMod.tag))

	// A channel moderator: topic, kick within its channel, not above it.
	chanMod.Send(sf("TOPIC %d %d tonight: poker", s, c))
	expectAll(games, sf("TOPIC 0 %d %d %d tonight: poker", chanMod.tag, s, c))
	reject(t, bob, "TOPIC", sf("TOPIC %d %d mine", s, c))
	reject(t, chanMod, "KICK", sf("KICK %d 0 0 %d bye", s, bob.tag))
	reject(t, chanMod, "KICK", sf("KICK %d %d 0 %d", s, c, owner.tag))
	w.admit(owner, mod, s, c)
	games = us(owner, chanMod, bob, mod)
	reject(t, chanMod, "KICK", sf("KICK %d %d 0 %d no", s, c, mod.tag))
	chanMod.Send(sf("KICK %d %d 0 %d too loud", s, c, bob.tag))
	bob.Expect(sf("KICK 0 %d %d %d 0 %d too loud", chanMod.tag, s, c, bob.tag))
	chanMod.Expect(sf("KICK 0 %d %d %d 0 %d too loud", chanMod.tag, s, c, bob.tag))
	expectAll(games, sf("BYE 0 %d %d %d", bob.tag, s, c))
	quiet(owner, mod, chanMod, bob)

	// Public channels: open to every member of the server.
	reject(t, bob, "JOIN", sf("JOIN %d %d", s, c))
	reject(t, bob, "OPEN", sf("OPEN %d %d", s, c))
	reject(t, owner, "OPEN", sf("OPEN %d 0", s))
	chanMod.Send(sf("OPEN %d %d", s, c))
	expectAll(general, sf("OPEN %d %d", s, c))
	bob.Send(sf("LIST %d", s))
	bob.Expect(sf("CHAN %d 0 public 4 general", s), sf("CHAN %d %d public 3 games tonight: poker", s, c), sf("LIST %d 2", s))
	w.do(bob, sf("JOIN %d %d", s, c))
	owner.Send(sf("CLOSE %d %d", s, c))
	expectAll(general, sf("CLOSE %d %d", s, c))

	// Bans: only server moderators; the owner is above everyone; a banned
	// user is kicked, loses its invitations and cannot come back.
	reject(t, chanMod, "BAN", sf("BAN %d 0 0 %d", s, bob.tag))
	reject(t, mod, "BAN", sf("BAN %d 0 0 %d", s, owner.tag))
	w.do(owner, sf("INV 0 %d %d 0", eve.tag, s))
	mod.Send(sf("BAN %d 0 0 %d spam", s, eve.tag)) // not a member: banned all the same
	mod.Expect(sf("BAN %d 0 0 %d spam", s, eve.tag))
	reject(t, eve, "JOIN", sf("JOIN %d 0", s))
	reject(t, owner, "INV", sf("INV 0 %d %d 0", eve.tag, s))
	mod.Send(sf("BAN %d 0 0 %d", s, bob.tag))
	mod.Expect(sf("BAN %d 0 0 %d", s, bob.tag))
	bob.Expect(sf("KICK 0 %d %d 0 0 %d", mod.tag, s, bob.tag))
	expectAll(us(owner, mod, chanMod), sf("BYE 0 %d %d 0", bob.tag, s))
	bob.Expect(sf("BYE 0 %d %d 0", bob.tag, s))
	reject(t, bob, "BANS", sf("BANS %d", s))
	reject(t, chanMod, "BANS", sf("BANS %d", s))
	owner.Send(sf("BANS %d", s))
	owner.Expect(sf("BAN %d 0 0 %d", s, bob.tag), sf("BAN %d 0 0 %d spam", s, eve.tag), sf("BANS %d 2", s))
	owner.Send(sf("UNBAN %d 0 0 %d", s, eve.tag))
	owner.Expect(sf("UNBAN %d 0 0 %d", s, eve.tag))
	reject(t, owner, "UNBAN", sf("UNBAN %d 0 0 %d", s, eve.tag))
	w.do(owner, sf("INV 0 %d %d 0", eve.tag, s))

	// The owner cannot be unmodded; UNMOD is for who may MOD.
	reject(t, owner, "UNMOD", sf("UNMOD %d 0 0 %d", s, owner.tag))
	reject(t, mod, "UNMOD", sf("UNMOD %d 0 0 %d", s, mod.tag))
	owner.Send(sf("UNMOD %d 0 0 %d", s, mod.tag))
	expectAll(us(owner, mod, chanMod), sf("UNMOD %d 0 0 %d", s, mod.tag))

	// The burst of a tags connection: owner, moderators, topic.
	w.settle()
	_, burst := w.tagsLogin("chanmod", chanMod.tag)
	joined := "\n" + strings.Join(burst, "\n") + "\n"
	for _, want := range []string{
		sf("OWNER %d 0 0 %d", s, owner.tag),
		sf("MOD %d %d 0 %d", s, c, chanMod.tag),
		sf("TOPIC 0 %d %d %d tonight: poker", chanMod.tag, s, c),
	} {
		if !strings.Contains(joined, "\n"+want+"\n") {
			t.Fatalf("burst lacks %q:\n%s", want, joined)
		}
	}
}

// TestAwayAndKeys covers AWAY (section 18) and the KEY relay (section 20).
func TestAwayAndKeys(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.user("carol")
	w.befriend(alice, bob)
	w.befriend(alice, carol)

	alice.Send("AWAY lunch, back at 2")
	alice.Expect(sf("AWAY 0 %d lunch, back at 2", alice.tag))
	bob.Expect(sf("AWAY 0 %d lunch, back at 2", alice.tag))
	quiet(carol)
	_, burst := w.tagsLogin("bob", bob.tag)
	if !strings.Contains(strings.Join(burst, "\n"), sf("AWAY 0 %d lunch, back at 2", alice.tag)) {
		t.Fatalf("burst lacks the away note: %q", burst)
	}
	w.settle()
	alice.Send("AWAY")
	alice.Expect(sf("AWAY 0 %d", alice.tag))
	w.settle()

	reject(t, bob, "KEY", sf("KEY 0 %d", alice.tag))
	reject(t, bob, "KEY", "KEY not-base64!")
	alice.Send("KEY AQIDBA==")
	alice.Expect(sf("KEY 0 %d AQIDBA==", alice.tag))
	bob.WaitFor(sf("KEY 0 %d AQIDBA==", alice.tag))
	carol.Send(sf("KEY 0 %d", alice.tag))
	carol.Expect(sf("KEY 0 %d AQIDBA==", alice.tag))
}

// tagsConn logs pseudo in (registering it first when register is set) on a
// new tags connection to addr and returns it with its burst.
func tagsConn(t *testing.T, addr, pseudo string, register bool) (*servertest.Client, []string) {
	t.Helper()
	c := servertest.Dial(t, addr)
	c.Name = pseudo
	c.Send("CAP REQ tags")
	c.Expect("CAP ACK tags")
	if register {
		c.Send("NEW USR " + pseudo + " password-" + pseudo)
	} else {
		c.Send("IAM " + pseudo + " password-" + pseudo)
	}
	return c, c.Sync()
}

// burstTag reads the user's tag from the first line of a burst.
func burstTag(t *testing.T, burst []string) int64 {
	t.Helper()
	var tag int64
	if len(burst) == 0 {
		t.Fatal("empty burst")
	}
	if _, err := fmt.Sscanf(burst[0], "TAG 0 %d", &tag); err != nil {
		t.Fatalf("burst starts with %q", burst[0])
	}
	return tag
}

// TestExtensionsSurviveSIGKILL: everything of Part two that was
// acknowledged is there after the process is killed, and message ids are
// never given twice, even when the newest message was deleted.
func TestExtensionsSurviveSIGKILL(t *testing.T) {
	dir := t.TempDir()
	p := servertest.StartProcess(t, dir)
	alice, burst := tagsConn(t, p.Addr, "alice", true)
	a := burstTag(t, burst)
	bob, burst := tagsConn(t, p.Addr, "bob", true)
	b := burstTag(t, burst)
	_, burst = tagsConn(t, p.Addr, "eve", true)
	e := burstTag(t, burst)

	alice.Send("NEW SERV club", "NEW CHAN 1 games")
	alice.Sync()
	alice.Send(sf("INV 0 %d 1 0", b))
	alice.Sync()
	bob.Send("JOIN 1 0")
	bob.Sync()
	alice.Sync()
	alice.Send("MSG 1 0 first")
	first, _ := tagged(t, alice.Next())
	bob.Sync() // alice's first
	bob.Send(sf("REPLY %d second", first.ID))
	second, _ := tagged(t, bob.Next())
	alice.Next()
	alice.Send(sf("EDIT %d first, edited", first.ID), sf("REACT %d 🎉", second.ID),
		"MSG 1 0 third")
	alice.Sync()
	bob.Sync()
	bob.Send(sf("MSG 0 %d a word for alice", a))
	dm, _ := tagged(t, bob.Next())
	bob.Sync()
	alice.Sync() // the word for her
	// The newest message goes: its id must not come back.
	alice.Send("MSG 1 0 newest")
	newest, _ := tagged(t, alice.Next())
	alice.Send(sf("DELETE %d", newest.ID), sf("MOD 1 0 0 %d", b), sf("BAN 1 0 0 %d spam", e),
		"TOPIC 1 1 cards", "OPEN 1 1", "AWAY gone fishing", "KEY AQIDBA==")
	acks := alice.Sync()
	for _, l := range acks {
		if strings.HasPrefix(l, "ERR ") {
			t.Fatalf("setup refused: %q in %q", l, acks)
		}
	}
	bob.Sync()

	p.Cmd.Process.Kill()
	p.Cmd.Wait()
	p = servertest.StartProcess(t, dir)

	alice, burst = tagsConn(t, p.Addr, "alice", false)
	joined := "\n" + strings.Join(burst, "\n") + "\n"
	for _, want := range []string{
		"OWNER 1 0 0 " + fmt.Sprint(a), sf("MOD 1 0 0 %d", b), sf("TOPIC 0 %d 1 1 cards", a),
		sf("AWAY 0 %d gone fishing", a),
		// Alice's marker moved with her own messages; bob's word is unread.
		sf("UNREAD 0 %d 1 %d", b, dm.ID),
	} {
		if !strings.Contains(joined, "\n"+want+"\n") {
			t.Fatalf("burst after the kill lacks %q:\n%s", want, joined)
		}
	}
	alice.Send("HIST 1 0 0 10")
	got := alice.Sync()
	var rest []string
	for _, l := range got {
		if strings.HasPrefix(l, "@") {
			tg, r := tagged(t, l)
			if tg.Edited > 0 {
				r += " (edited)"
			}
			if tg.Reply > 0 {
				r += sf(" (reply to %d)", tg.Reply)
			}
			l = r
		}
		rest = append(rest, l)
	}
	want := []string{
		sf("MSG 0 %d 1 0 first, edited (edited)", a),
		sf("MSG 0 %d 1 0 second (reply to %d)", b, first.ID),
		sf("REACT 0 %d 1 0 %d 🎉", a, second.ID),
		sf("MSG 0 %d 1 0 third", a),
		"HIST 1 0 3",
	}
	if strings.Join(rest, "\n") != strings.Join(want, "\n") {
		t.Fatalf("history after the kill:\n%s\nwant:\n%s", strings.Join(rest, "\n"), strings.Join(want, "\n"))
	}
	alice.Send("BANS 1", "LIST 1", sf("KEY 0 %d", a))
	alice.Expect(sf("BAN 1 0 0 %d spam", e), "BANS 1 1",
		"CHAN 1 0 public 2 general", "CHAN 1 1 public 1 games cards", "LIST 1 2",
		sf("KEY 0 %d AQIDBA==", a))
	alice.Send("MSG 1 0 after")
	after, _ := tagged(t, alice.Next())
	if after.ID <= newest.ID {
		t.Fatalf("message id %d given again after a deletion and a kill (newest was %d)", after.ID, newest.ID)
	}
}

// TestDeletingAFileMessageDeletesTheFile: the file goes with its message,
// row and blob, and a GET of it is refused.
func TestDeletingAFileMessageDeletesTheFile(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	s := w.newServer(alice, "club")
	alice.Send(sf("NEWFILE %d 0 a.txt 5", s), sf("FILE %d 0 a.txt aGVsbG8=", s), sf("ENDFILE %d 0 a.txt 5", s))
	alice.Expect("NEWFILE OK", "FILE OK", "ENDFILE OK")
	file := expectTagged(t, alice, sf("FILESENT 0 %d %d 0 a.txt", alice.tag, s))
	if blobs, _ := flDisk(t, w.in.DataDir); len(blobs) != 1 {
		t.Fatalf("want one blob after the upload, got %v", blobs)
	}
	alice.Send(sf("DELETE %d", file.ID))
	alice.Expect(sf("DELETE 0 %d %d 0 %d", alice.tag, s, file.ID))
	reject(t, alice, "GET", sf("GET %d 0 a.txt", s))
	w.in.Stop() // waits for the blob's removal, which follows the commit
	if blobs, _ := flDisk(t, w.in.DataDir); len(blobs) != 0 {
		t.Fatalf("the blob outlived its message: %v", blobs)
	}
}
