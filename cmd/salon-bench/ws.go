package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The WebSocket scenarios reach the server's web listener at /ws, where
// each text message is one protocol line (docs/protocol.md). Their
// clients are the same as over TCP: wsConn turns the session into the
// byte stream of lines the reader expects, so that both sides of a
// comparison cost the load generator the same parsing.

// wsScheme prefixes the addresses dial takes as WebSocket listeners.
const wsScheme = "ws://"

// dialConn opens a connection to addr: TCP, or a WebSocket session when
// addr starts with ws://.
func dialConn(addr string) (net.Conn, error) {
	if !strings.HasPrefix(addr, wsScheme) {
		return net.Dial("tcp", addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, addr+"/ws", nil)
	if err != nil {
		return nil, fmt.Errorf("WebSocket to %s: %w", addr, err)
	}
	// The server's lines are at most its own limit; the bench reads them
	// all rather than fail on one.
	ws.SetReadLimit(-1)
	return &wsConn{ws: ws, addr: addr}, nil
}

// waitWeb waits until the web listener at addr (host:port) accepts
// connections: salond may open it a moment after its TCP listener.
func waitWeb(addr string) error {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the web listener %s did not open: %w", addr, err)
		}
	}
}

// wsConn is a WebSocket session read as a stream of lines: each message
// comes out followed by '\n'. A Write is cut into lines, each sent as one
// message without its CRLF. Reads and writes go straight to the
// connection (no pipe, no copy per message): the load generator must stay
// cheap next to the server it measures.
type wsConn struct {
	ws   *websocket.Conn
	addr string
	cur  io.Reader // the message being read; nil between messages
	nl   bool      // the message just read still owes its '\n'
	wmu  sync.Mutex
	part []byte // a line written in pieces, until its '\n'
}

func (c *wsConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(p) {
		if c.nl {
			p[n] = '\n'
			n++
			c.nl = false
			// Return what a message gave rather than wait for the next.
			return n, nil
		}
		if c.cur == nil {
			_, r, err := c.ws.Reader(context.Background())
			if err != nil {
				if n > 0 {
					return n, nil
				}
				switch websocket.CloseStatus(err) {
				case websocket.StatusNormalClosure, websocket.StatusGoingAway:
					err = io.EOF
				}
				return 0, err
			}
			c.cur = r
		}
		m, err := c.cur.Read(p[n:])
		n += m
		if errors.Is(err, io.EOF) {
			c.cur, c.nl = nil, true
			continue
		}
		if err != nil {
			return n, err
		}
		if m > 0 {
			return n, nil
		}
	}
	return n, nil
}

func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.part = append(c.part, p...)
			break
		}
		line := p[:i]
		if len(c.part) > 0 {
			line = append(c.part, line...)
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		err := c.ws.Write(context.Background(), websocket.MessageText, line)
		c.part = c.part[:0]
		if err != nil {
			return 0, err
		}
		p = p[i+1:]
	}
	return n, nil
}

func (c *wsConn) Close() error { return c.ws.CloseNow() }

func (c *wsConn) LocalAddr() net.Addr                { return wsAddr("bench") }
func (c *wsConn) RemoteAddr() net.Addr               { return wsAddr(c.addr) }
func (c *wsConn) SetDeadline(t time.Time) error      { return nil }
func (c *wsConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *wsConn) SetWriteDeadline(t time.Time) error { return nil }

type wsAddr string

func (a wsAddr) Network() string { return "ws" }
func (a wsAddr) String() string  { return string(a) }
