package server_test

// End-to-end tests of rules of Part two found by review: what a direct
// conversation needs once the friendship is over, what a channel's creator
// keeps when it is kicked, and the order of refused history reads.

import (
	"strings"
	"testing"
)

// TestDirectEditsNeedWhatAMessageNeeds: once a friendship is over (and no
// server is shared), neither party edits or reacts in their direct
// conversation any more, as neither may write in it; each may still
// delete its own messages.
func TestDirectEditsNeedWhatAMessageNeeds(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	w.befriend(alice, bob)

	alice.Send(sf("MSG 0 %d psst", bob.tag))
	dm := expectTagged(t, alice, sf("MSG 0 %d 0 %d psst", alice.tag, bob.tag))
	expectTagged(t, bob, sf("MSG 0 %d 0 %d psst", alice.tag, bob.tag))
	w.do(bob, sf("REACT %d 👀", dm.ID))
	w.settle()

	w.do(alice, sf("BYE 0 %d", bob.tag))
	w.settle()
	refusedWith(t, alice, "EDIT", sf("EDIT %d one more thing", dm.ID), "you must be friends or share a server")
	refusedWith(t, bob, "REACT", sf("REACT %d 👍", dm.ID), "you must be friends or share a server")
	refusedWith(t, bob, "UNREACT", sf("UNREACT %d 👀", dm.ID), "you must be friends or share a server")
	quiet(alice, bob)
	alice.Send(sf("DELETE %d", dm.ID))
	alice.Expect(sf("DELETE 0 %d 0 %d %d", alice.tag, bob.tag, dm.ID))
	bob.Expect(sf("DELETE 0 %d 0 %d %d", alice.tag, bob.tag, dm.ID))
}

// TestChannelCreatorRank: a channel's creator is named a moderator in the
// burst, stands above the moderators it names, and keeps no power over
// its channel once a server moderator has kicked it out.
func TestChannelCreatorRank(t *testing.T) {
	w := newCmWorld(t)
	owner := w.tagsUser("owner")
	carol := w.tagsUser("carol")
	dave := w.tagsUser("dave")
	s := w.newServer(owner, "club")
	w.admit(owner, carol, s, 0)
	w.admit(owner, dave, s, 0)
	c := w.newChan(carol, s, "club", "games")
	w.admit(carol, dave, s, c)
	w.do(carol, sf("MOD %d %d 0 %d", s, c, dave.tag))
	w.settle()

	_, burst := w.tagsLogin("dave", dave.tag)
	joined := "\n" + strings.Join(burst, "\n") + "\n"
	for _, want := range []string{sf("MOD %d %d 0 %d", s, c, carol.tag), sf("MOD %d %d 0 %d", s, c, dave.tag)} {
		if !strings.Contains(joined, "\n"+want+"\n") {
			t.Fatalf("burst lacks %q:\n%s", want, joined)
		}
	}
	refusedWith(t, carol, "MOD", sf("MOD %d %d 0 %d", s, c, carol.tag), "already a moderator")
	refusedWith(t, dave, "KICK", sf("KICK %d %d 0 %d", s, c, carol.tag), "the channel's creator")

	owner.Send(sf("KICK %d %d 0 %d enough", s, c, carol.tag))
	carol.Expect(sf("KICK 0 %d %d %d 0 %d enough", owner.tag, s, c, carol.tag))
	w.settle()
	refusedWith(t, carol, "KICK", sf("KICK %d %d 0 %d", s, c, dave.tag), "only a moderator can kick")
	refusedWith(t, carol, "OPEN", sf("OPEN %d %d", s, c), "only a moderator")
	refusedWith(t, carol, "DEL", sf("DEL %d %d", s, c), "only a moderator")
}

// TestRefusedHistoryWaitsItsTurn: a HIST refused behind one still being
// answered comes after that one's answer, so a client knows which of its
// requests the ERR is about.
func TestRefusedHistoryWaitsItsTurn(t *testing.T) {
	w := newCmWorld(t)
	alice := w.tagsUser("alice")
	s := w.newServer(alice, "club")
	for i := 0; i < 3; i++ {
		w.do(alice, sf("MSG %d 0 m%d", s, i))
	}
	w.settle()
	alice.Send(sf("HIST %d 0 0 5", s), sf("HIST %d 99 0 5", s), sf("FIND %d 99 m1", s))
	got := alice.Sync()
	if len(got) != 6 {
		t.Fatalf("want 3 messages, HIST and two ERR, got %q", got)
	}
	for i := 0; i < 3; i++ {
		if _, rest := tagged(t, got[i]); rest != sf("MSG 0 %d %d 0 m%d", alice.tag, s, i) {
			t.Fatalf("line %d: %q", i, got[i])
		}
	}
	if got[3] != sf("HIST %d 0 3", s) || !strings.HasPrefix(got[4], "ERR HIST ") || !strings.HasPrefix(got[5], "ERR FIND ") {
		t.Fatalf("the refusals must follow the page they were sent after: %q", got)
	}
}
