package server_test

// End-to-end tests of the abuse limits (the limits block of the
// configuration) and of the TLS listener, over TCP against an in-process
// server. servertest.Config lifts the limits that would trip ordinary
// tests; each test here sets the one it checks back down.
//
// Timing is only ever bounded from below (a limit cannot act before its
// time) or waited for with servertest.Timeout, so a loaded machine makes
// these tests slower, not flaky.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server"
	"github.com/salon-chat/salon/core/server/servertest"
)

// limClient is a line client over a connection servertest.Dial cannot
// open: TLS, or TCP from a chosen loopback address.
type limClient struct {
	t     *testing.T
	name  string
	conn  net.Conn
	lines chan string
}

func limWrap(t *testing.T, name string, conn net.Conn) *limClient {
	c := &limClient{t: t, name: name, conn: conn, lines: make(chan string, 10000)}
	go func() {
		defer close(c.lines)
		br := bufio.NewReader(conn)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			c.lines <- strings.TrimSuffix(l, "\r\n")
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return c
}

// limDialFrom connects to addr from the loopback address ip (127.0.0.2 is
// another address to the server, on the same machine).
func limDialFrom(t *testing.T, ip, addr string) *limClient {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: servertest.Timeout}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ip, err)
	}
	return limWrap(t, ip, conn)
}

// limDialTLS connects to the TLS listener at addr from ip, trusting only
// roots, and completes the handshake.
func limDialTLS(t *testing.T, ip, addr string, roots *x509.CertPool) (*limClient, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: servertest.Timeout}
	conn, err := tls.DialWithDialer(&d, "tcp", addr, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	return limWrap(t, "tls-"+ip, conn), nil
}

func (c *limClient) Send(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		c.conn.SetWriteDeadline(time.Now().Add(servertest.Timeout))
		if _, err := c.conn.Write([]byte(l + "\r\n")); err != nil {
			c.t.Fatalf("%s: write: %v", c.name, err)
		}
	}
}

func (c *limClient) Next() string {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.t.Fatalf("%s: connection closed while waiting for a line", c.name)
		}
		return l
	case <-time.After(servertest.Timeout):
		c.t.Fatalf("%s: no line within %v", c.name, servertest.Timeout)
	}
	return ""
}

func (c *limClient) Expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.Next(); got != w {
			c.t.Fatalf("%s: got %q, want %q", c.name, got, w)
		}
	}
}

func (c *limClient) WaitFor(want string) {
	c.t.Helper()
	for c.Next() != want {
	}
}

// ExpectClosed checks that the connection is closed by the server after
// exactly the lines want.
func (c *limClient) ExpectClosed(want ...string) {
	c.t.Helper()
	var got []string
	deadline := time.After(servertest.Timeout)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				if !slices.Equal(got, want) {
					c.t.Fatalf("%s: got %q before the close, want %q", c.name, got, want)
				}
				return
			}
			got = append(got, l)
		case <-deadline:
			c.t.Fatalf("%s: connection still open after %v (got %q)", c.name, servertest.Timeout, got)
		}
	}
}

// limExpectClosed is ExpectClosed for a servertest client.
func limExpectClosed(t *testing.T, c *servertest.Client, want ...string) {
	t.Helper()
	if got := c.ExpectClosed(); !slices.Equal(got, want) {
		t.Fatalf("%s: got %q before the close, want %q", c.Name, got, want)
	}
}

// limJoin has owner invite member to its server sid, named name, and
// member join it, and drains what this sends them.
func limJoin(t *testing.T, owner *servertest.Client, o int64, member *servertest.Client, m int64, sid int64, name string) {
	t.Helper()
	owner.Send(fmt.Sprintf("INV 0 %d %d 0", m, sid))
	owner.WaitFor(fmt.Sprintf("INV 0 %d 0 %d %d 0 %s general", o, m, sid, name))
	member.WaitFor(fmt.Sprintf("INV 0 %d %d 0 %s general", o, sid, name))
	member.Send(fmt.Sprintf("JOIN %d 0", sid))
	member.WaitFor(fmt.Sprintf("GRP %d 0 %s general 0 %d 0 %d", sid, name, min(o, m), max(o, m)))
	owner.WaitFor(fmt.Sprintf("JOIN %d 0 0 %d", sid, m))
	owner.ExpectQuiet()
	member.ExpectQuiet()
}

func TestLimitConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.ConnectionsPerAddress = 3
	in := servertest.Start(t, cfg)

	open := []*servertest.Client{}
	for i := range 3 {
		c := servertest.Dial(t, in.Addr)
		c.Name = fmt.Sprintf("conn%d", i)
		c.Send("PING in")
		c.Expect("PONG in")
		open = append(open, c)
	}
	// The fourth is refused at once, before it says anything.
	extra := servertest.Dial(t, in.Addr)
	extra.Name = "fourth"
	limExpectClosed(t, extra, "ERR LINE too many connections from your address")
	// Another address is counted on its own.
	other := limDialFrom(t, "127.0.0.2", in.Addr)
	other.Send("NEW USR carol password-carol")
	other.Expect("TAG 0 1", "ADD ON 0 1 carol", "GRP 0 1")

	// The refusal did not count: once one of the three closes, exactly one
	// more is let in (the server notices the close in its own time).
	open[0].Close()
	var again *servertest.Client
	deadline := time.Now().Add(servertest.Timeout)
	for again == nil {
		c := servertest.Dial(t, in.Addr)
		c.Name = "again"
		c.Send("PING again")
		switch l := c.Next(); l {
		case "PONG again":
			again = c
		case "ERR LINE too many connections from your address":
			c.ExpectClosed()
			if time.Now().After(deadline) {
				t.Fatal("no connection accepted after one of three closed")
			}
			time.Sleep(10 * time.Millisecond)
		default:
			t.Fatalf("unexpected answer %q", l)
		}
	}
	extra = servertest.Dial(t, in.Addr)
	extra.Name = "fourth again"
	limExpectClosed(t, extra, "ERR LINE too many connections from your address")
	for _, c := range append(open[1:], again) {
		c.ExpectQuiet()
	}
	other.Send("PING still")
	other.Expect("PONG still")
}

func TestLimitRegistrationsPerHour(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.RegistrationsPerHour = 2
	in := servertest.Start(t, cfg)

	alice, _ := servertest.Register(t, in.Addr, "alice")
	alice.Close()
	// A registration refused for another reason does not count.
	c := servertest.Dial(t, in.Addr)
	c.Send("NEW USR Alice password-other")
	c.Expect("ERR NEW pseudo already taken")
	bob, b := servertest.Register(t, in.Addr, "bob")

	c.Send("NEW USR carol password-carol")
	c.Expect("ERR NEW too many new accounts from your address: try again later")
	c.Send("NEW USR dave password-dave")
	c.Expect("ERR NEW too many new accounts from your address: try again later")
	// Nothing was created, and the connection is still usable: an existing
	// account logs in on it.
	c.Send("IAM alice password-alice")
	c.Expect("TAG 0 1")
	c.Sync()
	c.Send("WHO carol", "WHO dave", "WHO bob")
	c.Expect("ERR WHO no such user", "ERR WHO no such user", fmt.Sprintf("ADD ON 0 %d bob", b))
	bob.ExpectQuiet()

	// The hour is counted per address.
	other := limDialFrom(t, "127.0.0.2", in.Addr)
	other.Send("NEW USR carol password-carol")
	other.Expect("TAG 0 3", "ADD ON 0 3 carol", "GRP 0 3")
}

