package call

import (
	"slices"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// Room is one call: its participants and the tracks they publish. Its lock
// guards only those lists, never a pion call: a participant reads the
// list of tracks it should receive and does the negotiating in its own
// loop.
type Room struct {
	unit     *Unit
	name     string
	log      hclog.Logger
	counters counters

	mu           sync.Mutex
	participants map[*Participant]struct{}
	tracks       []*forwardTrack // in the order they started arriving
	closed       bool
}

func newRoom(u *Unit, name string) *Room {
	return &Room{
		unit:         u,
		name:         name,
		log:          u.log.With("room", name),
		participants: map[*Participant]struct{}{},
	}
}

// Join adds a participant and starts its loop, which sends it its first
// offer through p.Signal. Joining a closed room (or a closed unit's) gives
// a participant that fails at once.
func (r *Room) Join(peer Peer) *Participant {
	p := newParticipant(r, peer)
	r.mu.Lock()
	open := !r.closed && r.unit.startParticipant()
	if open {
		r.participants[p] = struct{}{}
	}
	r.mu.Unlock()
	if !open {
		go p.fail("the call has ended")
		return p
	}
	r.counters.participantsSeen.Add(1)
	r.unit.counters.participantsSeen.Add(1)
	go p.run()
	return p
}

// Close removes every participant (without calling their Failed) and logs
// what the room forwarded. It does not wait for their peer connections to
// close: Unit.Close does.
func (r *Room) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	ps := make([]*Participant, 0, len(r.participants))
	for p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.Leave()
	}
	r.unit.forgetRoom(r)
	s := r.Stats()
	r.log.Info("room closed",
		"participants_seen", s.ParticipantsSeen,
		"packets", s.PacketsForwarded, "bytes", s.BytesForwarded,
		"dropped", s.PacketsDropped,
		"latency_p50", s.LatencyP50, "latency_p99", s.LatencyP99)
}

func (r *Room) sizes() (participants, tracks int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.participants), len(r.tracks)
}

// publish adds a track that started arriving and tells everyone else to
// renegotiate. It refuses (false) once the publisher has left, so a track
// whose first packet raced its sender's leaving is not forwarded.
func (r *Room) publish(t *forwardTrack) bool {
	r.mu.Lock()
	if _, ok := r.participants[t.from]; !ok {
		r.mu.Unlock()
		return false
	}
	r.tracks = append(r.tracks, t)
	others := r.othersLocked(t.from)
	r.mu.Unlock()
	for _, p := range others {
		p.renegotiate()
	}
	return true
}

// unpublish removes a track that stopped arriving.
func (r *Room) unpublish(t *forwardTrack) {
	r.mu.Lock()
	i := slices.Index(r.tracks, t)
	if i < 0 {
		r.mu.Unlock()
		return
	}
	r.tracks = slices.Delete(r.tracks, i, i+1)
	others := r.othersLocked(t.from)
	r.mu.Unlock()
	for _, p := range others {
		p.renegotiate()
	}
}

// remove takes a participant and its tracks out of the room; the others
// renegotiate if it published anything.
func (r *Room) remove(p *Participant) {
	r.mu.Lock()
	if _, ok := r.participants[p]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.participants, p)
	n := len(r.tracks)
	r.tracks = slices.DeleteFunc(r.tracks, func(t *forwardTrack) bool { return t.from == p })
	changed := len(r.tracks) != n
	others := r.othersLocked(p)
	r.mu.Unlock()
	if changed {
		for _, o := range others {
			o.renegotiate()
		}
	}
}

// tracksFor is what p should receive now: every track but its own.
func (r *Room) tracksFor(p *Participant) []*forwardTrack {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := make([]*forwardTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		if t.from != p {
			ts = append(ts, t)
		}
	}
	return ts
}

func (r *Room) othersLocked(p *Participant) []*Participant {
	ps := make([]*Participant, 0, len(r.participants))
	for o := range r.participants {
		if o != p {
			ps = append(ps, o)
		}
	}
	return ps
}
