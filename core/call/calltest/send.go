package calltest

import (
	"encoding/binary"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// send writes synthetic RTP until Close: 20 ms opus packets (timestamps
// 960 apart) and video frames at Options.VideoFrameTime (90 kHz
// timestamps). Nothing decodes them, so the payload is filler after the
// send time.
func (c *Client) send() {
	defer c.wg.Done()
	audio := time.NewTicker(20 * time.Millisecond)
	defer audio.Stop()
	video := time.NewTicker(c.opts.VideoFrameTime)
	defer video.Stop()
	videoStep := uint32(c.opts.VideoFrameTime * 90000 / time.Second)

	mic := newStream(c.mic, c.opts.AudioPayload)
	cam := newStream(c.cam, c.opts.VideoPayload)
	screen := newStream(c.screen, c.opts.VideoPayload)
	for {
		select {
		case <-c.done:
			return
		case <-audio.C:
			mic.write(1, 960)
		case <-video.C:
			cam.write(c.opts.VideoPackets, videoStep)
			if c.screenOn.Load() {
				screen.write(c.opts.VideoPackets, videoStep)
			}
		}
	}
}

// stream is one track's packet sequence.
type stream struct {
	track   *webrtc.TrackLocalStaticRTP
	payload []byte
	pkt     rtp.Packet
}

func newStream(t *webrtc.TrackLocalStaticRTP, size int) *stream {
	s := &stream{track: t, payload: make([]byte, size)}
	for i := range s.payload {
		s.payload[i] = byte(i)
	}
	s.pkt.Version = 2
	s.pkt.SequenceNumber = uint16(time.Now().UnixNano())
	s.pkt.Timestamp = uint32(time.Now().UnixNano() >> 8)
	return s
}

// write sends one frame of n packets, then advances the timestamp by step.
func (s *stream) write(n int, step uint32) {
	if s.track == nil {
		return
	}
	for i := range n {
		binary.BigEndian.PutUint64(s.payload, uint64(time.Now().UnixNano()))
		s.pkt.Payload = s.payload
		s.pkt.Marker = i == n-1
		_ = s.track.WriteRTP(&s.pkt) // unbound until connected: dropped
		s.pkt.SequenceNumber++
	}
	s.pkt.Timestamp += step
}