func TestLimitLoginTimeout(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.LoginTimeout = time.Second
	in := servertest.Start(t, cfg)

	t0 := time.Now()
	lazy := servertest.Dial(t, in.Addr)
	lazy.Name = "lazy"
	alice, _ := servertest.Register(t, in.Addr, "alice")
	// PING is answered before login but buys no time.
	lazy.Send("PING")
	lazy.Expect("PONG")
	lazy.Expect("ERR LINE login timeout")
	if d := time.Since(t0); d < time.Second {
		t.Fatalf("login timeout after %v, want at least 1s", d)
	}
	limExpectClosed(t, lazy)

	// A half-sent line does not hold the connection open either.
	slow := servertest.Dial(t, in.Addr)
	slow.Name = "slow"
	slow.SendRaw("IAM alice passw")
	limExpectClosed(t, slow, "ERR LINE login timeout")

	// alice logged in in time: the login deadline no longer applies to
	// her, and (idle_timeout being long) nothing is sent to her.
	alice.ExpectQuiet()
	alice.Send("NEW SERV club")
	alice.Expect("TAG 1 0 club", "GRP 1 0 club general 0 1")
	alice.ExpectQuiet()
}

func TestLimitIdleTimeout(t *testing.T) {
	t.Parallel()
	for _, overTLS := range []bool{false, true} {
		name := "plaintext"
		if overTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := servertest.Config(t.TempDir())
			cfg.Limits.IdleTimeout = time.Second
			cfg.Limits.PingTimeout = time.Second
			var roots *x509.CertPool
			if overTLS {
				roots = limTLSConfig(t, cfg)
			}
			in := servertest.Start(t, cfg)

			var alice *limClient
			if overTLS {
				var err error
				if alice, err = limDialTLS(t, "127.0.0.1", in.Server.TLSAddr().String(), roots); err != nil {
					t.Fatal(err)
				}
			} else {
				alice = limDialFrom(t, "127.0.0.1", in.Addr)
			}
			alice.Send("NEW USR alice password-alice")
			alice.Expect("TAG 0 1", "ADD ON 0 1 alice", "GRP 0 1")

			// Silence brings a PING; a PONG is taken without a word and
			// keeps the session: the next silence brings the next PING.
			for range 2 {
				t0 := time.Now()
				alice.Expect("PING salond")
				if d := time.Since(t0); d < 500*time.Millisecond {
					t.Fatalf("PING after %v of silence, want about 1s", d)
				}
				alice.Send("PONG salond")
			}
			alice.Send("PING check")
			alice.Expect("PONG check")

			// Any line counts as an answer, and the session still works.
			alice.Expect("PING salond")
			alice.Send("NEW SERV club")
			alice.Expect("TAG 1 0 club", "GRP 1 0 club general 0 1")

			// No answer: one more PING, then the connection is closed.
			alice.Expect("PING salond")
			t0 := time.Now()
			alice.ExpectClosed()
			if d := time.Since(t0); d < 500*time.Millisecond {
				t.Fatalf("closed %v after the PING, want about 1s", d)
			}
			// The server let alice go: she is offline, her server is there.
			bob, _ := servertest.Register(t, in.Addr, "bob")
			for deadline := time.Now().Add(servertest.Timeout); ; time.Sleep(10 * time.Millisecond) {
				bob.Send("WHO alice")
				if got := bob.Next(); got == "ADD OFF 0 1 alice" {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("WHO alice: %q", got)
				}
			}
			again, burst := servertest.Login(t, in.Addr, "alice")
			if !slices.Contains(burst, "TAG 1 0 club") {
				t.Fatalf("alice's burst lacks her server: %q", burst)
			}
			again.Send("PONG salond") // unasked: still silently accepted
			again.ExpectQuiet()
		})
	}
}

