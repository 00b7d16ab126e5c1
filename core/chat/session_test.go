package chat

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// loopbackSession is a session on a real loopback connection, with the
// other end returned for the test to read. Only the send side is used: the
// hub is reduced to the options and the log a session's writer consults.
func loopbackSession(t *testing.T) (*Session, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	opts := Options{Log: hclog.NewNullLogger()}
	opts.defaults()
	return newSession(&Hub{opts: opts, log: opts.Log}, server), client
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
	s, client := loopbackSession(t)
	const n = 20000
	got := make(chan error, 1)
	go func() {
		r := bufio.NewReader(client)
		for i := 0; i < n; i++ {
			line, err := r.ReadString('\n')
			if err != nil {
				got <- fmt.Errorf("after %d lines: %w", i, err)
				return
			}
			if want := fmt.Sprintf("line %d\n", i); line != want {
				got <- fmt.Errorf("line %d is %q, want %q", i, line, want)
				return
			}
		}
		got <- nil
	}()
	for i := 0; i < n; i++ {
		s.push([]byte(fmt.Sprintf("line %d\n", i)))
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
