package client_test

import (
	"bytes"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// publicKeyOf waits for a KEY 0 U line about user and parses it.
func (p *peer) publicKeyOf(user int64) *pgp.Public {
	p.t.Helper()
	e := p.waitEvent(func(e client.Event) bool {
		k, ok := e.(client.PublicKey)
		return ok && k.User == user
	}).(client.PublicKey)
	pub, err := pgp.ParsePublic(e.Key)
	if err != nil {
		p.t.Fatalf("%s: key of %d: %v", p.name, user, err)
	}
	return pub
}

// TestPrivateMessage: two clients publish keys, fetch each other's, and
// exchange a private message; the receiver decrypts and verifies it; the
// server's database holds the pgp: text and never the plaintext. Then bob
// changes his key: alice's pin reports the change, and a message signed
// by the new key does not verify against the pinned one.
func TestPrivateMessage(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.Config(dir))
	alice := connect(t, fastOptions(srv.Addr), "alice", true)
	bob := connect(t, fastOptions(srv.Addr), "bob", true)

	// Friends, so that they may write to each other.
	alice.send("WHO bob")
	alice.waitState("bob known", func(s *client.State) bool { return s.FindUser("bob") != nil })
	bobTag := alice.st.FindUser("bob").Tag
	alice.send(wire.Head("INV", wire.User(bobTag)))
	bob.waitState("friend request", func(s *client.State) bool { return len(s.Invites) == 1 })
	bob.send(wire.Head("JOIN", wire.User(alice.me())))
	alice.waitState("friends", func(s *client.State) bool { return s.Friends[bobTag] })

	aliceKey, err := pgp.Generate("alice")
	if err != nil {
		t.Fatal(err)
	}
	bobKey, err := pgp.Generate("bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.c.PublishKey(aliceKey.Public()); err != nil {
		t.Fatal(err)
	}
	alice.publicKeyOf(alice.me()) // the server's confirmation
	if err := bob.c.PublishKey(bobKey.Public()); err != nil {
		t.Fatal(err)
	}
	// alice, who can see bob, is told of his key as he publishes it.
	if got := alice.publicKeyOf(bobTag); got.Fingerprint() != bobKey.Fingerprint() {
		t.Fatal("alice got another key for bob")
	}

	// Each fetches the other's key, and pins it.
	pins := pgp.KnownKeys{}
	if err := alice.c.FetchKey(bobTag); err != nil {
		t.Fatal(err)
	}
	bobPub := alice.publicKeyOf(bobTag)
	if pins.Check(pgp.Pin{Server: srv.Addr, User: bobTag}, bobPub.Fingerprint()) != pgp.PinNew {
		t.Fatal("first sight should pin")
	}
	if err := bob.c.FetchKey(alice.me()); err != nil {
		t.Fatal(err)
	}
	alicePub := bob.publicKeyOf(alice.me())

	const secret = "the cake is in the oven, 7pm"
	text, err := pgp.Encrypt([]byte(secret), bobPub, aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	alice.send(wire.Head("MSG", wire.User(bobTag), text))
	bob.waitState("private message", func(s *client.State) bool {
		return lastItem(s, wire.User(alice.me())).Text == text
	})
	plain, err := pgp.Decrypt(lastItem(bob.st, wire.User(alice.me())).Text, bobKey, alicePub)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain.Text) != secret || plain.Verdict != pgp.Verified || plain.Signer != aliceKey.Fingerprint() {
		t.Fatalf("bob read %+v", plain)
	}
	// alice reads her own echo.
	alice.waitState("echo", func(s *client.State) bool { return lastItem(s, wire.User(bobTag)).Text == text })
	if p, err := pgp.Decrypt(lastItem(alice.st, wire.User(bobTag)).Text, aliceKey, alicePub); err != nil || string(p.Text) != secret {
		t.Fatalf("alice's own copy: %+v %v", p, err)
	}

	// The database holds the ciphertext, exactly as sent, and no plaintext.
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, store.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT body FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains([]byte(body), []byte("cake")) {
			t.Errorf("plaintext in the database: %q", body)
		}
		found = found || body == text
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if !found {
		t.Fatal("the pgp: text is not in the messages table")
	}

	// bob makes a new key: alice is told, and her pin sees the change.
	bobKey2, err := pgp.Generate("bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.c.PublishKey(bobKey2.Public()); err != nil {
		t.Fatal(err)
	}
	newPub := alice.publicKeyOf(bobTag)
	if pins.Check(pgp.Pin{Server: srv.Addr, User: bobTag}, newPub.Fingerprint()) != pgp.PinChanged {
		t.Fatal("a new key for bob was not reported as a change")
	}
	text2, err := pgp.Encrypt([]byte("new key, same bob"), alicePub, bobKey2)
	if err != nil {
		t.Fatal(err)
	}
	bob.send(wire.Head("MSG", wire.User(alice.me()), text2))
	alice.waitState("second message", func(s *client.State) bool { return lastItem(s, wire.User(bobTag)).Text == text2 })
	// Until alice accepts the change, bob's messages read unverified.
	p, err := pgp.Decrypt(text2, aliceKey, bobPub)
	if err != nil || p.Verdict != pgp.Unverified || string(p.Text) != "new key, same bob" {
		t.Fatalf("%+v %v", p, err)
	}
	// A message to bob's old key is for a key his new device lacks.
	if _, err := pgp.Decrypt(text, bobKey2, alicePub); !errors.Is(err, pgp.ErrNotForMe) {
		t.Fatalf("old message with the new key: %v", err)
	}
}
