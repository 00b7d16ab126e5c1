package web_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/web"
	webassets "github.com/salon-chat/salon/web"
)

// start runs salond with its web listener on a loopback port.
func start(t *testing.T, edit func(*config.Config)) *servertest.Instance {
	t.Helper()
	cfg := servertest.Config(t.TempDir())
	cfg.Web.Listen = "127.0.0.1:0"
	if edit != nil {
		edit(cfg)
	}
	in := servertest.Start(t, cfg)
	if in.WebAddr == "" {
		t.Fatal("no web listener")
	}
	return in
}

// register creates an account on c, as servertest.Register does on TCP.
func register(t *testing.T, c *servertest.Client, pseudo string) int64 {
	t.Helper()
	c.Name = pseudo
	c.Send("NEW USR " + pseudo + " password-" + pseudo)
	var tag int64
	if _, err := fmt.Sscanf(c.ExpectPrefix("TAG 0 "), "TAG 0 %d", &tag); err != nil {
		t.Fatalf("%s: bad TAG line: %v", pseudo, err)
	}
	c.Expect(fmt.Sprintf("ADD ON 0 %d %s", tag, pseudo), fmt.Sprintf("GRP 0 %d", tag))
	return tag
}

// A browser's session and a terminal's chat: registration, login, a
// friendship, messages both ways, each side seeing the same lines.
func TestWebSessionChatsWithTCP(t *testing.T) {
	in := start(t, nil)
	alice := servertest.DialWeb(t, in.WebAddr, web0())
	a := register(t, alice, "alice")
	bob, b := servertest.Register(t, in.Addr, "bob")

	alice.Send(fmt.Sprintf("INV 0 %d", b))
	alice.Expect(fmt.Sprintf("ADD ON 0 %d bob", b), fmt.Sprintf("INV 0 %d 0 %d", a, b))
	bob.Expect(fmt.Sprintf("ADD ON 0 %d alice", a), fmt.Sprintf("INV 0 %d", a))
	bob.Send(fmt.Sprintf("JOIN 0 %d", a))
	join := fmt.Sprintf("JOIN 0 %d 0 %d", a, b)
	bob.Expect(join)
	alice.Expect(join)

	alice.Send(fmt.Sprintf("MSG 0 %d hello from a browser", b))
	got := alice.Next()
	if want := fmt.Sprintf("MSG 0 %d 0 %d ", a, b); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " hello from a browser") {
		t.Fatalf("alice's echo = %q", got)
	}
	if seen := bob.Next(); seen != got {
		t.Fatalf("bob saw %q, alice %q", seen, got)
	}
	bob.Send(fmt.Sprintf("MSG 0 %d and back from a terminal", a))
	got = bob.Next()
	if seen := alice.Next(); seen != got {
		t.Fatalf("alice saw %q, bob %q", seen, got)
	}

	// A second browser session logs in and gets the same burst as TCP.
	web2 := servertest.DialWeb(t, in.WebAddr, web0())
	web2.Send("IAM alice password-alice")
	burstWS := web2.Sync()
	tcp2, burstTCP := servertest.Login(t, in.Addr, "alice")
	if fmt.Sprint(burstWS) != fmt.Sprint(burstTCP) || len(burstWS) < 3 {
		t.Fatalf("login burst over WebSocket:\n%q\nover TCP:\n%q", burstWS, burstTCP)
	}
	tcp2.Close()
	web2.Close()
	alice.Close()
	bob.WaitFor(fmt.Sprintf("BYE 0 %d", a))
}

func web0() servertest.WebOptions { return servertest.WebOptions{} }

