// Package servertest starts real Salon servers on loopback ports and talks
// to them over TCP, for end-to-end tests; or, with SALON_TEST_TRANSPORT=ws,
// over the WebSocket transport of the web listener (see OverWebSocket).
package servertest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server"
)

// Timeout bounds every wait for a line.
const Timeout = 10 * time.Second

// Config returns a configuration for tests: a loopback port chosen by the
// system, dataDir, and cheap password hashing so that tests stay fast
// (production parameters are exercised by the auth package's tests).
func Config(dataDir string) *config.Config {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dataDir
	cfg.Passwords.Time = 1
	cfg.Passwords.MemoryKiB = 64
	cfg.Storage.Sync = "normal"
	// Tests drive many clients from one address at machine speed: the abuse
	// limits would throttle them. Tests of the limits set their own.
	cfg.Limits.MessagesPerSecond = 100000
	cfg.Limits.MessageBurst = 100000
	cfg.Limits.RegistrationsPerHour = 100000
	cfg.Limits.ConnectionsPerAddress = 100000
	if OverWebSocket() {
		cfg.Web.Listen = "127.0.0.1:0"
	}
	return cfg
}

// Instance is an in-process server.
type Instance struct {
	t       testing.TB
	Server  *server.Server
	Addr    string
	WebAddr string // the web listener's address, "" without one
	DataDir string
	served  chan error
	stopped bool
	log     lockedBuffer
}

// Logs returns what the server logged so far, at warn level and above.
func (in *Instance) Logs() string { return in.log.String() }

// lockedBuffer is a buffer written by the server's goroutines and read by
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Start runs a server on cfg (Config(t.TempDir()) when nil) and stops it
// when the test ends.
func Start(t testing.TB, cfg *config.Config) *Instance {
	t.Helper()
	if cfg == nil {
		cfg = Config(t.TempDir())
	}
	in := &Instance{t: t, DataDir: cfg.DataDir, served: make(chan error, 1)}
	log := hclog.New(&hclog.LoggerOptions{Name: "salond", Level: hclog.Warn, Output: io.MultiWriter(testWriter{t}, &in.log)})
	srv, err := server.Start(cfg, log)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	in.Server, in.Addr = srv, srv.Addr().String()
	if a := srv.WebAddr(); a != nil {
		in.WebAddr = a.String()
		webAddrs.Store(in.Addr, webListener{addr: in.WebAddr, tls: cfg.TLS.Cert != ""})
	}
	go func() { in.served <- srv.Serve() }()
	t.Cleanup(in.Stop)
	return in
}

// Stop shuts the server down (once).
func (in *Instance) Stop() {
	if in.stopped {
		return
	}
	in.stopped = true
	webAddrs.Delete(in.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.Server.Shutdown(ctx); err != nil {
		in.t.Errorf("shutdown: %v", err)
	}
	if err := <-in.served; err != nil {
		in.t.Errorf("serve: %v", err)
	}
}

// testWriter sends server logs to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client is a test connection that reads lines in the background.
type Client struct {
	t     testing.TB
	Conn  net.Conn
	lines chan string
	Name  string // for messages
}

// Dial connects to the server at addr, over TCP; or, when OverWebSocket
// and that server serves a web listener, over a WebSocket session there.
func Dial(t testing.TB, addr string) *Client {
	t.Helper()
	if OverWebSocket() {
		if c, ok := dialWebFor(t, addr); ok {
			return c
		}
		t.Logf("servertest: %s serves no web listener: dialing it over TCP", addr)
	}
	conn, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return newClient(t, conn)
}

// Wrap makes a Client of a connection the test opened itself.
func Wrap(t testing.TB, conn net.Conn) *Client { return newClient(t, conn) }

func newClient(t testing.TB, conn net.Conn) *Client {
	c := &Client{t: t, Conn: conn, lines: make(chan string, 100000), Name: "client"}
	go c.read()
	t.Cleanup(func() { conn.Close() })
	return c
}

func (c *Client) read() {
	defer close(c.lines)
	br := bufio.NewReaderSize(c.Conn, 8192)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		// Every server line must end in CRLF and fit in 4096 bytes: a
		// violation shows up in the line the test compares.
		if !strings.HasSuffix(line, "\r\n") {
			line += " <missing CR>"
		}
		if len(line) > 4096 {
			line = "<line over 4096 bytes> " + line
		}
		c.lines <- strings.TrimSuffix(line, "\r\n")
	}
}

// Lines is the channel of lines received and not yet read, for a test
// that must look without waiting.
func (c *Client) Lines() <-chan string { return c.lines }

// Send writes lines, each followed by CRLF.
func (c *Client) Send(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		c.SendRaw(l + "\r\n")
	}
}

// SendRaw writes bytes as they are.
func (c *Client) SendRaw(s string) {
	c.t.Helper()
	c.Conn.SetWriteDeadline(time.Now().Add(Timeout))
	if _, err := c.Conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("%s: write: %v", c.Name, err)
	}
}

// Next returns the next line, failing the test after Timeout.
func (c *Client) Next() string {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.t.Fatalf("%s: connection closed while waiting for a line", c.Name)
		}
		return l
	case <-time.After(Timeout):
		c.t.Fatalf("%s: no line within %v", c.Name, Timeout)
	}
	return ""
}

// Expect checks that the next lines are exactly want, in order.
func (c *Client) Expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.Next(); got != w {
			c.t.Fatalf("%s: got %q, want %q", c.Name, got, w)
		}
	}
}

// ExpectPrefix returns the next line, checking that it starts with prefix.
func (c *Client) ExpectPrefix(prefix string) string {
	c.t.Helper()
	got := c.Next()
	if !strings.HasPrefix(got, prefix) {
		c.t.Fatalf("%s: got %q, want a line starting with %q", c.Name, got, prefix)
	}
	return got
}

