package chat

import (
	"os"
	"time"
)

// pollGate makes its caller wait until the runtime has polled the network.
// The runtime polls only when it has no goroutine left to run (or every
// 10 ms): a goroutine that writes for long, with others ready behind it,
// keeps the readers from learning that their sockets have data. wait puts a
// byte in a pipe whose reading end a helper goroutine waits on in the
// runtime's poller, then parks until the helper says so. The helper can only
// run once the poller has been asked, which happens once every goroutine
// that was ready has run, and the same poll readies every reader whose
// socket has data.
type pollGate struct {
	w      *os.File
	passed chan struct{}
	timer  *time.Timer // bounds a wait; owned by the one goroutine that waits
}

var gateByte = []byte{0}

func newPollGate() (*pollGate, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	g := &pollGate{w: w, passed: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	g.timer.Stop()
	go g.listen(r)
	return g, nil
}

func (g *pollGate) listen(r *os.File) {
	defer r.Close()
	defer close(g.passed)
	buf := make([]byte, 64)
	for {
		if _, err := r.Read(buf); err != nil {
			return
		}
		// Never blocks: after a wait that gave up, nobody may come to take
		// the signal, and a helper stuck here would never see the gate
		// close. One signal kept is enough for the next wait to drain.
		select {
		case g.passed <- struct{}{}:
		default:
		}
	}
}

// wait returns once the runtime has polled the network, and reports true;
// or after limit, and reports false: when every processor is kept busy by
// other goroutines, the runtime does not poll before its monitor does, and
// waiting for that would only slow the caller. A wait on a closed gate
// returns at once. (After a false, the next wait may still return early,
// when the helper signals the earlier poll after this wait began.)
func (g *pollGate) wait(limit time.Duration) bool {
	select {
	case <-g.passed: // the signal of an earlier wait that gave up
	default:
	}
	if _, err := g.w.Write(gateByte); err != nil {
		return true
	}
	g.timer.Reset(limit)
	select {
	case <-g.passed:
		g.timer.Stop()
		return true
	case <-g.timer.C:
		return false
	}
}

// close ends the helper; later waits return at once.
func (g *pollGate) close() { g.w.Close() }