func TestLimitFlood(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.MessagesPerSecond = 5
	cfg.Limits.MessageBurst = 5
	cfg.Limits.FloodDelay = 3 * time.Second
	in := servertest.Start(t, cfg)
	alice, a := servertest.Register(t, in.Addr, "alice")
	bob, b := servertest.Register(t, in.Addr, "bob")
	alice.Send("NEW SERV club")
	alice.Expect("TAG 1 0 club", fmt.Sprintf("GRP 1 0 club general 0 %d", a))
	limJoin(t, alice, a, bob, b, 1, "club")
	msg := func(from int64, text string) string { return fmt.Sprintf("MSG 0 %d 1 0 %s", from, text) }

	// Fifteen at once: five go at once, the other ten at five a second. All
	// arrive, in order, and none ahead of the allowed rate: message i > 5
	// cannot be stored before (i-5)/5 s; a whole message is allowed as slack.
	var burst strings.Builder
	for i := 1; i <= 15; i++ {
		fmt.Fprintf(&burst, "MSG 1 0 m%d\r\n", i)
	}
	t0 := time.Now()
	alice.SendRaw(burst.String())
	// bob is not slowed by alice's flood.
	bob.Send("MSG 1 0 from-bob")
	bobSeen := false
	for i := 1; i <= 15; i++ {
		want := msg(a, fmt.Sprintf("m%d", i))
		got := bob.Next()
		if got == msg(b, "from-bob") {
			bobSeen = true
			got = bob.Next()
		}
		if got != want {
			t.Fatalf("bob: got %q, want %q", got, want)
		}
		if earliest := time.Duration(i-6) * 200 * time.Millisecond; time.Since(t0) < earliest {
			t.Fatalf("m%d arrived %v after the burst was sent, before its allowance (%v)", i, time.Since(t0), earliest)
		}
	}
	if !bobSeen {
		t.Fatal("bob's own message came after the last of alice's slowed ones")
	}
	if d := time.Since(t0); d < 1500*time.Millisecond {
		t.Fatalf("15 messages at a burst of 5 and 5/s took %v, want about 2s", d)
	}
	// alice's echoes come in order too, bob's message somewhere among them.
	var echoes []string
	for _, l := range alice.Sync() {
		if l != msg(b, "from-bob") {
			echoes = append(echoes, l)
		}
	}
	for i, l := range echoes {
		if want := msg(a, fmt.Sprintf("m%d", i+1)); l != want {
			t.Fatalf("alice: echo %d is %q, want %q", i+1, l, want)
		}
	}
	if len(echoes) != 15 {
		t.Fatalf("alice: %d echoes, want 15", len(echoes))
	}
	bob.ExpectQuiet()

	// A client that keeps flooding is disconnected after flood_delay: every
	// message before the verdict is delivered, none after. (Right after the
	// fifteen, alice would still be short of allowance: she waits for a
	// full burst, so that the flood's clock starts with it.)
	time.Sleep(1100 * time.Millisecond)
	var flood strings.Builder
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(&flood, "MSG 1 0 f%d\r\n", i)
	}
	t0 = time.Now()
	alice.SendRaw(flood.String())
	got := alice.ExpectClosed()
	if d := time.Since(t0); d < 2*time.Second {
		t.Fatalf("disconnected %v into the flood, want about flood_delay (3s)", d)
	}
	if len(got) < 16 || got[len(got)-1] != "ERR LINE flooding: disconnected" {
		t.Fatalf("alice: got %q, want echoes then ERR LINE flooding: disconnected", got)
	}
	echoes = got[:len(got)-1]
	for i, l := range echoes {
		if want := msg(a, fmt.Sprintf("f%d", i+1)); l != want {
			t.Fatalf("alice: line %d is %q, want %q", i, l, want)
		}
	}
	for _, l := range echoes {
		bob.Expect(l)
	}
	bob.Expect(fmt.Sprintf("BYE 0 %d", a))
	bob.ExpectQuiet()

	// The server is consistent: alice can come back and speak (after her
	// allowance has had time to refill), and bob was never slowed.
	bob.Send("MSG 1 0 still-here")
	bob.Expect(msg(b, "still-here"))
	time.Sleep(1100 * time.Millisecond)
	alice, _ = servertest.Login(t, in.Addr, "alice")
	bob.WaitFor(fmt.Sprintf("ADD ON 0 %d alice", a))
	alice.Send("MSG 1 0 back")
	alice.Expect(msg(a, "back"))
	bob.Expect(msg(a, "back"))
}

