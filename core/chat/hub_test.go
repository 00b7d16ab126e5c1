package chat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/core/auth"
	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/internal/loopback"
)

// testHub is a whole hub on a store in a temporary folder, with cheap
// password hashing.
func testHub(t *testing.T, opts Options) (*Hub, *store.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{Sync: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts.Files = fs
	opts.Passwords = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}
	if opts.Log == nil {
		opts.Log = hclog.NewNullLogger()
	}
	h, err := New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Shutdown(ctx)
		fs.Close()
		st.Close()
	})
	return h, st
}

// testClient is a connection served by the hub.
type testClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialHub(t *testing.T, h *Hub) *testClient {
	t.Helper()
	client, server := loopback.Pair(t)
	go h.Serve(server)
	return &testClient{t: t, conn: client, r: bufio.NewReader(client)}
}

func (c *testClient) send(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		if _, err := c.conn.Write([]byte(l + "\r\n")); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *testClient) next() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading: %v", err)
	}
	return strings.TrimSuffix(l, "\r\n")
}

func (c *testClient) expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.next(); got != w {
			c.t.Fatalf("got %q, want %q", got, w)
		}
	}
}

// until reads lines up to want and returns those before it.
func (c *testClient) until(want string) []string {
	c.t.Helper()
	var got []string
	for l := c.next(); l != want; l = c.next() {
		got = append(got, l)
	}
	return got
}

// A panic in a command's handler fails that command alone: it is answered
// ERR VERB internal error, what the handler changed before it panicked is
// undone, and the server, the session and everyone else go on.
func TestPanicFailsOneCommand(t *testing.T) {
	faultHook = func(where string) {
		if where == "rename" {
			panic("a bug in RENAME")
		}
	}
	t.Cleanup(func() { faultHook = nil }) // after the hub's own cleanup, which comes later
	h, _ := testHub(t, Options{})
	alice := dialHub(t, h)
	alice.send("NEW USR alice password-alice", "NEW SERV club", "PING 1")
	alice.until("PONG 1")
	alice.send("RENAME bugged 1", "PING 2")
	alice.expect("ERR RENAME internal error", "PONG 2")

	bob := dialHub(t, h)
	bob.send("NEW USR bob password-bob", "PING 3")
	bob.until("PONG 3")
	alice.send("INV 0 2 1 0")
	alice.until("INV 0 1 0 2 1 0 club general") // the name before the panic
	bob.until("INV 0 1 1 0 club general")
	bob.send("JOIN 1 0")
	bob.until("GRP 1 0 club general 0 1 0 2")
}

// A plugin's call whose deadline passes before the loop takes it does not
// take effect later: the plugin is told it failed, and it did.
func TestExpiredPluginCallTakesNoEffect(t *testing.T) {
	h, st := testHub(t, Options{})
	release := make(chan struct{})
	busy := make(chan struct{})
	go h.call(context.Background(), func() (effect, error) {
		close(busy)
		<-release // the loop is held here
		return effect{}, nil
	})
	<-busy
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := h.KVSet(ctx, "game", "debit", []byte("100"))
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("KVSet with the loop held past its deadline = %v, want the deadline", err)
	}
	// One more call goes through the loop: the withdrawn one had its turn.
	if err := h.KVSet(context.Background(), "game", "other", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := st.KVGet("game", "debit"); found {
		t.Fatal("the call reported as failed was applied")
	}
}

// A failed group commit leaves memory and database equal: the commands
// before the failed change are stored and acknowledged, the failed one and
// every one after it (which may depend on it) are refused, and nothing of
// theirs is left, in memory or in the database.
func TestFailedCommitStoresNoOrphan(t *testing.T) {
	h, st := testHub(t, Options{CommitGap: 300 * time.Millisecond})
	alice := dialHub(t, h)
	alice.send("NEW USR alice password-alice", "NEW SERV club", "PING 1")
	alice.until("PONG 1")
	// The database gets an account the hub does not know of: creating it
	// again will fail.
	if err := st.Commit([]store.Change{func(tx *store.Tx) error {
		return tx.CreateUser(store.User{ID: 100, Pseudo: "carol", PseudoKey: "carol", PassHash: "x"})
	}}); err != nil {
		t.Fatal(err)
	}
	carol := dialHub(t, h)
	// alice's message commits, and the loop then waits CommitGap: carol's
	// two commands, behind it, go into the next batch together.
	alice.send("MSG 1 0 before")
	alice.expect("MSG 0 1 1 0 before")
	carol.send("NEW USR carol password-carol", "NEW SERV carols", "PING 2")
	got := carol.until("PONG 2")
	if fmt.Sprint(got) != "[ERR NEW could not be stored, try again ERR NEW could not be stored, try again]" &&
		fmt.Sprint(got) != "[ERR NEW could not be stored, try again ERR NEW not logged in]" {
		t.Fatalf("carol got %q, want both commands refused", got)
	}
	snap, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snap.Servers {
		if s.Name == "carols" {
			t.Fatalf("a server of the account that was not stored was stored: %+v", s)
		}
	}
	// Memory agrees: the tag carol was given is free again, and alice's
	// server is as it was.
	alice.send("WHO carol", "MSG 1 0 after")
	alice.expect("ADD OFF 0 100 carol", "MSG 0 1 1 0 after")
}
