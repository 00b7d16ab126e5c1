package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/salon-chat/salon/core/wire"
)

// conn is a WebSocket session as the byte stream of lines the hub reads and
// writes on TCP, so that core/chat serves it without knowing the difference.
//
// Reading, each message is one line: it is handed on with a CRLF (in place
// of the client's own, which is optional), and a line feed inside it, which
// on TCP would split it in two, is turned into a carriage return, so that the
// message stays one line and the session refuses it as invalid text. A
// message too long for a line is cut and handed on with no terminator until
// its end, so that the line reader refuses it exactly as it refuses a long
// line on TCP (ERR LINE line too long), and the session goes on.
//
// Writing, the stream is cut at each LF, and each line goes out as one text
// message without its CRLF; a partial line waits for its end.
//
// Deadlines behave as on a socket: a read deadline passing leaves the
// connection readable (the hub uses it to time silences), and a write
// deadline is put on the socket itself while Write writes, so a client that
// stops reading fails the write as on TCP.
type conn struct {
	ws     *websocket.Conn
	raw    net.Conn // the socket under the WebSocket, for write deadlines
	remote net.Addr

	// Reading: a pump goroutine reads messages and hands them, framed, to
	// Read one at a time.
	frames  chan *frame
	pumpErr error  // why the pump stopped; set before frames is closed
	cur     *frame // owned by Read: the frame being read
	rest    []byte // its unread part

	dmu           sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time // put on the socket only while Write writes
	deadlineSet  chan struct{} // wakes a Read waiting under an older deadline
	timer        *time.Timer   // owned by Read

	wmu     sync.Mutex
	partial []byte // a line written without its end yet

	closeOnce sync.Once
	closed    chan struct{} // closed by Close
	done      chan struct{} // closed once the close handshake has ended
}

func newConn(ws *websocket.Conn, raw net.Conn, remote net.Addr) *conn {
	c := &conn{
		ws:          ws,
		raw:         raw,
		remote:      remote,
		frames:      make(chan *frame),
		deadlineSet: make(chan struct{}, 1),
		timer:       time.NewTimer(time.Hour),
		closed:      make(chan struct{}),
		done:        make(chan struct{}),
	}
	c.timer.Stop()
	// Lines are the protocol's business, limits included: the WebSocket's
	// own message limit would end the connection where TCP refuses a line.
	ws.SetReadLimit(-1)
	go c.pump()
	return c
}

// frame is one message made into a line: at most MaxLine+1 bytes of it (one
// more than any line may have, enough to be refused as too long) and its
// CRLF.
type frame struct {
	buf [wire.MaxLine + 3]byte
	b   []byte
}

var frames = sync.Pool{New: func() any { return new(frame) }}

// pump reads messages until the connection ends. It takes a frame only
// once a message has begun: an idle session holds no buffer here.
func (c *conn) pump() {
	defer close(c.frames)
	for {
		// The context never ends: cancelling one would close the
		// WebSocket at once, with no close handshake. Close ends the read.
		_, r, err := c.ws.Reader(context.Background())
		if err != nil {
			c.pumpErr = readError(err)
			return
		}
		f := frames.Get().(*frame)
		n, err := io.ReadFull(r, f.buf[:wire.MaxLine+1])
		whole := err != nil
		switch {
		case err == nil:
			// MaxLine+1 bytes and maybe more: too long whatever its end,
			// so the rest is skipped, as the line reader skips the rest
			// of a long line.
			_, err = io.Copy(io.Discard, r)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			err = nil
		}
		if err != nil {
			frames.Put(f)
			c.pumpErr = readError(err)
			return
		}
		f.b = frameLine(f.buf[:], n, whole)
		select {
		case c.frames <- f:
		case <-c.closed:
			frames.Put(f)
			c.pumpErr = net.ErrClosed
			return
		}
	}
}

