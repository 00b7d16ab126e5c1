package server_test

// End-to-end tests of servers, channels, friends, invitations, messages,
// deletion, renaming and leaving (PROTOCOL.md sections 2, 4, 6, 7, 8, 9),
// over TCP against an in-process server. Every test asserts the exact lines
// each client receives, and their order.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
)

var sf = fmt.Sprintf

// cmUser is a logged-in test client with its user tag.
type cmUser struct {
	*servertest.Client
	tag  int64
	name string
}

// cmWorld is an instance with the clients a test uses.
type cmWorld struct {
	t   *testing.T
	in  *servertest.Instance
	all []*cmUser // online clients, drained by settle
}

func newCmWorld(t *testing.T) *cmWorld {
	return &cmWorld{t: t, in: servertest.Start(t, nil)}
}

// user registers a new account (its tags grow with registration order).
func (w *cmWorld) user(name string) *cmUser {
	w.t.Helper()
	c, tag := servertest.Register(w.t, w.in.Addr, name)
	u := &cmUser{Client: c, tag: tag, name: name}
	w.all = append(w.all, u)
	return u
}

// forget drops u from the clients settle drains (it was closed).
func (w *cmWorld) forget(u *cmUser) {
	w.all = slices.DeleteFunc(w.all, func(x *cmUser) bool { return x == u })
}

// do sends cmds as actor, waits until they are handled, then drains every
// client: for setting up state whose lines other tests assert.
func (w *cmWorld) do(actor *cmUser, cmds ...string) {
	w.t.Helper()
	actor.Send(cmds...)
	for _, l := range actor.Sync() {
		if strings.HasPrefix(l, "ERR ") {
			w.t.Fatalf("%s: setup %q got %q", actor.name, cmds, l)
		}
	}
	w.settle()
}

// settle drains every online client (each Sync returns after everything an
// earlier command delivered to it).
func (w *cmWorld) settle() {
	w.t.Helper()
	for _, u := range w.all {
		u.Sync()
	}
}

// newServer creates a server and checks the two answer lines.
func (w *cmWorld) newServer(owner *cmUser, name string) int64 {
	w.t.Helper()
	owner.Send("NEW SERV " + name)
	line := owner.Next()
	var s int64
	if _, err := fmt.Sscanf(line, "TAG %d 0", &s); err != nil || s <= 0 || line != sf("TAG %d 0 %s", s, name) {
		w.t.Fatalf("%s: NEW SERV %s: got %q, want TAG S 0 %s", owner.name, name, line, name)
	}
	owner.Expect(sf("GRP %d 0 %s general 0 %d", s, name, owner.tag))
	return s
}

// newChan creates a channel and checks the two answer lines.
func (w *cmWorld) newChan(creator *cmUser, s int64, srvName, name string) int64 {
	w.t.Helper()
	creator.Send(sf("NEW CHAN %d %s", s, name))
	line := creator.Next()
	var gotS, c int64
	if _, err := fmt.Sscanf(line, "TAG %d %d", &gotS, &c); err != nil || gotS != s || c <= 0 || line != sf("TAG %d %d %s", s, c, name) {
		w.t.Fatalf("%s: NEW CHAN %d %s: got %q, want TAG %d C %s", creator.name, s, name, line, s, name)
	}
	creator.Expect(sf("GRP %d %d %s %s 0 %d", s, c, srvName, name, creator.tag))
	return c
}

// admit has by invite who to S C and who accept it; everyone is drained.
func (w *cmWorld) admit(by, who *cmUser, s, c int64) {
	w.t.Helper()
	w.do(by, sf("INV 0 %d %d %d", who.tag, s, c))
	w.do(who, sf("JOIN %d %d", s, c))
}

// befriend has x ask y and y accept; everyone is drained.
func (w *cmWorld) befriend(x, y *cmUser) {
	w.t.Helper()
	w.do(x, sf("INV 0 %d", y.tag))
	w.do(y, sf("JOIN 0 %d", x.tag))
}

// reject sends cmd and checks it gets exactly one "ERR verb ..." and
// nothing else.
func reject(t *testing.T, u *cmUser, verb, cmd string) {
	t.Helper()
	u.Send(cmd)
	got := u.Next()
	if !strings.HasPrefix(got, "ERR "+verb+" ") || len(got) <= len("ERR "+verb+" ") {
		t.Fatalf("%s: %q: got %q, want ERR %s <reason>", u.name, cmd, got, verb)
	}
	if rest := u.Sync(); len(rest) > 0 {
		t.Fatalf("%s: %q: after %q also got %q", u.name, cmd, got, rest)
	}
}

// expectAll checks that each client's next lines are lines.
func expectAll(us []*cmUser, lines ...string) {
	for _, u := range us {
		u.Expect(lines...)
	}
}

// quiet checks that nothing is waiting for any of the clients.
func quiet(us ...*cmUser) {
	for _, u := range us {
		u.ExpectQuiet()
	}
}

// expectSet reads len(want) lines and checks they are want in any order.
func expectSet(t *testing.T, u *cmUser, want ...string) {
	t.Helper()
	got := make([]string, len(want))
	for i := range got {
		got[i] = u.Next()
	}
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Fatalf("%s: got %q, want (any order) %q", u.name, got, want)
	}
}

