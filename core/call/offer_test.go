package call

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/salon-chat/salon/core/call/calltest"
)

func parseOffer(t *testing.T, text []byte) *sdp.SessionDescription {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.Unmarshal(text); err != nil {
		t.Fatalf("the offer does not parse: %v\n%s", err, text)
	}
	return &d
}

// section describes an m-section as "audio recvonly AS:64".
func section(m *sdp.MediaDescription) string {
	dir := ""
	for _, d := range []string{"sendrecv", "sendonly", "recvonly", "inactive"} {
		if _, ok := m.Attribute(d); ok {
			dir = d
		}
	}
	s := m.MediaName.Media + " " + dir
	for _, b := range m.Bandwidth {
		s += fmt.Sprintf(" %s:%d", b.Type, b.Bandwidth)
	}
	return s
}

func sections(d *sdp.SessionDescription) []string {
	var ss []string
	for _, m := range d.MediaDescriptions {
		ss = append(ss, section(m))
	}
	return ss
}

func TestFirstOfferReceivesThreeTracksWithAllowances(t *testing.T) {
	u := newUnit(t, Config{AudioKbps: 50, VideoKbps: 500, ScreenKbps: 1000})
	r := u.NewRoom("offer")
	ctx := waitCtx(t)
	m := joinSilent(t, r, 7)
	text := m.firstOffer(ctx)
	d := parseOffer(t, text)

	want := []string{"audio recvonly AS:50", "video recvonly AS:500", "video recvonly AS:1000"}
	if got := sections(d); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sections %q, want %q", got, want)
	}
	if !strings.Contains(string(text), "a=ice-lite") {
		t.Error("the offer does not say ICE-lite")
	}
	port := strconv.Itoa(u.Addr().Port)
	var candidates []string
	for _, m := range d.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key == "candidate" {
				candidates = append(candidates, a.Value)
			}
		}
	}
	if len(candidates) == 0 {
		t.Fatalf("no candidate in the offer:\n%s", text)
	}
	for _, c := range candidates {
		f := strings.Fields(c)
		if len(f) < 8 || strings.ToLower(f[2]) != "udp" || f[4] != "127.0.0.1" || f[5] != port || f[7] != "host" {
			t.Errorf("candidate %q, want udp 127.0.0.1 %s host", c, port)
		}
	}
}

func TestMaxTracksOneOffersOnlyAMicrophone(t *testing.T) {
	u := newUnit(t, Config{MaxTracks: 1})
	r := u.NewRoom("audio only")
	ctx := waitCtx(t)
	m := joinSilent(t, r, 7)
	d := parseOffer(t, m.firstOffer(ctx))
	if got := sections(d); len(got) != 1 || got[0] != "audio recvonly AS:64" {
		t.Errorf("sections %q, want one audio recvonly AS:64", got)
	}

	// And the tracks the others send follow it, sendonly, without b=AS.
	a := join(t, r, 8, calltest.Options{NoCam: true})
	b := join(t, r, 9, calltest.Options{NoCam: true})
	b.waitTracks(ctx, key(8, "mic"))
	a.waitPackets(ctx, 10, key(9, "mic"))
	last := b.c.Offers()
	got := sections(parseOffer(t, last[len(last)-1]))
	if len(got) != 2 || got[0] != "audio recvonly AS:64" || got[1] != "audio sendonly" {
		t.Errorf("9's sections %q, want its microphone then 8's", got)
	}
}

