package wire

import (
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/internal/loopback"
)

// On a real connection the Reader waits for data without a buffer; it must
// still never wait while the socket holds unread bytes (more than one
// buffer's worth arrives at once), and must return lines that arrive in
// pieces.
func TestReaderOnConnection(t *testing.T) {
	client, server := loopback.Pair(t)
	r := NewReader(server)
	if r.raw == nil {
		t.Fatal("a TCP connection gave no RawConn to wait on")
	}

	long := strings.Repeat("x", MaxLine-2)
	var batch strings.Builder
	for range 20 {
		batch.WriteString(long + "\r\n")
	}
	go client.Write([]byte(batch.String()))
	for i := range 20 {
		server.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := r.ReadLine()
		if err != nil || line != long {
			t.Fatalf("line %d: %d bytes, %v", i, len(line), err)
		}
	}
	if r.buf != nil {
		t.Fatal("the reader kept its buffer with nothing pending")
	}

	// A line in two pieces, with a pause between them.
	go func() {
		client.Write([]byte("PING "))
		time.Sleep(50 * time.Millisecond)
		client.Write([]byte("tok\r\n"))
	}()
	if line, err := r.ReadLine(); err != nil || line != "PING tok" {
		t.Fatalf("split line: %q, %v", line, err)
	}

	// The deadline applies to the wait, and the reader stays usable after
	// it (the server pings an idle client rather than dropping it).
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := r.ReadLine(); err == nil {
		t.Fatal("ReadLine returned without data before its deadline")
	}
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	client.Write([]byte("PONG salond\r\n"))
	if line, err := r.ReadLine(); err != nil || line != "PONG salond" {
		t.Fatalf("after a timeout: %q, %v", line, err)
	}
}
