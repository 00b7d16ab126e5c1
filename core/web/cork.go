package web

import (
	"io"
	"net"
	"sync"
)

// corkListener hands out sockets that can be corked, so that a session's
// WebSocket messages reach the kernel in one write rather than one each.
type corkListener struct{ net.Listener }

func (l corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corkConn{Conn: c}, nil
}

// corkConn is a socket whose writes, while it is corked, are gathered and
// written at once when it is uncorked. The WebSocket library frames and
// flushes every message by itself (each a write(2), which made fan-out over
// /ws many times dearer than over TCP, where the hub's lines go out in one
// writev); corking under it keeps its framing and its locks and only
// delays the bytes. Order is kept: every write, corked or not, goes through
// mu, so a frame the library writes by itself meanwhile (a pong) is
// gathered in its place.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked *[]byte // what was written while corked; nil when not corked
}

var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked != nil {
		*c.corked = append(*c.corked, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// cork starts gathering writes.
func (c *corkConn) cork() {
	c.mu.Lock()
	if c.corked == nil {
		c.corked = corkBuffers.Get().(*[]byte)
	}
	c.mu.Unlock()
}

// uncork writes what was gathered, in one write, and stops gathering.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.corked
	if b == nil {
		return nil
	}
	c.corked = nil
	_, err := c.Conn.Write(*b)
	if cap(*b) <= 64<<10 { // a big batch's buffer is not kept for small ones
		*b = (*b)[:0]
		corkBuffers.Put(b)
	}
	return err
}

// ReadFrom and CloseWrite keep what net/http finds on a bare TCP socket:
// sendfile for files and assets, and a half-close before it closes a
// connection whose request it did not read whole. A corked socket (only
// ever so while a WebSocket session writes, never in an HTTP response)
// gathers what ReadFrom reads like any write.
func (c *corkConn) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	corked := c.corked != nil
	c.mu.Unlock()
	if rf, ok := c.Conn.(io.ReaderFrom); ok && !corked {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c}, r)
}

func (c *corkConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// writerOnly hides ReadFrom from io.Copy, which would call it again.
type writerOnly struct{ io.Writer }
