package server_test

import (
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
)

// TestP2PRelay: the peer-to-peer signaling lines go, line by line and as
// they were, from one user's client to the other's tags sessions, between
// users who may write to each other only; calls need not be on.
func TestP2PRelay(t *testing.T) {
	w := newCmWorld(t) // no calls block
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.tagsUser("carol")
	eve := w.tagsUser("eve")
	w.befriend(alice, bob)
	w.befriend(alice, carol)
	bobPlain, _ := servertest.Login(t, w.in.Addr, "bob") // no tags: told nothing
	carol.Close()
	w.forget(carol)
	alice.WaitFor(sf("BYE 0 %d", carol.tag))
	w.settle()

	alice.Send(sf("RTC 0 %d p2p-offer 0 0 AAAA", bob.tag), sf("RTC 0 %d p2p-offer 1 1 e30=", bob.tag))
	bob.Expect(sf("RTC 0 %d p2p-offer 0 0 AAAA", alice.tag), sf("RTC 0 %d p2p-offer 1 1 e30=", alice.tag))
	bob.Send(sf("RTC 0 %d p2p-answer 0 1 eyJkZWNsaW5lIjp0cnVlfQ==", alice.tag))
	alice.Expect(sf("RTC 0 %d p2p-answer 0 1 eyJkZWNsaW5lIjp0cnVlfQ==", bob.tag))
	bob.Send(sf("RTC 0 %d p2p-candidate 0 1 e30=", alice.tag))
	alice.Expect(sf("RTC 0 %d p2p-candidate 0 1 e30=", bob.tag))

	reject(t, eve, "RTC", sf("RTC 0 %d p2p-offer 0 1 e30=", alice.tag))   // a stranger
	reject(t, alice, "RTC", sf("RTC 0 %d p2p-offer 0 1 e30=", carol.tag)) // offline
	reject(t, alice, "RTC", sf("RTC 0 %d p2p-offer 0 1 e30=", alice.tag)) // oneself
	reject(t, alice, "RTC", "RTC 1 0 p2p-offer 0 1 e30=")                 // not between two users
	reject(t, alice, "RTC", sf("RTC 0 %d answer 0 1 e30=", bob.tag))      // a call's kind, and no calls
	bobPlain.ExpectQuiet()
	quiet(alice, bob, eve)
}
