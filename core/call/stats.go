package call

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of what a unit (or a room) forwarded.
type Stats struct {
	Rooms        int // rooms open (a room's own Stats says 1 while it is open)
	Participants int // participants in them now
	TracksIn     int // tracks arriving from participants now

	ParticipantsSeen uint64 // participants that ever joined
	PacketsForwarded uint64 // packets read from a publisher and written to its subscribers (once per packet, whatever the number of subscribers)
	BytesForwarded   uint64 // their RTP bytes
	PacketsDropped   uint64 // packets the policer dropped (over twice a track's allowance)
	PacketsMuted     uint64 // microphone packets not forwarded because a moderator muted their sender

	LatencyP50 time.Duration // from a packet's read to its write to every subscriber
	LatencyP99 time.Duration
}

// counters are the cumulative figures, kept both per room and for the
// whole unit.
type counters struct {
	participantsSeen atomic.Uint64
	packets          atomic.Uint64
	bytes            atomic.Uint64
	dropped          atomic.Uint64
	muted            atomic.Uint64
	latency          latencyHistogram
}

func (c *counters) fill(s *Stats) {
	s.ParticipantsSeen = c.participantsSeen.Load()
	s.PacketsForwarded = c.packets.Load()
	s.BytesForwarded = c.bytes.Load()
	s.PacketsDropped = c.dropped.Load()
	s.PacketsMuted = c.muted.Load()
	s.LatencyP50 = c.latency.quantile(0.50)
	s.LatencyP99 = c.latency.quantile(0.99)
}

// Stats is the unit's snapshot: rooms, participants and tracks now, and
// what it forwarded since New.
func (u *Unit) Stats() Stats {
	var s Stats
	u.mu.Lock()
	rooms := make([]*Room, 0, len(u.rooms))
	for r := range u.rooms {
		rooms = append(rooms, r)
	}
	u.mu.Unlock()
	s.Rooms = len(rooms)
	for _, r := range rooms {
		p, t := r.sizes()
		s.Participants += p
		s.TracksIn += t
	}
	u.counters.fill(&s)
	return s
}

// LatencyQuantile is the unit's forwarding latency at quantile q (0.5, 0.99...).
func (u *Unit) LatencyQuantile(q float64) time.Duration { return u.counters.latency.quantile(q) }

// Stats is the room's snapshot.
func (r *Room) Stats() Stats {
	var s Stats
	s.Participants, s.TracksIn = r.sizes()
	r.mu.Lock()
	if !r.closed {
		s.Rooms = 1
	}
	r.mu.Unlock()
	r.counters.fill(&s)
	return s
}
