package chat

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// A sweeper writes the queued lines of sessions on plain TCP connections, one
// session after another, with writes that never block. A session whose
// socket is full is handed to a writer goroutine of its own (Session.flush),
// which waits on that one socket, with its deadline, while the sweeper goes
// on with the others: a slow reader still slows no one.
//
// Why not a goroutine per session for every write: a fan-out makes hundreds
// of them runnable at once, and Go's scheduler polls the network only when it
// has nothing else to run. On a busy core the readers then learn of new
// lines only once every writer has run, a millisecond or more later, and the
// hub's loop waits behind them too. The sweeper is one goroutine, so it can
// step aside: every pollEvery of writing it waits at a pollGate, which
// returns once the runtime has polled the network, so that new lines are read
// and committed while the sweep goes on. See docs/performance.md.
type sweeper struct {
	mu      sync.Mutex
	ready   []*Session // sessions with lines to write, in the order they got them
	spare   []*Session // the previous list, kept for reuse
	running bool       // a goroutine is sweeping (it ends when ready is empty)
	runFunc func()     // sw.run, made once: starting it then allocates nothing

	// Owned by the sweeping goroutine.
	gate      *pollGate
	lastPoll  time.Time
	writes    int
	current   *sendQueue
	written   error
	writeFunc func(fd uintptr) bool // sw.writeCurrent, made once: passing it allocates nothing
	iov       []syscall.Iovec
}

// pollEvery is how long a sweep writes before it lets the runtime poll the
// network: about twenty writes to a loopback socket on a slow machine.
const pollEvery = 100 * time.Microsecond

// newSweepers makes one sweeper per processor the runtime uses, so that
// writes still spread over every core. A sweeper that cannot have a gate
// (out of file descriptors) sweeps without stepping aside.
func newSweepers() []*sweeper {
	n := runtime.GOMAXPROCS(0)
	out := make([]*sweeper, n)
	for i := range out {
		sw := &sweeper{}
		sw.runFunc, sw.writeFunc = sw.run, sw.writeCurrent
		sw.gate, _ = newPollGate()
		out[i] = sw
	}
	return out
}

// closeSweepers ends the sweepers' gates. Sessions still being written
// (their last lines after a shutdown) are swept without stepping aside.
func (h *Hub) closeSweepers() {
	for _, sw := range h.sweepers {
		if sw.gate != nil {
			sw.gate.close()
		}
	}
}

// sweeperFor picks the sweeper of a new session, or nil when its connection
// cannot be written without blocking (TLS, or not TCP): such a session has
// a writer goroutine of its own for every write.
func (h *Hub) sweeperFor(conn net.Conn) (*sweeper, syscall.RawConn) {
	raw := rawConn(conn)
	if raw == nil || len(h.sweepers) == 0 {
		return nil, nil
	}
	i := h.nextSweeper.Add(1)
	return h.sweepers[i%uint64(len(h.sweepers))], raw
}

// add queues a session whose writer is not running (s.flushing was just
// set): the sweeper now owns the session's writing until it hands it back.
func (sw *sweeper) add(s *Session) {
	sw.mu.Lock()
	sw.ready = append(sw.ready, s)
	start := !sw.running
	sw.running = true
	sw.mu.Unlock()
	if start {
		go sw.runFunc()
	}
}

// run sweeps until no session has lines left, then ends: an idle hub has no
// sweeping goroutine, as an idle session has no writer.
func (sw *sweeper) run() {
	sw.lastPoll = time.Now()
	for {
		sw.mu.Lock()
		list := sw.ready
		if len(list) == 0 {
			sw.running = false
			sw.mu.Unlock()
			return
		}
		sw.ready = sw.spare[:0]
		sw.mu.Unlock()
		for i, s := range list {
			s.sweep(sw)
			list[i] = nil
			sw.stepAside()
		}
		sw.spare = list[:0]
	}
}

// stepAside lets the runtime poll the network once the sweep has been
// writing for pollEvery. The clock is read every few writes only. When the
// poll does not come within gateLimit, the processors are busy with other
// work (password hashing, say): the sweep then goes on without stepping
// aside for gateBackoff, so that it is never much slower than writers
// waiting for their turn would be.
func (sw *sweeper) stepAside() {
	sw.writes++
	if sw.gate == nil || sw.writes%8 != 0 || time.Since(sw.lastPoll) < pollEvery {
		return
	}
	if sw.gate.wait(gateLimit) {
		sw.lastPoll = time.Now()
	} else {
		sw.lastPoll = time.Now().Add(gateBackoff)
	}
}

const (
	gateLimit   = time.Millisecond
	gateBackoff = 10 * time.Millisecond
)

// errWouldBlock reports a socket that took only part of what was queued.
var errWouldBlock = errors.New("socket full")

// sweep writes what s has queued, as far as its socket takes it at once.
func (s *Session) sweep(sw *sweeper) {
	s.mu.Lock()
	q := s.takeOut()
	if q == nil || s.closed {
		giveQueue(q)
		s.writerDone()
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()

	all := q.lines
	sw.current, sw.written = q, nil
	if err := s.raw.Write(sw.writeFunc); err != nil {
		sw.written = err
	}
	sw.current = nil
	switch {
	case sw.written == nil:
		q.lines = all
		giveQueue(q)
		s.mu.Lock()
		if s.out != nil && !s.closed {
			s.mu.Unlock()
			sw.add(s) // more came meanwhile: its turn comes again
			return
		}
		s.writerDone()
		s.mu.Unlock()
	case errors.Is(sw.written, errWouldBlock):
		// What is left goes first, then what came meanwhile; the session's
		// own writer takes over (s.flushing stays set).
		n := copy(all, q.lines)
		clear(all[n:])
		q.lines = all[:n]
		s.mu.Lock()
		if s.out != nil {
			q.lines = append(q.lines, s.out.lines...)
			giveQueue(s.out)
		}
		// s.outBytes counts what came meanwhile only: as for any writer,
		// the lines taken for writing count no more against the limit.
		s.out = q
		s.mu.Unlock()
		go s.flusher()
	default:
		q.lines = all
		giveQueue(q)
		s.writeFailed(sw.written)
	}
}

// writeCurrent is the sweeper's write, called by the connection with its
// file descriptor: writev until everything is written or the socket is full.
// It reports true so that the connection never waits for the socket.
func (sw *sweeper) writeCurrent(fd uintptr) bool {
	sw.written = sw.writeAll(int(fd))
	return true
}
