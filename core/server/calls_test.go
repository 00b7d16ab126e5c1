package server_test

// End-to-end tests of calls (PROTOCOL.md section 19, docs/protocol.md
// "Calls"): who may join, what every member is told and when, the login
// burst, direct calls that ring, moderation, limits and the signaling's
// framing. calls_media_test.go sends media through the forwarding unit.

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

// callConfig is the tests' configuration with calls on a loopback port.
func callConfig(t *testing.T) *config.Config {
	cfg := servertest.Config(t.TempDir())
	cfg.Calls.UDP = "127.0.0.1:0"
	return cfg
}

func newCallWorld(t *testing.T, cfg *config.Config) *cmWorld {
	if cfg == nil {
		cfg = callConfig(t)
	}
	return &cmWorld{t: t, in: servertest.Start(t, cfg)}
}

// expectOffer reads the ice line and the pieces of the first offer a
// participant gets after its JOIN, and returns the offer's SDP.
func expectOffer(t *testing.T, u *cmUser, conv string) string {
	t.Helper()
	u.Expect("RTC " + conv + " ice 0 1 " + base64.StdEncoding.EncodeToString([]byte("[]")))
	return readRTC(t, u, conv, "offer")
}

// readRTC reads the RTC lines of one payload of kind and decodes it.
func readRTC(t *testing.T, u *cmUser, conv, kind string) string {
	t.Helper()
	var text strings.Builder
	for seq := 0; ; seq++ {
		line := u.Next()
		prefix := sf("RTC %s %s %d ", conv, kind, seq)
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok || len(rest) < 3 || rest[1] != ' ' {
			t.Fatalf("%s: got %q, want %s[0|1] payload", u.name, line, prefix)
		}
		text.WriteString(rest[2:])
		if rest[0] == '1' {
			break
		}
	}
	payload, err := base64.StdEncoding.DecodeString(text.String())
	if err != nil {
		t.Fatalf("%s: the %s is not base64: %v", u.name, kind, err)
	}
	return string(payload)
}

// TestCallChannel: joining a channel's call, what members are told (a
// connection without tags is told nothing), the offer, media changes, the
// burst, leaving, and a participant whose connection ends.
func TestCallChannel(t *testing.T) {
	w := newCallWorld(t, nil)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.tagsUser("carol")
	dave := w.user("dave") // no tags
	eve := w.tagsUser("eve")
	s := w.newServer(alice, "club")
	c := w.newChan(alice, s, "club", "voice")
	for _, u := range us(bob, carol, dave) {
		w.admit(alice, u, s, 0)
		w.admit(alice, u, s, c)
	}
	w.admit(alice, eve, s, 0) // in the server, not the channel
	members := us(alice, bob, carol)
	conv := sf("%d %d", s, c)

	reject(t, eve, "CALL", "CALL "+conv+" JOIN")
	reject(t, eve, "CALL", sf("CALL %d 99 JOIN", s))
	reject(t, alice, "CALL", "CALL "+conv+" LEAVE")
	reject(t, alice, "CALL", "CALL "+conv+" MEDIA mic")
	reject(t, alice, "RTC", "RTC "+conv+" answer 0 1 e30=")

	alice.Send("CALL " + conv + " JOIN")
	expectAll(members, sf("CALL 0 %d %s JOIN mic", alice.tag, conv))
	offer := expectOffer(t, alice, conv)
	if !strings.HasPrefix(offer, "v=0") || !strings.Contains(offer, "m=audio") || !strings.Contains(offer, "a=ice-lite") {
		t.Errorf("the offer is not an ICE-lite SDP offer with audio:\n%s", offer)
	}
	if n := strings.Count(offer, "\nm=video"); n != 2 {
		t.Errorf("the first offer has %d video sections, want the camera's and the screen's:\n%s", n, offer)
	}
	reject(t, alice, "CALL", "CALL "+conv+" JOIN video") // from the same session
	quiet(bob, carol, dave, eve)

	bob.Send("CALL " + conv + " JOIN video")
	expectAll(members, sf("CALL 0 %d %s JOIN mic,cam", bob.tag, conv))
	expectOffer(t, bob, conv)
	bob.Send("CALL " + conv + " MEDIA cam,screen")
	expectAll(members, sf("CALL 0 %d %s MEDIA cam,screen", bob.tag, conv))
	quiet(dave, eve)

	// Only the participating session sends RTC, in order, in one kind.
	reject(t, carol, "RTC", "RTC "+conv+" answer 0 1 e30=")
	reject(t, alice, "RTC", "RTC "+conv+" answer 1 1 e30=")
	alice.Send("RTC " + conv + " answer 0 0 e30=")
	reject(t, alice, "RTC", "RTC "+conv+" candidate 1 1 e30=")
	reject(t, alice, "RTC", "RTC "+conv+" candidate 0 1 e30") // pieces that are not base64 once joined
	quiet(alice)

	// A later login is told who is in the call, and what they send.
	carol2, burst := w.tagsLogin("carol", carol.tag)
	wantIn(t, burst, sf("CALL 0 %d %s JOIN mic", alice.tag, conv), sf("CALL 0 %d %s JOIN cam,screen", bob.tag, conv))
	members = append(members, carol2)
	// A login without tags is told nothing of calls.
	dave2, burst := servertest.Login(t, w.in.Addr, "dave")
	for _, l := range burst {
		if strings.HasPrefix(l, "CALL ") {
			t.Errorf("a login without tags got %q", l)
		}
	}
	dave2.Close()

	alice.Send("CALL " + conv + " LEAVE")
	expectAll(members, sf("CALL 0 %d %s LEAVE", alice.tag, conv))

	// A participant whose connection ends leaves the call; the last one
	// out ends it.
	bob.Close()
	w.forget(bob)
	expectAll(us(alice, carol, carol2), sf("CALL 0 %d %s LEAVE", bob.tag, conv), sf("BYE 0 %d", bob.tag))
	eve.Expect(sf("BYE 0 %d", bob.tag))
	_, burst = w.tagsLogin("carol", carol.tag)
	for _, l := range burst {
		if strings.HasPrefix(l, "CALL ") {
			t.Errorf("the burst after the call ended has %q", l)
		}
	}
	quiet(alice, carol, eve)
}

