package main

import (
	"bufio"
	"testing"
	"time"

	"github.com/salon-chat/salon/internal/loopback"
)

// Lines read through a stampedReader carry the kernel's receive time: after
// the write, before the read returned, and moving on with later segments.
func TestStampedReaderKeepsReceiveTimes(t *testing.T) {
	client, server := loopback.Pair(t)
	stamps := newStampedReader(server)
	if stamps == nil {
		t.Fatal("no receive times on a loopback TCP connection")
	}
	r := bufio.NewReader(stamps)
	// The first lines may come unstamped while the kernel turns stamping on.
	for waited := 0; ; waited++ {
		if _, err := client.Write([]byte("warm-up\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		if stamps.last != 0 {
			break
		}
		if waited == 1000 {
			t.Fatal("no receive time on any of 1,000 lines over a second")
		}
		time.Sleep(time.Millisecond)
	}
	var previous int64
	for i, text := range []string{"first\n", "second\n"} {
		before := time.Now().UnixNano()
		if _, err := client.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		after := time.Now().UnixNano()
		if err != nil || line != text {
			t.Fatalf("read %q, %v; want %q", line, err, text)
		}
		if stamps.last < before || stamps.last > after {
			t.Fatalf("line %d stamped %d, outside its write (%d) and read (%d)", i, stamps.last, before, after)
		}
		if stamps.last <= previous {
			t.Fatalf("line %d stamped %d, not after the line before it (%d)", i, stamps.last, previous)
		}
		previous = stamps.last
		time.Sleep(time.Millisecond)
	}
	client.Close()
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("no end of stream after the writer closed")
	}
}
