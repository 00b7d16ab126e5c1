package server_test

// Media through a real salond: pion test clients (core/call/calltest,
// loopback candidates only) join calls over the protocol, answer every
// offer the server makes, and count the packets they receive from each
// other.

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/call/calltest"
	"github.com/salon-chat/salon/core/wire"
)

// mediaPeer is a session given over to a call: a goroutine reads its lines,
// answers the server's offers with its pion client, and passes every other
// line on.
type mediaPeer struct {
	u       *cmUser
	conv    string
	opts    calltest.Options
	lines   chan string   // the lines that are not RTC
	done    chan struct{} // closed when the session's lines end
	closing atomic.Bool   // the test is closing it: errors from here on are its own doing
	renewed chan struct{} // a value at each ice line after the first: the server replaced the peer connection

	mu sync.Mutex
	pc *calltest.Client // the current peer connection
}

// client is the peer's current pion client.
func (p *mediaPeer) client() *calltest.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pc
}

// close ends the peer's session and its peer connection, without LEAVE.
func (p *mediaPeer) close() {
	p.closing.Store(true)
	p.u.Close()
	p.client().Close()
}

// joinWithMedia logs name in on a session of its own, joins the call of
// conv with a pion client made with opts, and answers offers from then on.
func joinWithMedia(t *testing.T, w *cmWorld, name string, tag int64, conv string, opts calltest.Options) *mediaPeer {
	t.Helper()
	u, _ := w.tagsLogin(name, tag)
	w.forget(u) // its lines are the peer's
	pc, err := calltest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := &mediaPeer{pc: pc, u: u, conv: conv, opts: opts, lines: make(chan string, 1024), done: make(chan struct{}), renewed: make(chan struct{}, 16)}
	t.Cleanup(func() { p.close(); <-p.done })
	go p.serve(t)
	u.Send("CALL " + conv + " JOIN video")
	return p
}

func (p *mediaPeer) serve(t *testing.T) {
	defer close(p.done)
	var pieces wire.RTCPieces
	ices := 0
	for line := range p.u.Lines() {
		_, kind, seq, last, piece, ok := wire.ParseRTCLine(line)
		if !ok {
			select {
			case p.lines <- line:
			default: // nobody reads them: the test does not care
			}
			continue
		}
		payload, done, err := pieces.Add(kind, seq, last, piece)
		if err != nil {
			t.Errorf("%s: %v", p.u.name, err)
			return
		}
		if !done {
			continue
		}
		switch kind {
		case "ice":
			// After the first: the server replaces the peer connection
			// (docs/protocol.md, Calls): a new one takes the old one's place.
			if ices++; ices > 1 && !p.renew(t) {
				return
			}
		case "offer":
			if !p.answer(t, payload) {
				return
			}
		default:
			t.Errorf("%s: an RTC payload of kind %q", p.u.name, kind)
		}
	}
}

// renew replaces the peer's pion client with a new one.
func (p *mediaPeer) renew(t *testing.T) bool {
	pc, err := calltest.New(p.opts)
	if err != nil {
		t.Errorf("%s: %v", p.u.name, err)
		return false
	}
	p.mu.Lock()
	old := p.pc
	p.pc = pc
	p.mu.Unlock()
	old.Close()
	p.renewed <- struct{}{}
	return true
}

// answer answers an offer on the current pion client.
func (p *mediaPeer) answer(t *testing.T, offer []byte) bool {
	answer, err := p.client().HandleOffer(offer)
	if err != nil {
		if !p.closing.Load() {
			t.Errorf("%s: answering: %v", p.u.name, err)
		}
		return false
	}
	// Written straight to the connection: the test may be closing it,
	// which ends this goroutine with its lines.
	server, channel, _ := strings.Cut(p.conv, " ")
	conv, _ := wire.ParseAddr(server, channel)
	p.u.Conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for _, l := range wire.RTCLines(conv, "answer", answer) {
		if _, err := p.u.Conn.Write(l); err != nil {
			return false
		}
	}
	return true
}

// waitLine waits for a line that is not RTC on the peer's session.
func (p *mediaPeer) waitLine(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	for {
		select {
		case l := <-p.lines:
			if l == want {
				return
			}
		case <-ctx.Done():
			t.Fatalf("%s: no %q", p.u.name, want)
		}
	}
}