// raw opens a WebSocket with no line adapter, to send messages as they are.
func raw(t *testing.T, addr string, header http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func send(t *testing.T, ws *websocket.Conn, typ websocket.MessageType, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	if err := ws.Write(ctx, typ, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("a %v message: %q", typ, b)
	}
	return string(b)
}

// Every message is one line whatever its end, and the limits of a line
// are TCP's to the byte: the same line sent over both gets the same answer.
func TestWebLines(t *testing.T) {
	in := start(t, nil)
	ws := raw(t, in.WebAddr, nil)
	tcp := servertest.Dial(t, in.Addr)

	// The terminator is optional, CRLF or LF.
	for _, m := range []string{"PING a\r\n", "PING b", "PING c\n"} {
		send(t, ws, websocket.MessageText, m)
	}
	for _, want := range []string{"PONG a", "PONG b", "PONG c"} {
		if got := next(t, ws); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}

	// Around the limit: 4094 bytes is the longest line, with or without
	// its CRLF; beyond, ERR LINE line too long and the session goes on.
	for _, n := range []int{4094, 4095, 4096, 4097, 4098, 70000} {
		line := "PING " + strings.Repeat("x", n-len("PING "))
		for _, end := range []string{"", "\n", "\r\n"} {
			tcp.SendRaw(line + "\r\n")
			want := tcp.Next()
			send(t, ws, websocket.MessageText, line+end)
			if got := next(t, ws); got != want {
				t.Fatalf("%d bytes + %q: WebSocket got %.60q, TCP %.60q", n, end, got, want)
			}
			if n > 4094 && want != "ERR LINE line too long" {
				t.Fatalf("%d bytes over TCP: %.60q", n, want)
			}
		}
	}

	// Text that is not (invalid UTF-8, controls) is refused as on TCP; a
	// line feed inside a message does not make two lines of it.
	for _, m := range []string{"PING \xff\xfe", "PING a\x01b", "PING a\nPING b", "PING a\r"} {
		send(t, ws, websocket.MessageText, m)
		if got := next(t, ws); got != "ERR LINE invalid text" {
			t.Fatalf("%q: got %q", m, got)
		}
	}

	// A binary message is the bytes of a line, as TCP sees bytes; empty
	// messages are empty lines, skipped.
	send(t, ws, websocket.MessageBinary, "PING bin")
	send(t, ws, websocket.MessageText, "")
	send(t, ws, websocket.MessageText, "\r\n")
	send(t, ws, websocket.MessageText, "PING after")
	for _, want := range []string{"PONG bin", "PONG after"} {
		if got := next(t, ws); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// The handshake is refused (403, before any session) unless it comes from
// the page's own origin, an allowed one, or no page.
func TestWebOrigin(t *testing.T) {
	in := start(t, func(c *config.Config) {
		c.Web.AllowedOrigins = []string{"https://chat.example.org", "http://localhost:9999"}
	})
	_, port, _ := net.SplitHostPort(in.WebAddr)
	for _, tt := range []struct {
		host, origin string
		ok           bool
	}{
		{in.WebAddr, "", true},
		{in.WebAddr, "http://" + in.WebAddr, true},
		{in.WebAddr, "HTTP://" + in.WebAddr, true},
		// Same origin is the host the browser asked for, whatever the
		// listen address says.
		{"localhost:" + port, "http://localhost:" + port, true},
		{in.WebAddr, "https://chat.example.org", true},
		{in.WebAddr, "https://CHAT.example.org:443", true},
		{in.WebAddr, "http://localhost:9999", true},
		{in.WebAddr, "http://chat.example.org", false}, // scheme differs
		{in.WebAddr, "https://chat.example.org:8443", false},
		{in.WebAddr, "https://evil.example", false},
		{in.WebAddr, "http://localhost:" + port, false}, // another host than the one asked
		{in.WebAddr, "null", false},
		{in.WebAddr, "file://", false},
	} {
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		c, resp, err := servertest.TryDialWeb(tt.host, servertest.WebOptions{Header: h})
		switch {
		case tt.ok && err != nil:
			t.Errorf("Origin %q to %s: refused: %v", tt.origin, tt.host, err)
		case !tt.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden):
			t.Errorf("Origin %q to %s: want 403, got %v %v", tt.origin, tt.host, resp, err)
		case tt.ok:
			cl := newLineClient(t, c)
			cl.Send("PING origin")
			cl.Expect("PONG origin")
			c.Close()
		}
	}
}

func newLineClient(t *testing.T, c net.Conn) *servertest.Client { return servertest.Wrap(t, c) }

// A page whose name resolves to salond's address (DNS rebinding) sends an
// Origin and a Host that agree, and is still refused: only addresses,
// localhost and the hosts of allowed origins count as salond's own names.
func TestWebOriginRebinding(t *testing.T) {
	in := start(t, func(c *config.Config) {
		c.Web.AllowedOrigins = []string{"https://chat.example.org"}
	})
	_, port, _ := net.SplitHostPort(in.WebAddr)
	// Every name leads to the listener, as a rebound name would.
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, in.WebAddr)
		},
	}}
	for _, tt := range []struct {
		host string
		ok   bool
	}{
		{"evil.example:" + port, false},
		{"chat.example.org:" + port, true}, // an allowed origin's host, on another port
		{"localhost:" + port, true},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ws, resp, err := websocket.Dial(ctx, "ws://"+tt.host+"/ws", &websocket.DialOptions{
			HTTPClient: client,
			HTTPHeader: http.Header{"Origin": {"http://" + tt.host}},
		})
		cancel()
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s: refused: %v", tt.host, err)
		case !tt.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden):
			t.Errorf("%s: want 403, got %v %v", tt.host, resp, err)
		}
		if ws != nil {
			ws.CloseNow()
		}
	}
}

