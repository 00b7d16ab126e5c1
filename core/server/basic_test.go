package server_test

import (
	"fmt"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
)

// TestLoginBurstOrder builds a user with friends, servers, channels and
// invitations both ways, logs it in again and checks the burst line by line.
func TestLoginBurstOrder(t *testing.T) {
	in := servertest.Start(t, nil)
	alice, a := servertest.Register(t, in.Addr, "alice")
	bob, b := servertest.Register(t, in.Addr, "bob")
	carol, c := servertest.Register(t, in.Addr, "carol")
	dave, d := servertest.Register(t, in.Addr, "dave")
	dave.Close()

	// alice and bob become friends.
	alice.Send(fmt.Sprintf("INV 0 %d", b))
	alice.Sync()
	bob.Send(fmt.Sprintf("JOIN 0 %d", a))
	bob.Sync()
	// alice creates a server with a channel; bob joins both.
	alice.Send("NEW SERV club", "NEW CHAN 1 games", fmt.Sprintf("INV 0 %d 1 1", b))
	alice.Sync()
	bob.Send("JOIN 1 1")
	bob.Sync()
	// carol asks alice to be friends; alice invites dave to the server.
	carol.Send(fmt.Sprintf("INV 0 %d", a))
	carol.Sync()
	alice.Send(fmt.Sprintf("INV 0 %d 1 0", d))
	alice.Sync()
	alice.Close()
	bob.WaitFor(fmt.Sprintf("BYE 0 %d", a))
	for bob.Send("WHO dave"); bob.Next() != fmt.Sprintf("ADD OFF 0 %d dave", d); bob.Send("WHO dave") {
	}

	_, burst := servertest.Login(t, in.Addr, "alice")
	want := []string{
		fmt.Sprintf("TAG 0 %d", a),
		fmt.Sprintf("ADD ON 0 %d alice", a),
		fmt.Sprintf("ADD ON 0 %d bob", b),
		fmt.Sprintf("ADD ON 0 %d carol", c),
		fmt.Sprintf("ADD OFF 0 %d dave", d),
		fmt.Sprintf("GRP 0 %d 0 %d", a, b),
		"TAG 1 0 club",
		fmt.Sprintf("GRP 1 0 club general 0 %d 0 %d", a, b),
		"TAG 1 1 games",
		fmt.Sprintf("GRP 1 1 club games 0 %d 0 %d", a, b),
		fmt.Sprintf("SENT 0 %d", c),
		fmt.Sprintf("INV 0 %d 0 %d 1 0 club general", a, d),
	}
	if fmt.Sprint(burst) != fmt.Sprint(want) {
		t.Fatalf("burst:\n%q\nwant:\n%q", burst, want)
	}
}
