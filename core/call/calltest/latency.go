package calltest

import (
	"math/bits"
	"time"
)

// LatencyHistogram counts a track's latencies (send time to read) in
// log-scale buckets of microseconds, four to an octave (each about 19 %
// wide): a fixed array, so that recording is one increment and a
// TrackStats copy carries it. Filled only with Options.LatencyHistogram.
type LatencyHistogram struct {
	Buckets [latencyBuckets]uint64
	Count   uint64
}

// 4 buckets per octave from 4 µs up to about 2^30 µs (beyond a minute,
// which record never counts).
const latencyBuckets = 4 * 29

func latencyBucket(us uint64) int {
	if us < 4 {
		return int(us)
	}
	e := bits.Len64(us) - 1
	i := 4*(e-1) + int(us>>(e-2))&3
	return min(i, latencyBuckets-1)
}

// latencyUpper is the smallest latency (µs) above bucket i.
func latencyUpper(i int) uint64 {
	if i < 4 {
		return uint64(i) + 1
	}
	e := i/4 + 1
	return (4 + uint64(i%4) + 1) << (e - 2)
}

func (h *LatencyHistogram) observe(d time.Duration) {
	h.Buckets[latencyBucket(uint64(max(d.Microseconds(), 0)))]++
	h.Count++
}

// Add adds o's counts to h (several tracks into one).
func (h *LatencyHistogram) Add(o *LatencyHistogram) {
	for i := range h.Buckets {
		h.Buckets[i] += o.Buckets[i]
	}
	h.Count += o.Count
}

// Sub removes o's counts from h: h taken later than o, of the same track,
// becomes what was recorded in between.
func (h *LatencyHistogram) Sub(o *LatencyHistogram) {
	for i := range h.Buckets {
		h.Buckets[i] -= o.Buckets[i]
	}
	h.Count -= o.Count
}

// Quantile is the upper edge of the bucket holding the q-th latency (0.5,
// 0.99), an overestimate by at most a bucket; 0 when nothing was counted.
func (h *LatencyHistogram) Quantile(q float64) time.Duration {
	if h.Count == 0 {
		return 0
	}
	rank := min(uint64(q*float64(h.Count)), h.Count-1)
	var seen uint64
	for i, n := range h.Buckets {
		if seen += n; seen > rank {
			return time.Duration(latencyUpper(i)) * time.Microsecond
		}
	}
	return time.Duration(latencyUpper(latencyBuckets-1)) * time.Microsecond
}