// WaitFor skips lines until one equals want and returns those skipped.
func (c *Client) WaitFor(want string) []string {
	c.t.Helper()
	var skipped []string
	for {
		l := c.Next()
		if l == want {
			return skipped
		}
		skipped = append(skipped, l)
	}
}

// Sync sends a PING with a unique token and returns every line received
// before its PONG: the server answers PING after everything sent before it.
func (c *Client) Sync() []string {
	c.t.Helper()
	token := fmt.Sprintf("sync-%d", time.Now().UnixNano())
	c.Send("PING " + token)
	var got []string
	for {
		l := c.Next()
		if l == "PONG "+token {
			return got
		}
		got = append(got, l)
	}
}

// ExpectQuiet checks that nothing but the PONG arrives in answer to a PING.
func (c *Client) ExpectQuiet() {
	c.t.Helper()
	if got := c.Sync(); len(got) > 0 {
		c.t.Fatalf("%s: unexpected lines: %q", c.Name, got)
	}
}

// ExpectClosed checks that the server closes the connection, after any
// lines it sends first (returned).
func (c *Client) ExpectClosed() []string {
	c.t.Helper()
	var got []string
	deadline := time.After(Timeout)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return got
			}
			got = append(got, l)
		case <-deadline:
			c.t.Fatalf("%s: connection still open after %v (got %q)", c.Name, Timeout, got)
		}
	}
}

// Close closes the connection.
func (c *Client) Close() { c.Conn.Close() }

// Register creates an account on a new connection, reads the burst of a
// new account and returns the client with its tag.
func Register(t testing.TB, addr, pseudo string) (*Client, int64) {
	t.Helper()
	c := Dial(t, addr)
	c.Name = pseudo
	c.Send("NEW USR " + pseudo + " password-" + pseudo)
	var tag int64
	if _, err := fmt.Sscanf(c.ExpectPrefix("TAG 0 "), "TAG 0 %d", &tag); err != nil {
		t.Fatalf("%s: bad TAG line: %v", pseudo, err)
	}
	c.Expect(fmt.Sprintf("ADD ON 0 %d %s", tag, pseudo), fmt.Sprintf("GRP 0 %d", tag))
	return c, tag
}

// Login logs pseudo in on a new connection (password as Register sets it)
// and returns the client and the whole login burst (TAG included).
func Login(t testing.TB, addr, pseudo string) (*Client, []string) {
	t.Helper()
	c := Dial(t, addr)
	c.Name = pseudo
	c.Send("IAM " + pseudo + " password-" + pseudo)
	burst := c.Sync()
	if len(burst) == 0 || !strings.HasPrefix(burst[0], "TAG 0 ") {
		t.Fatalf("%s: login failed: %q", pseudo, burst)
	}
	return c, burst
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/salond once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "salond-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "salond")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..", "..")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/salond")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// RemoveBinary deletes what Binary built; a TestMain calls it after the
// tests.
func RemoveBinary() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}

// generousLimits lifts the abuse limits for the binary, as Config does.
const generousLimits = `limits {
  messages_per_second     = 100000
  message_burst           = 100000
  registrations_per_hour  = 100000
  connections_per_address = 100000
}
`

// Process is salond running as a child process.
type Process struct {
	Cmd  *exec.Cmd
	Addr string
	Log  *strings.Builder
	mu   sync.Mutex

	// Stdin is the write end of the process's standard input when it was
	// started by StartProcessConsole, nil otherwise.
	Stdin io.WriteCloser
}

// StartProcess runs the salond binary on dataDir with a free loopback port
// and cheap password hashing, and waits until it accepts connections.
func StartProcess(t testing.TB, dataDir string, extra ...string) *Process {
	t.Helper()
	return startProcess(t, dataDir, false, extra)
}

// StartProcessConsole is StartProcess with the process's standard input a
// pipe, p.Stdin, through which the test types console commands ("EXT\n");
// pass "-console" in extra for salond to read it. The pipe is closed when
// the process has been waited for.
func StartProcessConsole(t testing.TB, dataDir string, extra ...string) *Process {
	t.Helper()
	return startProcess(t, dataDir, true, extra)
}

func startProcess(t testing.TB, dataDir string, console bool, extra []string) *Process {
	t.Helper()
	cfgFile := filepath.Join(t.TempDir(), "salon.hcl")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	hcl := fmt.Sprintf("listen = %q\ndata_dir = %q\npasswords {\n  time = 1\n  memory_kib = 64\n}\n%s", addr, dataDir, generousLimits)
	waitFor := []string{addr}
	if OverWebSocket() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		web := ln.Addr().String()
		ln.Close()
		hcl += webHCL(web)
		webAddrs.Store(addr, webListener{addr: web})
		t.Cleanup(func() { webAddrs.Delete(addr) })
		waitFor = append(waitFor, web)
	}
	if err := os.WriteFile(cfgFile, []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Process{Addr: addr, Log: &strings.Builder{}}
	p.Cmd = exec.Command(Binary(t), append([]string{"-config", cfgFile}, extra...)...)
	p.Cmd.Stderr = lockedWriter{p}
	if console {
		if p.Stdin, err = p.Cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.Cmd.ProcessState == nil {
			p.Cmd.Process.Kill()
			p.Cmd.Wait()
		}
	})
	deadline := time.Now().Add(Timeout)
	for _, a := range waitFor {
		for {
			conn, err := net.Dial("tcp", a)
			if err == nil {
				conn.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("salond did not start listening on %s: %v\n%s", a, err, p.Logs())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return p
}

// Logs returns what the process wrote to stderr so far.
func (p *Process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Log.String()
}

type lockedWriter struct{ p *Process }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.Log.Write(b)
}
