package auth

import (
	"sync"
	"time"
)

// Throttle slows down guessing: past a few free failures under a key (an
// address, an account), every failed login doubles the wait imposed on the
// next attempt under that key, up to a ceiling; a quiet period forgets the
// failures. The free failures keep a typo from slowing down everyone behind
// the same address.
type Throttle struct {
	mu      sync.Mutex
	entries map[string]*failures
	free    int
	base    time.Duration
	max     time.Duration
	forget  time.Duration
	now     func() time.Time
}

type failures struct {
	count int
	last  time.Time
}

// NewThrottle returns a Throttle that lets free failures pass, then imposes
// base, doubling to at most max, forgotten after forget without failures.
func NewThrottle(free int, base, max, forget time.Duration) *Throttle {
	return &Throttle{entries: map[string]*failures{}, free: free, base: base, max: max, forget: forget, now: time.Now}
}

// Delay returns how long an attempt under these keys must wait: the largest
// penalty of any of them.
func (t *Throttle) Delay(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var d time.Duration
	now := t.now()
	for _, k := range keys {
		f := t.entries[k]
		if f == nil {
			continue
		}
		if now.Sub(f.last) > t.forget {
			delete(t.entries, k)
			continue
		}
		if f.count < t.free {
			continue
		}
		if p := t.penalty(f.count - t.free + 1); p > d {
			d = p
		}
	}
	return d
}

func (t *Throttle) penalty(count int) time.Duration {
	d := t.base
	for i := 1; i < count && d < t.max; i++ {
		d *= 2
	}
	return min(d, t.max)
}

// Fail records a failed attempt under every key.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.entries) > 100000 {
		t.sweep(now)
	}
	for _, k := range keys {
		f := t.entries[k]
		if f == nil {
			f = &failures{}
			t.entries[k] = f
		}
		f.count++
		f.last = now
	}
}

// Forget clears the failures of a key (after a successful login).
func (t *Throttle) Forget(key string) {
	t.mu.Lock()
	delete(t.entries, key)
	t.mu.Unlock()
}

// sweep drops forgotten entries so that a flood of addresses cannot grow
// the table without bound.
func (t *Throttle) sweep(now time.Time) {
	for k, f := range t.entries {
		if now.Sub(f.last) > t.forget {
			delete(t.entries, k)
		}
	}
}