// receives waits for n packets on each of the tracks keys and checks
// that their sequence numbers and timestamps moved forward.
func (p *mediaPeer) receives(t *testing.T, ctx context.Context, n int, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := p.client().WaitPackets(ctx, k, n); err != nil {
			t.Fatalf("%s: %v", p.u.name, err)
		}
		st, _ := p.client().Track(k)
		if !st.Live || !st.Monotonic || st.Seq <= uint64(st.FirstSeq) || st.LastTimestamp == st.FirstTimestamp {
			t.Errorf("%s: track %s: %+v, want live, monotonic, sequence and timestamps advancing", p.u.name, k, st)
		}
	}
}

// packets is how many packets the peer got on track key so far.
func (p *mediaPeer) packets(key string) int {
	st, _ := p.client().Track(key)
	return st.Packets
}

// TestCallMedia: two participants send each other audio and video; a third
// joins and everyone is renegotiated; a screen share starts later; one
// leaves and comes back; one vanishes without LEAVE.
func TestCallMedia(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newCallWorld(t, nil)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	carol := w.tagsUser("carol")
	s := w.newServer(alice, "club")
	for _, u := range us(bob, carol) {
		w.admit(alice, u, s, 0)
	}
	conv := sf("%d 0", s)
	key := func(u *cmUser, track string) string {
		if track == "screen" {
			return sf("%d-screen/screen", u.tag)
		}
		return sf("%d/%s", u.tag, track)
	}

	a := joinWithMedia(t, w, "alice", alice.tag, conv, calltest.Options{})
	b := joinWithMedia(t, w, "bob", bob.tag, conv, calltest.Options{})
	a.receives(t, ctx, 25, key(bob, "mic"), key(bob, "cam"))
	b.receives(t, ctx, 25, key(alice, "mic"), key(alice, "cam"))
	// bob's arrival asked alice's camera for a key frame.
	if err := a.client().Wait(ctx, func() bool { return a.client().KeyFrameRequests("cam") > 0 }); err != nil {
		t.Errorf("alice's camera got no key frame request when bob subscribed: %v", err)
	}

	// A third participant: the others are offered its tracks, and it theirs.
	c := joinWithMedia(t, w, "carol", carol.tag, conv, calltest.Options{Screen: true})
	c.receives(t, ctx, 25, key(alice, "mic"), key(alice, "cam"), key(bob, "mic"), key(bob, "cam"))
	a.receives(t, ctx, 25, key(carol, "mic"), key(carol, "cam"))
	b.receives(t, ctx, 25, key(carol, "mic"), key(carol, "cam"))

	// A screen share that starts later reaches the others by a new offer.
	c.client().StartScreen()
	c.u.Send("CALL " + conv + " MEDIA mic,cam,screen")
	a.receives(t, ctx, 10, key(carol, "screen"))
	b.receives(t, ctx, 10, key(carol, "screen"))
	a.waitLine(t, ctx, sf("CALL 0 %d %s MEDIA mic,cam,screen", carol.tag, conv))

	// bob leaves: his tracks end for the others; then he comes back.
	b.u.Send("CALL " + conv + " LEAVE")
	a.waitLine(t, ctx, sf("CALL 0 %d %s LEAVE", bob.tag, conv))
	gone := func(p *mediaPeer, k string) func() bool {
		return func() bool { st, ok := p.client().Track(k); return ok && !st.Live }
	}
	if err := a.client().Wait(ctx, gone(a, key(bob, "mic"))); err != nil {
		t.Fatalf("alice still receives bob's microphone after he left: %v (%v)", err, a.client().Tracks())
	}
	if err := c.client().Wait(ctx, gone(c, key(bob, "cam"))); err != nil {
		t.Fatalf("carol still receives bob's camera after he left: %v (%v)", err, c.client().Tracks())
	}
	b.close()
	b2 := joinWithMedia(t, w, "bob", bob.tag, conv, calltest.Options{})
	b2.receives(t, ctx, 25, key(alice, "mic"), key(carol, "cam"), key(carol, "screen"))
	before := a.packets(key(bob, "mic"))
	if err := a.client().Wait(ctx, func() bool { st, _ := a.client().Track(key(bob, "mic")); return st.Live && st.Packets > before+25 }); err != nil {
		t.Fatalf("alice does not receive bob's microphone after he came back: %v", err)
	}

	// carol vanishes: her connection ends without LEAVE.
	c.close()
	a.waitLine(t, ctx, sf("CALL 0 %d %s LEAVE", carol.tag, conv))
	if err := a.client().Wait(ctx, gone(a, key(carol, "cam"))); err != nil {
		t.Fatalf("alice still receives the camera of carol, who vanished: %v", err)
	}
	if err := b2.client().Wait(ctx, gone(b2, key(carol, "screen"))); err != nil {
		t.Fatalf("bob still receives the screen of carol, who vanished: %v", err)
	}
	b2.receives(t, ctx, 25, key(alice, "cam"))
}

