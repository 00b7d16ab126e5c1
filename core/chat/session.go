package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// Session is one client connection. Its reader goroutine parses lines and
// hands them to the hub; lines for it are queued by the hub and written by a
// flusher goroutine that exists only while the queue is not empty, so an
// idle connection costs one goroutine and its read buffer.
type Session struct {
	hub  *Hub
	conn net.Conn
	addr string // the peer's IP, the key of login throttling

	slots chan struct{} // commands handed to the hub and not yet delivered

	// Owned by the hub's loop.
	uid       int64      // 0 until logged in
	tags      bool       // asked for CAP tags (caps.go)
	leaving   bool       // BYE was handled: later commands are dropped
	held      []*request // parked behind a message waiting for hooks (see hooks.go)
	bg        background // plugin calls and downloads under way, and the PONGs waiting for them
	downloads int        // GETs queued or streaming (downloads.go)
	webToken  string     // the token of its WEBTOKEN, "" if none (webtoken.go)

	ctx  context.Context // ends with the connection: stops its downloads
	stop context.CancelFunc
	dl   downloadQueue

	// Owned by the reader.
	uploads map[uploadKey]*upload

	dropMu  sync.Mutex
	dropped map[uploadKey]bool // uploads the loop refused: the reader drops them

	loggedIn   atomic.Int64 // the user's tag, set by the loop at login (0 before): the reader's timeouts and flood control use it
	pauseUntil atomic.Int64 // unix ns: the reader waits until then before reading on (flood control)

	mu       sync.Mutex
	room     *sync.Cond // signalled when the queue shrinks or the session ends
	out      *sendQueue // nil while nothing waits
	flusher  func()     // s.flush, made once: starting it then allocates nothing
	sweeper  *sweeper   // writes for it without blocking; nil: always its own writer (TLS)
	raw      syscall.RawConn
	outBytes int
	burst    int // a login burst's bytes still queued, allowed on top of SendQueueBytes
	flushing bool
	closing  bool // close once the queue is written
	closed   bool
}

func newSession(h *Hub, conn net.Conn) *Session {
	addr := conn.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	s := &Session{hub: h, conn: conn, addr: addr, slots: make(chan struct{}, h.opts.PendingPerSession)}
	s.ctx, s.stop = context.WithCancel(h.ctx)
	s.room = sync.NewCond(&s.mu)
	s.flusher = s.flush
	s.sweeper, s.raw = h.sweeperFor(conn)
	return s
}

// push queues a line. A session whose queue outgrows its limit is a reader
// that cannot keep up: it is disconnected rather than allowed to hold memory
// or slow anyone down.
func (s *Session) push(line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing {
		return
	}
	if s.outBytes+len(line) > s.hub.opts.SendQueueBytes+s.burst {
		s.hub.log.Warn("disconnecting a session that does not read: its send queue is full", "addr", s.addr, "queued", s.outBytes)
		s.closed = true
		giveQueue(s.out)
		s.out = nil
		s.room.Broadcast()
		go s.conn.Close()
		return
	}
	if s.out == nil {
		s.out = takeQueue()
	}
	s.out.lines = append(s.out.lines, line)
	s.outBytes += len(line)
	if !s.flushing {
		s.flushing = true
		if s.sweeper != nil {
			s.sweeper.add(s)
		} else {
			go s.flusher()
		}
	}
}

// pushSoft queues a line that may be lost: a plugin's, which must not get
// a user disconnected. It reports false, and drops the line, when the
// queue is already half full.
func (s *Session) pushSoft(line []byte) bool {
	s.mu.Lock()
	behind := s.outBytes+len(line) > s.hub.opts.SendQueueBytes/2
	s.mu.Unlock()
	if behind {
		return false
	}
	s.push(line)
	return true
}

// pushBurst queues a login burst. Its bytes are allowed on top of the
// queue's limit until they are taken for writing: however many servers
// and users a login shows, the burst reaches a client that reads it, even
// slowly (its writes still have WriteTimeout each), and what comes after
// it has the usual room.
func (s *Session) pushBurst(lines [][]byte) {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	s.mu.Lock()
	s.burst += n
	s.mu.Unlock()
	for _, l := range lines {
		s.push(l)
	}
}