// Per-address limits count a session against its proxy's forwarded
// address only when the proxy is trusted, and then against the rightmost
// hop that is not.
func TestWebTrustedProxies(t *testing.T) {
	limit := func(trusted ...string) func(*config.Config) {
		return func(c *config.Config) {
			c.Limits.ConnectionsPerAddress = 2
			c.Web.TrustedProxies = nil
			for _, p := range trusted {
				c.Web.TrustedProxies = append(c.Web.TrustedProxies, mustPrefix(t, p))
			}
		}
	}
	xff := func(v string) servertest.WebOptions {
		return servertest.WebOptions{Header: http.Header{"X-Forwarded-For": {v}}}
	}
	fwd := func(v string) servertest.WebOptions {
		return servertest.WebOptions{Header: http.Header{"Forwarded": {v}}}
	}
	admitted := func(c *servertest.Client) {
		t.Helper()
		c.Send("PING in")
		c.Expect("PONG in")
	}
	refused := func(c *servertest.Client) {
		t.Helper()
		if got := c.ExpectClosed(); fmt.Sprint(got) != "[ERR LINE too many connections from your address]" {
			t.Fatalf("got %q, want the refusal", got)
		}
	}

	t.Run("trusted", func(t *testing.T) {
		in := start(t, limit("127.0.0.1", "10.0.0.0/8"))
		admitted(servertest.DialWeb(t, in.WebAddr, xff("203.0.113.5")))
		// A spoofed hop to the left of the client's is not believed; a
		// trusted hop to its right is walked over.
		admitted(servertest.DialWeb(t, in.WebAddr, xff("1.1.1.1, 203.0.113.5, 10.1.2.3")))
		refused(servertest.DialWeb(t, in.WebAddr, xff("203.0.113.5")))
		// Forwarded, when there is no X-Forwarded-For, and ports ignored.
		refused(servertest.DialWeb(t, in.WebAddr, fwd(`for="203.0.113.5:4711";proto=https`)))
		admitted(servertest.DialWeb(t, in.WebAddr, fwd(`for="[2001:db8::1]:4711", for=10.0.0.9`)))
		admitted(servertest.DialWeb(t, in.WebAddr, xff("2001:db8::1")))
		refused(servertest.DialWeb(t, in.WebAddr, xff("2001:db8::1")))
		// Others are not held by 203.0.113.5's count, nor is TCP from the
		// proxy's own address.
		admitted(servertest.DialWeb(t, in.WebAddr, xff("203.0.113.6")))
		admitted(servertest.Dial(t, in.Addr))
		admitted(servertest.Dial(t, in.Addr))
		refused(servertest.Dial(t, in.Addr))
		// A hop that is not an address counts against the proxy that
		// wrote it, which is now full.
		refused(servertest.DialWeb(t, in.WebAddr, xff("unknown")))
	})

	t.Run("untrusted", func(t *testing.T) {
		in := start(t, limit("10.0.0.0/8"))
		admitted(servertest.DialWeb(t, in.WebAddr, xff("203.0.113.5")))
		admitted(servertest.DialWeb(t, in.WebAddr, xff("203.0.113.6")))
		// Both counted against 127.0.0.1, whatever their header said.
		refused(servertest.DialWeb(t, in.WebAddr, xff("203.0.113.7")))
		refused(servertest.Dial(t, in.Addr))
	})
}

func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	c, err := config.Parse([]byte(fmt.Sprintf("web {\n  listen = \"127.0.0.1:0\"\n  trusted_proxies = [%q]\n}\n", s)), "t.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return c.Web.TrustedProxies[0]
}

