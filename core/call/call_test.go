package call

import (
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/call/calltest"
)

func TestTwoParticipantsExchangeAudioAndVideo(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("two")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})

	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	a.waitPackets(ctx, 25, key(8, "mic"), key(8, "cam"))
	b.waitPackets(ctx, 25, key(7, "mic"), key(7, "cam"))
	for _, k := range []string{key(8, "mic"), key(8, "cam")} {
		a.checkTrack(k)
	}
	for _, k := range []string{key(7, "mic"), key(7, "cam")} {
		b.checkTrack(k)
	}
	a.assertNotFailed()
	b.assertNotFailed()

	s := u.Stats()
	if s.Rooms != 1 || s.Participants != 2 || s.TracksIn != 4 {
		t.Errorf("stats: %d rooms, %d participants, %d tracks in; want 1, 2, 4", s.Rooms, s.Participants, s.TracksIn)
	}
	if s.PacketsForwarded < 100 || s.BytesForwarded < s.PacketsForwarded*80 || s.LatencyP50 <= 0 || s.LatencyP99 < s.LatencyP50 {
		t.Errorf("stats: %+v", s)
	}
	if rs := r.Stats(); rs.PacketsForwarded == 0 || rs.ParticipantsSeen != 2 {
		t.Errorf("room stats: %+v", rs)
	}
}

func TestThirdJoinerRenegotiatesTheOthers(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("three")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	offersA, offersB := len(a.c.Offers()), len(b.c.Offers())

	c := join(t, r, 9, calltest.Options{})
	c.waitTracks(ctx, key(7, "mic"), key(7, "cam"), key(8, "mic"), key(8, "cam"))
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"), key(9, "mic"), key(9, "cam"))
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"), key(9, "mic"), key(9, "cam"))
	a.waitPackets(ctx, 20, key(9, "mic"), key(9, "cam"), key(8, "cam"))
	b.waitPackets(ctx, 20, key(9, "mic"), key(9, "cam"), key(7, "cam"))
	c.waitPackets(ctx, 20, key(7, "mic"), key(7, "cam"), key(8, "mic"), key(8, "cam"))
	if len(a.c.Offers()) <= offersA || len(b.c.Offers()) <= offersB {
		t.Errorf("no new offers for the first two: %d -> %d, %d -> %d", offersA, len(a.c.Offers()), offersB, len(b.c.Offers()))
	}
	for _, k := range []string{key(7, "mic"), key(7, "cam"), key(8, "mic"), key(8, "cam")} {
		c.checkTrack(k)
	}
}

func TestScreenShareStartingLaterRenegotiates(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("screen")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{Screen: true})
	b := join(t, r, 8, calltest.Options{})
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	b.waitPackets(ctx, 10, key(7, "cam"))
	offers := len(b.c.Offers())

	a.c.StartScreen()
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"), key(7, "screen"))
	b.waitPackets(ctx, 20, key(7, "screen"))
	b.checkTrack(key(7, "screen"))
	if len(b.c.Offers()) <= offers {
		t.Errorf("the screen came without a new offer")
	}
	if s := u.Stats(); s.TracksIn != 5 {
		t.Errorf("%d tracks in, want 5 (7's three, 8's two)", s.TracksIn)
	}
}

func TestLeaveRemovesItsTracks(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("leave")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	c := join(t, r, 9, calltest.Options{})
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"), key(9, "mic"), key(9, "cam"))
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"), key(9, "mic"), key(9, "cam"))

	c.p.Leave()
	c.p.Leave() // idempotent
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	gone, _ := a.c.Track(key(9, "mic"))
	a.waitPackets(ctx, 25, key(8, "mic"))
	if now, _ := a.c.Track(key(9, "mic")); now.Packets != gone.Packets {
		t.Errorf("9/mic still arrives after 9 left: %d -> %d packets", gone.Packets, now.Packets)
	}
	if s := u.Stats(); s.Participants != 2 || s.TracksIn != 4 {
		t.Errorf("after a leave: %d participants, %d tracks in; want 2, 4", s.Participants, s.TracksIn)
	}
	select {
	case reason := <-c.failed:
		t.Errorf("Failed after Leave: %s", reason)
	default:
	}
}

func TestLeaveAndRejoin(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("rejoin")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))

	b.close()
	a.waitTracks(ctx)
	b2 := join(t, r, 8, calltest.Options{})
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))
	b2.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	a.waitPackets(ctx, 20, key(8, "mic"), key(8, "cam"))
	b2.waitPackets(ctx, 20, key(7, "mic"), key(7, "cam"))
	a.assertNotFailed()
}

func TestMutedMicrophoneIsNotForwarded(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("mute")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	b.waitPackets(ctx, 10, key(7, "mic"), key(7, "cam"))

	a.p.SetMuted(true)
	// Once the unit held back a few packets, none of the ones before can
	// still be on their way.
	waitStat(ctx, t, r, func(s Stats) bool { return s.PacketsMuted >= 5 })
	before, _ := b.c.Track(key(7, "mic"))
	b.waitPackets(ctx, 30, key(7, "cam"))
	after, _ := b.c.Track(key(7, "mic"))
	if after.Packets != before.Packets {
		t.Errorf("a muted microphone was forwarded: %d -> %d packets", before.Packets, after.Packets)
	}
	a.waitPackets(ctx, 10, key(8, "mic")) // the muted one still hears

	a.p.SetMuted(false)
	b.waitPackets(ctx, 10, key(7, "mic"))
}

