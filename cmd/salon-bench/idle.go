package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// idleScenario measures what an idle, logged-in connection costs the
// server: it registers o.idle accounts first (accounts live in memory
// whether or not they are connected), then logs each in on a connection of
// its own, leaves them all idle and divides the growth of the server's
// resident memory by their number.
func idleScenario(srv *server, o options) (Result, error) {
	return idleAt(srv, o, srv.addr)
}

// idleAt is idleScenario with the idle sessions connected to addr: the
// server's TCP listener, or its web listener as ws://host:port (the
// accounts are registered over TCP either way).
func idleAt(srv *server, o options, addr string) (Result, error) {
	settle := func() (int64, error) {
		// A server left idle collects its garbage at least every two
		// minutes, which also shrinks the stacks of goroutines that wait:
		// the bench asks for that collection through the profiler instead
		// of waiting for it.
		if err := collectGarbage(srv.pprof); err != nil {
			return 0, fmt.Errorf("asking the server to collect garbage: %w", err)
		}
		// The runtime hands freed pages back gradually: read until the
		// resident size has stopped falling for three seconds (30 s at most).
		rss, steady := srv.rssKiB(), 0
		for deadline := time.Now().Add(30 * time.Second); steady < 3 && time.Now().Before(deadline); {
			time.Sleep(time.Second)
			now := srv.rssKiB()
			if now < rss-rss/100 {
				steady = 0
			} else {
				steady++
			}
			rss = min(rss, now)
		}
		return rss, nil
	}
	for i := 0; i < o.idle; i++ {
		c, err := register(srv.addr, fmt.Sprintf("idle%d", i), 1)
		if err != nil {
			return Result{}, err
		}
		c.conn.Close()
	}
	before, err := settle()
	if err != nil {
		return Result{}, err
	}
	g0, _ := pprofGoroutines(srv.pprof)
	var clients []*client
	defer func() {
		for _, c := range clients {
			c.conn.Close()
		}
	}()
	for i := 0; i < o.idle; i++ {
		c, err := dial(addr, 1)
		if err != nil {
			return Result{}, err
		}
		clients = append(clients, c)
		if err := c.send(fmt.Sprintf("IAM idle%d bench-password", i)); err != nil {
			return Result{}, err
		}
		if _, err := c.expect("GRP 0 "); err != nil {
			return Result{}, err
		}
		c.drain()
	}
	after, err := settle()
	if err != nil {
		return Result{}, err
	}
	g1, _ := pprofGoroutines(srv.pprof)
	if dir := os.Getenv("SALON_BENCH_HEAP_DIR"); dir != "" {
		// The server's heap profile with the sessions idle, to see where a
		// connection's memory goes (go tool pprof -sample_index=inuse_space).
		if err := saveHeapProfile(srv.pprof, filepath.Join(dir, fmt.Sprintf("idle-%d.pb.gz", srv.pid))); err != nil {
			return Result{}, err
		}
	}
	params := fmt.Sprintf("connections=%d", o.idle)
	if o.idle > 0 && g1 > 0 {
		params += fmt.Sprintf(" goroutines/conn=%.1f", float64(g1-g0)/float64(o.idle))
	}
	r := Result{Scenario: "idle", Params: params, ServerRSSKiB: after, Messages: int64(o.idle)}
	if o.idle > 0 {
		r.KiBPerConnection = float64(after-before) / float64(o.idle)
	}
	return r, nil
}
