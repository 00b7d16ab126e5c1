package call

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestNewRefusesWhatItCannotUse(t *testing.T) {
	busy, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "Listen is empty"},
		{Config{Listen: busy.LocalAddr().String()}, "listen on UDP"},
		{Config{Listen: "127.0.0.1:0", MaxTracks: 4}, "MaxTracks"},
		{Config{Listen: "127.0.0.1:0", VideoKbps: -1}, "allowance"},
		{Config{Listen: "127.0.0.1:0", PublicIP: "example.org"}, "PublicIP"},
		{Config{Listen: "nowhere:x"}, "listen address"},
	} {
		u, err := New(tc.cfg)
		if err == nil {
			u.Close()
			t.Errorf("New(%+v) worked", tc.cfg)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestCloseEndsRoomsAndRefusesJoins(t *testing.T) {
	u := newUnit(t, Config{})
	r := u.NewRoom("closing")
	ctx := waitCtx(t)
	m := joinSilent(t, r, 7)
	m.firstOffer(ctx)
	u.Close()
	if s := u.Stats(); s.Rooms != 0 || s.Participants != 0 {
		t.Errorf("after Close: %+v", s)
	}
	select {
	case reason := <-m.failed:
		t.Errorf("a participant of a closed unit failed (%s): it was removed, not failed", reason)
	default:
	}
	late := joinSilent(t, r, 8)
	if reason := late.waitFailed(ctx); !strings.Contains(reason, "ended") {
		t.Errorf("joining a closed room: %q", reason)
	}
	late2 := joinSilent(t, u.NewRoom("after"), 9)
	late2.waitFailed(ctx)
	if _, err := net.ListenUDP("udp4", u.Addr()); err != nil {
		t.Errorf("the socket is still bound after Close: %v", err)
	}
}

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<20; us = us*9/8 + 1 {
		i := bucketOf(us)
		if i < prev {
			t.Fatalf("bucketOf(%d) = %d, below %d", us, i, prev)
		}
		prev = i
		if up := bucketUpper(i); us >= up {
			t.Fatalf("%d µs in bucket %d whose upper edge is %d", us, i, up)
		}
		if i > 0 && us < bucketUpper(i-1) {
			t.Fatalf("%d µs in bucket %d, but bucket %d ends at %d", us, i, i-1, bucketUpper(i-1))
		}
	}
	if bucketOf(1<<62) != histogramBuckets-1 {
		t.Error("a huge value is not in the last bucket")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h latencyHistogram
	if h.quantile(0.5) != 0 {
		t.Error("an empty histogram's median is not 0")
	}
	for range 98 {
		h.observe(100 * time.Microsecond)
	}
	h.observe(10 * time.Millisecond)
	h.observe(10 * time.Millisecond)
	within := func(got, want time.Duration) bool { return got >= want && got <= want*5/4 }
	if p50 := h.quantile(0.5); !within(p50, 100*time.Microsecond) {
		t.Errorf("p50 %s, want about 100µs", p50)
	}
	if p99 := h.quantile(0.99); !within(p99, 10*time.Millisecond) {
		t.Errorf("p99 %s, want about 10ms", p99)
	}
}
