package pluginhost

import (
	"testing"
	"time"
)

// Pauses stay within BackoffMin and BackoffMax, grow with each failure in
// a row, and are spread at random over half a ceiling to the ceiling.
func TestBackoff(t *testing.T) {
	const draws = 200
	for _, tc := range []struct {
		min, max time.Duration
		bounds   [][2]time.Duration // of the pauses in a row
	}{
		{500 * time.Millisecond, 30 * time.Second, [][2]time.Duration{
			{500 * time.Millisecond, time.Second},
			{time.Second, 2 * time.Second},
			{2 * time.Second, 4 * time.Second},
			{4 * time.Second, 8 * time.Second},
			{8 * time.Second, 16 * time.Second},
			{15 * time.Second, 30 * time.Second}, // the ceiling is max
			{15 * time.Second, 30 * time.Second}, // and stays there
		}},
		{100 * time.Millisecond, 150 * time.Millisecond, [][2]time.Duration{
			{100 * time.Millisecond, 150 * time.Millisecond},
			{100 * time.Millisecond, 150 * time.Millisecond},
		}},
		{time.Second, time.Second, [][2]time.Duration{{time.Second, time.Second}, {time.Second, time.Second}}},
	} {
		got := make([][]time.Duration, len(tc.bounds))
		b := newBackoff(tc.min, tc.max)
		for range draws {
			b.reset()
			for i := range tc.bounds {
				got[i] = append(got[i], b.next())
			}
		}
		for i, bd := range tc.bounds {
			lo, hi := bd[0], bd[1]
			least, most := got[i][0], got[i][0]
			for _, d := range got[i] {
				least, most = min(least, d), max(most, d)
			}
			if least < lo || most > hi {
				t.Errorf("min %v max %v, pause %d: drawn in [%v, %v], want within [%v, %v]", tc.min, tc.max, i, least, most, lo, hi)
			}
			// Spread: in 200 draws, some fall in the first and in the last
			// quarter of the range (all missing one has odds of 1 in 10^25).
			if q := (hi - lo) / 4; least > lo+q || most < hi-q {
				t.Errorf("min %v max %v, pause %d: drawn in [%v, %v] only, of [%v, %v]", tc.min, tc.max, i, least, most, lo, hi)
			}
		}
	}
}