// pushWait queues a line once the queue is at most half full: downloads use
// it so that a large file flows at the reader's pace instead of overflowing
// the queue. It reports false once the session is ending.
func (s *Session) pushWait(ctx context.Context, line []byte) bool {
	s.mu.Lock()
	for s.outBytes > 0 && s.outBytes+len(line) > s.hub.opts.SendQueueBytes/2 && !s.closed && !s.closing && ctx.Err() == nil {
		s.room.Wait()
	}
	ending := s.closed || s.closing || ctx.Err() != nil
	s.mu.Unlock()
	if ending {
		return false
	}
	s.push(line)
	return true
}

// wakeWriters wakes the downloads waiting for room in the queue, so that
// one that was stopped sees it.
func (s *Session) wakeWriters() {
	s.mu.Lock()
	s.room.Broadcast()
	s.mu.Unlock()
}

// waitWritten waits, at most d, until what is queued has been written: a
// connection is closed only after its last lines (BYE) are out.
func (s *Session) waitWritten(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		// Commands still holding a slot may yet queue lines (an ERR the
		// reader sent as it gave up on the connection, say).
		done := s.closed || (len(s.slots) == 0 && !s.flushing && s.out == nil)
		s.mu.Unlock()
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closedOrClosing reports whether the session is ending.
func (s *Session) closedOrClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed || s.closing
}

// closeAfterFlush ends the session once what is queued has been written.
func (s *Session) closeAfterFlush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing {
		return
	}
	s.closing = true
	s.room.Broadcast()
	if !s.flushing {
		s.closed = true
		go s.conn.Close()
	}
}