// members formats " 0 u1 0 u2 ..." in ascending tag order.
func members(us ...*cmUser) string {
	tags := make([]int64, len(us))
	for i, u := range us {
		tags[i] = u.tag
	}
	slices.Sort(tags)
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, " 0 %d", t)
	}
	return b.String()
}

func addOn(u *cmUser) string  { return sf("ADD ON 0 %d %s", u.tag, u.name) }
func addOff(u *cmUser) string { return sf("ADD OFF 0 %d %s", u.tag, u.name) }

func us(list ...*cmUser) []*cmUser { return list }

// TestCommunityCreate covers NEW SERV, NEW CHAN, NEW CHAN outside one's
// servers, and tags that grow and are never reused, across a restart too.
func TestCommunityCreate(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	w := &cmWorld{t: t, in: servertest.Start(t, cfg)}
	alice := w.user("alice")
	bob := w.user("bob")

	alice.Send("NEW SERV club")
	alice.Expect("TAG 1 0 club", sf("GRP 1 0 club general 0 %d", alice.tag))
	alice.Send("NEW CHAN 1 games")
	alice.Expect("TAG 1 1 games", sf("GRP 1 1 club games 0 %d", alice.tag))
	quiet(alice, bob)

	// Only a member of a server may create a channel in it.
	reject(t, bob, "NEW", "NEW CHAN 1 intruders")
	reject(t, bob, "NEW", "NEW CHAN 99 nowhere")
	quiet(alice)

	// Server and channel tags grow; a deleted newest tag is not reused.
	s2 := w.newServer(bob, "other")
	if s2 <= 1 {
		t.Fatalf("second server got tag %d after 1", s2)
	}
	s3 := w.newServer(alice, "tmp")
	if s3 <= s2 {
		t.Fatalf("third server got tag %d after %d", s3, s2)
	}
	alice.Send(sf("DEL %d 0", s3))
	alice.Expect(sf("DEL %d 0", s3))
	s4 := w.newServer(alice, "again")
	if s4 <= s3 {
		t.Fatalf("server created after deleting %d got tag %d: tags must never be reused", s3, s4)
	}
	c2 := w.newChan(alice, 1, "club", "tmp")
	if c2 <= 1 {
		t.Fatalf("second channel got tag %d after 1", c2)
	}
	alice.Send(sf("DEL 1 %d", c2))
	alice.Expect(sf("DEL 1 %d", c2))
	c3 := w.newChan(alice, 1, "club", "again")
	if c3 <= c2 {
		t.Fatalf("channel created after deleting %d got tag %d: tags must never be reused", c2, c3)
	}
	w.newChan(bob, s2, "other", "first")

	// Delete the newest server and channel, restart: still not reused.
	alice.Send(sf("DEL %d 0", s4), sf("DEL 1 %d", c3))
	alice.Expect(sf("DEL %d 0", s4), sf("DEL 1 %d", c3))
	w.in.Stop()
	w.in = servertest.Start(t, servertest.Config(cfg.DataDir))
	alice2, burst := servertest.Login(t, w.in.Addr, "alice")
	want := []string{
		sf("TAG 0 %d", alice.tag), addOn(alice),
		sf("GRP 0 %d", alice.tag),
		"TAG 1 0 club", sf("GRP 1 0 club general 0 %d", alice.tag),
		"TAG 1 1 games", sf("GRP 1 1 club games 0 %d", alice.tag),
	}
	if !slices.Equal(burst, want) {
		t.Fatalf("burst after restart:\n%q\nwant:\n%q", burst, want)
	}
	a2 := &cmUser{Client: alice2, tag: alice.tag, name: "alice"}
	if s5 := w.newServer(a2, "after"); s5 <= s4 {
		t.Fatalf("server created after restart got tag %d, not above the deleted %d", s5, s4)
	}
	if c4 := w.newChan(a2, 1, "club", "after"); c4 <= c3 {
		t.Fatalf("channel created after restart got tag %d, not above the deleted %d", c4, c3)
	}
}

