// Package call is the forwarding unit for calls: it takes each
// participant's tracks over WebRTC (pion) and forwards their RTP packets,
// never decoded, to the other participants of the same room. It knows
// nothing of the protocol's lines: the hub decides who is in which call and
// carries the signaling; this package only makes offers, takes answers and
// candidates, and says when a peer failed.
package call

import (
	"errors"
	"net"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Config sets up a Unit. (API agreed with the hub; the implementation
// replaces this file.)
type Config struct {
	Listen         string        // the UDP host:port every peer connection uses (ICE-lite on one socket)
	PublicIP       string        // the address offers announce instead of the listener's (NAT 1:1)
	MaxTracks      int           // tracks a participant may send: 1 (mic), 2 (+cam), 3 (+screen)
	AudioKbps      int           // allowance of a microphone
	VideoKbps      int           // of a camera
	ScreenKbps     int           // of a screen share
	ConnectTimeout time.Duration // for a peer to connect after its first offer, and to answer any offer
	Log            hclog.Logger
}

// Unit is the forwarding unit: the UDP socket and every room.
type Unit struct{}

// New binds the UDP socket.
func New(cfg Config) (*Unit, error) { return nil, errors.New("call: not built yet") }

// Addr is the bound UDP address.
func (u *Unit) Addr() *net.UDPAddr { return nil }

// Close ends every room and closes the socket.
func (u *Unit) Close() {}

// Peer is what the unit needs from the hub for one participant. Both
// functions are called from the unit's goroutines and must not block.
type Peer struct {
	User   int64                             // the participant's user tag: the stream id of what it sends
	Signal func(kind string, payload []byte) // a line for the client: kind "offer" (SDP); one at a time, in order
	Failed func(reason string)               // the peer failed or timed out; called at most once, never after Leave
}

// Room is one call.
type Room struct{}

// NewRoom makes an empty room; name is for the logs.
func (u *Unit) NewRoom(name string) *Room { return &Room{} }

// Join adds a participant and sends it its first offer.
func (r *Room) Join(p Peer) *Participant { return &Participant{} }

// Close removes every participant.
func (r *Room) Close() {}

// Participant is one peer connection in a room.
type Participant struct{}

// Answer gives the client's answer to the last offer.
func (p *Participant) Answer(sdp []byte) {}

// Candidate gives one of the client's ICE candidates (JSON of an RTCIceCandidateInit).
func (p *Participant) Candidate(init []byte) {}

// SetMuted stops (or resumes) forwarding the participant's microphone.
func (p *Participant) SetMuted(muted bool) {}

// Leave closes the participant's peer connection; the others get offers without its tracks.
func (p *Participant) Leave() {}