func TestLimitMembersPerChannel(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.MembersPerChannel = 2
	in := servertest.Start(t, cfg)
	alice, a := servertest.Register(t, in.Addr, "alice")
	bob, b := servertest.Register(t, in.Addr, "bob")
	carol, c := servertest.Register(t, in.Addr, "carol")
	dave, d := servertest.Register(t, in.Addr, "dave")

	// carol is invited while there is room, bob joins first and fills it.
	alice.Send("NEW SERV club")
	alice.Expect("TAG 1 0 club", fmt.Sprintf("GRP 1 0 club general 0 %d", a))
	alice.Send(fmt.Sprintf("INV 0 %d 1 0", c))
	alice.WaitFor(fmt.Sprintf("INV 0 %d 0 %d 1 0 club general", a, c))
	carol.WaitFor(fmt.Sprintf("INV 0 %d 1 0 club general", a))
	limJoin(t, alice, a, bob, b, 1, "club")

	carol.Send("JOIN 1 0")
	carol.Expect("ERR JOIN that channel is full (the limit is 2)")
	alice.Send(fmt.Sprintf("INV 0 %d 1 0", d))
	alice.Expect("ERR INV that channel is full (the limit is 2)")
	// A channel of a full server: inviting someone from outside would add
	// them to the server's general too.
	alice.Send("NEW CHAN 1 games")
	alice.Expect("TAG 1 1 games", fmt.Sprintf("GRP 1 1 club games 0 %d", a))
	alice.Send(fmt.Sprintf("INV 0 %d 1 1", d))
	alice.Expect("ERR INV that channel is full (the limit is 2)")
	for _, x := range []*servertest.Client{alice, bob, carol, dave} {
		x.ExpectQuiet()
	}

	// Nothing changed: carol's invitation is still pending, the members
	// are the same (at the next login too), dave has no invitation.
	carol.Close()
	_, burst := servertest.Login(t, in.Addr, "carol")
	if !slices.Contains(burst, fmt.Sprintf("SENT 0 %d 1 0 club general", a)) || slices.Contains(burst, "TAG 1 0 club") {
		t.Fatalf("carol's burst: %q", burst)
	}
	carol = nil
	dave.Close()
	_, burst = servertest.Login(t, in.Addr, "dave")
	if slices.ContainsFunc(burst, func(l string) bool { return strings.HasPrefix(l, "SENT") }) {
		t.Fatalf("dave's burst: %q", burst)
	}
	alice.Close()
	_, burst = servertest.Login(t, in.Addr, "alice")
	if !slices.Contains(burst, fmt.Sprintf("GRP 1 0 club general 0 %d 0 %d", a, b)) {
		t.Fatalf("alice's burst: %q", burst)
	}

	// Once bob leaves there is room: carol's invitation works.
	bob.Send("BYE 1 0")
	bob.WaitFor(fmt.Sprintf("BYE 0 %d 1 0", b))
	carol, _ = servertest.Login(t, in.Addr, "carol")
	carol.Send("JOIN 1 0")
	carol.WaitFor(fmt.Sprintf("GRP 1 0 club general 0 %d 0 %d", a, c))
}