// TestCommunityFriends covers friend requests, their errors, and BYE 0 U.
func TestCommunityFriends(t *testing.T) {
	w := newCmWorld(t)
	alice, bob, carol := w.user("alice"), w.user("bob"), w.user("carol")
	a, b, c := alice.tag, bob.tag, carol.tag

	alice.Send(sf("INV 0 %d", b))
	alice.Expect(addOn(bob), sf("INV 0 %d 0 %d", a, b))
	bob.Expect(addOn(alice), sf("INV 0 %d", a))
	quiet(carol)

	reject(t, alice, "INV", sf("INV 0 %d", a))    // oneself
	reject(t, alice, "INV", sf("INV 0 %d", b))    // twice
	reject(t, alice, "INV", "INV 0 999999")       // no such user
	reject(t, bob, "INV", sf("INV 0 %d", a))      // server: already asked by a
	reject(t, carol, "JOIN", sf("JOIN 0 %d", a))  // nothing pending
	reject(t, alice, "JOIN", sf("JOIN 0 %d", b))  // one's own request
	reject(t, alice, "MSG", sf("MSG 0 %d hi", b)) // not friends yet
	quiet(bob, carol)

	bob.Send(sf("JOIN 0 %d", a))
	bob.Expect(sf("JOIN 0 %d 0 %d", a, b))
	alice.Expect(sf("JOIN 0 %d 0 %d", a, b))
	quiet(carol)

	reject(t, alice, "INV", sf("INV 0 %d", b)) // a friend
	reject(t, bob, "INV", sf("INV 0 %d", a))   // a friend, other way
	reject(t, bob, "JOIN", sf("JOIN 0 %d", a)) // already accepted
	quiet(alice)

	// Friends can talk; a second session of alice sees the friendship.
	alice.Send(sf("MSG 0 %d hello bob", b))
	alice.Expect(sf("MSG 0 %d 0 %d hello bob", a, b))
	bob.Expect(sf("MSG 0 %d 0 %d hello bob", a, b))
	_, burst := servertest.Login(t, w.in.Addr, "alice")
	want := []string{sf("TAG 0 %d", a), addOn(alice), addOn(bob), sf("GRP 0 %d 0 %d", a, b)}
	if !slices.Equal(burst, want) {
		t.Fatalf("burst of a friend:\n%q\nwant:\n%q", burst, want)
	}

	// BYE 0 U ends a friendship: both get BYE 0 me 0 U.
	bob.Send(sf("BYE 0 %d", a))
	bob.Expect(sf("BYE 0 %d 0 %d", b, a))
	alice.Expect(sf("BYE 0 %d 0 %d", b, a))
	quiet(carol)
	reject(t, bob, "MSG", sf("MSG 0 %d still there?", a))
	reject(t, alice, "MSG", sf("MSG 0 %d still there?", b))
	reject(t, bob, "BYE", sf("BYE 0 %d", a)) // nothing left
	quiet(alice)

	// Declining a request received.
	carol.Send(sf("INV 0 %d", a))
	carol.Expect(addOn(alice), sf("INV 0 %d 0 %d", c, a))
	alice.Expect(addOn(carol), sf("INV 0 %d", c))
	alice.Send(sf("BYE 0 %d", c))
	alice.Expect(sf("BYE 0 %d 0 %d", a, c))
	carol.Expect(sf("BYE 0 %d 0 %d", a, c))
	reject(t, alice, "JOIN", sf("JOIN 0 %d", c))
	quiet(carol, bob)

	// Withdrawing a request sent (and then it may be sent again).
	carol.Send(sf("INV 0 %d", a))
	carol.Expect(addOn(alice), sf("INV 0 %d 0 %d", c, a))
	alice.Expect(addOn(carol), sf("INV 0 %d", c))
	carol.Send(sf("BYE 0 %d", a))
	carol.Expect(sf("BYE 0 %d 0 %d", c, a))
	alice.Expect(sf("BYE 0 %d 0 %d", c, a))
	reject(t, alice, "JOIN", sf("JOIN 0 %d", c))
	quiet(carol)
	carol.Send(sf("INV 0 %d", a))
	carol.Expect(addOn(alice), sf("INV 0 %d 0 %d", c, a))
	alice.Expect(addOn(carol), sf("INV 0 %d", c))

	// BYE 0 U with no relation at all.
	reject(t, bob, "BYE", sf("BYE 0 %d", c))
	reject(t, bob, "BYE", "BYE 0 999999")
	reject(t, bob, "BYE", sf("BYE 0 %d", b))
	quiet(alice, carol)
}

// TestCommunityOfflineInvitations: invitations to an offline user wait and
// are announced with SENT at its next login, where it can accept them.
func TestCommunityOfflineInvitations(t *testing.T) {
	w := newCmWorld(t)
	alice, bob, carol := w.user("alice"), w.user("bob"), w.user("carol")
	a, b, c := alice.tag, bob.tag, carol.tag
	s := w.newServer(alice, "club")
	ch := w.newChan(alice, s, "club", "games")
	w.admit(alice, carol, s, 0)

	// bob and carol go offline; alice sees carol leave (they share club).
	bob.Close()
	w.forget(bob)
	carol.Close()
	w.forget(carol)
	alice.Expect(sf("BYE 0 %d", c))
	for alice.Send("WHO bob"); alice.Next() != addOff(bob); alice.Send("WHO bob") {
	}

	alice.Send(sf("INV 0 %d", b))
	alice.Expect(addOff(bob), sf("INV 0 %d 0 %d", a, b))
	alice.Send(sf("INV 0 %d %d %d", b, s, ch))
	alice.Expect(addOff(bob), sf("INV 0 %d 0 %d %d %d club games", a, b, s, ch))
	reject(t, alice, "INV", sf("INV 0 %d", b)) // twice, while offline

	bob2, burst := servertest.Login(t, w.in.Addr, "bob")
	bob = &cmUser{Client: bob2, tag: b, name: "bob"}
	want := []string{
		sf("TAG 0 %d", b), addOn(bob), addOn(alice), sf("GRP 0 %d", b),
		sf("SENT 0 %d", a),
		sf("SENT 0 %d %d %d club games", a, s, ch),
	}
	if !slices.Equal(burst, want) {
		t.Fatalf("burst with pending invitations:\n%q\nwant:\n%q", burst, want)
	}
	alice.Expect(addOn(bob)) // bob came online and alice can see it

	bob.Send(sf("JOIN 0 %d", a))
	bob.Expect(sf("JOIN 0 %d 0 %d", a, b))
	alice.Expect(sf("JOIN 0 %d 0 %d", a, b))

	// Accepting the channel invitation joins the server first; carol, an
	// offline member, is announced with ADD OFF.
	bob.Send(sf("JOIN %d %d", s, ch))
	alice.Expect(addOn(bob), sf("JOIN %d 0 0 %d", s, b), addOn(bob), sf("JOIN %d %d 0 %d", s, ch, b))
	expectSet(t, bob, addOn(alice), addOff(carol))
	bob.Expect(
		sf("JOIN %d 0 0 %d", s, b),
		sf("TAG %d 0 club", s),
		sf("GRP %d 0 club general%s", s, members(alice, bob, carol)),
		addOn(alice),
		sf("JOIN %d %d 0 %d", s, ch, b),
		sf("GRP %d %d club games%s", s, ch, members(alice, bob)),
	)
	quiet(alice, bob)

	// Nothing is pending any more.
	_, burst = servertest.Login(t, w.in.Addr, "bob")
	want = []string{
		sf("TAG 0 %d", b), addOn(bob), addOn(alice), addOff(carol), sf("GRP 0 %d 0 %d", b, a),
		sf("TAG %d 0 club", s), sf("GRP %d 0 club general%s", s, members(alice, bob, carol)),
		sf("TAG %d %d games", s, ch), sf("GRP %d %d club games%s", s, ch, members(alice, bob)),
	}
	if !slices.Equal(burst, want) {
		t.Fatalf("burst after accepting:\n%q\nwant:\n%q", burst, want)
	}
}