func TestNewSubscriberAsksForAKeyFrame(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("keyframe")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	b.waitPackets(ctx, 5, key(7, "cam"))
	err := a.c.Wait(ctx, func() bool { return a.c.KeyFrameRequests("cam") >= 1 })
	if err != nil {
		t.Fatalf("no key frame request for 7's camera when 8 subscribed: %v", err)
	}
	asked := a.c.KeyFrameRequests("cam")

	// A third one, whatever the throttle did with the second's.
	c := join(t, r, 9, calltest.Options{})
	c.waitPackets(ctx, 5, key(7, "cam"))
	err = a.c.Wait(ctx, func() bool { return a.c.KeyFrameRequests("cam") > asked })
	if err != nil {
		t.Fatalf("no key frame request for 7's camera when 9 subscribed: %v", err)
	}
	if n := a.c.KeyFrameRequests("mic"); n != 0 {
		t.Errorf("%d key frame requests for a microphone", n)
	}
}

func TestClientThatNeverAnswersFails(t *testing.T) {
	u := newUnit(t, Config{ConnectTimeout: time.Second})
	r := u.NewRoom("silent")
	ctx := waitCtx(t)
	m := joinSilent(t, r, 7)
	start := time.Now()
	reason := m.waitFailed(ctx)
	if !strings.Contains(reason, "no answer") {
		t.Errorf("failed for %q, want no answer", reason)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("failed after %s with a timeout of 1s", d)
	}
	waitStat(ctx, t, r, func(s Stats) bool { return s.Participants == 0 })
}

func TestAbruptlyClosedPeerFails(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("abrupt")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))

	b.c.Close() // no Leave: the hub does not know yet
	if reason := b.waitFailed(ctx); reason == "" {
		t.Error("an empty reason")
	}
	a.waitTracks(ctx)
	a.assertNotFailed()
}

func TestPolicerDropsAFlood(t *testing.T) {
	const kbps = 100
	u := newUnit(t, Config{VideoKbps: kbps})
	r := u.NewRoom("flood")
	ctx := waitCtx(t)
	// About 300 kB/s of camera against an allowance of 2 x 100 kbps = 25 kB/s.
	a := join(t, r, 7, calltest.Options{VideoPayload: 1000, VideoPackets: 10})
	b := join(t, r, 8, calltest.Options{})
	b.waitPackets(ctx, 10, key(7, "cam"))

	start := time.Now()
	first, _ := b.c.Track(key(7, "cam"))
	b.waitPackets(ctx, 100, key(7, "mic")) // about two seconds
	elapsed := time.Since(start)
	last, _ := b.c.Track(key(7, "cam"))
	got := float64(last.Bytes - first.Bytes)
	limit := float64(kbps*2*1000/8) * (elapsed.Seconds() + 1) * 1.2 // a second's burst, some slack for headers
	if got == 0 || got > limit {
		t.Errorf("%.0f bytes of camera in %s, want some and no more than %.0f", got, elapsed, limit)
	}
	if s := u.Stats(); s.PacketsDropped == 0 {
		t.Errorf("nothing dropped: %+v", s)
	}
	a.assertNotFailed()
	b.assertNotFailed()
}

// TestRenewAfterEndedTracks: once RenewAfter tracks have ended in a
// participant's connection, the next change asks the hub for a new
// connection instead of an offer that would carry their dead m-sections
// again; the new one gets only what is live.
func TestRenewAfterEndedTracks(t *testing.T) {
	u := newUnit(t, Config{RenewAfter: 4})
	r := u.NewRoom("renew")
	ctx := waitCtx(t)
	a := join(t, r, 7, calltest.Options{})
	for range 2 { // two tracks end in a's connection each time
		b := join(t, r, 8, calltest.Options{})
		a.waitTracks(ctx, key(8, "mic"), key(8, "cam"))
		b.close()
		a.waitTracks(ctx)
	}
	select {
	case <-a.renewed:
		t.Fatal("renewed before anything needed a new offer")
	default:
	}

	c := join(t, r, 9, calltest.Options{})
	select {
	case <-a.renewed:
	case <-ctx.Done():
		t.Fatalf("user 7 was not renewed when user 9 joined: %v", ctx.Err())
	}
	// What the hub does: a new participant for the same user, on a new
	// peer connection. (Its tracks end in c's connection and come back:
	// two dead sections there, under RenewAfter.)
	a2 := join(t, r, 7, calltest.Options{})
	a2.waitTracks(ctx, key(9, "mic"), key(9, "cam"))
	c.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	a2.waitPackets(ctx, 20, key(9, "mic"))
	c.waitPackets(ctx, 20, key(7, "cam"))
	offers := a2.c.Offers()
	if n := strings.Count(string(offers[len(offers)-1]), "a=inactive"); n != 0 {
		t.Errorf("the renewed connection's offer has %d inactive sections", n)
	}
	a.assertNotFailed()
	select {
	case <-c.renewed:
		t.Error("user 9 was renewed too")
	default:
	}
}
