package client

// Tests against a scripted server: what a real salond rarely or never
// does (garbage, silence, failures in the middle of a download), and what
// the client must answer (PING).

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// script is a fake server's side of one connection.
type script struct {
	t     *testing.T
	conn  net.Conn
	lines chan string
}

// fakeServer accepts connections and hands each to the test.
func fakeServer(t *testing.T) (string, chan *script) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns := make(chan *script, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s := &script{t: t, conn: c, lines: make(chan string, 1000)}
			go func() {
				defer close(s.lines)
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					s.lines <- strings.TrimSuffix(l, "\r\n")
				}
			}()
			t.Cleanup(func() { c.Close() })
			conns <- s
		}
	}()
	return ln.Addr().String(), conns
}

func (s *script) send(lines ...string) {
	for _, l := range lines {
		s.conn.Write([]byte(l + "\r\n"))
	}
}

// expect waits for a line from the client that starts with prefix,
// skipping others (keep-alive PINGs).
func (s *script) expect(prefix string) string {
	s.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("connection closed while waiting for %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			s.t.Fatalf("no %q from the client", prefix)
		}
	}
}

// accept waits for a connection and logs it in as user 1.
func accept(t *testing.T, conns chan *script) *script {
	t.Helper()
	select {
	case s := <-conns:
		s.expect("IAM alice ")
		s.send("TAG 0 1", "ADD ON 0 1 alice", "GRP 0 1")
		s.send("PONG " + strings.TrimPrefix(s.expect("PING burst"), "PING "))
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not connect")
	}
	return nil
}

// await returns the first event ok accepts.
func await(t *testing.T, c *Client, ok func(Event) bool) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		evs, err := c.NextEvents(ctx)
		if err != nil {
			t.Fatal("no such event")
		}
		for _, e := range evs {
			if ok(e) {
				return e
			}
		}
	}
}

func is[T any](e Event) bool { _, ok := e.(T); return ok }

func startClient(t *testing.T, addr string, opts Options) *Client {
	opts.Addr = addr
	c := New(opts)
	c.Login("alice", "password-alice", false)
	t.Cleanup(func() {
		c.stop(false)
	})
	return c
}

func TestServerPingIsAnswered(t *testing.T) {
	addr, conns := fakeServer(t)
	c := startClient(t, addr, Options{})
	s := accept(t, conns)
	await(t, c, is[Ready])
	s.send("PING salond")
	s.expect("PONG salond")
}

func TestSilentServerIsDropped(t *testing.T) {
	addr, conns := fakeServer(t)
	c := startClient(t, addr, Options{KeepAlive: 40 * time.Millisecond, MinBackoff: 10 * time.Millisecond})
	s := accept(t, conns)
	s.expect("PING keepalive") // probed, and never answered
	d := await(t, c, is[Disconnected]).(Disconnected)
	if d.Err == nil || !strings.Contains(d.Err.Error(), "timeout") {
		t.Errorf("Disconnected: %v", d.Err)
	}
	accept(t, conns) // and back
	await(t, c, is[Ready])
}

func TestBadLinesAreSkipped(t *testing.T) {
	addr, conns := fakeServer(t)
	c := startClient(t, addr, Options{})
	s := accept(t, conns)
	s.send("MSG garbage", "TAG", "\x01\x02", strings.Repeat("x", 5000), "MSG 0 2 0 1 still here")
	m := await(t, c, is[Message]).(Message)
	if m.Text != "still here" {
		t.Errorf("message: %+v", m)
	}
}