// TestCommunityChannelInvitations covers INV 0 U S C, its errors, JOIN S 0
// and JOIN S C, with the lines of section 8 in their order.
func TestCommunityChannelInvitations(t *testing.T) {
	w := newCmWorld(t)
	alice, bob, carol, dave := w.user("alice"), w.user("bob"), w.user("carol"), w.user("dave")
	a, b, c, d := alice.tag, bob.tag, carol.tag, dave.tag
	s := w.newServer(alice, "club")
	ch := w.newChan(alice, s, "club", "games")

	reject(t, bob, "INV", sf("INV 0 %d %d 0", c, s))      // bob is not a member
	reject(t, bob, "INV", sf("INV 0 %d %d %d", c, s, ch)) // nor of the channel
	reject(t, alice, "INV", sf("INV 0 %d %d 0", a, s))    // oneself
	reject(t, alice, "INV", sf("INV 0 999999 %d 0", s))   // no such user
	reject(t, alice, "INV", sf("INV 0 %d %d 77", b, s))   // no such channel
	reject(t, alice, "INV", sf("INV 0 %d 999 0", b))      // no such server
	reject(t, bob, "JOIN", sf("JOIN %d 0", s))            // not invited
	quiet(carol, dave)

	// Invitation to the server.
	alice.Send(sf("INV 0 %d %d 0", b, s))
	alice.Expect(addOn(bob), sf("INV 0 %d 0 %d %d 0 club general", a, b, s))
	bob.Expect(addOn(alice), sf("INV 0 %d %d 0 club general", a, s))
	reject(t, alice, "INV", sf("INV 0 %d %d 0", b, s)) // twice
	reject(t, bob, "JOIN", sf("JOIN %d %d", s, ch))    // invited to the server, not the channel

	bob.Send(sf("JOIN %d 0", s))
	alice.Expect(addOn(bob), sf("JOIN %d 0 0 %d", s, b))
	bob.Expect(
		addOn(alice),
		sf("JOIN %d 0 0 %d", s, b),
		sf("TAG %d 0 club", s),
		sf("GRP %d 0 club general%s", s, members(alice, bob)),
	)
	quiet(alice, bob, carol, dave)
	reject(t, bob, "JOIN", sf("JOIN %d 0", s))            // the invitation is used
	reject(t, alice, "INV", sf("INV 0 %d %d 0", b, s))    // already a member
	reject(t, bob, "INV", sf("INV 0 %d %d %d", c, s, ch)) // member of the server, not of the channel

	// Any member of the server may invite to it.
	bob.Send(sf("INV 0 %d %d 0", c, s))
	bob.Expect(addOn(carol), sf("INV 0 %d 0 %d %d 0 club general", b, c, s))
	carol.Expect(addOn(bob), sf("INV 0 %d %d 0 club general", b, s))
	quiet(alice)
	carol.Send(sf("JOIN %d 0", s))
	expectAll(us(alice, bob), addOn(carol), sf("JOIN %d 0 0 %d", s, c))
	expectSet(t, carol, addOn(alice), addOn(bob))
	carol.Expect(
		sf("JOIN %d 0 0 %d", s, c),
		sf("TAG %d 0 club", s),
		sf("GRP %d 0 club general%s", s, members(alice, bob, carol)),
	)
	quiet(alice, bob, carol, dave)

	// Invitation to a channel of a server one is in: channel lines only,
	// to the channel's members.
	alice.Send(sf("INV 0 %d %d %d", b, s, ch))
	alice.Expect(addOn(bob), sf("INV 0 %d 0 %d %d %d club games", a, b, s, ch))
	bob.Expect(addOn(alice), sf("INV 0 %d %d %d club games", a, s, ch))
	bob.Send(sf("JOIN %d %d", s, ch))
	alice.Expect(addOn(bob), sf("JOIN %d %d 0 %d", s, ch, b))
	bob.Expect(addOn(alice), sf("JOIN %d %d 0 %d", s, ch, b), sf("GRP %d %d club games%s", s, ch, members(alice, bob)))
	quiet(alice, bob, carol)
	reject(t, alice, "INV", sf("INV 0 %d %d %d", b, s, ch)) // already a member

	// A channel member invites carol; a second invitation to the same place
	// is refused while one is pending (what the server does; the contract
	// only speaks of inviting "twice").
	bob.Send(sf("INV 0 %d %d %d", c, s, ch))
	bob.Expect(addOn(carol), sf("INV 0 %d 0 %d %d %d club games", b, c, s, ch))
	carol.Expect(addOn(bob), sf("INV 0 %d %d %d club games", b, s, ch))
	reject(t, alice, "INV", sf("INV 0 %d %d %d", c, s, ch))
	carol.Send(sf("JOIN %d %d", s, ch))
	expectAll(us(alice, bob), addOn(carol), sf("JOIN %d %d 0 %d", s, ch, c))
	expectSet(t, carol, addOn(alice), addOn(bob))
	carol.Expect(sf("JOIN %d %d 0 %d", s, ch, c), sf("GRP %d %d club games%s", s, ch, members(alice, bob, carol)))
	quiet(alice, bob, carol, dave)

	// A channel invitation for a server dave is not in: the server lines
	// first, then the channel lines. A pending invitation to the server is
	// consumed by it.
	w.do(alice, sf("INV 0 %d %d 0", d, s))
	bob.Send(sf("INV 0 %d %d %d", d, s, ch))
	bob.Expect(addOn(dave), sf("INV 0 %d 0 %d %d %d club games", b, d, s, ch))
	dave.Expect(addOn(bob), sf("INV 0 %d %d %d club games", b, s, ch))
	dave.Send(sf("JOIN %d %d", s, ch))
	expectAll(us(alice, bob, carol),
		addOn(dave), sf("JOIN %d 0 0 %d", s, d),
		addOn(dave), sf("JOIN %d %d 0 %d", s, ch, d))
	expectSet(t, dave, addOn(alice), addOn(bob), addOn(carol))
	dave.Expect(
		sf("JOIN %d 0 0 %d", s, d),
		sf("TAG %d 0 club", s),
		sf("GRP %d 0 club general%s", s, members(alice, bob, carol, dave)),
	)
	expectSet(t, dave, addOn(alice), addOn(bob), addOn(carol))
	dave.Expect(
		sf("JOIN %d %d 0 %d", s, ch, d),
		sf("GRP %d %d club games%s", s, ch, members(alice, bob, carol, dave)),
	)
	quiet(alice, bob, carol, dave)
	reject(t, dave, "JOIN", sf("JOIN %d 0", s)) // the server invitation went with it
	quiet(alice)
}

