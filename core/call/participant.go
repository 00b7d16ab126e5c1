package call

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pion/webrtc/v4"
)

// Peer is what the unit needs from the hub for one participant. Both
// functions are called from the unit's goroutines and must not block, nor
// call back into the Participant (the unit holds the participant's lock
// while it calls them, which is how "never after Leave" is kept).
type Peer struct {
	User   int64                             // the participant's user tag: the stream id of what it sends
	Signal func(kind string, payload []byte) // a line for the client: kind "offer" (SDP); one at a time, in order
	Failed func(reason string)               // the peer failed or timed out; called at most once, never after Leave
	// Renew says the participant's connection should be replaced: it has
	// carried Config.RenewAfter tracks that ended, and each left an
	// inactive m-section that every later offer and answer repeats (pion
	// reuses none). The participant has stopped; the hub Joins the user
	// again. Called at most once, never after Leave or Failed. Without
	// it, the connection is never renewed.
	Renew func()
}

// Participant is one peer connection in a room. Its methods only queue
// work for its loop (run), which owns the peer connection.
type Participant struct {
	room *Room
	peer Peer
	log  hclog.Logger

	inbox    chan signal   // answers and candidates, in the hub's order
	overflow atomic.Bool   // the inbox was full: the client floods its signaling
	wake     chan struct{} // something for the loop to look at (capacity 1: wakes coalesce)
	dirty    atomic.Bool   // the tracks to receive changed since the last offer
	left     chan struct{} // closed by Leave
	leave    sync.Once
	muted    atomic.Bool

	mu         sync.Mutex
	ended      bool // Leave or Failed happened: no Signal or Failed after it
	closing    bool // the loop is closing the peer connection: no new goroutines
	goroutines sync.WaitGroup

	// The loop's own. pc and receiving are set before the peer connection
	// can deliver a track, and only read after by the track's goroutine.
	pc        *webrtc.PeerConnection
	receiving []*webrtc.RTPTransceiver // by slot: mic, cam, screen
	sending   map[*forwardTrack]*outgoing
	offers    int  // offers sent
	offerOut  bool // an offer waits for its answer
	dead      int  // sending transceivers whose track ended: inactive m-sections for good
	connected bool
}

// outgoing is one track the participant receives.
type outgoing struct {
	track         *forwardTrack
	sender        *webrtc.RTPSender
	keyFrameAsked bool
}

type signalKind int

const (
	answerSignal signalKind = iota
	candidateSignal
)

type signal struct {
	kind    signalKind
	payload []byte
}

// inboxSize bounds what a client may have queued: far more than an honest
// one sends between two turns of its loop (one answer, a few candidates).
const inboxSize = 64

// errLeaving ends the loop without a failure: Leave was called.
var errLeaving = errors.New("participant left")

func newParticipant(r *Room, peer Peer) *Participant {
	return &Participant{
		room:    r,
		peer:    peer,
		log:     r.log.With("user", peer.User),
		inbox:   make(chan signal, inboxSize),
		wake:    make(chan struct{}, 1),
		left:    make(chan struct{}),
		sending: map[*forwardTrack]*outgoing{},
	}
}

// Answer gives the client's answer to the last offer. An answer when no
// offer is out (a client answering twice) is ignored; one pion refuses
// fails the participant.
func (p *Participant) Answer(sdp []byte) { p.queue(signal{answerSignal, slices.Clone(sdp)}) }

// Candidate gives one of the client's ICE candidates (JSON of an
// RTCIceCandidateInit). One that cannot be used is logged and ignored: the
// server is ICE-lite and learns the client's address from its checks anyway.
func (p *Participant) Candidate(init []byte) { p.queue(signal{candidateSignal, slices.Clone(init)}) }

// SetMuted stops (or resumes) forwarding the participant's microphone.
func (p *Participant) SetMuted(muted bool) { p.muted.Store(muted) }

// Leave closes the participant's peer connection; the others get offers
// without its tracks. After Leave returns, neither Signal nor Failed is
// called again.
func (p *Participant) Leave() {
	p.mu.Lock()
	p.ended = true
	p.mu.Unlock()
	p.leave.Do(func() { close(p.left) })
}

func (p *Participant) queue(s signal) {
	select {
	case p.inbox <- s:
	default:
		p.overflow.Store(true)
		p.poke()
	}
}

// renegotiate marks the participant's tracks to receive as changed.
func (p *Participant) renegotiate() {
	p.dirty.Store(true)
	p.poke()
}

func (p *Participant) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// signalOffer hands an offer to the hub, unless the participant left.
func (p *Participant) signalOffer(sdp []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ended && p.peer.Signal != nil {
		p.peer.Signal("offer", sdp)
	}
}

// fail reports the participant's failure, once, and not after Leave.
func (p *Participant) fail(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.ended = true
	p.log.Info("participant failed", "reason", reason)
	if p.peer.Failed != nil {
		p.peer.Failed(reason)
	}
}

