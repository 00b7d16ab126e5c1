package chat

import (
	"strconv"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// Abuse limits that need the state, checked in the loop. Each refusal is
// one ERR and changes nothing; flooding is slowed down, then disconnected.

// bucket is a user's allowance of messages: MessageBurst at most, refilled
// at MessagesPerSecond.
type bucket struct {
	tokens float64
	last   time.Time
}

// spend takes one message from u's allowance. Past the allowance the
// session is told to pause its reading for as long as the debt lasts, so a
// flood is slowed to the allowed rate; a debt longer than FloodDelay means
// the client does not slow down, and it is disconnected. It reports
// whether the command may go on.
func (h *Hub) spend(s *Session, u *user) bool {
	now := time.Now()
	rate, burst := float64(h.opts.MessagesPerSecond), float64(h.opts.MessageBurst)
	b := h.buckets[u.id]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		h.buckets[u.id] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return true
	}
	debt := time.Duration(-b.tokens / rate * float64(time.Second))
	if debt > h.opts.FloodDelay {
		h.log.Warn("disconnecting a flooding session", "user", u.pseudo, "addr", s.addr)
		b.tokens = 0
		s.leaving = true
		line := wire.Err("LINE", "flooding: disconnected")
		s.push(line)
		s.closeAfterFlush()
		return false
	}
	s.pauseUntil.Store(now.Add(debt).UnixNano())
	return true
}

// forgetBuckets drops allowances that are full again, so the map does not
// keep every user who ever spoke.
func (h *Hub) forgetBuckets() {
	now := time.Now()
	full := float64(h.opts.MessageBurst) / float64(h.opts.MessagesPerSecond)
	for id, b := range h.buckets {
		if now.Sub(b.last).Seconds() > full {
			delete(h.buckets, id)
		}
	}
}

// mayRegister counts a registration from addr against the hourly limit.
func (h *Hub) mayRegister(addr string) bool {
	now := time.Now()
	recent := h.registrations[addr][:0]
	for _, t := range h.registrations[addr] {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	if len(recent) >= h.opts.RegistrationsPerHour {
		h.registrations[addr] = recent
		return false
	}
	h.registrations[addr] = append(recent, now)
	return true
}

// ownedServers and createdChannels count against ServersPerUser and
// ChannelsPerUser.
func (h *Hub) ownedServers(u *user) int {
	n := 0
	for _, srv := range u.servers {
		if srv.owner == u.id {
			n++
		}
	}
	return n
}

func (h *Hub) createdChannels(u *user) int {
	n := 0
	for _, srv := range h.st.servers {
		for tag, ch := range srv.chans {
			if tag > 0 && ch.creator == u.id {
				n++
			}
		}
	}
	return n
}

// full reports whether a channel has no room for one more member.
func (h *Hub) full(ch *channel) bool { return len(ch.members) >= h.opts.MembersPerChannel }

func limitReason(what string, n int) string {
	return what + " (the limit is " + strconv.Itoa(n) + ")"
}