// cmClub builds: alice owns server "club" with channel "games"; bob is in
// both; carol is in the server only; dave is in nothing; erin is alice's
// friend only.
func cmClub(t *testing.T) (w *cmWorld, s, ch int64, alice, bob, carol, dave, erin *cmUser) {
	w = newCmWorld(t)
	alice, bob, carol, dave, erin = w.user("alice"), w.user("bob"), w.user("carol"), w.user("dave"), w.user("erin")
	s = w.newServer(alice, "club")
	ch = w.newChan(alice, s, "club", "games")
	w.admit(alice, bob, s, ch)
	w.admit(alice, carol, s, 0)
	w.befriend(alice, erin)
	return
}

// TestCommunityMessages covers channel and direct messages.
func TestCommunityMessages(t *testing.T) {
	w, s, ch, alice, bob, carol, dave, erin := cmClub(t)
	a, b, c, e := alice.tag, bob.tag, carol.tag, erin.tag

	// A second session of bob gets everything bob gets.
	bobC2, _ := servertest.Login(t, w.in.Addr, "bob")
	bob2 := &cmUser{Client: bobC2, tag: b, name: "bob#2"}

	// Channel message: every member, the sender included; nobody else.
	alice.Send(sf("MSG %d %d hello games", s, ch))
	expectAll(us(alice, bob, bob2), sf("MSG 0 %d %d %d hello games", a, s, ch))
	quiet(carol, dave, erin)
	reject(t, carol, "MSG", sf("MSG %d %d let me in", s, ch))
	reject(t, dave, "MSG", sf("MSG %d 0 let me in", s))
	reject(t, dave, "MSG", "MSG 999 0 nowhere")
	reject(t, alice, "MSG", sf("MSG %d 42 no such channel", s))
	quiet(alice, bob)

	// The general channel: every member of the server.
	carol.Send(sf("MSG %d 0 hi all", s))
	expectAll(us(alice, bob, bob2, carol), sf("MSG 0 %d %d 0 hi all", c, s))
	quiet(dave, erin)

	// Text is kept byte for byte: spaces, runs of spaces, tabs, UTF-8.
	text := "  two  leading\tand\t\ttabs, ünïcødé @carol  trailing  "
	bob.Send(sf("MSG %d 0 %s", s, text))
	expectAll(us(alice, bob, bob2, carol), sf("MSG 0 %d %d 0 %s", b, s, text))

	// Direct messages: friends, or a shared server.
	alice.Send(sf("MSG 0 %d psst\tfriend", e))
	expectAll(us(alice, erin), sf("MSG 0 %d 0 %d psst\tfriend", a, e))
	bob.Send(sf("MSG 0 %d same server", c))
	expectAll(us(bob, bob2, carol), sf("MSG 0 %d 0 %d same server", b, c))
	quiet(alice, dave, erin)
	reject(t, dave, "MSG", sf("MSG 0 %d stranger", a))
	reject(t, erin, "MSG", sf("MSG 0 %d friend of a friend", b))
	reject(t, bob, "MSG", sf("MSG 0 %d friend of a friend", e))
	reject(t, bob, "MSG", "MSG 0 999999 nobody")
	reject(t, bob, "MSG", sf("MSG 0 %d myself", b)) // the server refuses; the contract is silent
	quiet(alice, carol, dave, erin)

	// Two senders pipelining into one conversation: every member gets the
	// same order, and each sender's messages in the order sent.
	const n = 40
	var fromA, fromB []string
	for i := range n {
		fromA = append(fromA, sf("MSG %d 0 a%d", s, i))
		fromB = append(fromB, sf("MSG %d 0 b%d", s, i))
	}
	for i := range n {
		alice.Send(fromA[i])
		bob.Send(fromB[i])
	}
	var orders [][]string
	for _, u := range us(alice, bob, bob2, carol) {
		got := make([]string, 2*n)
		for i := range got {
			got[i] = u.Next()
		}
		orders = append(orders, got)
		var seqA, seqB []string
		for _, l := range got {
			switch {
			case strings.HasPrefix(l, sf("MSG 0 %d %d 0 a", a, s)):
				seqA = append(seqA, l)
			case strings.HasPrefix(l, sf("MSG 0 %d %d 0 b", b, s)):
				seqB = append(seqB, l)
			default:
				t.Fatalf("%s: unexpected line %q", u.name, l)
			}
		}
		for i := range n {
			if seqA[i] != sf("MSG 0 %d %d 0 a%d", a, s, i) || seqB[i] != sf("MSG 0 %d %d 0 b%d", b, s, i) {
				t.Fatalf("%s: a sender's messages out of order: %q", u.name, got)
			}
		}
	}
	for i := 1; i < len(orders); i++ {
		if !slices.Equal(orders[0], orders[i]) {
			t.Fatalf("members saw different orders:\n%q\n%q", orders[0], orders[i])
		}
	}
	quiet(alice, bob, bob2, carol, dave, erin)
}

