package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// pair opens a real WebSocket over loopback and returns the server's side
// as a conn and the client's raw WebSocket.
func pair(t *testing.T) (*conn, *websocket.Conn) {
	t.Helper()
	return pairOn(t, nil)
}

// pairOn is pair with the server's listener made by wrap (nil: the
// default).
func pairOn(t *testing.T, wrap func(net.Listener) net.Listener) (*conn, *websocket.Conn) {
	t.Helper()
	got := make(chan *conn, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.Context().Value(socketKey{}).(net.Conn)
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		got <- newConn(ws, raw, raw.RemoteAddr())
	}))
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, socketKey{}, c)
	}
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.CloseNow() })
	c := <-got
	t.Cleanup(func() { c.Close() })
	return c, client
}

// A read deadline that passes is a timeout the session can wait past: the
// next message is still read.
func TestConnReadDeadline(t *testing.T) {
	c, client := pair(t)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	buf := make([]byte, 64)
	if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
	// A deadline moved while a Read waits applies to that Read.
	c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(buf)
		done <- err
	}()
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read under a deadline set while waiting: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	if err := client.Write(context.Background(), websocket.MessageText, []byte("PING after")); err != nil {
		t.Fatal(err)
	}
	n, err := io.ReadFull(c, buf[:len("PING after\r\n")])
	if err != nil || string(buf[:n]) != "PING after\r\n" {
		t.Fatalf("read after the timeout: %q %v", buf[:n], err)
	}
}

// A client that stops reading fails the writes once the write deadline
// passes, with the timeout the hub logs as a client that does not read.
func TestConnWriteDeadline(t *testing.T) {
	c, _ := pair(t) // the client never reads
	line := []byte("MSG " + strings.Repeat("x", 4000) + "\r\n")
	c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	var err error
	for i := 0; i < 100000 && err == nil; i++ {
		_, err = c.Write(line)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("writes to a client that does not read: %v", err)
	}
}

// Lines written in pieces go out whole, one message each, without CRLF.
func TestConnWrite(t *testing.T) {
	c, client := pair(t)
	for _, p := range []string{"PONG a\r\nPO", "NG b\r", "\nPONG c\r\n", "PONG d\n"} {
		if n, err := c.Write([]byte(p)); err != nil || n != len(p) {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	for _, want := range []string{"PONG a", "PONG b", "PONG c", "PONG d"} {
		typ, b, err := client.Read(context.Background())
		if err != nil || typ != websocket.MessageText || string(b) != want {
			t.Fatalf("got %v %q %v, want %q", typ, b, err, want)
		}
	}
	// Closing ends the session with a normal close frame, and reading.
	c.Close()
	if _, _, err := client.Read(context.Background()); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after Close: %v", err)
	}
	<-c.done
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := c.Write([]byte("x\r\n")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
}

// WriteLines sends each line as a message of its own, in order, and hands
// the socket all their frames in one write.
func TestConnWriteLines(t *testing.T) {
	var writes atomic.Int64
	c, client := pairOn(t, func(ln net.Listener) net.Listener {
		return corkListener{countingListener{ln, &writes}}
	})
	if c.cork == nil {
		t.Fatal("the socket under the WebSocket is not corkable")
	}
	var lines net.Buffers
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("MSG 1 0 line %d", i))
		lines = append(lines, []byte(want[i]+"\r\n"))
	}
	before := writes.Load()
	if err := c.WriteLines(lines); err != nil {
		t.Fatal(err)
	}
	if n := writes.Load() - before; n != 1 {
		t.Errorf("50 lines took %d writes of the socket, want 1", n)
	}
	for _, w := range want {
		typ, b, err := client.Read(context.Background())
		if err != nil || typ != websocket.MessageText || string(b) != w {
			t.Fatalf("got %v %q %v, want %q", typ, b, err, w)
		}
	}
	// Uncorked again: a plain Write goes out by itself.
	if _, err := c.Write([]byte("PONG x\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, b, err := client.Read(context.Background()); err != nil || string(b) != "PONG x" {
		t.Fatalf("after WriteLines: %q %v", b, err)
	}
}

type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return countingConn{c, l.writes}, err
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// A close from the client is the end of the stream.
func TestConnPeerClose(t *testing.T) {
	c, client := pair(t)
	go client.Close(websocket.StatusNormalClosure, "")
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after the client closed: %v", err)
	}
}

