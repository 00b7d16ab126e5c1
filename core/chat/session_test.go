package chat

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/internal/loopback"
)

// writers are the two ways a session's lines are written: by a goroutine of
// its own (TLS connections), or by the hub's sweepers (plain TCP).
var writers = []struct {
	name  string
	swept bool
}{{"own writer", false}, {"swept", true}}

// loopbackSession is a session on a real loopback connection, with the
// other end returned for the test to read. Only the send side is used: the
// hub is reduced to what a session's writers consult.
func loopbackSession(t *testing.T, swept bool) (*Session, net.Conn) {
	t.Helper()
	h, client, server := loopbackHub(t, swept)
	s := newSession(h, server)
	if (s.sweeper != nil) != swept {
		t.Fatalf("swept %v, want %v", s.sweeper != nil, swept)
	}
	return s, client
}

// loopbackHub returns a reduced hub and the two ends of a loopback
// connection.
func loopbackHub(t *testing.T, swept bool) (*Hub, net.Conn, net.Conn) {
	t.Helper()
	client, server := loopback.Pair(t)
	opts := Options{Log: hclog.NewNullLogger(), SendQueueBytes: 64 << 20}
	opts.defaults()
	h := &Hub{opts: opts, log: opts.Log, ctx: context.Background()}
	if swept {
		h.sweepers = newSweepers()
		t.Cleanup(h.closeSweepers)
	}
	return h, client, server
}

// waitFlushed waits until the session's writer has written everything and
// ended, without allocating.
func waitFlushed(s *Session) {
	for {
		s.mu.Lock()
		busy := s.flushing
		s.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(10 * time.Microsecond)
	}
}

// Send queues are recycled between flushes and sessions: every line pushed
// must still arrive once, whole and in order, while the writer drains the
// queue as the lines come in.
func TestSessionWritesEveryLineInOrder(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			s, client := loopbackSession(t, w.swept)
			checkLinesInOrder(t, s, client, 20000, 0)
		})
	}
}

// checkLinesInOrder pushes n lines (padded to at least size bytes) to s
// and checks that client reads them all, whole and in order.
func checkLinesInOrder(t *testing.T, s *Session, client net.Conn, n, size int) {
	t.Helper()
	pad := strings.Repeat("x", size)
	got := make(chan error, 1)
	go func() {
		r := bufio.NewReader(client)
		for i := 0; i < n; i++ {
			line, err := r.ReadString('\n')
			if err != nil {
				got <- fmt.Errorf("after %d lines: %w", i, err)
				return
			}
			if want := fmt.Sprintf("line %d %s\n", i, pad); line != want {
				got <- fmt.Errorf("line %d is %q, want %q", i, line, want)
				return
			}
		}
		got <- nil
	}()
	for i := 0; i < n; i++ {
		s.push([]byte(fmt.Sprintf("line %d %s\n", i, pad)))
		if i%97 == 0 {
			waitFlushed(s) // let queues go back to the pool now and then
		}
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("lines still missing after 30 s")
	}
}

// A swept session whose socket is full is handed to a writer of its own,
// which waits for the reader, while the sweeper goes on writing for others:
// nothing is lost, and a slow reader slows no one.
func TestSweptSessionWithAFullSocketGetsItsOwnWriter(t *testing.T) {
	h, slowClient, slowConn := loopbackHub(t, true)
	h.sweepers = h.sweepers[:1] // both sessions below on the same sweeper
	h.opts.WriteTimeout = time.Second
	slow := newSession(h, slowConn)
	// 16 MiB, more than loopback sockets hold, while nobody reads.
	const n, size = 16 << 10, 1 << 10
	pad := strings.Repeat("x", size)
	for i := range n {
		slow.push([]byte(fmt.Sprintf("line %d %s\n", i, pad)))
	}
	sw := slow.sweeper
	deadline := time.Now().Add(20 * time.Second)
	for {
		sw.mu.Lock()
		sweeping := sw.running
		sw.mu.Unlock()
		slow.mu.Lock()
		writing := slow.flushing
		slow.mu.Unlock()
		if !sweeping && writing {
			break // the sweeper has handed the session over and gone
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweeping %v, session writing %v: the full socket was not handed over", sweeping, writing)
		}
		time.Sleep(time.Millisecond)
	}

	// Another session of the same sweeper is written meanwhile.
	_, otherClient, otherConn := loopbackHub(t, false)
	other := newSession(h, otherConn)
	other.push([]byte("hello\n"))
	otherClient.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(otherClient).ReadString('\n'); err != nil || line != "hello\n" {
		t.Fatalf("the other session read %q, %v while the slow one was blocked", line, err)
	}

	// The slow reader then gets everything, in order.
	r := bufio.NewReader(slowClient)
	for i := range n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d lines: %v", i, err)
		}
		if want := fmt.Sprintf("line %d %s\n", i, pad); line != want {
			t.Fatalf("line %d is %.20q..., want %.20q...", i, line, want)
		}
	}

	// Once its writer is done, the sweeper writes for it again, even after
	// the deadline its writer had set has passed.
	waitFlushed(slow)
	time.Sleep(h.opts.WriteTimeout + 500*time.Millisecond)
	slow.push([]byte("later\n"))
	slowClient.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || line != "later\n" {
		t.Fatalf("after its own writer, the session read %q, %v", line, err)
	}
}

