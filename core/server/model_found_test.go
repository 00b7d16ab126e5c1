package server_test

// Defects the model test (model_test.go) found, each as the smallest
// exchange that shows it, with what the contract says. They fail until
// the server is fixed.

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
)

// TestFoundDeclineChannelInvitation: PROTOCOL.md section 8 (ext),
// "BYE 0 tag_usr S C declines an invitation to S C received from tag_usr,
// or withdraws one sent to it; both sides get BYE 0 me 0 tag_usr S C."
// The server does not know this form of BYE: it answers
// "ERR BYE wrong number of fields", and the invitation stays pending.
func TestFoundDeclineChannelInvitation(t *testing.T) {
	w := newCmWorld(t)
	alice, bob, carol := w.user("alice"), w.user("bob"), w.user("carol")
	a, b, c := alice.tag, bob.tag, carol.tag
	s := w.newServer(alice, "club")
	ch := w.newChan(alice, s, "club", "games")
	w.do(alice, sf("INV 0 %d %d 0", b, s))
	w.do(alice, sf("INV 0 %d %d %d", c, s, ch))

	// bob declines the invitation to the server he received from alice.
	bob.Send(sf("BYE 0 %d %d 0", a, s))
	expectAll(us(bob, alice), sf("BYE 0 %d 0 %d %d 0", b, a, s))
	quiet(alice, bob, carol)
	reject(t, bob, "JOIN", sf("JOIN %d 0", s))

	// alice withdraws the invitation to the channel she sent carol.
	alice.Send(sf("BYE 0 %d %d %d", c, s, ch))
	expectAll(us(alice, carol), sf("BYE 0 %d 0 %d %d %d", a, c, s, ch))
	quiet(alice, bob, carol)
	reject(t, carol, "JOIN", sf("JOIN %d %d", s, ch))

	// Neither is pending any more, in anyone's burst; with no invitation
	// left the form is refused like any BYE with nothing to end.
	_, burst := servertest.Login(t, w.in.Addr, "alice")
	want := []string{
		sf("TAG 0 %d", a), addOn(alice), sf("GRP 0 %d", a),
		sf("TAG %d 0 club", s), sf("GRP %d 0 club general 0 %d", s, a),
		sf("TAG %d %d games", s, ch), sf("GRP %d %d club games 0 %d", s, ch, a),
	}
	if !slices.Equal(burst, want) {
		t.Fatalf("alice's burst after the invitations ended:\n%q\nwant:\n%q", burst, want)
	}
	reject(t, bob, "BYE", sf("BYE 0 %d %d 0", a, s))
}

// TestFoundPongAfterDownload: PROTOCOL.md section 13, "PONG comes after
// every answer to the connection's earlier commands", and a GET is
// answered by its download (sections 10 and 11: NEWFILE, FILE lines,
// ENDFILE). The server answers a PING sent right behind a GET before the
// download's first line: a client cannot use PING to know its GET was
// answered, or even accepted. (docs/protocol.md, History, records this as
// a decision, "a PING sent after the GET may be answered before
// ENDFILE"; the contract does not leave it open.)
func TestFoundPongAfterDownload(t *testing.T) {
	w := newCmWorld(t)
	alice := w.user("alice")
	s := w.newServer(alice, "club")

	// A file larger than half the send queue, so that its download cannot
	// be queued at once, and a message for the history.
	const size = 700 * 1024
	head := sf("%d 0 big.bin", s)
	alice.Send(sf("NEWFILE %s %d", head, size))
	chunk := base64.StdEncoding.EncodeToString(make([]byte, 2880))
	for sent := 0; sent < size; sent += 2880 {
		if n := size - sent; n < 2880 {
			chunk = base64.StdEncoding.EncodeToString(make([]byte, n))
		}
		alice.Send("FILE " + head + " " + chunk)
	}
	alice.Send(sf("ENDFILE %s %d", head, size))
	alice.WaitFor(sf("FILESENT 0 %d %d 0 big.bin", alice.tag, s))
	w.do(alice, sf("MSG %d 0 hello", s))

	for _, get := range []struct{ cmd, name string }{
		{sf("GET %d 0 big.bin", s), "big.bin"},
		{sf("GET %d 0", s), "save.txt"},
	} {
		alice.Send(get.cmd, "PING after")
		// Everything up to the PONG must be the whole download.
		var got []string
		for l := alice.Next(); l != "PONG after"; l = alice.Next() {
			got = append(got, l)
		}
		end := slices.IndexFunc(got, func(l string) bool { return strings.HasPrefix(l, "ENDFILE ") })
		if len(got) == 0 || !strings.HasPrefix(got[0], sf("NEWFILE %d 0 %s ", s, get.name)) || end != len(got)-1 {
			first := "nothing"
			if len(got) > 0 {
				first = fmt.Sprintf("%.60q", got[0])
			}
			t.Errorf("%s then PING: PONG came after %d lines (the first %s), want after the whole download, NEWFILE to ENDFILE", get.cmd, len(got), first)
		}
		// Read what is left of the download before the next one.
		if end < 0 {
			for l := alice.Next(); !strings.HasPrefix(l, "ENDFILE "); l = alice.Next() {
			}
		}
	}
}
