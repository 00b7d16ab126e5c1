package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// session is one connection: a writer goroutine draining out, a reader
// (serve's own goroutine) parsing lines, and the bookkeeping that pairs the
// server's answers with the uploads and downloads that asked for them.
type session struct {
	c           *Client
	conn        net.Conn
	ctx         context.Context // ends with the connection
	cancel      context.CancelCauseFunc
	out         *queue[string]
	reconnected bool
	register    bool

	loggedIn atomic.Bool
	me       int64 // set by the reader before loggedIn, read-only after
	burst    string
	pings    atomic.Int64

	tags atomic.Bool // the server granted CAP tags

	mu        sync.Mutex
	reads     []pendingRead // HIST and FIND asked, in the order sent
	acks      []ackWaiter   // upload lines awaiting OK or ERR, in the order sent
	uploads   map[*upload]bool
	transfers transfers
}

func newSession(parent context.Context, c *Client, conn net.Conn) *session {
	ctx, cancel := context.WithCancelCause(parent)
	return &session{c: c, conn: conn, ctx: ctx, cancel: cancel, out: newQueue[string](),
		uploads: map[*upload]bool{}, transfers: newTransfers()}
}

// serve runs the connection until it ends and returns why. Uploads and
// downloads in progress fail with it.
func (s *session) serve() error {
	defer s.cancel(nil)
	go func() {
		<-s.ctx.Done() // the client stopping, or the reader or writer failing
		s.conn.Close()
	}()
	werr := make(chan error, 1)
	go func() { werr <- s.write() }()
	go s.keepAlive()
	err := s.read()
	s.cancel(nil)
	<-werr
	if err == nil {
		// Closed on purpose: the writer failed, the user asked to
		// reconnect, or the client is stopping.
		err = context.Cause(s.ctx)
	}
	s.abort()
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		err = errors.New("the server closed the connection")
	}
	return err
}

// write sends queued lines, flushing whenever the queue runs dry so that a
// burst of lines (an upload) goes out in few system calls.
func (s *session) write() error {
	w := bufio.NewWriterSize(s.conn, 16<<10)
	for {
		lines, err := s.out.take(s.ctx)
		if err != nil {
			return err
		}
		s.conn.SetWriteDeadline(time.Now().Add(3 * s.c.opts.KeepAlive))
		for _, l := range lines {
			w.WriteString(l)
			w.WriteString("\r\n")
		}
		if err := w.Flush(); err != nil {
			s.cancel(err)
			return err
		}
	}
}

// keepAlive probes the connection; read drops it when nothing at all comes
// back for three intervals (a half-open TCP connection never errors).
func (s *session) keepAlive() {
	t := time.NewTicker(s.c.opts.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.out.push("PING keepalive")
		}
	}
}

func (s *session) read() error {
	r := newLineReader(s.conn)
	for {
		s.conn.SetReadDeadline(time.Now().Add(3 * s.c.opts.KeepAlive))
		line, err := r.ReadLine()
		if errors.Is(err, wire.ErrLineTooLong) || errors.Is(err, wire.ErrInvalidText) {
			continue // a server never sends these; skipping one keeps the rest usable
		}
		if err != nil {
			if s.ctx.Err() != nil {
				return nil // closed on purpose: serve knows why
			}
			return err
		}
		l, err := ParseLine(line)
		if err != nil {
			continue // likewise: an unreadable line is one lost line, not a lost connection
		}
		if err := s.handle(l); err != nil {
			return err
		}
	}
}

// ping queues a PING whose PONG the session will recognise.
func (s *session) ping(prefix string) string {
	token := prefix + strconv.FormatInt(s.pings.Add(1), 10)
	s.out.push("PING " + token)
	return token
}

// handle routes one line: login, upload acknowledgements and download
// lines stay here; everything else becomes an event.
func (s *session) handle(l Line) error {
	l = s.classify(l)
	if !s.loggedIn.Load() {
		switch l := l.(type) {
		case Caps:
			if l.Sub == "ACK" && l.Has("tags") {
				s.tags.Store(true)
			}
		case Ping:
			s.out.push(Pong(l).String())
			return nil
		case Tag:
			if l.Addr.IsUser() {
				s.me = l.Addr.UserTag()
				pseudo := s.c.loggedIn(s)
				s.loggedIn.Store(true)
				s.c.emit(LoggedIn{Me: s.me, Pseudo: pseudo, Registered: s.register, Reconnected: s.reconnected})
				s.burst = s.ping("burst")
				return nil
			}
		case ServerError:
			if l.Verb == "IAM" || l.Verb == "NEW" {
				return &authError{reason: l.Reason}
			}
			if l.Verb == "CAP" {
				return nil // a server of the original protocol: no tags, no matter
			}
		case Bye:
			return errors.New("the server logged us out")
		}
		s.c.emit(l)
		return nil
	}
	switch l := l.(type) {
	case Ping:
		s.out.push(Pong(l).String())
		return nil
	case Ack:
		if s.uploadAnswer(l.Verb, "") {
			return nil
		}
	case ServerError:
		switch l.Verb {
		case "NEWFILE", "FILE", "ENDFILE":
			if s.uploadAnswer(l.Verb, l.Reason) {
				return nil
			}
		case "GET":
			if s.transfers.refused(s, l.Reason) {
				return nil
			}
		case "HIST", "FIND":
			s.refusedRead(l.Verb == "FIND")
		}
	case FileStart:
		s.transfers.start(s, l)
		return nil
	case FileChunk:
		s.transfers.chunk(s, l)
		return nil
	case FileEnd:
		s.transfers.end(s, l)
		return nil
	case Pong:
		switch {
		case l.Token == "keepalive":
			return nil
		case l.Token == s.burst:
			s.c.emit(Ready{})
			return nil
		case s.transfers.accepted(s, l.Token):
			return nil
		}
	case PasswordChanged:
		s.c.setPassword(l.Password)
	case Rename:
		if l.Addr == wire.User(s.me) {
			s.c.setPseudo(l.Name)
		}
	case Bye:
		if l.User == 0 {
			s.c.emit(l)
			return errors.New("the server logged us out")
		}
	}
	s.c.emit(l)
	return nil
}

// abort fails what the connection carried when it ended.
func (s *session) abort() {
	s.mu.Lock()
	ups := s.uploads
	s.uploads = map[*upload]bool{}
	s.acks = nil
	s.mu.Unlock()
	for u := range ups {
		u.fail("connection lost")
	}
	s.transfers.abort(s)
}