// TestCommunityDelete covers DEL S C by the channel's creator and by the
// owner, DEL refused to others, and DEL S 0.
func TestCommunityDelete(t *testing.T) {
	w, s, ch, alice, bob, carol, dave, _ := cmClub(t)

	// bob's channel, with carol in it; alice (the owner) is not.
	bc := w.newChan(bob, s, "club", "bobs")
	w.admit(bob, carol, s, bc)
	// carol's channel, with bob in it.
	cc := w.newChan(carol, s, "club", "carols")
	w.admit(carol, bob, s, cc)

	// A plain member may not delete; nothing changes.
	reject(t, carol, "DEL", sf("DEL %d %d", s, bc))
	reject(t, carol, "DEL", sf("DEL %d %d", s, ch))
	reject(t, bob, "DEL", sf("DEL %d %d", s, cc))
	reject(t, dave, "DEL", sf("DEL %d %d", s, bc))
	reject(t, carol, "DEL", sf("DEL %d 99", s))
	quiet(alice, bob)
	bob.Send(sf("MSG %d %d still here", s, bc))
	expectAll(us(bob, carol), sf("MSG 0 %d %d %d still here", bob.tag, s, bc))
	quiet(alice)

	// The creator deletes its channel; a pending invitation to it (dave,
	// not even in the server) goes with it.
	w.do(bob, sf("INV 0 %d %d %d", dave.tag, s, bc))
	bob.Send(sf("DEL %d %d", s, bc))
	expectAll(us(bob, carol), sf("DEL %d %d", s, bc))
	quiet(alice, dave)
	reject(t, carol, "MSG", sf("MSG %d %d gone?", s, bc))
	reject(t, bob, "DEL", sf("DEL %d %d", s, bc))
	reject(t, bob, "RENAME", sf("RENAME x %d %d", s, bc))
	reject(t, dave, "JOIN", sf("JOIN %d %d", s, bc))
	quiet(alice, bob, carol)

	// The owner deletes a channel it did not create and is not in; it gets
	// the DEL line too as its confirmation (the server's choice: the
	// contract says "to every member").
	alice.Send(sf("DEL %d %d", s, cc))
	expectAll(us(bob, carol, alice), sf("DEL %d %d", s, cc))
	reject(t, bob, "MSG", sf("MSG %d %d gone?", s, cc))

	// The owner deletes a channel it is in.
	alice.Send(sf("DEL %d %d", s, ch))
	expectAll(us(alice, bob), sf("DEL %d %d", s, ch))
	quiet(carol)
	reject(t, bob, "MSG", sf("MSG %d %d gone?", s, ch))

	// Only the owner deletes a server; a failed DEL S 0 changes nothing.
	reject(t, bob, "DEL", sf("DEL %d 0", s))
	reject(t, dave, "DEL", sf("DEL %d 0", s))
	reject(t, dave, "DEL", "DEL 999 0")
	quiet(alice, carol)
	carol.Send(sf("MSG %d 0 still up", s))
	expectAll(us(alice, bob, carol), sf("MSG 0 %d %d 0 still up", carol.tag, s))

	// A pending invitation to the server goes with it.
	w.do(alice, sf("INV 0 %d %d 0", dave.tag, s))
	alice.Send(sf("DEL %d 0", s))
	expectAll(us(alice, bob, carol), sf("DEL %d 0", s))
	reject(t, alice, "MSG", sf("MSG %d 0 anyone?", s))
	reject(t, bob, "MSG", sf("MSG %d 0 anyone?", s))
	reject(t, bob, "NEW", sf("NEW CHAN %d again", s))
	reject(t, alice, "DEL", sf("DEL %d 0", s))
	reject(t, dave, "JOIN", sf("JOIN %d 0", s))
	// bob and carol no longer share a server.
	reject(t, bob, "MSG", sf("MSG 0 %d hello?", carol.tag))
	quiet(carol)

	// The next login bursts no longer list it.
	_, burst := servertest.Login(t, w.in.Addr, "bob")
	want := []string{sf("TAG 0 %d", bob.tag), addOn(bob), sf("GRP 0 %d", bob.tag)}
	if !slices.Equal(burst, want) {
		t.Fatalf("bob's burst after DEL S 0:\n%q\nwant:\n%q", burst, want)
	}
	_, burst = servertest.Login(t, w.in.Addr, "dave")
	want = []string{sf("TAG 0 %d", dave.tag), addOn(dave), sf("GRP 0 %d", dave.tag)}
	if !slices.Equal(burst, want) {
		t.Fatalf("dave's burst after DEL S 0 (invitation pending before):\n%q\nwant:\n%q", burst, want)
	}
}