func TestFrameLine(t *testing.T) {
	for _, tt := range []struct {
		in    string
		whole bool
		want  string
	}{
		{"PING a", true, "PING a\r\n"},
		{"PING a\r\n", true, "PING a\r\n"},
		{"PING a\n", true, "PING a\r\n"},
		{"PING a\r", true, "PING a\r\r\n"},
		{"PING a\r\n\r\n", true, "PING a\r\r\r\n"},
		{"a\nb\nc", true, "a\rb\rc\r\n"},
		{"", true, "\r\n"},
		{"long\r\n", false, "long\r\r\r\n"}, // cut: its end is not its end
	} {
		buf := make([]byte, 0, len(tt.in)+2)
		buf = append(buf, tt.in...)
		if got := string(frameLine(buf[:cap(buf)], len(tt.in), tt.whole)); got != tt.want {
			t.Errorf("frameLine(%q, %v) = %q, want %q", tt.in, tt.whole, got, tt.want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	s := &Server{opts: Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
	}}}
	for _, tt := range []struct {
		peer string
		h    http.Header
		want string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1:5000"},
		// An untrusted peer's headers are not read.
		{"192.0.2.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "192.0.2.1:5000"},
		{"127.0.0.1:5000", nil, "127.0.0.1:5000"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9:0"},
		{"[::ffff:127.0.0.1]:5000", http.Header{"X-Forwarded-For": {"::ffff:203.0.113.9"}}, "203.0.113.9:0"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"6.6.6.6, 203.0.113.9", "10.0.0.2"}}, "203.0.113.9:0"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"10.0.0.3, 10.0.0.2"}}, "10.0.0.3:0"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.9:1234"}}, "203.0.113.9:0"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"[2001:db8::7]:1234"}}, "[2001:db8::7]:0"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.9, unknown, 10.0.0.2"}}, "10.0.0.2:0"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {"garbage"}}, "127.0.0.1:5000"},
		{"127.0.0.1:5000", http.Header{"X-Forwarded-For": {""}}, "127.0.0.1:5000"},
		{"[fd00::1]:5000", http.Header{"Forwarded": {`for=192.0.2.60;proto=http;by=203.0.113.43`, `For="[2001:db8:cafe::17]:4711"`}}, "[2001:db8:cafe::17]:0"},
		{"[fd00::1]:5000", http.Header{"Forwarded": {`for=_hidden, for=10.9.9.9`}}, "10.9.9.9:0"},
		{"[fd00::1]:5000", http.Header{"Forwarded": {`proto=https`}}, "[fd00::1]:5000"},
		// X-Forwarded-For wins: a proxy appending to it passes the
		// client's own Forwarded through.
		{"127.0.0.1:5000", http.Header{"Forwarded": {"for=6.6.6.6"}, "X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9:0"},
	} {
		r := &http.Request{RemoteAddr: tt.peer, Header: tt.h}
		if got := s.clientAddr(r).String(); got != tt.want {
			t.Errorf("peer %s, %v: %s, want %s", tt.peer, tt.h, got, tt.want)
		}
	}
}

// A write deadline long passed does not fail what the WebSocket writes by
// itself: a pong to the client's ping, after the session was quiet.
func TestConnOldWriteDeadline(t *testing.T) {
	c, client := pair(t)
	c.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PONG a\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, b, err := client.Read(context.Background()); err != nil || string(b) != "PONG a" {
		t.Fatalf("%q %v", b, err)
	}
	// As after any quiet spell, the last deadline the hub set has passed.
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	// The client reads in the background, which is how its ping gets
	// its pong.
	read := make(chan error, 1)
	go func() {
		_, _, err := client.Read(context.Background())
		read <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx); err != nil {
		t.Fatalf("ping after the deadline: %v", err)
	}
	c.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PONG b\r\n")); err != nil {
		t.Fatalf("writing on: %v", err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
}