// flush is a session's own writer: it writes until the queue is empty,
// waiting on the socket (at most WriteTimeout a write). TLS sessions use it
// for every write; swept sessions when their socket is full.
func (s *Session) flush() {
	for {
		s.mu.Lock()
		q := s.takeOut()
		if q == nil || s.closed {
			giveQueue(q)
			if s.sweeper != nil && !s.closed {
				// The sweeper writes next, and a deadline left behind
				// would fail its writes once passed.
				s.conn.SetWriteDeadline(time.Time{})
			}
			s.writerDone()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		err := s.writeQueue(q)
		giveQueue(q)
		if err != nil {
			s.writeFailed(err)
			return
		}
	}
}

// takeOut takes the queue for writing and makes room for more. s.mu is
// held.
func (s *Session) takeOut() *sendQueue {
	q := s.out
	s.burst = max(0, s.burst-s.outBytes)
	s.out, s.outBytes = nil, 0
	s.room.Broadcast()
	return q
}

// writerDone ends a writer's turn: nothing is left to write. The session
// closes now if it was asked to once written. s.mu is held. The close runs
// on a goroutine of its own: closing a TLS connection writes its
// close_notify, which may wait for the peer for seconds, and the loop's
// push takes s.mu.
func (s *Session) writerDone() {
	s.flushing = false
	if s.closing && !s.closed {
		s.closed = true
		go s.conn.Close()
	}
}

// writeFailed ends a session whose connection could not be written. A
// write that timed out is a client that stopped reading, worth a warning;
// one that failed is a client gone, which is not.
func (s *Session) writeFailed(err error) {
	if isTimeout(err) {
		s.hub.log.Warn("disconnecting a session that does not read: a write took longer than write_timeout",
			"addr", s.addr, "write_timeout", s.hub.opts.WriteTimeout.String())
	} else {
		s.hub.log.Debug("write failed", "addr", s.addr, "error", err)
	}
	s.mu.Lock()
	giveQueue(s.out)
	s.closed, s.flushing, s.out = true, false, nil
	s.room.Broadcast()
	s.mu.Unlock()
	s.conn.Close()
}

// sendQueue holds the lines waiting for one session's next write. Queues
// are recycled, the queue itself and not only its array: the slice of lines
// a flusher has written serves another session's next lines (at full
// fan-out, growing a new one each flush was four fifths of what the server
// allocated), and a pooled pointer to a queue costs nothing to put back,
// where a pointer to a bare slice had to be allocated each time.
type sendQueue struct {
	lines net.Buffers
	piece net.Buffers // what writeQueue is writing
}

var queues = sync.Pool{New: func() any { return new(sendQueue) }}

func takeQueue() *sendQueue { return queues.Get().(*sendQueue) }

// writePiece is how much of a queue one write carries: each piece has
// WriteTimeout to go out, so a client that reads slowly but steadily keeps
// its session however long its queue (a big login burst, say), and one
// that stops reading loses it after WriteTimeout.
const writePiece = 32 << 10

// writeQueue writes q's lines, each piece of them with one writev where
// the connection allows it and a deadline of its own. Writing consumes the
// lines; the queue keeps its array for reuse.
func (s *Session) writeQueue(q *sendQueue) error {
	lines := q.lines
	for len(lines) > 0 {
		n, size := 0, 0
		for n < len(lines) && (n == 0 || size+len(lines[n]) <= writePiece) {
			size += len(lines[n])
			n++
		}
		// The piece lives in the queue, not here: a local net.Buffers
		// would escape to the heap for WriteTo.
		q.piece = lines[:n:n]
		lines = lines[n:]
		s.conn.SetWriteDeadline(time.Now().Add(s.hub.opts.WriteTimeout))
		if _, err := q.piece.WriteTo(s.conn); err != nil {
			return err
		}
	}
	return nil
}

// giveQueue returns a queue to the pool. The lines' bytes are shared with
// other sessions' queues: only the references are dropped.
func giveQueue(q *sendQueue) {
	if q == nil || cap(q.lines) > maxRecycledQueue {
		return
	}
	clear(q.lines)
	q.lines, q.piece = q.lines[:0], nil
	queues.Put(q)
}

// maxRecycledQueue bounds the queues kept for reuse: a burst's long queue
// is left to the garbage collector rather than held.
const maxRecycledQueue = 1024

// serve reads commands until the connection ends, then tells the hub.
func (s *Session) serve() {
	defer s.hub.submit(&request{kind: reqGone, s: s})
	defer s.abortUploads()
	r := wire.NewReader(s.conn)
	opts := &s.hub.opts
	// Before login the connection has LoginTimeout in all; after, each
	// silence of IdleTimeout is answered by a PING, and PingTimeout more of
	// it ends the connection.
	loginBy := time.Now().Add(opts.LoginTimeout)
	pinged := false
	var quiet time.Time // when the current silence began (zero: now)
	for {
		if until := time.Unix(0, s.pauseUntil.Load()); time.Now().Before(until) {
			// Flooding: the hub asked for a pause before the next line.
			select {
			case <-time.After(time.Until(until)):
			case <-s.hub.done:
				// Stopping: read on until the connection closes, so the BYE
				// queued for it is written first.
				s.pauseUntil.Store(0)
			}
		}
		if quiet.IsZero() {
			quiet = time.Now()
		}
		// Before login, the idle deadline still applies when it comes
		// first: the loop may complete a login while this read waits, and
		// the first PING must not wait for the login deadline.
		wait := opts.IdleTimeout
		if pinged {
			wait = opts.PingTimeout
		}
		deadline, idle := quiet.Add(wait), true
		if s.loggedIn.Load() == 0 && loginBy.Before(deadline) {
			deadline, idle = loginBy, false
		}
		s.conn.SetReadDeadline(deadline)
		line, err := r.ReadLine()
		if isTimeout(err) {
			loggedIn := s.loggedIn.Load() != 0
			switch {
			case !loggedIn && !idle:
				s.hub.log.Info("disconnecting: no login in time", "addr", s.addr)
				s.reply(wire.Errorf("LINE", "login timeout"))
				return
			case !loggedIn:
				quiet = time.Time{} // silent before login: only the login deadline matters
				continue
			case !idle:
				continue // logged in while waiting for the login deadline: the silence goes on
			case pinged:
				s.hub.log.Info("disconnecting: no answer to PING", "addr", s.addr)
				return
			}
			pinged, quiet = true, time.Time{}
			s.send(&request{kind: reqCommand, line: serverPing})
			continue
		}
		quiet = time.Time{}
		pinged = false
		switch {
		case errors.Is(err, wire.ErrLineTooLong):
			s.reply(wire.Errorf("LINE", "line too long"))
			continue
		case errors.Is(err, wire.ErrInvalidText):
			s.reply(wire.Errorf("LINE", "invalid text"))
			continue
		case err != nil:
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.hub.log.Debug("read ended", "addr", s.addr, "error", err)
			}
			return
		}
		if !s.process(line) {
			return
		}
	}
}