// TestCallMuted: a muted participant's microphone is not forwarded, its
// camera still is, and unmuting brings the microphone back.
func TestCallMuted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newCallWorld(t, nil)
	owner := w.tagsUser("owner")
	bob := w.tagsUser("bob")
	s := w.newServer(owner, "club")
	w.admit(owner, bob, s, 0)
	conv := sf("%d 0", s)
	o := joinWithMedia(t, w, "owner", owner.tag, conv, calltest.Options{})
	b := joinWithMedia(t, w, "bob", bob.tag, conv, calltest.Options{})
	mic, cam := sf("%d/mic", bob.tag), sf("%d/cam", bob.tag)
	o.receives(t, ctx, 25, mic, cam)

	o.u.Send(sf("CALL %s MUTE 0 %d", conv, bob.tag))
	b.waitLine(t, ctx, sf("CALL 0 %d %s MUTE 0 %d", owner.tag, conv, bob.tag))
	o.waitLine(t, ctx, sf("CALL 0 %d %s MUTE 0 %d", owner.tag, conv, bob.tag))
	// Packets sent before the mute may still be on their way: wait until
	// the camera has moved on by a second's worth, then compare.
	mics, cams := o.packets(mic), o.packets(cam)
	if err := o.client().WaitPackets(ctx, cam, cams+60); err != nil {
		t.Fatal(err)
	}
	mics2 := o.packets(mic)
	if err := o.client().WaitPackets(ctx, cam, o.packets(cam)+60); err != nil {
		t.Fatal(err)
	}
	if got := o.packets(mic); got != mics2 {
		t.Errorf("bob's microphone is forwarded while he is muted: %d at the mute, %d a second later, then %d", mics, mics2, got)
	}
	o.u.Send(sf("CALL %s UNMUTE 0 %d", conv, bob.tag))
	if err := o.client().WaitPackets(ctx, mic, mics2+25); err != nil {
		t.Fatalf("bob's microphone is not forwarded after unmuting: %v", err)
	}
}

// TestCallRenewal: once calls.renew_after tracks have ended in alice's
// connection, salond gives her a new one: a second ice line, then offers
// for it; she stays in the call (no LEAVE), and media flows both ways again.
func TestCallRenewal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := callConfig(t)
	cfg.Calls.RenewAfter = 4
	w := newCallWorld(t, cfg)
	alice := w.tagsUser("alice")
	bob := w.tagsUser("bob")
	s := w.newServer(alice, "club")
	w.admit(alice, bob, s, 0)
	conv := sf("%d 0", s)
	mic, cam := sf("%d/mic", bob.tag), sf("%d/cam", bob.tag)

	a := joinWithMedia(t, w, "alice", alice.tag, conv, calltest.Options{})
	for range 2 { // bob's microphone and camera end in alice's connection each time
		before := a.packets(cam)
		b := joinWithMedia(t, w, "bob", bob.tag, conv, calltest.Options{})
		if err := a.client().Wait(ctx, func() bool { st, _ := a.client().Track(cam); return st.Live && st.Packets > before+10 }); err != nil {
			t.Fatalf("bob's camera does not reach alice: %v", err)
		}
		b.u.Send("CALL " + conv + " LEAVE")
		a.waitLine(t, ctx, sf("CALL 0 %d %s LEAVE", bob.tag, conv))
		if err := a.client().Wait(ctx, func() bool { st, _ := a.client().Track(cam); return !st.Live }); err != nil {
			t.Fatalf("bob's camera still reaches alice after he left: %v", err)
		}
		b.close()
	}
	select {
	case <-a.renewed:
		t.Fatal("alice's connection was renewed before anything needed an offer")
	default:
	}

	b := joinWithMedia(t, w, "bob", bob.tag, conv, calltest.Options{})
	select {
	case <-a.renewed:
	case <-ctx.Done():
		t.Fatal("alice's connection was not renewed")
	}
	a.receives(t, ctx, 25, mic, cam)
	b.receives(t, ctx, 25, sf("%d/mic", alice.tag), sf("%d/cam", alice.tag))
	for {
		select {
		case l := <-a.lines:
			if strings.HasPrefix(l, sf("CALL 0 %d ", alice.tag)) {
				t.Errorf("alice was told %q about herself during the renewal", l)
			}
			continue
		default:
		}
		break
	}
}
