package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is one simulated user. Its reader goroutine counts MSG lines,
// samples their latency from the send time carried in the text, frees a
// window slot when its own message comes back, and passes every other line
// to ctrl for the set-up steps.
type client struct {
	conn  net.Conn
	w     *bufio.Writer
	wmu   sync.Mutex
	tag   int64
	ctrl  chan string
	slots chan struct{}

	received atomic.Int64
	mu       sync.Mutex
	samples  []int64 // latencies in ns, one delivery in sampleEvery, taken when the reader sees the line
	arrivals []int64 // the same deliveries' latencies to the kernel's receive time (Linux), 0 where unknown
}

const sampleEvery = 8

func dial(addr string, window int) (*client, error) {
	conn, err := dialConn(addr)
	if err != nil {
		return nil, err
	}
	return startClient(conn, window), nil
}

// startClient makes conn a client and starts its reader.
func startClient(conn net.Conn, window int) *client {
	c := &client{conn: conn, w: bufio.NewWriter(conn), ctrl: make(chan string, 1<<16), slots: make(chan struct{}, window)}
	go c.read()
	return c
}

func (c *client) read() {
	defer close(c.ctrl)
	stamps := newStampedReader(c.conn)
	var r *bufio.Reader
	if stamps != nil {
		r = bufio.NewReaderSize(stamps, 1<<16)
	} else {
		r = bufio.NewReaderSize(c.conn, 1<<16)
	}
	var n int64
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(line) > 0 && line[0] == '@' {
			// A tags connection's MSG: the prefix is skipped in place, so
			// that fanout-tags costs the load generator one scan more.
			if i := bytes.IndexByte(line, ' '); i > 0 && bytes.HasPrefix(line[i+1:], []byte("MSG ")) {
				line = line[i+1:]
			}
		}
		if len(line) > 4 && string(line[:4]) == "MSG " {
			now := time.Now().UnixNano()
			// MSG 0 src S C sent_ns padding: fields read in place, without
			// allocating, so the load generator stays cheap next to the
			// server it measures.
			f := fields(line, 7)
			if len(f) >= 6 {
				if src, _ := atoi(f[2]); src == c.tag {
					select {
					case <-c.slots:
					default:
					}
				}
				n++
				c.received.Add(1)
				if n%sampleEvery == 0 {
					if sent, ok := atoi(f[5]); ok {
						var arrival int64
						if stamps != nil && stamps.last != 0 {
							arrival = stamps.last - sent
						}
						c.mu.Lock()
						c.samples = append(c.samples, now-sent)
						c.arrivals = append(c.arrivals, arrival)
						c.mu.Unlock()
					}
				}
			}
			continue
		}
		c.ctrl <- strings.TrimRight(string(line), "\r\n")
	}
}

// fields splits line at spaces into at most n fields, reusing a small
// array (the caller uses them at once).
func fields(line []byte, n int) [][]byte {
	var out [8][]byte
	f := out[:0]
	for len(f) < n-1 {
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			break
		}
		f = append(f, line[:i])
		line = line[i+1:]
	}
	return append(f, line)
}

// atoi parses a non-negative decimal without allocating.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func (c *client) send(line string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.w.WriteString(line)
	c.w.WriteString("\r\n")
	return c.w.Flush()
}

// expect waits for a control line starting with prefix.
func (c *client) expect(prefix string) (string, error) {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.ctrl:
			if !ok {
				return "", fmt.Errorf("connection closed waiting for %q", prefix)
			}
			if strings.HasPrefix(l, "ERR") {
				return "", fmt.Errorf("server said %q waiting for %q", l, prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l, nil
			}
		case <-timeout:
			return "", fmt.Errorf("timeout waiting for %q", prefix)
		}
	}
}

// drain discards control lines in the background (after set-up).
func (c *client) drain() {
	go func() {
		for range c.ctrl {
		}
	}()
}

func register(addr, pseudo string, window int) (*client, error) {
	c, err := dial(addr, window)
	if err != nil {
		return nil, err
	}
	if err := c.send("NEW USR " + pseudo + " bench-password"); err != nil {
		return nil, err
	}
	l, err := c.expect("TAG 0 ")
	if err != nil {
		return nil, err
	}
	c.tag, _ = strconv.ParseInt(strings.TrimPrefix(l, "TAG 0 "), 10, 64)
	_, err = c.expect("GRP 0 ")
	return c, err
}

// sendLoop sends messages to addr until stop, keeping at most the window
// unacknowledged, and returns how many it sent. With interval > 0 it sends
// at that pace (measuring latency at a fixed load) instead of as fast as the
// window allows, its first message after phase.
func (c *client) sendLoop(to string, size int, interval, phase time.Duration, stop <-chan struct{}) int64 {
	pad := strings.Repeat("x", max(size-20, 1))
	var n int64
	var tick <-chan time.Time
	if interval > 0 {
		select {
		case <-stop:
			return 0
		case <-time.After(phase):
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		if tick != nil {
			select {
			case <-stop:
				return n
			case <-tick:
			}
		}
		select {
		case <-stop:
			return n
		case c.slots <- struct{}{}:
		}
		if c.send(fmt.Sprintf("MSG %s %d %s", to, time.Now().UnixNano(), pad)) != nil {
			return n
		}
		n++
	}
}

// waitIdle waits until every slot is free: all its messages came back.
func (c *client) waitIdle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for len(c.slots) > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// latencies merges the clients' samples into r: p50, p99 and max when the
// load generator read the lines, and p50 and p99 of their arrival at the
// kernel where it reports them.
func latencies(r *Result, clients []*client) {
	var read, arrived []int64
	for _, c := range clients {
		c.mu.Lock()
		read = append(read, c.samples...)
		for _, a := range c.arrivals {
			if a != 0 {
				arrived = append(arrived, a)
			}
		}
		c.samples, c.arrivals = nil, nil
		c.mu.Unlock()
	}
	r.LatencyP50Micros, r.LatencyP99Micros, r.LatencyMaxMicros = percentiles(read)
	r.ArrivalP50Micros, r.ArrivalP99Micros, _ = percentiles(arrived)
}

// percentiles sorts samples (ns) and returns p50, p99 and max in microseconds.
func percentiles(all []int64) (p50, p99, maxv float64) {
	if len(all) == 0 {
		return 0, 0, 0
	}
	slices.Sort(all)
	at := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / 1e3 }
	return at(0.50), at(0.99), float64(all[len(all)-1]) / 1e3
}
