package calltest

import (
	"testing"
	"time"
)

func TestLatencyHistogram(t *testing.T) {
	var h LatencyHistogram
	for i := 1; i <= 100; i++ {
		h.observe(time.Duration(i) * 100 * time.Microsecond) // 0.1 .. 10 ms
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.99, 10 * time.Millisecond}} {
		got := h.Quantile(c.q)
		if got < c.want || got > c.want*6/5 {
			t.Errorf("quantile %v = %v, want %v to 20 %% above", c.q, got, c.want)
		}
	}
	before := h
	h.observe(time.Second)
	h.Sub(&before)
	if h.Count != 1 || h.Quantile(0.5) < time.Second || h.Quantile(0.5) > 1200*time.Millisecond {
		t.Errorf("after Sub: count %d, p50 %v, want 1 and about 1s", h.Count, h.Quantile(0.5))
	}
	for us := uint64(0); us < 1<<20; us = us*5/4 + 1 {
		if i := latencyBucket(us); us >= latencyUpper(i) || (i > 0 && us < latencyUpper(i-1)) {
			t.Fatalf("%d µs in bucket %d, which ends at %d", us, i, latencyUpper(i))
		}
	}
}