func TestLimitServersAndChannelsPerUser(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.ServersPerUser = 2
	cfg.Limits.ChannelsPerUser = 2
	in := servertest.Start(t, cfg)
	alice, a := servertest.Register(t, in.Addr, "alice")
	bob, b := servertest.Register(t, in.Addr, "bob")

	// Servers owned: two, then a refusal; a deleted one frees its place.
	alice.Send("NEW SERV one", "NEW SERV two", "NEW SERV three")
	alice.Expect(
		"TAG 1 0 one", fmt.Sprintf("GRP 1 0 one general 0 %d", a),
		"TAG 2 0 two", fmt.Sprintf("GRP 2 0 two general 0 %d", a),
		"ERR NEW you own too many servers (the limit is 2)",
	)
	alice.Send("DEL 2 0", "NEW SERV three")
	alice.Expect("DEL 2 0", "TAG 3 0 three", fmt.Sprintf("GRP 3 0 three general 0 %d", a))
	// Belonging to someone else's server does not count.
	bob.Send("NEW SERV bobs")
	bob.Expect("TAG 4 0 bobs", fmt.Sprintf("GRP 4 0 bobs general 0 %d", b))
	limJoin(t, bob, b, alice, a, 4, "bobs")
	alice.Send("NEW SERV four")
	alice.Expect("ERR NEW you own too many servers (the limit is 2)")

	// Channels created: two across all servers, then a refusal.
	alice.Send("NEW CHAN 1 a1", "NEW CHAN 4 a2", "NEW CHAN 3 a3")
	alice.Expect(
		"TAG 1 1 a1", fmt.Sprintf("GRP 1 1 one a1 0 %d", a),
		"TAG 4 1 a2", fmt.Sprintf("GRP 4 1 bobs a2 0 %d", a),
		"ERR NEW you created too many channels (the limit is 2)",
	)
	// bob has a count of his own.
	bob.Send("NEW CHAN 4 b1")
	bob.Expect("TAG 4 2 b1", fmt.Sprintf("GRP 4 2 bobs b1 0 %d", b))
	alice.ExpectQuiet()
	bob.ExpectQuiet()

	// The counts are rebuilt from the database at start-up.
	alice.Close()
	bob.Close()
	in.Stop()
	in = servertest.Start(t, cfg)
	alice, _ = servertest.Login(t, in.Addr, "alice")
	alice.Send("NEW SERV four", "NEW CHAN 3 a3")
	alice.Expect(
		"ERR NEW you own too many servers (the limit is 2)",
		"ERR NEW you created too many channels (the limit is 2)",
	)
	// Deleting a channel frees its place; the refusals created nothing.
	alice.Send("DEL 1 1", "NEW CHAN 3 a3")
	alice.Expect("DEL 1 1", "TAG 3 1 a3", fmt.Sprintf("GRP 3 1 three a3 0 %d", a))
	alice.ExpectQuiet()
	_, burst := servertest.Login(t, in.Addr, "alice")
	var tags []string
	for _, l := range burst {
		if strings.HasPrefix(l, "TAG ") && !strings.HasPrefix(l, "TAG 0 ") {
			tags = append(tags, l)
		}
	}
	want := []string{"TAG 1 0 one", "TAG 3 0 three", "TAG 3 1 a3", "TAG 4 0 bobs", "TAG 4 1 a2"}
	if !slices.Equal(tags, want) {
		t.Fatalf("alice's servers and channels: %q, want %q", tags, want)
	}
}

// limTLSConfig turns on the TLS listener in cfg with a fresh certificate
// and returns a pool trusting it.
func limTLSConfig(t *testing.T, cfg *config.Config) *x509.CertPool {
	t.Helper()
	dir := t.TempDir()
	cfg.TLS.Listen = "127.0.0.1:0"
	cfg.TLS.Cert = filepath.Join(dir, "cert.pem")
	cfg.TLS.Key = filepath.Join(dir, "key.pem")
	pool := x509.NewCertPool()
	pool.AddCert(servertest.WriteCert(t, cfg.TLS.Cert, cfg.TLS.Key, "salond test"))
	return pool
}

