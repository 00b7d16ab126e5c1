package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// What the attacks need besides the bench's client: connections from
// addresses of their own, raw connections that read little or nothing,
// and the set-up of servers with members and files.

// The server under attack counts connections and registrations per
// address (32 and 10 an hour by default). Loopback answers the whole of
// 127.0.0.0/8, so every simulated attacker or member that must not share
// its allowance with the others dials from an address of its own.
var nextLoopback atomic.Int64

// freshLoopback returns a loopback address no connection of this run has
// used: 127.1.0.1, 127.1.0.2, ... (never 127.0.0.1, the innocent's).
func freshLoopback() string {
	n := nextLoopback.Add(1)
	return fmt.Sprintf("127.%d.%d.%d", 1+n/(254*256)%254, n/254%256, 1+n%254)
}

// dialer dials from the address local ("" for any) with a receive buffer
// of rcvbuf bytes (0 for the system's). A small buffer set before the
// connection opens keeps the window small: a client that stops reading
// then stops the server's writes within a few kilobytes.
func dialer(local string, rcvbuf int) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	return d
}

// dialFrom is dial from the address local.
func dialFrom(addr, local string, window int) (*client, error) {
	conn, err := dialer(local, 0).Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return startClient(conn, window), nil
}

// login logs pseudo in (password bench-password) on a new connection
// from local, and reads its login burst.
func login(addr, local, pseudo string) (*client, error) {
	c, err := dialFrom(addr, local, 1)
	if err != nil {
		return nil, err
	}
	if err := c.send("IAM " + pseudo + " bench-password"); err != nil {
		c.conn.Close()
		return nil, err
	}
	l, err := c.expect("TAG 0 ")
	if err == nil {
		c.tag, _ = strconv.ParseInt(strings.TrimPrefix(l, "TAG 0 "), 10, 64)
		_, err = c.sync("login")
	}
	if err != nil {
		c.conn.Close()
		return nil, fmt.Errorf("%s logging in: %w", pseudo, err)
	}
	return c, nil
}

// sync sends PING token and returns the control lines that came before
// its PONG: everything the server had to say about what was sent before.
func (c *client) sync(token string) ([]string, error) {
	if err := c.send("PING " + token); err != nil {
		return nil, err
	}
	var got []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.ctrl:
			if !ok {
				return got, errors.New("connection closed")
			}
			if l == "PONG "+token {
				return got, nil
			}
			got = append(got, l)
		case <-timeout:
			return got, fmt.Errorf("no PONG %s in 30s", token)
		}
	}
}

// rawLogin logs pseudo in on conn, a raw connection, and reads its login
// burst up to the PONG that follows it.
func rawLogin(conn net.Conn, pseudo string) (*bufio.Reader, error) {
	br := bufio.NewReader(conn)
	fmt.Fprintf(conn, "IAM %s bench-password\r\nPING login\r\n", pseudo)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("%s logging in: %w", pseudo, err)
		}
		if strings.HasPrefix(l, "ERR ") {
			return nil, fmt.Errorf("%s logging in: %s", pseudo, strings.TrimSpace(l))
		}
		if l == "PONG login\r\n" {
			return br, nil
		}
	}
}

// stalledGet logs pseudo in on a connection from its own address with a
// small receive buffer, asks for the download of name in conv (the
// history when name is empty), reads its NEWFILE and then nothing more:
// the download stays in the middle for as long as the connection is open.
func stalledGet(addr, pseudo, conv, name string) (net.Conn, error) {
	conn, err := dialer(freshLoopback(), 4096).Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	br, err := rawLogin(conn, pseudo)
	if err == nil {
		get := strings.TrimSpace("GET " + conv + " " + name)
		fmt.Fprintf(conn, "%s\r\n", get)
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		var l string
		if l, err = br.ReadString('\n'); err == nil && !strings.HasPrefix(l, "NEWFILE ") {
			err = fmt.Errorf("%s answered %q", get, strings.TrimSpace(l))
		}
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", pseudo, err)
	}
	return conn, nil
}

// club is a server made on the set-up server, its owner connected.
type club struct {
	addr  string
	owner *client
	sid   int64
}

// openClub registers owner and has it make the server name.
func openClub(addr, owner, name string) (*club, error) {
	c, err := register(addr, owner, 64)
	if err != nil {
		return nil, err
	}
	k := &club{addr: addr, owner: c}
	if err := c.send("NEW SERV " + name); err != nil {
		return nil, err
	}
	l, err := c.expect("TAG ")
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Sscanf(l, "TAG %d 0", &k.sid); err != nil {
		return nil, fmt.Errorf("NEW SERV answered %q", l)
	}
	return k, nil
}

// general is the address of the club's general channel.
func (k *club) general() string { return fmt.Sprintf("%d 0", k.sid) }

// admit registers pseudo and has it join the club, invited by the owner;
// the new member's connection is left open, its lines drained unless
// keepReading.
func (k *club) admit(pseudo string, keepReading bool) (*client, error) {
	m, err := register(k.addr, pseudo, 64)
	if err != nil {
		return nil, err
	}
	if err := k.invite(m, 0); err != nil {
		return nil, err
	}
	if !keepReading {
		m.drain()
	}
	return m, nil
}

// invite has the owner invite m to channel tag of the club, and m accept.
func (k *club) invite(m *client, tag int64) error {
	if err := k.owner.send(fmt.Sprintf("INV 0 %d %d %d", m.tag, k.sid, tag)); err != nil {
		return err
	}
	if _, err := m.expect("INV "); err != nil {
		return err
	}
	if err := m.send(fmt.Sprintf("JOIN %d %d", k.sid, tag)); err != nil {
		return err
	}
	_, err := m.expect(fmt.Sprintf("GRP %d %d ", k.sid, tag))
	return err
}

// channel has the owner make a channel of the club and returns its tag.
func (k *club) channel(name string) (int64, error) {
	if err := k.owner.send(fmt.Sprintf("NEW CHAN %d %s", k.sid, name)); err != nil {
		return 0, err
	}
	l, err := k.owner.expect(fmt.Sprintf("TAG %d ", k.sid))
	if err != nil {
		return 0, err
	}
	var sid, tag int64
	fmt.Sscanf(l, "TAG %d %d", &sid, &tag)
	return tag, nil
}

// paced reads r, one read of at most n bytes every interval() (as fast
// as it comes while that is 0), handing each line to each, without its
// CRLF, until each returns false or the connection ends. It adds what it
// reads to *bytes as it goes.
func paced(r io.Reader, n int, interval func() time.Duration, each func(line string) bool, bytes *atomic.Int64) error {
	buf := make([]byte, n)
	var partial []byte
	for {
		k, err := r.Read(buf)
		bytes.Add(int64(k))
		partial = append(partial, buf[:k]...)
		for {
			i := slices.Index(partial, '\n')
			if i < 0 {
				break
			}
			line := strings.TrimSuffix(string(partial[:i]), "\r")
			partial = partial[i+1:]
			if !each(line) {
				return nil
			}
		}
		if err != nil {
			return err
		}
		time.Sleep(interval())
	}
}

// steady is a constant interval for paced.
func steady(d time.Duration) func() time.Duration { return func() time.Duration { return d } }
