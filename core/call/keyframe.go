package call

import (
	"sync"
	"time"
)

// keyFrameRequests throttles the key frame requests of one track: at most
// one every interval, and a request that comes too soon is not lost but
// sent when the interval is up (a new subscriber needs its key frame even
// if another asked a moment ago).
type keyFrameRequests struct {
	interval time.Duration
	send     func()

	mu      sync.Mutex
	last    time.Time
	pending *time.Timer
	stopped bool
}

func newKeyFrameRequests(interval time.Duration, send func()) *keyFrameRequests {
	return &keyFrameRequests{interval: interval, send: send}
}

func (k *keyFrameRequests) request() {
	k.mu.Lock()
	if k.stopped || k.pending != nil {
		k.mu.Unlock()
		return
	}
	if wait := k.interval - time.Since(k.last); wait > 0 {
		k.pending = time.AfterFunc(wait, k.fire)
		k.mu.Unlock()
		return
	}
	k.last = time.Now()
	k.mu.Unlock()
	k.send()
}

// fire sends a request that had to wait for its interval.
func (k *keyFrameRequests) fire() {
	k.mu.Lock()
	k.pending = nil
	if k.stopped {
		k.mu.Unlock()
		return
	}
	k.last = time.Now()
	k.mu.Unlock()
	k.send()
}

func (k *keyFrameRequests) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stopped = true
	if k.pending != nil {
		k.pending.Stop()
		k.pending = nil
	}
}