func TestTLSListenerAndReload(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	dir := t.TempDir()
	cfg.TLS.Listen = "127.0.0.1:0"
	cfg.TLS.Cert = filepath.Join(dir, "cert.pem")
	cfg.TLS.Key = filepath.Join(dir, "key.pem")
	first := servertest.WriteCert(t, cfg.TLS.Cert, cfg.TLS.Key, "first")
	firstPool := x509.NewCertPool()
	firstPool.AddCert(first)
	in := servertest.Start(t, cfg)
	if in.Server.TLSAddr() == nil {
		t.Fatal("no TLS listener")
	}
	tlsAddr := in.Server.TLSAddr().String()

	// alice over TLS and bob in plaintext chat together.
	alice, err := limDialTLS(t, "127.0.0.1", tlsAddr, firstPool)
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	if got := alice.conn.(*tls.Conn).ConnectionState().PeerCertificates[0]; !got.Equal(first) {
		t.Fatalf("served certificate %q, want %q", got.Subject, first.Subject)
	}
	alice.Send("NEW USR alice password-alice")
	alice.Expect("TAG 0 1", "ADD ON 0 1 alice", "GRP 0 1")
	bob, b := servertest.Register(t, in.Addr, "bob")
	alice.Send("NEW SERV club", fmt.Sprintf("INV 0 %d 1 0", b))
	alice.Expect("TAG 1 0 club", "GRP 1 0 club general 0 1", fmt.Sprintf("ADD ON 0 %d bob", b),
		fmt.Sprintf("INV 0 1 0 %d 1 0 club general", b))
	bob.WaitFor("INV 0 1 1 0 club general")
	bob.Send("JOIN 1 0")
	bob.WaitFor(fmt.Sprintf("GRP 1 0 club general 0 1 0 %d", b))
	alice.WaitFor(fmt.Sprintf("JOIN 1 0 0 %d", b))
	alice.Send("MSG 1 0 over tls")
	alice.Expect("MSG 0 1 1 0 over tls")
	bob.Expect("MSG 0 1 1 0 over tls")
	bob.Send("MSG 1 0 in the clear")
	bob.Expect(fmt.Sprintf("MSG 0 %d 1 0 in the clear", b))
	alice.Expect(fmt.Sprintf("MSG 0 %d 1 0 in the clear", b))

	// A plaintext client on the TLS port gets nowhere (the handshake fails)
	// and the listener keeps serving.
	raw := servertest.Dial(t, tlsAddr)
	raw.Send("IAM bob password-bob")
	raw.ExpectClosed()

	// New files, then a reload: new connections get the new certificate,
	// the open one carries on with the old.
	second := servertest.WriteCert(t, cfg.TLS.Cert, cfg.TLS.Key, "second")
	secondPool := x509.NewCertPool()
	secondPool.AddCert(second)
	if !in.Server.Reload(cfg) {
		t.Fatal("Reload reported a failure")
	}
	carol, err := limDialTLS(t, "127.0.0.1", tlsAddr, secondPool)
	if err != nil {
		t.Fatalf("TLS handshake after the reload: %v", err)
	}
	if got := carol.conn.(*tls.Conn).ConnectionState().PeerCertificates[0]; !got.Equal(second) {
		t.Fatalf("served certificate %q after the reload, want %q", got.Subject, second.Subject)
	}
	if _, err := limDialTLS(t, "127.0.0.1", tlsAddr, firstPool); err == nil {
		t.Fatal("the old certificate is still served to new connections")
	}
	carol.Send("NEW USR carol password-carol")
	carol.Expect("TAG 0 3", "ADD ON 0 3 carol", "GRP 0 3")
	alice.Send("MSG 1 0 still here")
	alice.Expect("MSG 0 1 1 0 still here")
	bob.Expect("MSG 0 1 1 0 still here")

	// A broken pair is refused and the last good one stays: a garbage
	// certificate, then a certificate that does not match its key.
	good, err := os.ReadFile(cfg.TLS.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.TLS.Cert, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if in.Server.Reload(cfg) {
		t.Fatal("Reload with a garbage certificate reported success")
	}
	otherDir := t.TempDir()
	servertest.WriteCert(t, filepath.Join(otherDir, "cert.pem"), filepath.Join(otherDir, "key.pem"), "third")
	mismatched, err := os.ReadFile(filepath.Join(otherDir, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.TLS.Cert, mismatched, 0o600); err != nil {
		t.Fatal(err)
	}
	if in.Server.Reload(cfg) {
		t.Fatal("Reload with a certificate not matching its key reported success")
	}
	missing := *cfg
	missing.TLS.Key = filepath.Join(otherDir, "nonexistent.pem")
	if in.Server.Reload(&missing) {
		t.Fatal("Reload with a missing key reported success")
	}
	dave, err := limDialTLS(t, "127.0.0.1", tlsAddr, secondPool)
	if err != nil {
		t.Fatalf("TLS handshake after failed reloads: %v", err)
	}
	if got := dave.conn.(*tls.Conn).ConnectionState().PeerCertificates[0]; !got.Equal(second) {
		t.Fatalf("served certificate %q after failed reloads, want %q", got.Subject, second.Subject)
	}
	dave.Send("IAM carol password-carol")
	dave.Expect("TAG 0 3")
	// Restoring the good file and reloading succeeds again.
	if err := os.WriteFile(cfg.TLS.Cert, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if !in.Server.Reload(cfg) {
		t.Fatal("Reload of a good pair reported a failure")
	}
	alice.Send("PING end")
	alice.Expect("PONG end")
}

// TestTLSRefusalDoesNotBlock: a connection refused for its address must
// not hold up the TLS listener, even when it never starts its handshake.
func TestTLSRefusalDoesNotBlock(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.ConnectionsPerAddress = 1
	roots := limTLSConfig(t, cfg)
	in := servertest.Start(t, cfg)
	tlsAddr := in.Server.TLSAddr().String()

	first, err := limDialTLS(t, "127.0.0.1", tlsAddr, roots)
	if err != nil {
		t.Fatal(err)
	}
	first.Send("PING first")
	first.Expect("PONG first")
	// Over the limit, and silent: no ClientHello ever comes.
	silent := limDialFrom(t, "127.0.0.1", tlsAddr)
	// Someone else must still get in at once...
	other, err := limDialTLS(t, "127.0.0.2", tlsAddr, roots)
	if err != nil {
		t.Fatal(err)
	}
	other.Send("PING other")
	other.Expect("PONG other")
	// ...and a TLS client over the limit is told why.
	over, err := limDialTLS(t, "127.0.0.1", tlsAddr, roots)
	if err != nil {
		t.Fatal(err)
	}
	over.ExpectClosed("ERR LINE too many connections from your address")
	silent.ExpectClosed()
	first.Send("PING again")
	first.Expect("PONG again")
}

// TestTLSPlaintextLoopbackOnly: the configuration file is checked when it
// is loaded, but salond's -listen flag can change the address afterwards;
// Start refuses it too.
func TestTLSPlaintextLoopbackOnly(t *testing.T) {
	t.Parallel()
	cfg := servertest.Config(t.TempDir())
	limTLSConfig(t, cfg)
	cfg.TLS.PlaintextLoopbackOnly = true
	cfg.Listen = "0.0.0.0:0"
	if srv, err := server.Start(cfg, hclog.NewNullLogger()); err == nil {
		srv.Shutdown(context.Background())
		t.Fatal("started with a plaintext listener on every interface")
	} else if !strings.Contains(err.Error(), "plaintext_loopback_only") {
		t.Fatalf("unexpected error: %v", err)
	}
	cfg.Listen = "127.0.0.1:0"
	in := servertest.Start(t, cfg)
	c := servertest.Dial(t, in.Addr)
	c.Send("PING")
	c.Expect("PONG")
}
