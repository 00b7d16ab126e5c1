package call

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pion/webrtc/v4"
	"github.com/salon-chat/salon/core/call/calltest"
)

// waitTime bounds every wait on a condition: generous, for two loaded
// cores under the race detector; a passing test takes far less.
const waitTime = 20 * time.Second

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	t.Cleanup(cancel)
	return ctx
}

// testLogger writes the unit's logs to the test's, and stops at cleanup
// (a test's log may not be written once it ended).
type testLogger struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLogger) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// newUnit starts a unit on loopback with short ICE timeouts; cfg's other
// fields are the test's.
func newUnit(t *testing.T, cfg Config) *Unit {
	t.Helper()
	w := &testLogger{t: t}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Log == nil {
		// CALL_TEST_LOG=debug (or trace, for pion's own) shows more.
		level := hclog.LevelFromString(os.Getenv("CALL_TEST_LOG"))
		if level == hclog.NoLevel {
			level = hclog.Info
		}
		cfg.Log = hclog.New(&hclog.LoggerOptions{Name: "call", Level: level, Output: io.Writer(w)})
	}
	if cfg.iceDisconnected == 0 {
		cfg.iceDisconnected = 2 * time.Second
		cfg.iceFailed = 4 * time.Second
	}
	u, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		u.Close()
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return u
}

// member is a calltest client in a room, its signaling wired straight to
// its participant, as the hub would carry it.
type member struct {
	t       *testing.T
	user    int64
	c       *calltest.Client
	p       *Participant
	offers  chan []byte
	failed  chan string
	renewed chan struct{} // closed by Peer.Renew
	done    chan struct{}

	answering sync.WaitGroup
}

func join(t *testing.T, r *Room, user int64, opts calltest.Options) *member {
	t.Helper()
	c, err := calltest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m := &member{
		t:       t,
		user:    user,
		c:       c,
		offers:  make(chan []byte, 64),
		failed:  make(chan string, 1),
		renewed: make(chan struct{}),
		done:    make(chan struct{}),
	}
	t.Cleanup(m.close)
	m.p = r.Join(Peer{
		User: user,
		Signal: func(kind string, payload []byte) {
			if kind != "offer" {
				t.Errorf("user %d: a signal of kind %q", user, kind)
				return
			}
			select {
			case m.offers <- payload:
			default:
				t.Errorf("user %d: offers pile up", user)
			}
		},
		Failed: func(reason string) {
			select {
			case m.failed <- reason:
			default:
				t.Errorf("user %d: Failed twice (%s)", user, reason)
			}
		},
		Renew: func() { close(m.renewed) }, // twice would panic the test
	})
	m.answering.Add(1)
	go m.answer()
	return m
}

func (m *member) answer() {
	defer m.answering.Done()
	for {
		select {
		case <-m.done:
			return
		case offer := <-m.offers:
			answer, err := m.c.HandleOffer(offer)
			if err != nil {
				select {
				case <-m.done: // closed under it
				default:
					if m.c.ConnectionState() != webrtc.PeerConnectionStateClosed {
						m.t.Errorf("user %d: %v", m.user, err)
					}
				}
				continue
			}
			m.p.Answer(answer)
		}
	}
}

func (m *member) close() {
	select {
	case <-m.done:
	default:
		close(m.done)
	}
	m.p.Leave()
	m.c.Close()
	m.answering.Wait()
}

// key names a remote track as calltest records it.
func key(user int64, track string) string {
	if track == "screen" {
		return fmt.Sprintf("%d-screen/screen", user)
	}
	return fmt.Sprintf("%d/%s", user, track)
}

// waitTracks waits until m receives exactly the tracks keys.
func (m *member) waitTracks(ctx context.Context, keys ...string) {
	m.t.Helper()
	slices.Sort(keys)
	err := m.c.Wait(ctx, func() bool { return slices.Equal(m.c.Tracks(), keys) })
	if err != nil {
		m.t.Fatalf("user %d receives %v, want %v: %v", m.user, m.c.Tracks(), keys, err)
	}
}

// waitPackets waits until m has n more packets on each of keys than now.
func (m *member) waitPackets(ctx context.Context, n int, keys ...string) {
	m.t.Helper()
	want := make([]int, len(keys))
	for i, k := range keys {
		have, _ := m.c.Track(k)
		want[i] = have.Packets + n
	}
	for i, k := range keys {
		if err := m.c.WaitPackets(ctx, k, want[i]); err != nil {
			m.t.Fatalf("user %d: %v", m.user, err)
		}
	}
}

func (m *member) waitFailed(ctx context.Context) string {
	m.t.Helper()
	select {
	case reason := <-m.failed:
		return reason
	case <-ctx.Done():
		m.t.Fatalf("user %d: not failed: %v", m.user, ctx.Err())
		return ""
	}
}

func (m *member) assertNotFailed() {
	m.t.Helper()
	select {
	case reason := <-m.failed:
		m.t.Fatalf("user %d failed: %s", m.user, reason)
	default:
	}
}

// checkTrack asserts that a received track's sequence numbers and
// timestamps went forward.
func (m *member) checkTrack(k string) {
	m.t.Helper()
	s, ok := m.c.Track(k)
	if !ok {
		m.t.Fatalf("user %d: no track %s", m.user, k)
	}
	if !s.Monotonic {
		m.t.Errorf("user %d: %s's timestamps went back", m.user, k)
	}
	if s.Seq <= uint64(s.FirstSeq) || s.LastTimestamp == s.FirstTimestamp {
		m.t.Errorf("user %d: %s did not advance: seq %d..%d, timestamps %d..%d",
			m.user, k, s.FirstSeq, s.Seq, s.FirstTimestamp, s.LastTimestamp)
	}
}

// joinSilent joins a participant whose offers are kept and never answered.
func joinSilent(t *testing.T, r *Room, user int64) *member {
	t.Helper()
	m := &member{
		t:      t,
		user:   user,
		offers: make(chan []byte, 64),
		failed: make(chan string, 1),
		done:   make(chan struct{}),
	}
	m.p = r.Join(Peer{
		User: user,
		Signal: func(kind string, payload []byte) {
			select {
			case m.offers <- payload:
			default:
			}
		},
		Failed: func(reason string) {
			select {
			case m.failed <- reason:
			default:
				t.Errorf("user %d: Failed twice (%s)", user, reason)
			}
		},
	})
	t.Cleanup(m.p.Leave)
	return m
}

func (m *member) firstOffer(ctx context.Context) []byte {
	m.t.Helper()
	select {
	case o := <-m.offers:
		return o
	case <-ctx.Done():
		m.t.Fatalf("user %d: no offer: %v", m.user, ctx.Err())
		return nil
	}
}

// waitStat waits until the room's stats satisfy cond; the unit has no
// change to wait on, so this polls, briefly.
func waitStat(ctx context.Context, t *testing.T, r *Room, cond func(Stats) bool) {
	t.Helper()
	for !cond(r.Stats()) {
		select {
		case <-ctx.Done():
			t.Fatalf("room stats %+v: %v", r.Stats(), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