// wantIn checks that lines holds every one of want.
func wantIn(t *testing.T, lines []string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, l := range lines {
			found = found || l == w
		}
		if !found {
			t.Errorf("missing %q in:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}

// TestCallOneAtATime: joining another call leaves the first, and joining
// from a second session moves the user there.
func TestCallOneAtATime(t *testing.T) {
	w := newCallWorld(t, nil)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	s := w.newServer(alice, "club")
	c := w.newChan(alice, s, "club", "voice")
	w.admit(alice, bob, s, 0)
	w.admit(alice, bob, s, c)
	general, voice := sf("%d 0", s), sf("%d %d", s, c)
	both := us(alice, bob)

	bob.Send("CALL " + general + " JOIN")
	expectAll(both, sf("CALL 0 %d %s JOIN mic", bob.tag, general))
	expectOffer(t, bob, general)
	bob.Send("CALL " + voice + " JOIN")
	expectAll(both, sf("CALL 0 %d %s LEAVE", bob.tag, general), sf("CALL 0 %d %s JOIN mic", bob.tag, voice))
	expectOffer(t, bob, voice)

	bob2, _ := w.tagsLogin("bob", bob.tag)
	bob2.Send("CALL " + voice + " JOIN video")
	expectAll(us(alice, bob, bob2), sf("CALL 0 %d %s LEAVE", bob.tag, voice), sf("CALL 0 %d %s JOIN mic,cam", bob.tag, voice))
	expectOffer(t, bob2, voice)
	reject(t, bob, "RTC", "RTC "+voice+" answer 0 1 e30=") // no longer the participating session
	quiet(alice, bob, bob2)
}

// TestCallDirect: a direct call rings the other party, who declines; a
// stranger cannot call.
func TestCallDirect(t *testing.T) {
	w := newCallWorld(t, nil)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	eve := w.tagsUser("eve")
	w.befriend(alice, bob)
	bob2, _ := w.tagsLogin("bob", bob.tag)

	reject(t, eve, "CALL", sf("CALL 0 %d JOIN", alice.tag))
	reject(t, bob, "CALL", sf("CALL 0 %d DECLINE", alice.tag)) // nothing rings

	alice.Send(sf("CALL 0 %d JOIN video", bob.tag))
	ring := sf("CALL 0 %d 0 %d JOIN mic,cam", alice.tag, bob.tag)
	expectAll(us(alice, bob, bob2), ring)
	expectOffer(t, alice, sf("0 %d", bob.tag))
	reject(t, alice, "CALL", sf("CALL 0 %d DECLINE", bob.tag)) // one's own call does not ring
	reject(t, alice, "CALL", sf("CALL 0 %d MUTE 0 %d", bob.tag, bob.tag))

	// A login while it rings is told it rings.
	bob3, burst := w.tagsLogin("bob", bob.tag)
	wantIn(t, burst, ring)

	bob.Send(sf("CALL 0 %d DECLINE", alice.tag))
	expectAll(us(alice, bob, bob2, bob3), sf("CALL 0 %d 0 %d DECLINE", bob.tag, alice.tag))

	// Answering from one session tells the others to stop ringing.
	bob2.Send(sf("CALL 0 %d JOIN", alice.tag))
	expectAll(us(alice, bob, bob2, bob3), sf("CALL 0 %d 0 %d JOIN mic", bob.tag, alice.tag))
	expectOffer(t, bob2, sf("0 %d", alice.tag))
	quiet(alice, bob, bob2, bob3, eve)
}

// TestCallModeration: the owner and moderators mute, unmute and remove
// participants; others cannot, and nobody acts above their rank.
func TestCallModeration(t *testing.T) {
	w := newCallWorld(t, nil)
	owner := w.tagsUser("owner")
	bob := w.tagsUser("bob")
	carol := w.tagsUser("carol")
	s := w.newServer(owner, "club")
	for _, u := range us(bob, carol) {
		w.admit(owner, u, s, 0)
	}
	all := us(owner, bob, carol)
	conv := sf("%d 0", s)
	for _, u := range us(owner, bob) {
		u.Send("CALL " + conv + " JOIN")
		expectAll(all, sf("CALL 0 %d %s JOIN mic", u.tag, conv))
		expectOffer(t, u, conv)
	}

	reject(t, bob, "CALL", sf("CALL %s MUTE 0 %d", conv, owner.tag))
	reject(t, carol, "CALL", sf("CALL %s KICK 0 %d", conv, bob.tag)) // no moderator
	reject(t, owner, "CALL", sf("CALL %s MUTE 0 %d", conv, carol.tag))

	owner.Send(sf("CALL %s MUTE 0 %d", conv, bob.tag))
	expectAll(all, sf("CALL 0 %d %s MUTE 0 %d", owner.tag, conv, bob.tag))
	_, burst := w.tagsLogin("carol", carol.tag)
	wantIn(t, burst, sf("CALL 0 %d %s MUTE 0 %d", owner.tag, conv, bob.tag))
	owner.Send(sf("CALL %s UNMUTE 0 %d", conv, bob.tag))
	expectAll(all, sf("CALL 0 %d %s UNMUTE 0 %d", owner.tag, conv, bob.tag))

	// A server moderator cannot act on the owner.
	w.do(owner, sf("MOD %d 0 0 %d", s, bob.tag))
	reject(t, bob, "CALL", sf("CALL %s KICK 0 %d", conv, owner.tag))
	owner.Send(sf("CALL %s KICK 0 %d", conv, bob.tag))
	expectAll(all, sf("CALL 0 %d %s KICK 0 %d", owner.tag, conv, bob.tag), sf("CALL 0 %d %s LEAVE", bob.tag, conv))

	// Being kicked out of the channel takes one out of its call.
	carol.Send("CALL " + conv + " JOIN")
	expectAll(all, sf("CALL 0 %d %s JOIN mic", carol.tag, conv))
	expectOffer(t, carol, conv)
	w.settle()
	owner.Send(sf("KICK %d 0 0 %d", s, carol.tag))
	owner.WaitFor(sf("CALL 0 %d %s LEAVE", carol.tag, conv))
	bob.WaitFor(sf("CALL 0 %d %s LEAVE", carol.tag, conv))
	_, burst = w.tagsLogin("bob", bob.tag)
	wantIn(t, burst, sf("CALL 0 %d %s JOIN mic", owner.tag, conv))
	for _, l := range burst {
		if strings.HasPrefix(l, sf("CALL 0 %d ", carol.tag)) {
			t.Errorf("carol is still in the call: %q", l)
		}
	}
}

// TestCallLimits: participants per call, calls per server, and calls off.
func TestCallLimits(t *testing.T) {
	cfg := callConfig(t)
	cfg.Calls.MaxParticipants = 2
	cfg.Calls.MaxCallsPerServer = 1
	w := newCallWorld(t, cfg)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.tagsUser("carol")
	s := w.newServer(alice, "club")
	c := w.newChan(alice, s, "club", "voice")
	for _, u := range us(bob, carol) {
		w.admit(alice, u, s, 0)
	}
	conv := sf("%d 0", s)
	all := us(alice, bob, carol)
	for _, u := range us(alice, bob) {
		u.Send("CALL " + conv + " JOIN")
		expectAll(all, sf("CALL 0 %d %s JOIN mic", u.tag, conv))
		expectOffer(t, u, conv)
	}
	reject(t, carol, "CALL", "CALL "+conv+" JOIN")
	reject(t, carol, "CALL", sf("CALL %d %d JOIN", s, c))
	quiet(alice, bob, carol)

	off := newCmWorld(t)
	u := off.tagsUser("zoe")
	reject(t, u, "CALL", "CALL 0 1 JOIN")
	reject(t, u, "RTC", "RTC 0 1 answer 0 1 e30=")
}

// TestCallFollowsBotsAndTellsTheRemoved: a plugin's ban (no command of a
// user) takes the banned user out of the call too, and every removal is
// told to the removed user's own sessions, who are no longer members.
func TestCallFollowsBotsAndTellsTheRemoved(t *testing.T) {
	in := plStartTuned(t, func(c *config.Config) { c.Calls.UDP = "127.0.0.1:0" }, plBlock("warden", plBin(t, "warden"), "", ""))
	w := &cmWorld{t: t, in: in}
	alice, bob, carol := w.tagsUser("alice"), w.tagsUser("bob"), w.tagsUser("carol")
	s := w.newServer(alice, "club")
	for _, u := range us(bob, carol) {
		w.admit(alice, u, s, 0)
	}
	warden := plBotTag(t, alice, "warden")
	w.do(alice, sf("INV 0 %d %d 0", warden, s))
	w.do(alice, sf("MOD %d 0 0 %d", s, warden))
	conv := sf("%d 0", s)
	for _, u := range us(alice, carol) {
		u.Send("CALL " + conv + " JOIN")
		u.WaitFor(sf("CALL 0 %d %s JOIN mic", u.tag, conv))
		expectOffer(t, u, conv)
	}
	w.settle()

	bob.Send(sf("WARDEN ban %d %d spam", s, carol.tag))
	carol.WaitFor(sf("CALL 0 %d %s LEAVE", carol.tag, conv))
	alice.WaitFor(sf("CALL 0 %d %s LEAVE", carol.tag, conv))
	_, burst := w.tagsLogin("alice", alice.tag)
	for _, l := range burst {
		if strings.HasPrefix(l, sf("CALL 0 %d ", carol.tag)) {
			t.Errorf("carol, banned by a bot, is still in the call: %q", l)
		}
	}
}

// TestCallModerationRevealsNothing: whoever may not moderate a channel
// gets the same answer whether or not it has a call.
func TestCallModerationRevealsNothing(t *testing.T) {
	w := newCallWorld(t, nil)
	alice := w.tagsUser("alice")
	eve := w.tagsUser("eve")
	s := w.newServer(alice, "club")
	c := w.newChan(alice, s, "club", "secret")
	quietC := w.newChan(alice, s, "club", "quiet")
	w.admit(alice, eve, s, 0)
	alice.Send(sf("CALL %d %d JOIN", s, c))
	alice.WaitFor(sf("CALL 0 %d %d %d JOIN mic", alice.tag, s, c))
	expectOffer(t, alice, sf("%d %d", s, c))
	for _, ch := range []int64{c, quietC} {
		eve.Send(sf("CALL %d %d MUTE 0 %d", s, ch, alice.tag))
		if got := eve.Next(); got != "ERR CALL you are not a moderator of that channel" {
			t.Errorf("channel %d: %q", ch, got)
		}
	}
	eve.Send(sf("CALL 0 %d KICK 0 %d", alice.tag, alice.tag))
	if got := eve.Next(); got != "ERR CALL moderation is for channel calls" {
		t.Errorf("a direct conversation: %q", got)
	}
}
