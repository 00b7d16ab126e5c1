// Package loopback gives tests a real TCP connection on the loopback
// interface, both of its ends, for code that must be tested on a socket
// rather than a pipe (raw writes, kernel timestamps, waiting for data).
package loopback

import (
	"net"
	"testing"
)

// Pair connects to a listener on 127.0.0.1 and returns both ends. They
// are closed when the test ends.
func Pair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The kernel completes the connection in the listen backlog, so the
	// accept after the dial does not wait.
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}
