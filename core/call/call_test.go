package call

import (
	"testing"

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