// Download lines nobody asked for are ignored; a failure in the middle of
// a download fails it and removes the partial file; the next GET of that
// file goes out only then.
func TestDownloadFailures(t *testing.T) {
	addr, conns := fakeServer(t)
	c := startClient(t, addr, Options{})
	s := accept(t, conns)
	await(t, c, is[Ready])
	dir := t.TempDir()
	to := wire.Addr{Server: 5}
	s.send("NEWFILE 5 0 stray.bin 3", "FILE 5 0 stray.bin AAAA", "ENDFILE 5 0 stray.bin 3")

	if err := c.Download(to, "f.bin", dir); err != nil {
		t.Fatal(err)
	}
	c.Download(to, "f.bin", dir) // queued behind the first
	s.expect("GET 5 0 f.bin")
	token := strings.TrimPrefix(s.expect("PING get"), "PING ")
	s.send("PONG "+token, "NEWFILE 5 0 f.bin 6", "FILE 5 0 f.bin AAAA", "ERR GET download of f.bin failed")
	f := await(t, c, is[DownloadFailed]).(DownloadFailed)
	if f.Name != "f.bin" || f.Reason != "download of f.bin failed" {
		t.Errorf("DownloadFailed: %+v", f)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	// The queued one goes out now; this time the server sends too much.
	s.expect("GET 5 0 f.bin")
	token = strings.TrimPrefix(s.expect("PING get"), "PING ")
	s.send("PONG "+token, "NEWFILE 5 0 f.bin 2", "FILE 5 0 f.bin AAAA", "ENDFILE 5 0 f.bin 2")
	f = await(t, c, is[DownloadFailed]).(DownloadFailed)
	if f.Reason != "more bytes than announced" {
		t.Errorf("DownloadFailed: %+v", f)
	}
	// Refused outright: answered before the PONG.
	c.History(to)
	s.expect("GET 5 0")
	token = strings.TrimPrefix(s.expect("PING get"), "PING ")
	s.send("ERR GET you are not a member of that channel", "PONG "+token)
	f = await(t, c, is[DownloadFailed]).(DownloadFailed)
	if f.Name != "save.txt" || f.Reason != "you are not a member of that channel" {
		t.Errorf("DownloadFailed: %+v", f)
	}
	// A history that does not parse.
	c.History(to)
	s.expect("GET 5 0")
	token = strings.TrimPrefix(s.expect("PING get"), "PING ")
	s.send("PONG "+token, "NEWFILE 5 0 save.txt 4", "FILE 5 0 save.txt bm9wZQ==", "ENDFILE 5 0 save.txt 4")
	f = await(t, c, is[DownloadFailed]).(DownloadFailed)
	if !strings.HasPrefix(f.Reason, "save.txt:1:") {
		t.Errorf("DownloadFailed: %+v", f)
	}
	if err := c.Download(to, "../escape", dir); err == nil {
		t.Error("a file name with a slash is refused")
	}
}

// Uploads the server drops halfway fail, whatever answers are still due.
func TestUploadDroppedHalfway(t *testing.T) {
	addr, conns := fakeServer(t)
	c := startClient(t, addr, Options{Window: 2})
	s := accept(t, conns)
	await(t, c, is[Ready])
	path := filepath.Join(t.TempDir(), "f.bin")
	os.WriteFile(path, make([]byte, 5*chunkBytes), 0o600)
	id, name, err := c.Upload(wire.Addr{Server: 5}, path)
	if err != nil || name != "f.bin" {
		t.Fatal(err)
	}
	s.expect("NEWFILE 5 0 f.bin 14400")
	s.send("NEWFILE OK")
	s.expect("FILE 5 0 f.bin ")
	s.expect("FILE 5 0 f.bin ")
	// Only two lines in flight: the window.
	select {
	case l := <-s.lines:
		if strings.HasPrefix(l, "FILE ") {
			t.Fatalf("a third line before any FILE OK: %q", l)
		}
	case <-time.After(100 * time.Millisecond):
	}
	s.send("FILE OK", "ERR FILE invalid base64: upload dropped")
	f := await(t, c, is[UploadFailed]).(UploadFailed)
	if f.ID != id || f.Reason != "invalid base64: upload dropped" {
		t.Errorf("UploadFailed: %+v", f)
	}
	// The connection is still good for everything else.
	c.Send("MSG 5 0 after")
	s.expect("MSG 5 0 after")
}

func TestUploadName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.png":              "photo.png",
		"my photo.png":           "my_photo.png",
		"tab\there":              "tab_here",
		"..":                     "file",
		"":                       "file",
		"\x7fx":                  "_x",
		strings.Repeat("é", 150): strings.Repeat("é", 100),
	} {
		if got := uploadName(in); got != want {
			t.Errorf("uploadName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFreePath(t *testing.T) {
	dir := t.TempDir()
	if got := freePath(dir, "a.txt"); got != filepath.Join(dir, "a.txt") {
		t.Errorf("free: %s", got)
	}
	os.WriteFile(filepath.Join(dir, "a.txt"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "a-2.txt"), nil, 0o600)
	if got := freePath(dir, "a.txt"); got != filepath.Join(dir, "a-3.txt") {
		t.Errorf("taken: %s", got)
	}
}

func TestNotConnected(t *testing.T) {
	c := New(Options{Addr: "127.0.0.1:1"})
	if err := c.Send("PING"); err != ErrNotConnected {
		t.Errorf("Send: %v", err)
	}
	if _, _, err := c.Upload(wire.Addr{Server: 1}, "x"); err != ErrNotConnected {
		t.Errorf("Upload: %v", err)
	}
	if err := c.History(wire.Addr{Server: 1}); err != ErrNotConnected {
		t.Errorf("History: %v", err)
	}
	for _, bad := range []string{"", "a\r\nb", strings.Repeat("x", 4095)} {
		if err := c.Send(bad); err == nil || err == ErrNotConnected {
			t.Errorf("Send(%.20q): %v", bad, err)
		}
	}
}