// TestCommunityRename covers RENAME of channels and servers.
func TestCommunityRename(t *testing.T) {
	w, s, ch, alice, bob, carol, dave, _ := cmClub(t)
	bc := w.newChan(bob, s, "club", "bobs")
	w.admit(bob, carol, s, bc)

	// The channel's creator renames it.
	bob.Send(sf("RENAME fun %d %d", s, bc))
	expectAll(us(bob, carol), sf("RENAME fun %d %d", s, bc))
	quiet(alice, dave)
	// The owner, not in it, renames it too (and gets the line).
	alice.Send(sf("RENAME fun2 %d %d", s, bc))
	expectAll(us(alice, bob, carol), sf("RENAME fun2 %d %d", s, bc))

	// Non-moderators cannot.
	reject(t, carol, "RENAME", sf("RENAME x %d %d", s, bc))
	reject(t, bob, "RENAME", sf("RENAME x %d %d", s, ch))
	reject(t, bob, "RENAME", sf("RENAME x %d", s))
	reject(t, bob, "RENAME", sf("RENAME x %d 0", s))
	reject(t, dave, "RENAME", sf("RENAME x %d", s))
	reject(t, alice, "RENAME", sf("RENAME x %d 99", s))
	quiet(alice, bob, carol)

	// The owner renames the server, in both forms.
	alice.Send(sf("RENAME hall %d", s))
	expectAll(us(alice, bob, carol), sf("RENAME hall %d", s))
	alice.Send(sf("RENAME hall2 %d 0", s))
	expectAll(us(alice, bob, carol), sf("RENAME hall2 %d", s))
	quiet(alice, bob, carol, dave)

	// The new names are used everywhere.
	alice.Send(sf("INV 0 %d %d %d", dave.tag, s, ch))
	alice.Expect(addOn(dave), sf("INV 0 %d 0 %d %d %d hall2 games", alice.tag, dave.tag, s, ch))
	dave.Expect(addOn(alice), sf("INV 0 %d %d %d hall2 games", alice.tag, s, ch))
	_, burst := servertest.Login(t, w.in.Addr, "carol")
	want := []string{
		sf("TAG 0 %d", carol.tag), addOn(carol), addOn(alice), addOn(bob), sf("GRP 0 %d", carol.tag),
		sf("TAG %d 0 hall2", s), sf("GRP %d 0 hall2 general%s", s, members(alice, bob, carol)),
		sf("TAG %d %d fun2", s, bc), sf("GRP %d %d hall2 fun2%s", s, bc, members(bob, carol)),
	}
	if !slices.Equal(burst, want) {
		t.Fatalf("burst after renames:\n%q\nwant:\n%q", burst, want)
	}
}