// process parses a line and hands the command on. It is a function of its
// own, kept out of serve, so that the parsed command lives in this frame
// only while a line is handled: an idle connection's reader then waits with
// a stack small enough for the garbage collector to shrink to its minimum.
//
//go:noinline
func (s *Session) process(line string) (ok bool) {
	var cmd wire.Command
	defer func() {
		// A bug in a command's reader-side work fails that command alone.
		if v := recover(); v != nil {
			s.hub.log.Error("a command panicked in its reader; it fails, the session goes on",
				"verb", cmd.Verb, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			verb := cmd.Verb
			if verb == "" {
				verb = "LINE"
			}
			ok = s.reply(wire.Errorf(verb, "internal error"))
		}
	}()
	cmd, perr := wire.Parse(line)
	return s.handle(cmd, perr)
}

var serverPing = wire.Line("PING", "salond")

// isTimeout reports a read deadline passing (as opposed to the connection
// failing).
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// reply hands the hub an error to deliver in order.
func (s *Session) reply(e *wire.Error) bool { return s.send(&request{kind: reqCommand, perr: e}) }

// send hands a request to the hub once a slot is free. It reports false when
// the hub has stopped.
func (s *Session) send(r *request) bool {
	select {
	case s.slots <- struct{}{}:
	case <-s.hub.done:
		return false
	}
	r.s = s
	r.slot = true
	return s.hub.submit(r)
}

// handle does the slow part of a command in this session's own goroutine
// (password hashing never runs in the hub's loop) and hands it over.
func (s *Session) handle(cmd wire.Command, perr *wire.Error) bool {
	r := &request{kind: reqCommand, cmd: cmd, perr: perr}
	if perr != nil {
		return s.send(r)
	}
	ctx := s.hub.ctx
	h := s.hub
	if uid := s.loggedIn.Load(); uid != 0 && paced(cmd) {
		if !s.spend(uid, cmd) {
			return false
		}
		r.spent = true
	}
	switch cmd.Op {
	case wire.OpNewFile:
		return s.startUpload(r)
	case wire.OpFile:
		return s.uploadChunk(cmd)
	case wire.OpEndFile:
		return s.finishUpload(cmd)
	case wire.OpRegister:
		// Everything that may refuse the account is checked before the
		// costly hash, and each refusal counts against the address like a
		// failed login: a taken pseudo tried again and again costs the
		// server nothing but a map lookup, and slows its sender down.
		key := "addr:" + s.addr
		if d := h.throttle.Delay(key); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return false
			}
		}
		look, ok := s.ask(&request{kind: reqLookup, cmd: cmd})
		if !ok {
			return false
		}
		if look.fail != "" {
			h.throttle.Fail(key)
			r.perr = wire.Errorf(cmd.Verb, look.fail)
			return s.send(r)
		}
		var hash string
		var err error
		aside(func() { hash, err = h.hasher.Hash(ctx, cmd.Secret) })
		if err != nil {
			return false
		}
		r.hash = hash
	case wire.OpLogin, wire.OpPassword, wire.OpPseudo:
		name := ""
		if cmd.Op == wire.OpLogin {
			name = cmd.Name
		}
		look, ok := s.lookup(name)
		if !ok {
			return false
		}
		if look.fail != "" {
			r.perr = wire.Errorf(cmd.Verb, look.fail)
			return s.send(r)
		}
		keys := []string{"addr:" + s.addr, "user:" + wire.FoldPseudo(look.pseudo)}
		if d := h.throttle.Delay(keys...); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return false
			}
		}
		var err error
		aside(func() { ok, err = h.hasher.Verify(ctx, look.hash, cmd.Secret) })
		if err != nil && !errors.Is(err, context.Canceled) {
			h.log.Error("checking a password", "user", look.pseudo, "error", err)
		}
		if !ok {
			h.throttle.Fail(keys...)
			reason := "bad pseudo or password"
			if cmd.Op != wire.OpLogin {
				reason = "wrong password"
			}
			r.perr = wire.Errorf(cmd.Verb, reason)
			return s.send(r)
		}
		h.throttle.Forget(keys[1])
		r.verified = look.hash
		if cmd.Op == wire.OpPassword {
			if aside(func() { r.hash, err = h.hasher.Hash(ctx, cmd.NewSecret) }); err != nil {
				return false
			}
		}
	}
	return s.send(r)
}

// aside runs f on a goroutine of its own and waits for it. Password hashing
// needs a deep stack; run on the reader's, it would leave every idle
// connection holding that stack until a garbage collection shrinks it.
func aside(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// lookup asks the hub for the password hash of pseudo (or of the session's
// own account when pseudo is empty).
func (s *Session) lookup(pseudo string) (lookupResult, bool) {
	return s.ask(&request{kind: reqLookup, cmd: wire.Command{Name: pseudo}})
}

// ask hands the hub a lookup and waits for its answer.
func (s *Session) ask(r *request) (lookupResult, bool) {
	reply := make(chan lookupResult, 1)
	r.reply = reply
	if !s.send(r) {
		return lookupResult{}, false
	}
	select {
	case res := <-reply:
		return res, true
	case <-s.hub.done:
		return lookupResult{}, false
	}
}
