package main

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// fanout: members in one server's general channel, some of whom send as
// fast as their window allows; every member counts what it receives.
func fanout(srv *server, o options) (Result, error) {
	return fanoutTagged(srv, o, false)
}

// fanoutTagged is fanout where, with tags, every member's connection asks
// for the tags capability first, so that every delivery carries its
// prefix (@id=...;time=...).
func fanoutTagged(srv *server, o options, tags bool) (Result, error) {
	return fanoutAt(srv, o, srv.addr, tags)
}

// fanoutAt is fanoutTagged with every member connected to addr: the
// server's TCP listener, or its web listener as ws://host:port.
func fanoutAt(srv *server, o options, addr string, tags bool) (Result, error) {
	join := func(pseudo string) (*client, error) {
		c, err := register(addr, pseudo, o.window)
		if err != nil || !tags {
			return c, err
		}
		if err := c.send("CAP REQ tags"); err != nil {
			return nil, err
		}
		_, err = c.expect("CAP ACK tags")
		return c, err
	}
	owner, err := join("owner")
	if err != nil {
		return Result{}, err
	}
	if err := owner.send("NEW SERV bench"); err != nil {
		return Result{}, err
	}
	var sid int64
	l, err := owner.expect("TAG ")
	if err != nil {
		return Result{}, err
	}
	fmt.Sscanf(l, "TAG %d 0", &sid)
	members := []*client{owner}
	for i := 1; i < o.members; i++ {
		m, err := join(fmt.Sprintf("m%d", i))
		if err != nil {
			return Result{}, err
		}
		owner.send(fmt.Sprintf("INV 0 %d %d 0", m.tag, sid))
		if _, err := m.expect("INV "); err != nil {
			return Result{}, err
		}
		m.send(fmt.Sprintf("JOIN %d 0", sid))
		if _, err := m.expect(fmt.Sprintf("GRP %d 0 ", sid)); err != nil {
			return Result{}, err
		}
		members = append(members, m)
	}
	for _, m := range members {
		m.drain()
	}
	senders := members[:min(o.senders, len(members))]
	params := fmt.Sprintf("members=%d senders=%d size=%d", len(members), len(senders), o.size)
	if tags {
		params += " tags"
	}
	if strings.HasPrefix(addr, wsScheme) {
		params += " ws"
	}
	return measure(srv, o, "fanout", params,
		members, senders, func(i int) string { return fmt.Sprintf("%d 0", sid) })
}

// storeScenario: many senders, each alone in its own server, so that every
// message is one stored row and one delivery (its echo): the group commit's
// throughput.
func storeScenario(srv *server, o options) (Result, error) {
	var clients []*client
	var targets []string
	for i := 0; i < o.storeSenders; i++ {
		c, err := register(srv.addr, fmt.Sprintf("s%d", i), o.window)
		if err != nil {
			return Result{}, err
		}
		c.send(fmt.Sprintf("NEW SERV s%d", i))
		l, err := c.expect("TAG ")
		if err != nil {
			return Result{}, err
		}
		var sid int64
		fmt.Sscanf(l, "TAG %d 0", &sid)
		c.drain()
		clients = append(clients, c)
		targets = append(targets, fmt.Sprintf("%d 0", sid))
	}
	return measure(srv, o, "store", fmt.Sprintf("senders=%d size=%d window=%d", len(clients), o.size, o.window),
		clients, clients, func(i int) string { return targets[i] })
}

// measure runs the senders for o.duration, waits for every delivery and
// computes the figures.
func measure(srv *server, o options, name, params string, receivers, senders []*client, target func(int) string) (Result, error) {
	for _, c := range receivers {
		c.received.Store(0)
	}
	// At a fixed rate of deliveries, each sender sends rate/receivers/senders
	// messages a second.
	var interval time.Duration
	if o.rate > 0 && name != "store" {
		perSender := float64(o.rate) / float64(len(receivers)) / float64(len(senders))
		interval = time.Duration(float64(time.Second) / perSender)
		params += fmt.Sprintf(" rate=%d/s", o.rate)
	}
	cpu0, proc0 := srv.cpuSeconds(), srv.processCPUSeconds()
	start := time.Now()
	stop := make(chan struct{})
	sent := make([]int64, len(senders))
	var wg sync.WaitGroup
	for i, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Senders start at evenly spread phases of the interval: with
			// one shared phase, every sender's message lands in the same
			// instant and the figure measures draining a burst of
			// senders × members lines, not latency at a steady rate.
			phase := interval * time.Duration(i) / time.Duration(len(senders))
			sent[i] = s.sendLoop(target(i), o.size, interval, phase, stop)
		}()
	}
	time.Sleep(o.duration)
	close(stop)
	wg.Wait()
	for _, s := range senders {
		if !s.waitIdle(30 * time.Second) {
			return Result{}, fmt.Errorf("a sender's messages were not all acknowledged")
		}
	}
	var msgs int64
	for _, n := range sent {
		msgs += n
	}
	// Each message reaches every receiver of its conversation: in fanout all
	// receivers, in store only the sender itself.
	want := msgs * int64(len(receivers))
	if name == "store" {
		want = msgs
	}
	deadline := time.Now().Add(60 * time.Second)
	var got int64
	for {
		got = 0
		for _, c := range receivers {
			got += c.received.Load()
		}
		if got >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start).Seconds()
	cpu := srv.cpuSeconds() - cpu0
	if got < want {
		return Result{}, fmt.Errorf("only %d of %d deliveries arrived", got, want)
	}
	r := Result{Scenario: name, Params: params, Seconds: elapsed, Messages: msgs, Deliveries: got,
		PerSecond: float64(got) / elapsed, StoredPerSecond: float64(msgs) / elapsed,
		ServerCPUSeconds: cpu, ServerRSSKiB: srv.rssKiB(), ProcessCPUSeconds: srv.processCPUSeconds() - proc0}
	if cpu > 0 {
		r.PerCPUSecond = float64(got) / cpu
	}
	latencies(&r, receivers)
	return r, nil
}
