// Package call is the forwarding unit for calls: it takes each
// participant's tracks over WebRTC (pion) and forwards their RTP packets,
// never decoded, to the other participants of the same room. It knows
// nothing of the protocol's lines: the hub decides who is in which call and
// carries the signaling; this package only makes offers, takes answers and
// candidates, and says when a peer failed.
//
// Every pion operation runs on the unit's own goroutines (one loop per
// participant, one reader per track), so the hub's calls never wait on a
// peer, and a slow or hostile peer only ever slows its own loop.
package call

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// Config sets up a Unit.
type Config struct {
	Listen         string        // the UDP host:port every peer connection uses (ICE-lite on one socket); port 0 picks one
	PublicIP       string        // the address offers announce instead of the listener's (NAT 1:1)
	MaxTracks      int           // tracks a participant may send: 1 (mic), 2 (+cam), 3 (+screen); 0 means 3
	AudioKbps      int           // allowance of a microphone; 0 means 64
	VideoKbps      int           // of a camera; 0 means 600
	ScreenKbps     int           // of a screen share; 0 means 1500
	ConnectTimeout time.Duration // for a peer to connect after its first offer, and to answer any offer; 0 means 30s
	RenewAfter     int           // tracks that ended in one participant's connection before it asks for a new one (Peer.Renew); 0 means 64
	Log            hclog.Logger  // nil means no logs

	// ICE's own clock: how long without a packet before a connection is
	// disconnected, then failed. Unexported: only tests shorten them.
	iceDisconnected, iceFailed time.Duration
}

// Defaults the zero Config fields take.
const (
	DefaultMaxTracks      = 3
	DefaultAudioKbps      = 64
	DefaultVideoKbps      = 600
	DefaultScreenKbps     = 1500
	DefaultConnectTimeout = 30 * time.Second
	DefaultRenewAfter     = 64
)

func (c *Config) setDefaults() error {
	if c.Listen == "" {
		return errors.New("call: Config.Listen is empty (want host:port, e.g. 0.0.0.0:3479)")
	}
	if c.MaxTracks == 0 {
		c.MaxTracks = DefaultMaxTracks
	}
	if c.MaxTracks < 1 || c.MaxTracks > 3 {
		return fmt.Errorf("call: Config.MaxTracks is %d, want 1, 2 or 3", c.MaxTracks)
	}
	for _, k := range []*int{&c.AudioKbps, &c.VideoKbps, &c.ScreenKbps} {
		if *k < 0 {
			return fmt.Errorf("call: a bitrate allowance of %d kbps", *k)
		}
	}
	if c.AudioKbps == 0 {
		c.AudioKbps = DefaultAudioKbps
	}
	if c.VideoKbps == 0 {
		c.VideoKbps = DefaultVideoKbps
	}
	if c.ScreenKbps == 0 {
		c.ScreenKbps = DefaultScreenKbps
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.RenewAfter <= 0 {
		c.RenewAfter = DefaultRenewAfter
	}
	if c.iceDisconnected <= 0 {
		c.iceDisconnected = 5 * time.Second
	}
	if c.iceFailed <= 0 {
		c.iceFailed = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = hclog.NewNullLogger()
	}
	if c.PublicIP != "" && net.ParseIP(c.PublicIP) == nil {
		return fmt.Errorf("call: Config.PublicIP %q is not an IP address", c.PublicIP)
	}
	return nil
}

// Unit is the forwarding unit: the UDP socket and every room.
type Unit struct {
	cfg  Config
	log  hclog.Logger
	conn *net.UDPConn
	mux  ice.UDPMux
	api  *webrtc.API

	mu     sync.Mutex
	rooms  map[*Room]struct{}
	closed bool
	wg     sync.WaitGroup // every participant's loop

	counters counters // the unit's totals, across rooms open and closed
}

// New binds the UDP socket every peer connection shares.
func New(cfg Config) (*Unit, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	addr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("call: listen address %q: %w", cfg.Listen, err)
	}
	network := "udp4"
	if addr.IP != nil && addr.IP.To4() == nil {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, addr)
	if err != nil {
		return nil, fmt.Errorf("call: listen on UDP %s: %w", cfg.Listen, err)
	}
	u := &Unit{
		cfg:   cfg,
		log:   cfg.Log,
		conn:  conn,
		rooms: map[*Room]struct{}{},
	}
	logs := pionLogs{cfg.Log.Named("pion")}
	var socket net.PacketConn = conn
	if addr.IP.IsLoopback() {
		socket = loopbackConn{conn}
	}
	u.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn: socket,
		Logger:  logs.NewLogger("udpmux"),
	})
	u.api, err = newAPI(cfg, network, u.conn.LocalAddr().(*net.UDPAddr), u.mux, logs)
	if err != nil {
		_ = u.mux.Close()
		return nil, err
	}
	u.log.Info("forwarding unit listening", "addr", u.Addr().String())
	return u, nil
}

// Addr is the bound UDP address.
func (u *Unit) Addr() *net.UDPAddr { return u.conn.LocalAddr().(*net.UDPAddr) }

// NewRoom makes an empty room; name is for the logs.
func (u *Unit) NewRoom(name string) *Room {
	r := newRoom(u, name)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		r.closed = true
		return r
	}
	u.rooms[r] = struct{}{}
	return r
}

// Close ends every room, waits for every participant's goroutines, then
// closes the socket.
func (u *Unit) Close() {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return
	}
	u.closed = true
	rooms := make([]*Room, 0, len(u.rooms))
	for r := range u.rooms {
		rooms = append(rooms, r)
	}
	u.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
	u.wg.Wait()
	_ = u.mux.Close()
	_ = u.conn.Close()
}

// startParticipant counts a participant's loop in the unit's wait group,
// unless the unit is closing.
func (u *Unit) startParticipant() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	u.wg.Add(1)
	return true
}

func (u *Unit) forgetRoom(r *Room) {
	u.mu.Lock()
	delete(u.rooms, r)
	u.mu.Unlock()
}