// frameLine makes the n bytes of a message at the start of buf a line
// ending in CRLF. whole is false when the message had more than n bytes.
func frameLine(buf []byte, n int, whole bool) []byte {
	b := buf[:n]
	if whole {
		if bytes.HasSuffix(b, []byte("\r\n")) {
			b = b[:len(b)-2]
		} else if bytes.HasSuffix(b, []byte("\n")) {
			b = b[:len(b)-1]
		}
	}
	for i := bytes.IndexByte(b, '\n'); i >= 0; i = bytes.IndexByte(b, '\n') {
		b[i] = '\r'
	}
	return append(b, '\r', '\n')
}

// readError says why reading ended in the terms the session expects: a
// close frame is the end of the stream.
func readError(err error) error {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return io.EOF
	}
	if errors.Is(err, net.ErrClosed) {
		return net.ErrClosed
	}
	return fmt.Errorf("websocket: %w", err)
}

// Read reads the lines of the messages received, as a byte stream.
func (c *conn) Read(p []byte) (int, error) {
	if len(c.rest) == 0 {
		if c.cur != nil {
			frames.Put(c.cur)
			c.cur = nil
		}
		f, err := c.next()
		if err != nil {
			return 0, err
		}
		c.cur, c.rest = f, f.b
	}
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	return n, nil
}

// next waits for the next message, until the read deadline.
func (c *conn) next() (*frame, error) {
	for {
		c.dmu.Lock()
		deadline := c.readDeadline
		c.dmu.Unlock()
		var expired <-chan time.Time
		if !deadline.IsZero() {
			wait := time.Until(deadline)
			if wait <= 0 {
				return nil, os.ErrDeadlineExceeded
			}
			c.timer.Reset(wait)
			expired = c.timer.C
		}
		select {
		case f, ok := <-c.frames:
			c.timer.Stop()
			if !ok {
				if c.isClosed() {
					return nil, net.ErrClosed // ours, whatever the pump saw
				}
				return nil, c.pumpErr
			}
			return f, nil
		case <-expired:
			return nil, os.ErrDeadlineExceeded
		case <-c.deadlineSet:
			c.timer.Stop()
		case <-c.closed:
			c.timer.Stop()
			return nil, net.ErrClosed
		}
	}
}

// Write sends each complete line of p as a text message.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() {
		return 0, net.ErrClosed
	}
	// The deadline is the socket's only for the hub's writes: the frames
	// the WebSocket writes by itself (a pong, the close frame) must not
	// fail on a deadline the hub set for a write long done. They have
	// timeouts of their own.
	c.dmu.Lock()
	deadline := c.writeDeadline
	c.dmu.Unlock()
	c.raw.SetWriteDeadline(deadline)
	defer c.raw.SetWriteDeadline(time.Time{})
	written := 0
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.partial = append(c.partial, p...)
			return written + len(p), nil
		}
		line := p[:i]
		if len(c.partial) > 0 {
			c.partial = append(c.partial, line...)
			line = c.partial
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		// No context deadline: ending one closes the WebSocket and costs
		// a timer per message; the socket's write deadline bounds the write.
		err := c.ws.Write(context.Background(), websocket.MessageText, line)
		c.partial = c.partial[:0]
		if err != nil {
			return written, fmt.Errorf("websocket: %w", err)
		}
		written += i + 1
		p = p[i+1:]
	}
	return written, nil
}

// Close starts the close handshake and returns: the peer's answer is
// waited for aside (Server.Shutdown waits for it), so that whoever closes,
// the hub included, is never held by a client that does not answer.
func (c *conn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		close(c.closed)
		go func() {
			defer close(c.done)
			c.ws.Close(websocket.StatusNormalClosure, "")
		}()
	})
	if !first {
		return net.ErrClosed
	}
	return nil
}

func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// abort closes the connection at once, without waiting for the peer.
func (c *conn) abort() { c.ws.CloseNow() }

func (c *conn) LocalAddr() net.Addr  { return c.raw.LocalAddr() }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	c.readDeadline = t
	c.dmu.Unlock()
	select {
	case c.deadlineSet <- struct{}{}:
	default:
	}
	return nil
}

// SetWriteDeadline bounds the writes that follow, as on a socket. (A Write
// already waiting keeps the deadline it began with: the hub never moves one
// under a write in progress, and closes the connection to end one.)
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	c.writeDeadline = t
	c.dmu.Unlock()
	return nil
}
