// Package calltest is a WebRTC client for tests of the forwarding unit
// and of anything that carries its signaling: a pion peer connection on
// loopback that sends synthetic RTP on a microphone, a camera and
// optionally a screen track, answers the server's offers, and records what
// it receives. Signaling is left to the caller: HandleOffer takes an
// offer's SDP and gives the answer's, which carries the client's
// candidates (it never trickles).
package calltest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Options shape a Client. The zero value sends a microphone and a camera.
type Options struct {
	NoCam  bool // send no camera track
	Screen bool // add a screen track, written only once StartScreen is called

	AudioPayload   int           // bytes of each audio packet's payload (default 80: about 32 kbps at 50 packets a second)
	VideoPayload   int           // bytes of each video packet's payload (default 1000)
	VideoPackets   int           // packets in each video frame (default 1)
	VideoFrameTime time.Duration // time between video frames (default 33ms, about 30 fps)
}

// Client is one test participant.
type Client struct {
	opts   Options
	pc     *webrtc.PeerConnection
	mic    *webrtc.TrackLocalStaticRTP
	cam    *webrtc.TrackLocalStaticRTP
	screen *webrtc.TrackLocalStaticRTP

	screenOn atomic.Bool
	done     chan struct{}
	closing  sync.Once
	wg       sync.WaitGroup

	mu        sync.Mutex
	changed   chan struct{} // closed (and replaced) at every change
	tracks    map[string]*TrackStats
	keyFrames map[string]int // PLI and FIR received, by own track id
	offers    [][]byte
}

// TrackStats is what a client received on one remote track.
type TrackStats struct {
	Live           bool   // the track is being received (false once it ended)
	Packets        int    // packets received, retransmissions included
	Bytes          int    // their RTP payload bytes
	FirstSeq       uint16 // the first packet's sequence number
	Seq            uint64 // the highest sequence number, extended past wraps (FirstSeq + the advance)
	FirstTimestamp uint32
	LastTimestamp  uint32 // the timestamp of the packet with the highest sequence number
	// Monotonic: every packet newer (by sequence number) than all before it
	// had a timestamp no older than theirs.
	Monotonic bool
	// Latency from the sender's clock (written in each payload by a
	// calltest sender) to the read; meaningful on one machine only.
	LatencyCount int
	LatencySum   time.Duration
	LatencyMax   time.Duration
}

// New makes a client whose peer connection sees loopback only.
func New(opts Options) (*Client, error) {
	if opts.AudioPayload <= 0 {
		opts.AudioPayload = 80
	}
	if opts.VideoPayload <= 0 {
		opts.VideoPayload = 1000
	}
	if opts.VideoPackets <= 0 {
		opts.VideoPackets = 1
	}
	if opts.VideoFrameTime <= 0 {
		opts.VideoFrameTime = 33 * time.Millisecond
	}
	if opts.AudioPayload < 8 || opts.VideoPayload < 8 {
		return nil, errors.New("calltest: payloads hold at least a send time (8 bytes)")
	}
	api, err := newAPI()
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("calltest: peer connection: %w", err)
	}
	c := &Client{
		opts:      opts,
		pc:        pc,
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		tracks:    map[string]*TrackStats{},
		keyFrames: map[string]int{},
	}
	if err := c.addTracks(); err != nil {
		_ = pc.Close()
		return nil, err
	}
	pc.OnTrack(c.onTrack)
	c.wg.Add(1)
	go c.send()
	return c, nil
}

// The client's codecs are the unit's: opus and VP8.
func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}},
		},
		PayloadType: 96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	s := webrtc.SettingEngine{}
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(s)), nil
}

// addTracks adds the client's tracks in the order the unit's first offer
// receives them (mic, cam, screen), so pion's answer puts each on its
// receiving m-section.
func (c *Client) addTracks() error {
	var err error
	add := func(kind webrtc.RTPCodecCapability, id string) *webrtc.TrackLocalStaticRTP {
		if err != nil {
			return nil
		}
		var t *webrtc.TrackLocalStaticRTP
		t, err = webrtc.NewTrackLocalStaticRTP(kind, id, "calltest")
		if err != nil {
			return nil
		}
		var sender *webrtc.RTPSender
		sender, err = c.pc.AddTrack(t)
		if err != nil {
			return nil
		}
		c.wg.Add(1)
		go c.readRTCP(sender, id)
		return t
	}
	c.mic = add(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic")
	if !c.opts.NoCam {
		c.cam = add(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam")
	}
	if c.opts.Screen {
		c.screen = add(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "screen")
	}
	if err != nil {
		return fmt.Errorf("calltest: add a track: %w", err)
	}
	return nil
}

// HandleOffer applies an offer and gives the answer, with the client's
// candidates in it.
func (c *Client) HandleOffer(sdp []byte) ([]byte, error) {
	c.mu.Lock()
	c.offers = append(c.offers, append([]byte(nil), sdp...))
	c.changedLocked()
	c.mu.Unlock()
	err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(sdp)})
	if err != nil {
		return nil, fmt.Errorf("calltest: set the offer: %w", err)
	}
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		return nil, fmt.Errorf("calltest: make an answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(answer); err != nil {
		return nil, fmt.Errorf("calltest: set the answer: %w", err)
	}
	select {
	case <-gathered:
	case <-time.After(20 * time.Second):
		return nil, errors.New("calltest: ICE gathering did not complete")
	}
	return []byte(c.pc.LocalDescription().SDP), nil
}