// A wait that gives up leaves the gate usable: the helper never blocks on
// a signal nobody takes, and it ends when the gate is closed.
func TestPollGateHelperEndsAfterAbandonedWaits(t *testing.T) {
	gate, err := newPollGate()
	if err != nil {
		t.Fatal(err)
	}
	// Two polls signalled with nobody waiting, as after waits that timed
	// out.
	for range 2 {
		if _, err := gate.w.Write(gateByte); err != nil {
			t.Fatal(err)
		}
	}
	if !gate.wait(10 * time.Second) {
		t.Fatal("a wait after abandoned ones never returned")
	}
	gate.close()
	select {
	case _, open := <-gate.passed:
		for open {
			_, open = <-gate.passed
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the helper did not end after the gate closed")
	}
}

// A wait at a gate whose poll does not come (here: no helper reads the
// pipe) gives up after its limit rather than hold the sweep.
func TestPollGateWaitIsBounded(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	gate := &pollGate{w: w, passed: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	if gate.wait(5 * time.Millisecond) {
		t.Fatal("the wait reported a poll that never came")
	}
	gate.close()
	if !gate.wait(time.Hour) {
		t.Fatal("a wait on a closed gate did not return at once")
	}
}

// slowClose is a connection whose Close blocks until released, as a TLS
// connection's does while it sends close_notify to a peer that does not
// read.
type slowClose struct {
	net.Conn
	closing chan struct{} // closed when Close is called
	release chan struct{}
}

func (c *slowClose) Close() error {
	close(c.closing)
	<-c.release
	return c.Conn.Close()
}

// Closing a session never holds the loop: while its connection's Close
// blocks, push (which the loop calls for every line it delivers) returns.
func TestSlowCloseDoesNotHoldPush(t *testing.T) {
	h, client, server := loopbackHub(t, false)
	defer client.Close()
	conn := &slowClose{Conn: server, closing: make(chan struct{}), release: make(chan struct{})}
	s := newSession(h, conn)
	s.push([]byte("BYE\r\n"))
	s.closeAfterFlush()
	select {
	case <-conn.closing:
	case <-time.After(10 * time.Second):
		t.Fatal("the session was never closed")
	}
	pushed := make(chan struct{})
	go func() {
		s.push([]byte("MSG 0 1 1 0 late\r\n"))
		close(pushed)
	}()
	select {
	case <-pushed:
	case <-time.After(10 * time.Second):
		t.Fatal("push waited for the connection's Close")
	}
	close(conn.release)
}

// A slow but steady reader keeps its session however long its queue: each
// piece of a write has WriteTimeout, not the whole queue. (net.Pipe has no
// buffer: a write goes as fast as the other end reads.)
func TestSteadyReaderOutlastsWriteTimeout(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	opts := Options{Log: hclog.NewNullLogger(), SendQueueBytes: 64 << 20, WriteTimeout: time.Second}
	opts.defaults()
	h := &Hub{opts: opts, log: opts.Log, ctx: context.Background()}
	s := newSession(h, server)
	line := []byte(strings.Repeat("x", 1022) + "\r\n")
	const lines = 400 // a line a read, one read each 5 ms: about two seconds
	for range lines {
		s.push(line)
	}
	buf := make([]byte, 4096)
	total := 0
	for total < lines*len(line) {
		client.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := client.Read(buf)
		if err != nil {
			t.Fatalf("the session was dropped after %d of %d bytes: %v", total, lines*len(line), err)
		}
		total += n
		time.Sleep(5 * time.Millisecond)
	}
}