func TestOfferListsTheOthersTracksAfterItsOwn(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("order")
	ctx := waitCtx(t)
	join(t, r, 7, calltest.Options{})
	b := join(t, r, 8, calltest.Options{})
	b.waitTracks(ctx, key(7, "mic"), key(7, "cam"))
	err := b.c.Wait(ctx, func() bool { return u.Stats().TracksIn == 4 })
	if err != nil {
		t.Fatalf("%d tracks in: %v", u.Stats().TracksIn, err)
	}
	late := joinSilent(t, r, 9)
	text := late.firstOffer(ctx)
	got := sections(parseOffer(t, text))
	own := []string{"audio recvonly AS:64", "video recvonly AS:600", "video recvonly AS:1500"}
	if len(got) != 7 || !slices.Equal(got[:3], own) {
		t.Fatalf("sections %q, want %q then the others' four", got, own)
	}
	others := slices.Clone(got[3:])
	slices.Sort(others) // in the order the tracks started arriving
	if want := []string{"audio sendonly", "audio sendonly", "video sendonly", "video sendonly"}; !slices.Equal(others, want) {
		t.Errorf("the others' sections %q", got[3:])
	}
	for _, id := range []string{"msid:7 mic", "msid:7 cam", "msid:8 mic", "msid:8 cam"} {
		if !strings.Contains(string(text), id) {
			t.Errorf("no %q in the offer", id)
		}
	}
}

func TestPublicIPIsAnnounced(t *testing.T) {
	u := newUnit(t, Config{PublicIP: "203.0.113.7"})
	r := u.NewRoom("public")
	ctx := waitCtx(t)
	text := string(joinSilent(t, r, 7).firstOffer(ctx))
	want := fmt.Sprintf("203.0.113.7 %d typ host", u.Addr().Port)
	if !strings.Contains(text, want) || strings.Contains(text, "127.0.0.1 ") {
		t.Errorf("want only %q in:\n%s", want, text)
	}
}

func TestAnswers(t *testing.T) {
	t.Run("unusable", func(t *testing.T) {
		u := newUnit(t, Config{})
		r := u.NewRoom("bad answer")
		ctx := waitCtx(t)
		m := joinSilent(t, r, 7)
		m.firstOffer(ctx)
		m.p.Answer([]byte("v=0\r\nnot an answer"))
		if reason := m.waitFailed(ctx); !strings.Contains(reason, "unusable answer") {
			t.Errorf("failed for %q", reason)
		}
	})
	t.Run("with no offer out", func(t *testing.T) {
		u := newUnit(t, Config{})
		r := u.NewRoom("twice")
		ctx := waitCtx(t)
		a := join(t, r, 7, calltest.Options{})
		b := join(t, r, 8, calltest.Options{})
		b.waitPackets(ctx, 10, key(7, "mic"))
		offers := a.c.Offers()
		answer, err := a.c.HandleOffer(offers[len(offers)-1])
		if err != nil {
			t.Fatal(err)
		}
		a.p.Answer(answer) // nothing asked for it: ignored
		a.p.Candidate([]byte(`{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}`))
		a.p.Candidate([]byte(`not json`))
		b.waitPackets(ctx, 25, key(7, "mic"))
		a.assertNotFailed()
	})
	t.Run("a flood of signaling", func(t *testing.T) {
		u := newUnit(t, Config{})
		r := u.NewRoom("flood")
		ctx := waitCtx(t)
		m := joinSilent(t, r, 7)
		for range inboxSize * 2 {
			m.p.Candidate([]byte(`{}`))
		}
		if reason := m.waitFailed(ctx); !strings.Contains(reason, "faster") {
			t.Errorf("failed for %q", reason)
		}
	})
}

func TestLeaveStopsSignalsAndFailures(t *testing.T) {
	u := newUnit(t, Config{ConnectTimeout: 200 * time.Millisecond})
	r := u.NewRoom("left")
	ctx := waitCtx(t)
	m := joinSilent(t, r, 7)
	m.firstOffer(ctx)
	m.p.Leave()
	waitStat(ctx, t, r, func(s Stats) bool { return s.Participants == 0 })
	time.Sleep(400 * time.Millisecond) // past the answer's timeout
	select {
	case reason := <-m.failed:
		t.Errorf("Failed after Leave: %s", reason)
	default:
	}
}
