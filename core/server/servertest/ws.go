package servertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TransportEnv names the environment variable that picks how Dial reaches
// a server: "ws" runs every test that dials through this package over the
// WebSocket transport (servers started here then serve the web listener on
// a loopback port), anything else over TCP.
const TransportEnv = "SALON_TEST_TRANSPORT"

// OverWebSocket reports whether Dial goes over WebSocket.
func OverWebSocket() bool { return os.Getenv(TransportEnv) == "ws" }

// webAddrs maps the TCP address of each server started here to its web
// listener, for Dial over WebSocket.
var webAddrs sync.Map

// webListener is where Dial reaches a server over WebSocket.
type webListener struct {
	addr string
	tls  bool // HTTPS: the server has a key pair
}

// WebOptions are the choices of a WebSocket dial.
type WebOptions struct {
	Header http.Header // sent with the handshake: Origin, X-Forwarded-For...
	TLS    *tls.Config // nil: plain ws://
}

// DialWeb opens a WebSocket session at /ws of the web listener at addr,
// failing the test if the handshake fails. The client writes lines as on
// TCP: each is sent as one text message without its terminator.
func DialWeb(t testing.TB, addr string, opts WebOptions) *Client {
	t.Helper()
	c, resp, err := TryDialWeb(addr, opts)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("WebSocket to %s: %v %s", addr, err, status)
	}
	return newClient(t, c)
}

// TryDialWeb is DialWeb's handshake, for tests of refusals: the response
// says why.
func TryDialWeb(addr string, opts WebOptions) (net.Conn, *http.Response, error) {
	scheme := "ws"
	client := &http.Client{Timeout: Timeout}
	if opts.TLS != nil {
		scheme = "wss"
		client.Transport = &http.Transport{TLSClientConfig: opts.TLS}
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, scheme+"://"+addr+"/ws", &websocket.DialOptions{
		HTTPClient: client,
		HTTPHeader: opts.Header,
	})
	if err != nil {
		return nil, resp, err
	}
	return newWSConn(ws, addr), resp, nil
}

// wsConn is the client's side of a WebSocket session as a byte stream of
// lines: each message received is read with a CRLF after it, and what is
// written is cut into lines, one message each.
type wsConn struct {
	ws     *websocket.Conn
	addr   string
	pr     *io.PipeReader
	pw     *io.PipeWriter
	wmu    sync.Mutex
	parts  []byte
	closed sync.Once
}

func newWSConn(ws *websocket.Conn, addr string) *wsConn {
	ws.SetReadLimit(-1) // lines over the limit are for the test to see
	pr, pw := io.Pipe()
	c := &wsConn{ws: ws, addr: addr, pr: pr, pw: pw}
	go c.pump()
	return c
}

func (c *wsConn) pump() {
	for {
		typ, b, err := c.ws.Read(context.Background())
		if err != nil {
			switch websocket.CloseStatus(err) {
			case websocket.StatusNormalClosure, websocket.StatusGoingAway:
				err = io.EOF
			}
			c.pw.CloseWithError(err)
			return
		}
		if typ != websocket.MessageText {
			b = append([]byte("<binary message> "), b...)
		}
		if _, err := c.pw.Write(append(b, '\r', '\n')); err != nil {
			return
		}
	}
}

func (c *wsConn) Read(p []byte) (int, error) { return c.pr.Read(p) }

func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n := len(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.parts = append(c.parts, p...)
			return n, nil
		}
		line := append(c.parts, p[:i]...)
		line = bytes.TrimSuffix(line, []byte{'\r'})
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		err := c.ws.Write(ctx, websocket.MessageText, line)
		cancel()
		c.parts = c.parts[:0]
		if err != nil {
			if errors.Is(err, net.ErrClosed) || websocket.CloseStatus(err) != -1 {
				// The server closed the session (after BYE, say). On TCP
				// the kernel would take these bytes and drop them; the
				// test sees the close when it reads.
				return n, nil
			}
			return 0, err
		}
		p = p[i+1:]
	}
}

// Close ends the session abruptly, as closing a TCP connection does.
func (c *wsConn) Close() error {
	err := errors.New("already closed")
	c.closed.Do(func() {
		err = c.ws.CloseNow()
		c.pr.Close()
	})
	return err
}

func (c *wsConn) LocalAddr() net.Addr                { return wsAddr("client") }
func (c *wsConn) RemoteAddr() net.Addr               { return wsAddr(c.addr) }
func (c *wsConn) SetDeadline(t time.Time) error      { return nil }
func (c *wsConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *wsConn) SetWriteDeadline(t time.Time) error { return nil }

type wsAddr string

func (a wsAddr) Network() string { return "ws" }
func (a wsAddr) String() string  { return string(a) }

// dialWebFor dials the web listener of the server at a TCP address, and
// reports false when it has none.
func dialWebFor(t testing.TB, tcpAddr string) (*Client, bool) {
	t.Helper()
	v, ok := webAddrs.Load(tcpAddr)
	if !ok {
		return nil, false
	}
	l := v.(webListener)
	var opts WebOptions
	if l.tls {
		// The key pair is the test's own and changes under it (reload
		// tests); the TLS tests check certificates over the TLS listener.
		// Here the server is the one this process started on loopback,
		// and what is under test is the WebSocket transport.
		opts.TLS = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	}
	return DialWeb(t, l.addr, opts), true
}

// WebHCL is the web block Config and StartProcess add over WebSocket.
func webHCL(addr string) string { return fmt.Sprintf("web {\n  listen = %q\n}\n", addr) }