// TestCommunityLeave covers BYE S C and BYE S 0.
func TestCommunityLeave(t *testing.T) {
	w, s, ch, alice, bob, carol, dave, _ := cmClub(t)
	w.admit(alice, carol, s, ch)

	bob.Send(sf("BYE %d %d", s, ch))
	expectAll(us(alice, bob, carol), sf("BYE 0 %d %d %d", bob.tag, s, ch))
	quiet(dave)
	reject(t, bob, "MSG", sf("MSG %d %d back?", s, ch))
	reject(t, bob, "BYE", sf("BYE %d %d", s, ch))
	alice.Send(sf("MSG %d %d without bob", s, ch))
	expectAll(us(alice, carol), sf("MSG 0 %d %d %d without bob", alice.tag, s, ch))
	quiet(bob)
	reject(t, bob, "JOIN", sf("JOIN %d %d", s, ch)) // coming back takes an invitation

	// carol leaves the server, and so all its channels.
	carol.Send(sf("BYE %d 0", s))
	expectAll(us(alice, bob, carol), sf("BYE 0 %d %d 0", carol.tag, s))
	reject(t, carol, "MSG", sf("MSG %d 0 back?", s))
	reject(t, carol, "MSG", sf("MSG %d %d back?", s, ch))
	reject(t, carol, "BYE", sf("BYE %d 0", s))
	reject(t, carol, "BYE", sf("BYE %d %d", s, ch))
	reject(t, carol, "NEW", sf("NEW CHAN %d mine", s))
	reject(t, bob, "MSG", sf("MSG 0 %d no shared server now", carol.tag))
	alice.Send(sf("MSG %d %d alone", s, ch))
	alice.Expect(sf("MSG 0 %d %d %d alone", alice.tag, s, ch))
	alice.Send(sf("MSG %d 0 two of us", s))
	expectAll(us(alice, bob), sf("MSG 0 %d %d 0 two of us", alice.tag, s))
	quiet(bob, carol)

	// The owner cannot leave its server; others cannot leave what they are
	// not in.
	reject(t, alice, "BYE", sf("BYE %d 0", s))
	reject(t, dave, "BYE", sf("BYE %d 0", s))
	reject(t, dave, "BYE", "BYE 999 0")
	reject(t, bob, "BYE", sf("BYE %d 99", s))
	quiet(alice, bob, carol)
	alice.Send(sf("MSG %d 0 still the owner", s))
	expectAll(us(alice, bob), sf("MSG 0 %d %d 0 still the owner", alice.tag, s))

	// bob's next login no longer lists the channel, and carol's no longer
	// lists the server.
	_, burst := servertest.Login(t, w.in.Addr, "bob")
	want := []string{
		sf("TAG 0 %d", bob.tag), addOn(bob), addOn(alice), sf("GRP 0 %d", bob.tag),
		sf("TAG %d 0 club", s), sf("GRP %d 0 club general%s", s, members(alice, bob)),
	}
	if !slices.Equal(burst, want) {
		t.Fatalf("bob's burst after leaving:\n%q\nwant:\n%q", burst, want)
	}
	_, burst = servertest.Login(t, w.in.Addr, "carol")
	want = []string{sf("TAG 0 %d", carol.tag), addOn(carol), sf("GRP 0 %d", carol.tag)}
	if !slices.Equal(burst, want) {
		t.Fatalf("carol's burst after leaving:\n%q\nwant:\n%q", burst, want)
	}
}

// TestCommunityRejectionsChangeNothing sends a failing command of every
// kind and checks that each gets exactly one ERR and that the state it
// would have changed is intact.
func TestCommunityRejectionsChangeNothing(t *testing.T) {
	w, s, ch, alice, bob, carol, dave, erin := cmClub(t)
	before := func(u *cmUser) []string {
		_, burst := servertest.Login(t, w.in.Addr, u.name)
		return burst
	}
	snap := map[string][]string{}
	for _, u := range us(alice, bob, carol, dave, erin) {
		snap[u.name] = before(u)
	}

	reject(t, bob, "DEL", sf("DEL %d %d", s, ch))
	reject(t, bob, "DEL", sf("DEL %d 0", s))
	reject(t, carol, "RENAME", sf("RENAME x %d %d", s, ch))
	reject(t, bob, "RENAME", sf("RENAME x %d", s))
	reject(t, alice, "BYE", sf("BYE %d 0", s))
	reject(t, dave, "BYE", sf("BYE %d %d", s, ch))
	reject(t, dave, "BYE", sf("BYE 0 %d", alice.tag))
	reject(t, dave, "NEW", sf("NEW CHAN %d x", s))
	reject(t, carol, "INV", sf("INV 0 %d %d %d", dave.tag, s, ch))
	reject(t, alice, "INV", sf("INV 0 %d %d 0", bob.tag, s))
	reject(t, alice, "INV", sf("INV 0 %d", erin.tag))
	reject(t, dave, "JOIN", sf("JOIN %d 0", s))
	reject(t, dave, "JOIN", sf("JOIN 0 %d", alice.tag))
	reject(t, dave, "MSG", sf("MSG %d 0 x", s))
	reject(t, dave, "MSG", sf("MSG 0 %d x", alice.tag))
	quiet(alice, bob, carol, dave, erin)

	// Everything still works as before.
	bob.Send(sf("MSG %d %d usable", s, ch))
	expectAll(us(alice, bob), sf("MSG 0 %d %d %d usable", bob.tag, s, ch))
	quiet(carol, dave, erin)
	for _, u := range us(alice, bob, carol, dave, erin) {
		if got := before(u); !slices.Equal(got, snap[u.name]) {
			t.Fatalf("%s: burst changed by rejected commands:\n%q\nwas:\n%q", u.name, got, snap[u.name])
		}
	}
}
