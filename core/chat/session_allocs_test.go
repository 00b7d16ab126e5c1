// The race detector changes what allocates (sync.Pool drops items on
// purpose under it), so allocation counts are checked without it: `make
// test` runs the tests named *Allocs in a pass of their own.

//go:build !race

package chat

import (
	"testing"
)

// Delivering a line to a session, its writer starting, writing and ending,
// allocates nothing once warm: at full fan-out every allocation here
// happens hundreds of thousands of times a second.
func TestSessionDeliveryAllocs(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			s, client := loopbackSession(t, w.swept)
			go func() {
				buf := make([]byte, 64<<10)
				for {
					if _, err := client.Read(buf); err != nil {
						return
					}
				}
			}()
			line := []byte("MSG 0 1 1 1 1764135600000000000 hello\n")
			deliver := func() {
				s.push(line)
				s.push(line)
				waitFlushed(s)
			}
			for range 100 {
				deliver()
			}
			if allocs := testing.AllocsPerRun(1000, deliver); allocs > 0.05 {
				t.Fatalf("a delivery allocates %.2f times, want none", allocs)
			}
		})
	}
}
