package pluginhost

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc/health/grpc_health_v1"

	"github.com/salon-chat/salon/config"
)

// unit is one configured plugin across its processes: what Apply manages
// and Status reports. Each process is a *Plugin; the unit's supervisor
// goroutine watches it and starts the next one when it fails.
type unit struct {
	h        *Host
	key      string // keyOf(cfg)
	log      hclog.Logger
	inFlight *semaphore.Weighted // Host API calls in flight, shared by its processes

	ctx    context.Context // done when the unit is to stop
	cancel context.CancelFunc
	done   chan struct{} // closed when the supervisor has returned (at once if there is none)

	// Guarded by h.mu.
	cfg      config.Plugin
	state    string
	restarts int
	lastErr  string
	failures []time.Time // within the failure window
	cur      *Plugin     // the process in the published table, nil if none
	live     *Plugin     // the process the supervisor owns, published or not
	claims   *manifest   // what it serves while running or restarting
}

// supervise watches p, the unit's running process, and restarts it when it
// fails, until the unit is stopped or disabled.
func (u *unit) supervise(p *Plugin) {
	defer close(u.done)
	h := u.h
	b := newBackoff(h.opts.BackoffMin, h.opts.BackoffMax)
	for {
		since := time.Now()
		why := u.watch(p)
		h.mu.Lock()
		published := u.cur == p
		if published {
			u.cur = nil
		}
		h.mu.Unlock()
		if published {
			h.publish()
		}
		p.shutdown(why != "")
		h.mu.Lock()
		u.live = nil
		h.mu.Unlock()
		if why == "" {
			return // stopped
		}
		if time.Since(since) >= h.opts.BackoffMax {
			b.reset() // it had been running well
		}
		if u.fail(why) {
			h.publish() // its games and verbs are no longer restarting
			return
		}
		delay := b.next()
		u.log.Warn("plugin failed; restarting", "reason", why, "backoff", delay)

		for p = nil; p == nil; {
			select {
			case <-u.ctx.Done():
				return
			case <-time.After(delay):
			}
			np, err := h.start(u.ctx, u)
			if err == nil {
				err = h.register(u.ctx, u, np)
				if err != nil {
					np.shutdown(false)
				}
			}
			if u.ctx.Err() != nil {
				if err == nil {
					np.shutdown(false)
				}
				return
			}
			if err != nil {
				if u.fail("restart: " + err.Error()) {
					h.publish()
					return
				}
				delay = b.next()
				u.log.Warn("plugin restart failed", "error", err, "backoff", delay)
				continue
			}
			p = np
		}
		h.mu.Lock()
		stopped := u.ctx.Err() != nil
		if !stopped {
			u.restarts++
			u.state = StateRunning
			u.cur, u.live = p, p
		}
		h.mu.Unlock()
		if stopped {
			p.shutdown(false)
			return
		}
		h.publish()
		u.log.Info("plugin restarted", "pid", p.pid, "restarts", u.restarts)
	}
}

// backoff draws the pauses before the restarts of a plugin that fails
// again and again: each between min and max, and longer, on the whole,
// after each failure in a row.
//
// The pause is drawn at random (equal jitter: from half a ceiling to the
// whole of it, the ceiling doubling from 2*min up to max). Plugins often
// fail together, when the machine is overloaded or a resource they share
// is gone; restarted in lockstep, they would all load it again at the same
// instants, failure after failure. A random pause spreads them. Equal
// rather than full jitter (from zero to the ceiling) keeps every pause at
// least min, so that a plugin that crashes at once is never restarted in a
// tight loop.
type backoff struct {
	min, max time.Duration
	ceiling  time.Duration // of the next pause
}

func newBackoff(min, max time.Duration) *backoff {
	b := &backoff{min: min, max: max}
	b.reset()
	return b
}

// reset starts the pauses again from the shortest.
func (b *backoff) reset() {
	b.ceiling = b.max
	if b.min <= b.max/2 {
		b.ceiling = 2 * b.min
	}
}

// next returns the next pause, and raises the ceiling of the one after.
func (b *backoff) next() time.Duration {
	lo := max(b.ceiling/2, b.min)
	d := lo + rand.N(b.ceiling-lo+1)
	if b.ceiling <= b.max/2 {
		b.ceiling *= 2
	} else {
		b.ceiling = b.max
	}
	return d
}

// watch returns why p must be replaced, or "" when the unit is stopping.
func (u *unit) watch(p *Plugin) string {
	h := u.h
	ping := time.NewTicker(h.opts.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-u.ctx.Done():
			return ""
		case <-p.exited:
			return "the process exited"
		case <-p.hung:
			return "killed: calls timed out " + itoa(strikeLimit) + " times in a row"
		case <-ping.C:
			ctx, cancel := context.WithTimeout(u.ctx, h.opts.CallTimeout)
			_, err := grpc_health_v1.NewHealthClient(p.conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: plugin.GRPCServiceName})
			cancel()
			if err != nil && u.ctx.Err() == nil {
				select {
				case <-p.exited:
					return "the process exited"
				default:
				}
				return "health check failed: " + err.Error()
			}
		}
	}
}

// fail records a failure; it reports whether the unit is now disabled.
func (u *unit) fail(why string) bool {
	h := u.h
	now := time.Now()
	h.mu.Lock()
	u.lastErr = why
	keep := u.failures[:0]
	for _, t := range u.failures {
		if now.Sub(t) < h.opts.FailureWindow {
			keep = append(keep, t)
		}
	}
	u.failures = append(keep, now)
	disabled := len(u.failures) >= h.opts.MaxFailures
	if disabled {
		u.state = StateDisabled
		u.claims = nil
	} else {
		u.state = StateRestarting
	}
	n := len(u.failures)
	h.mu.Unlock()
	if disabled {
		u.log.Error("plugin disabled after repeated failures; it stays off until its configuration changes or salond restarts",
			"failures", n, "window", h.opts.FailureWindow, "last", why)
	}
	return disabled
}

// forceKill kills the unit's process outright, for a Shutdown out of time.
func (u *unit) forceKill() {
	u.h.mu.Lock()
	p := u.live
	u.h.mu.Unlock()
	if p != nil {
		p.killProcess()
	}
}
