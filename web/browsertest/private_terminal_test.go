package browsertest_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
)

// A web user and a terminal user exchange private messages through
// salond: bob (the terminal client's library, with client/pgp) makes and
// publishes a key and befriends alice; alice, in the page, makes hers,
// switches their conversation to private and writes; bob's side receives
// a pgp: message, fetches alice's key, decrypts and verifies it, and
// answers encrypted to her; her page shows his answer with the lock and
// "signed by bob". salond's data folder then holds neither plaintext, and
// its messages table both pgp: texts.
func TestBrowserAndTerminalPrivate(t *testing.T) {
	s := startSalond(t)
	const secretA = "meet me at the north gate at seven"
	const secretB = "agreed bring the blue umbrella"

	bob := newTerminalUser(t, s.Addr, "bob")
	key, err := pgp.Generate("bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.c.PublishKey(key.Public()); err != nil {
		t.Fatal(err)
	}
	// Lines are handled in order: once bob reads his own key back, it is stored.
	me := bob.who("bob")
	if err := bob.c.FetchKey(me); err != nil {
		t.Fatal(err)
	}
	bob.wait("bob's own published key", func(e client.Event) bool {
		k, ok := e.(client.PublicKey)
		return ok && k.User == me && bytes.Equal(k.Key, key.Public())
	})

	sc := runScript(t, "private_terminal", map[string]string{
		"SALON_URL": s.URL(), "SALON_SECRET_A": secretA, "SALON_SECRET_B": secretB,
	})
	sc.expect("registered")
	alice := bob.who("alice")
	bob.send(fmt.Sprintf("INV 0 %d", alice))
	sc.expect("accepted")
	bob.wait("alice's acceptance", func(e client.Event) bool {
		j, ok := e.(client.Join)
		return ok && j.User == alice
	})

	sc.expect("sent")
	m := bob.wait("alice's private message", func(e client.Event) bool {
		m, ok := e.(client.Message)
		return ok && m.From == alice && strings.HasPrefix(m.Text, pgp.Prefix)
	}).(client.Message)
	sentA := m.Text
	if err := bob.c.FetchKey(alice); err != nil {
		t.Fatal(err)
	}
	k := bob.wait("alice's key", func(e client.Event) bool {
		k, ok := e.(client.PublicKey)
		return ok && k.User == alice
	}).(client.PublicKey)
	alicePub, err := pgp.ParsePublic(k.Key)
	if err != nil {
		t.Fatalf("alice's published key: %v", err)
	}
	if alicePub.Name() != "alice" {
		t.Errorf("alice's key is named %q", alicePub.Name())
	}
	p, err := pgp.Decrypt(sentA, key, alicePub)
	if err != nil {
		t.Fatalf("bob cannot read alice's message: %v", err)
	}
	if string(p.Text) != secretA || p.Verdict != pgp.Verified || p.Signer != alicePub.Fingerprint() {
		t.Fatalf("bob reads alice's message as %q, %v, signer %x", p.Text, p.Verdict, p.Signer)
	}

	sentB, err := pgp.Encrypt([]byte(secretB), alicePub, key)
	if err != nil {
		t.Fatal(err)
	}
	bob.send(fmt.Sprintf("MSG 0 %d %s", alice, sentB))
	bob.message(0, sentB) // its acknowledgement: stored
	sc.expect("read")
	sc.finish()

	// Stopped, salond has checkpointed its journal: the database file holds everything.
	s.stop()
	noPlaintext(t, s.dataDir, secretA, secretB, "umbrella")
	bodies := directBodies(t, s.dataDir)
	for _, want := range []string{sentA, sentB} {
		found := false
		for _, b := range bodies {
			found = found || b == want
		}
		if !found {
			t.Errorf("the messages table lacks the pgp: text %.40q...; it has %d direct messages", want, len(bodies))
		}
	}
}