// renew asks the hub, once, for a new connection in the participant's
// place (Peer.Renew), and not after Leave or Failed.
func (p *Participant) renew() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.ended = true
	p.log.Debug("participant renewed", "ended_tracks", p.dead)
	p.peer.Renew()
}

// recoverPanic turns a panic in one of the participant's goroutines (in
// pion, say, on what a client sent) into the failure of that participant
// alone: logged with its stack, and the server goes on.
func (p *Participant) recoverPanic() {
	if v := recover(); v != nil {
		p.log.Error("a participant's goroutine panicked; it fails, the server goes on", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		p.fail("internal error")
	}
}

// startGoroutine runs f counted in the participant's wait group, unless
// the loop is already closing the peer connection.
func (p *Participant) startGoroutine(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.goroutines.Add(1)
	go func() {
		defer p.goroutines.Done()
		defer p.recoverPanic()
		f()
	}()
	return true
}

// run is the participant's loop: it owns the peer connection, makes the
// offers, applies the answers, and watches the timers.
func (p *Participant) run() {
	defer p.room.unit.wg.Done()
	defer p.close()
	defer p.recoverPanic()
	if err := p.open(); err != nil {
		p.fail(err.Error())
		return
	}
	cfg := &p.room.unit.cfg
	answerTimer := stoppedTimer()
	connectTimer := stoppedTimer()
	defer answerTimer.Stop()
	defer connectTimer.Stop()

	needOffer := true
	for {
		if p.overflow.Load() {
			p.fail("signaling messages arrive faster than they can be applied")
			return
		}
		if p.dirty.Swap(false) {
			needOffer = true
		}
		if needOffer && !p.offerOut {
			needOffer = false
			if p.dead >= cfg.RenewAfter && p.peer.Renew != nil {
				p.renew()
				return
			}
			sent, err := p.offer()
			if errors.Is(err, errLeaving) {
				return
			}
			if err != nil {
				p.fail(err.Error())
				return
			}
			if sent {
				answerTimer.Reset(cfg.ConnectTimeout)
				if p.offers == 1 {
					connectTimer.Reset(cfg.ConnectTimeout)
				}
			}
		}
		select {
		case <-p.left:
			return
		case s := <-p.inbox:
			if err := p.handle(s, answerTimer); err != nil {
				p.fail(err.Error())
				return
			}
		case <-p.wake:
			switch p.pc.ConnectionState() {
			case webrtc.PeerConnectionStateConnected:
				if !p.connected {
					p.connected = true
					connectTimer.Stop()
					p.log.Debug("participant connected")
					p.askKeyFrames()
				}
			case webrtc.PeerConnectionStateFailed:
				p.fail("the peer connection failed")
				return
			case webrtc.PeerConnectionStateClosed:
				p.fail("the peer connection closed")
				return
			}
		case <-answerTimer.C:
			p.fail(fmt.Sprintf("no answer to an offer within %s", cfg.ConnectTimeout))
			return
		case <-connectTimer.C:
			p.fail(fmt.Sprintf("did not connect within %s of its first offer", cfg.ConnectTimeout))
			return
		}
	}
}

func (p *Participant) handle(s signal, answerTimer *time.Timer) error {
	switch s.kind {
	case answerSignal:
		if !p.offerOut {
			p.log.Debug("an answer with no offer out, ignored")
			return nil
		}
		if err := p.applyAnswer(s.payload); err != nil {
			return err
		}
		answerTimer.Stop()
	case candidateSignal:
		p.addCandidate(s.payload)
	}
	return nil
}

// open makes the peer connection and its receiving transceivers.
func (p *Participant) open() error {
	pc, err := p.room.unit.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fmt.Errorf("cannot make a peer connection: %v", err)
	}
	p.pc = pc
	for _, s := range slots[:p.room.unit.cfg.MaxTracks] {
		t, err := pc.AddTransceiverFromKind(s.kind(), webrtc.RTPTransceiverInit{
			Direction: webrtc.RTPTransceiverDirectionRecvonly,
		})
		if err != nil {
			return fmt.Errorf("cannot add a %s transceiver: %v", s, err)
		}
		p.receiving = append(p.receiving, t)
	}
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) { p.poke() })
	pc.OnTrack(p.onTrack)
	return nil
}

// close takes the participant out of the room first (so the others stop
// receiving its tracks and no new one is published), then closes the peer
// connection and waits for the goroutines reading from it.
func (p *Participant) close() {
	p.room.remove(p)
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	if p.pc != nil {
		if err := p.pc.Close(); err != nil {
			p.log.Debug("closing the peer connection", "error", err)
		}
	}
	p.goroutines.Wait()
}

// stoppedTimer is a timer to Reset later.
func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}
