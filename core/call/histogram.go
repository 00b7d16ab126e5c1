package call

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// latencyHistogram counts forwarding latencies in fixed log-scale buckets
// of microseconds: four buckets per power of two (each about 19% wide), so
// observing a packet is two atomic adds and no lock, on the hot path of
// every forwarded packet.
type latencyHistogram struct {
	buckets [histogramBuckets]atomic.Uint64
	count   atomic.Uint64
}

// 4 buckets per octave from 4 µs up to 2^31 µs (about 36 minutes).
const histogramBuckets = 4 * 30

func bucketOf(us uint64) int {
	if us < 4 {
		return int(us)
	}
	e := bits.Len64(us) - 1 // us is in [2^e, 2^(e+1))
	sub := int(us>>(e-2)) & 3
	i := 4*(e-1) + sub
	if i >= histogramBuckets {
		i = histogramBuckets - 1
	}
	return i
}

// bucketUpper is the smallest value (µs) above bucket i.
func bucketUpper(i int) uint64 {
	if i < 4 {
		return uint64(i) + 1
	}
	e := i/4 + 1
	sub := uint64(i % 4)
	return (4 + sub + 1) << (e - 2)
}

func (h *latencyHistogram) observe(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.buckets[bucketOf(uint64(us))].Add(1)
	h.count.Add(1)
}

// quantile is the upper edge of the bucket holding the q-th observation
// (0 when nothing was observed): an overestimate by at most a bucket.
func (h *latencyHistogram) quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q * float64(n))
	if rank >= n {
		rank = n - 1
	}
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen > rank {
			return time.Duration(bucketUpper(i)) * time.Microsecond
		}
	}
	return time.Duration(bucketUpper(histogramBuckets-1)) * time.Microsecond
}