// The page and its assets, with their headers, from the binary.
func TestWebPage(t *testing.T) {
	in := start(t, nil)
	index, err := fs.ReadFile(webassets.Assets, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/index.html"} {
		resp, body := get(t, "http://"+in.WebAddr+path, nil)
		checkHeaders(t, path, resp, http.StatusOK, "text/html; charset=utf-8", "no-cache")
		if string(body) != string(index) {
			t.Errorf("%s: body is not index.html", path)
		}
	}
	// The bundle's script, by the content-hashed name index.html gives it.
	script := regexp.MustCompile(`src="(/app-[^"]+\.js)"`).FindStringSubmatch(string(index))
	if script == nil {
		t.Fatalf("index.html names no app-*.js script:\n%s", index)
	}
	resp, _ := get(t, "http://"+in.WebAddr+script[1], nil)
	checkHeaders(t, "app.js", resp, http.StatusOK, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable")
	resp, _ = get(t, "http://"+in.WebAddr+"/missing.js", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing file: %s", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+in.WebAddr+"/", strings.NewReader("x"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %v %v", resp, err)
	}
}

func get(t *testing.T, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Timeout: servertest.Timeout, Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func checkHeaders(t *testing.T, what string, resp *http.Response, status int, ctype, cache string) {
	t.Helper()
	h := resp.Header
	for k, want := range map[string]string{
		"Content-Type":            ctype,
		"Cache-Control":           cache,
		"Content-Security-Policy": web.PagePolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", what, k, got, want)
		}
	}
	if resp.StatusCode != status {
		t.Errorf("%s: %s", what, resp.Status)
	}
	// The policy never lets a script run that salond did not serve.
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(h.Get("Content-Security-Policy"), bad) {
			t.Errorf("%s: the policy allows %s", what, bad)
		}
	}
}

// On shutdown a WebSocket session gets what a TCP one gets, then a close
// frame saying the session ended normally.
func TestWebShutdown(t *testing.T) {
	in := start(t, nil)
	servertest.Register(t, in.Addr, "alice")
	tcp, _ := servertest.Login(t, in.Addr, "alice")
	ws := raw(t, in.WebAddr, nil)
	send(t, ws, websocket.MessageText, "IAM alice password-alice")
	send(t, ws, websocket.MessageText, "PING ready")
	for next(t, ws) != "PONG ready" {
	}
	tcp.Sync()

	// Stopping waits for the close handshake, which this test answers by
	// reading.
	stopped := make(chan struct{})
	go func() { in.Stop(); close(stopped) }()
	defer func() { <-stopped }()
	tcpLines := tcp.ExpectClosed()
	var wsLines []string
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("the session ended with %v, not a normal close", err)
			}
			break
		}
		wsLines = append(wsLines, string(b))
	}
	if fmt.Sprint(wsLines) != fmt.Sprint(tcpLines) || len(tcpLines) == 0 {
		t.Fatalf("over WebSocket %q, over TCP %q", wsLines, tcpLines)
	}
}

// With the tls block's key pair the web listener speaks HTTPS, page and
// sessions alike.
func TestWebTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	roots := writeCert(t, certFile, keyFile)
	in := start(t, func(c *config.Config) { c.TLS.Cert, c.TLS.Key = certFile, keyFile })
	conf := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}

	c := servertest.DialWeb(t, in.WebAddr, servertest.WebOptions{TLS: conf, Header: http.Header{"Origin": {"https://" + in.WebAddr}}})
	register(t, c, "alice")
	c.Send("PING tls")
	c.Expect("PONG tls")

	client := &http.Client{Timeout: servertest.Timeout, Transport: &http.Transport{TLSClientConfig: conf}}
	resp, err := client.Get("https://" + in.WebAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.Header.Get("Content-Security-Policy") != web.PagePolicy {
		t.Fatalf("GET / over TLS: %s %v", resp.Status, resp.TLS)
	}
	// Plain HTTP to it is not served.
	if resp, err := http.Get("http://" + in.WebAddr + "/"); err == nil && resp.StatusCode == http.StatusOK {
		t.Fatal("plain HTTP served on the TLS listener")
	}
}

func writeCert(t *testing.T, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(servertest.WriteCert(t, certFile, keyFile, "salon test"))
	return pool
}
