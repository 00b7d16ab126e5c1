package call

import (
	"strconv"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"golang.org/x/time/rate"
)

// slot is which receiving transceiver a track arrived on, in the order the
// first offer lists them.
type slot int

const (
	micSlot slot = iota
	camSlot
	screenSlot
)

var slots = [...]slot{micSlot, camSlot, screenSlot}

// String is the track id the subscribers see.
func (s slot) String() string {
	switch s {
	case micSlot:
		return "mic"
	case camSlot:
		return "cam"
	default:
		return "screen"
	}
}

func (s slot) kind() webrtc.RTPCodecType {
	if s == micSlot {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}

// streamID groups the microphone and camera of a user (so a browser plays
// them in sync) and keeps the screen apart.
func (s slot) streamID(user int64) string {
	id := strconv.FormatInt(user, 10)
	if s == screenSlot {
		return id + "-screen"
	}
	return id
}

func (c *Config) allowance(s slot) int {
	switch s {
	case micSlot:
		return c.AudioKbps
	case camSlot:
		return c.VideoKbps
	default:
		return c.ScreenKbps
	}
}

// forwardTrack is one track arriving from a publisher and the local track
// that fans its packets out to every subscriber's binding.
type forwardTrack struct {
	from      *Participant
	slot      slot
	remote    *webrtc.TrackRemote
	local     *webrtc.TrackLocalStaticRTP
	policer   *rate.Limiter
	keyFrames *keyFrameRequests // nil for audio
}

// maxPacket is more than any RTP packet over UDP here (pion's receive MTU
// is 1460).
const maxPacket = 1500

func newForwardTrack(p *Participant, s slot, remote *webrtc.TrackRemote) (*forwardTrack, error) {
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, s.String(), s.streamID(p.peer.User))
	if err != nil {
		return nil, err
	}
	// Twice the allowance, in bytes a second, over a window of a second;
	// never less than a packet, or nothing would pass.
	perSecond := max(p.room.unit.cfg.allowance(s)*2*1000/8, maxPacket)
	t := &forwardTrack{
		from:    p,
		slot:    s,
		remote:  remote,
		local:   local,
		policer: rate.NewLimiter(rate.Limit(perSecond), perSecond),
	}
	if s.kind() == webrtc.RTPCodecTypeVideo {
		ssrc := uint32(remote.SSRC())
		pc := p.pc
		t.keyFrames = newKeyFrameRequests(time.Second, func() {
			_ = pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
		})
	}
	return t, nil
}

// requestKeyFrame asks the publisher for a key frame, at most once a second.
func (t *forwardTrack) requestKeyFrame() {
	if t.keyFrames != nil {
		t.keyFrames.request()
	}
}

// forward reads the publisher's packets until its track ends and writes
// each one, policed, to every subscriber. Nothing is decoded.
func (t *forwardTrack) forward() {
	room := t.from.room
	unit := room.unit
	buf := make([]byte, maxPacket)
	var pkt rtp.Packet
	for {
		n, _, err := t.remote.Read(buf)
		if err != nil {
			return
		}
		start := time.Now()
		if t.slot == micSlot && t.from.muted.Load() {
			room.counters.muted.Add(1)
			unit.counters.muted.Add(1)
			continue
		}
		if !t.policer.AllowN(start, n) {
			room.counters.dropped.Add(1)
			unit.counters.dropped.Add(1)
			continue
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue
		}
		// Header extensions are negotiated per peer connection: the ids the
		// publisher's carry mean nothing (or something else) to a
		// subscriber's, and pion's interceptors add their own.
		pkt.Header.Extension = false
		pkt.Header.ExtensionProfile = 0
		pkt.Header.Extensions = nil
		_ = t.local.WriteRTP(&pkt) // a subscriber gone is no reason to stop
		d := time.Since(start)
		room.counters.latency.observe(d)
		unit.counters.latency.observe(d)
		room.counters.packets.Add(1)
		unit.counters.packets.Add(1)
		room.counters.bytes.Add(uint64(n))
		unit.counters.bytes.Add(uint64(n))
	}
}

// onTrack runs (on a goroutine of pion's) when a publisher's track sends
// its first packet: it publishes the track in the room for the others to
// receive, and forwards it until it ends.
func (p *Participant) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	s := -1
	for i, t := range p.receiving {
		if t.Receiver() == receiver {
			s = i
		}
	}
	if s < 0 {
		p.log.Debug("a track on a transceiver the server does not receive on, ignored")
		return
	}
	p.startGoroutine(func() {
		t, err := newForwardTrack(p, slots[s], remote)
		if err != nil {
			p.log.Warn("cannot forward a track", "track", slots[s].String(), "error", err)
			return
		}
		if !p.room.publish(t) {
			return
		}
		p.log.Debug("track arriving", "track", t.slot.String(), "codec", remote.Codec().MimeType)
		defer p.room.unpublish(t)
		if t.keyFrames != nil {
			defer t.keyFrames.stop()
		}
		t.forward()
	})
}
