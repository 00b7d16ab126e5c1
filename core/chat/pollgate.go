package chat

import "os"

// pollGate makes its caller wait until the runtime has polled the network.
// The runtime polls only when it has no goroutine left to run (or every
// 10 ms): a goroutine that writes for long, with others ready behind it,
// keeps the readers from learning that their sockets have data. wait puts a
// byte in a pipe whose reading end a helper goroutine waits on in the
// runtime's poller, then parks until the helper says so. The helper can only
// run once the poller has been asked, which happens once every goroutine
// that was ready has run, and the same poll readies every reader whose
// socket has data. A sweeper makes its gate the first time a sweep runs
// long; the gate (a pipe and its helper) then lasts as long as the process.
type pollGate struct {
	w      *os.File
	passed chan struct{}
}

var gateByte = []byte{0}

func newPollGate() (*pollGate, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	g := &pollGate{w: w, passed: make(chan struct{})}
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
		g.passed <- struct{}{}
	}
}

// wait returns once the runtime has polled the network (at once if the
// gate is closed).
func (g *pollGate) wait() {
	if _, err := g.w.Write(gateByte); err != nil {
		return
	}
	<-g.passed
}
