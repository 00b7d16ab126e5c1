package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1}

func TestHashVerify(t *testing.T) {
	h := NewHasher(cheap, 2)
	ctx := context.Background()
	a, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Hash(ctx, "correct horse")
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if !strings.HasPrefix(a, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", a)
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horsf": false, "": false} {
		if ok, err := h.Verify(ctx, a, pw); ok != want || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// A hash made with other parameters still verifies: they are read from it.
	other := NewHasher(Params{Time: 2, MemoryKiB: 128, Threads: 2}, 1)
	if ok, _ := other.Verify(ctx, a, "correct horse"); !ok {
		t.Fatal("a hash did not verify under a hasher with other parameters")
	}
	// No account: never matches, whatever the password.
	if ok, err := h.Verify(ctx, "", "salon-dummy-password"); ok || err != nil {
		t.Fatalf("empty hash verified: %v %v", ok, err)
	}
	for _, bad := range []string{"x", "$argon2i$v=19$m=64,t=1,p=1$AA$AA", "$argon2id$v=18$m=64,t=1,p=1$AA$AA",
		"$argon2id$v=19$m=64,t=0,p=1$AA$AA", "$argon2id$v=19$m=64,t=1,p=1$!!$AA"} {
		if _, err := h.Verify(ctx, bad, "pw"); err != ErrMalformedHash {
			t.Errorf("Verify(%q) error %v, want ErrMalformedHash", bad, err)
		}
	}
}

// At most the configured number of hashes run at once.
func TestHasherBoundsConcurrency(t *testing.T) {
	h := NewHasher(cheap, 2)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			h.release()
		}()
	}
	wg.Wait()
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak.Load())
	}
	// A cancelled context gives up waiting for a slot.
	h.acquire(context.Background())
	h.acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "password"); err == nil {
		t.Fatal("Hash waited past a cancelled context")
	}
}

func TestThrottle(t *testing.T) {
	now := time.Unix(1000, 0)
	th := NewThrottle(2, 100*time.Millisecond, time.Second, time.Minute)
	th.now = func() time.Time { return now }
	steps := []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second, time.Second}
	for i, want := range steps {
		if got := th.Delay("addr:1", "user:a"); got != want {
			t.Fatalf("after %d failures: delay %v, want %v", i, got, want)
		}
		th.Fail("addr:1", "user:a")
	}
	// The largest penalty of the keys applies; other keys are untouched.
	if th.Delay("addr:2", "user:a") != time.Second || th.Delay("addr:2", "user:b") != 0 {
		t.Fatal("penalties leaked between keys")
	}
	th.Forget("user:a")
	if th.Delay("addr:2", "user:a") != 0 {
		t.Fatal("Forget kept the account's failures")
	}
	now = now.Add(2 * time.Minute)
	if th.Delay("addr:1") != 0 {
		t.Fatal("failures were not forgotten after the quiet period")
	}
}