// Offers is every offer HandleOffer was given, in order.
func (c *Client) Offers() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.offers...)
}

// StartScreen starts writing the screen track (Options.Screen).
func (c *Client) StartScreen() { c.screenOn.Store(true) }

// ConnectionState is the peer connection's state.
func (c *Client) ConnectionState() webrtc.PeerConnectionState { return c.pc.ConnectionState() }

// PeerConnection is the client's pion peer connection, for what this
// package does not cover.
func (c *Client) PeerConnection() *webrtc.PeerConnection { return c.pc }

// Close closes the peer connection (abruptly, as far as the server knows:
// there is no signaling of it) and waits for the client's goroutines.
func (c *Client) Close() {
	c.closing.Do(func() {
		close(c.done)
		_ = c.pc.Close()
		c.wg.Wait()
	})
}

// Track is what was received on the remote track key ("7/mic").
func (c *Client) Track(key string) (TrackStats, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tracks[key]
	if !ok {
		return TrackStats{}, false
	}
	return *t, true
}

// Tracks is the keys of the tracks being received now, sorted.
func (c *Client) Tracks() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var keys []string
	for k, t := range c.tracks {
		if t.Live {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// KeyFrameRequests is how many PLI and FIR the client got for its own
// track id ("cam", "screen").
func (c *Client) KeyFrameRequests(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keyFrames[id]
}

// Wait returns when cond (called without the client's lock, so it may use
// the client's methods) holds, checking it at every change the client
// sees, or the context's error.
func (c *Client) Wait(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitPackets waits until the track key has received at least n packets.
func (c *Client) WaitPackets(ctx context.Context, key string, n int) error {
	err := c.Wait(ctx, func() bool {
		t, _ := c.Track(key)
		return t.Packets >= n
	})
	if err != nil {
		t, _ := c.Track(key)
		return fmt.Errorf("calltest: %d packets on %s, waiting for %d: %w (tracks: %v)", t.Packets, key, n, err, c.Tracks())
	}
	return nil
}

// changedLocked wakes every Wait.
func (c *Client) changedLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Client) onTrack(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	key := remote.StreamID() + "/" + remote.ID()
	c.mu.Lock()
	t := &TrackStats{Live: true, Monotonic: true}
	c.tracks[key] = t // a track that comes back starts over
	c.changedLocked()
	c.mu.Unlock()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			break
		}
		now := time.Now()
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		c.mu.Lock()
		t.record(&pkt, now)
		c.changedLocked()
		c.mu.Unlock()
	}
	c.mu.Lock()
	t.Live = false
	c.changedLocked()
	c.mu.Unlock()
}

func (t *TrackStats) record(pkt *rtp.Packet, now time.Time) {
	if t.Packets == 0 {
		t.FirstSeq = pkt.SequenceNumber
		t.Seq = uint64(pkt.SequenceNumber)
		t.FirstTimestamp = pkt.Timestamp
		t.LastTimestamp = pkt.Timestamp
	} else if d := int16(pkt.SequenceNumber - uint16(t.Seq)); d > 0 {
		t.Seq += uint64(d)
		if int32(pkt.Timestamp-t.LastTimestamp) < 0 {
			t.Monotonic = false
		}
		t.LastTimestamp = pkt.Timestamp
	}
	t.Packets++
	t.Bytes += len(pkt.Payload)
	if len(pkt.Payload) >= 8 {
		sent := int64(binary.BigEndian.Uint64(pkt.Payload))
		if d := now.Sub(time.Unix(0, sent)); d >= 0 && d < time.Minute {
			t.LatencyCount++
			t.LatencySum += d
			t.LatencyMax = max(t.LatencyMax, d)
		}
	}
}

// readRTCP keeps pion's interceptors going for one of the client's senders
// and counts the key frame requests for it.
func (c *Client) readRTCP(sender *webrtc.RTPSender, id string) {
	defer c.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, _, err := sender.Read(buf)
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				c.mu.Lock()
				c.keyFrames[id]++
				c.changedLocked()
				c.mu.Unlock()
			}
		}
	}
}
