package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// The soak: a few hundred simulated users chat in channels, write to their
// friends, leave channels and join them again, upload small files and
// download them, read histories, play JEU echo and reconnect, for minutes,
// while the server's resident memory and goroutines are sampled. It fails
// if either grows after the warm-up (the first fifth of the run): the
// average of the last third of the samples may exceed that of the first
// third by -soak-tolerance and a small slack, no more. A leak, however
// slow, shows up there long before it takes a server down. Every action
// that fails (an ERR, a missing answer) fails the soak too.

var (
	soakUsers     = flag.Int("soak-users", 300, "soak: simulated users")
	soakDuration  = flag.Duration("soak-duration", 5*time.Minute, "soak: how long the users play")
	soakSample    = flag.Duration("soak-sample", 10*time.Second, "soak: interval between samples of the server's memory and goroutines")
	soakThink     = flag.Duration("soak-think", time.Second, "soak: mean pause of a user between two actions")
	soakTolerance = flag.Float64("soak-tolerance", 1.2, "soak: the last third's average may be at most this times the first third's (plus a small slack)")
)

const (
	// Added to what the tolerance allows, for figures too small for a
	// ratio alone to mean much.
	soakRSSSlackKiB    = 8 << 10
	soakGoroutineSlack = 20

	soakChannelsPerSrv  = 4 // channels of each server besides general
	soakDropEvery       = 30 * time.Second
	soakUsersPerServer  = 30 // users in each server
	soakErrorsToDisplay = 10
)

// soakSampleAt is one measurement of the server.
type soakSampleAt struct {
	at         time.Duration // since the users started
	rssKiB     int64
	anonKiB    int64 // anonymous resident memory: what the server allocated
	goroutines int64
	heapKiB    int64 // HeapAlloc, from the heap profile's MemStats
	goKiB      int64 // what the Go runtime holds from the system: Sys - HeapReleased
	threads    int64
	sqliteKiB  int64 // what SQLite's allocator holds
	actions    int64 // done so far
}

// soakWorld is what the users share.
type soakWorld struct {
	addr    string
	owners  []*client // owner i owns server sids[i] and every channel of it
	sids    []int64
	drops   []*soakDrop // drops[i]: the channel of server i that receives files
	errs    atomic.Int64
	actions atomic.Int64
	mu      sync.Mutex
	shown   []string
	lat     []int64 // action latencies, ns
	byKind  map[string]int64
}

func (w *soakWorld) fail(who string, err error) {
	w.errs.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.shown) < soakErrorsToDisplay {
		w.shown = append(w.shown, who+": "+err.Error())
	}
}

func (w *soakWorld) done(kind string, took time.Duration) {
	w.actions.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lat = append(w.lat, took.Nanoseconds())
	w.byKind[kind]++
}

// soakDrop is the channel of a server that users upload files to. Its
// owner deletes it and creates a new one every soakDropEvery, which deletes
// the files with it, as moderators clean up: the files a server knows stay
// bounded, and the soak measures a steady state rather than a server that
// accumulates files (each known file costs memory by design; see
// docs/performance.md).
type soakDrop struct {
	mu   sync.RWMutex // held for reading by an upload and its download, for writing by the rotation
	tag  int64
	tags chan int64 // the TAG answers to the owner's NEW CHAN
}

// soakUser is one simulated user and what it knows of its memberships.
type soakUser struct {
	w        *soakWorld
	pseudo   string
	c        *client
	home     int // index of its server
	friends  []int64
	channels map[int64]bool // channel tags of its home server it is in, general (0) included
	drop     int64          // the drop channel it joined last (0: none)
	rng      *mrand.Rand
	n        int // actions so far, for unique tokens and names
}

func soakScenario(srv *server, o options) (Result, error) {
	if srv.pid == 0 {
		return Result{}, errors.New("soak: needs a server it starts (no -addr): it reads the server's memory in /proc")
	}
	if srv.pprof == "" {
		return Result{}, errors.New("soak: the server has no profiler: the soak counts its goroutines through it")
	}
	users := *soakUsers
	if users < 2 {
		return Result{}, errors.New("soak: needs at least 2 users")
	}
	w := &soakWorld{addr: srv.addr, byKind: map[string]int64{}}
	setupStart := time.Now()
	us, err := soakSetup(w, users)
	if err != nil {
		return Result{}, fmt.Errorf("setting up: %w", err)
	}
	fmt.Printf("soak: %d users in %d servers set up in %v\n", users, len(w.sids), time.Since(setupStart).Round(time.Millisecond))

	var received0 int64
	for _, u := range us {
		received0 += u.c.received.Load()
	}
	cpu0 := srv.cpuSeconds()
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, u := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u.run(stop)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.rotateDrops(stop)
	}()

	var samples []soakSampleAt
	take := func() {
		s := soakSampleAt{at: time.Since(start), rssKiB: srv.rssKiB(), anonKiB: srv.anonKiB(), actions: w.actions.Load()}
		var err error
		if s.goroutines, err = pprofGoroutines(srv.pprof); err != nil {
			w.fail("sampler", err)
		}
		if ms, err := pprofMemStats(srv.pprof); err != nil {
			w.fail("sampler", err)
		} else {
			s.heapKiB, s.goKiB = ms["HeapAlloc"]>>10, (ms["Sys"]-ms["HeapReleased"])>>10
		}
		s.threads = srv.status("Threads:")
		if s.sqliteKiB, err = sqliteKiB(srv.pprof); err != nil {
			w.fail("sampler", err)
		}
		samples = append(samples, s)
		fmt.Printf("soak: %6s  rss %7d KiB  anon %7d KiB  go %7d KiB  heap %7d KiB  sqlite %6d KiB  threads %3d  goroutines %5d  actions %8d  errors %d\n",
			s.at.Round(time.Second), s.rssKiB, s.anonKiB, s.goKiB, s.heapKiB, s.sqliteKiB, s.threads, s.goroutines, s.actions, w.errs.Load())
	}
	take()
	tick := time.NewTicker(*soakSample)
	end := time.After(*soakDuration)
loop:
	for {
		select {
		case <-tick.C:
			take()
		case <-end:
			break loop
		}
	}
	tick.Stop()
	take()
	close(stop)
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	cpu := srv.cpuSeconds() - cpu0

	var received int64
	for _, u := range us {
		received += u.c.received.Load()
		u.c.conn.Close()
	}
	for _, c := range w.owners {
		received += c.received.Load()
		c.conn.Close()
	}
	received -= received0

	verdict := soakVerdict(samples, *soakDuration/5, *soakTolerance)
	w.mu.Lock()
	kinds := make([]string, 0, len(w.byKind))
	for k := range w.byKind {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, w.byKind[k]))
	}
	slices.Sort(kinds)
	fmt.Printf("soak: actions %s\n", strings.Join(kinds, " "))
	for _, e := range w.shown {
		fmt.Printf("soak: error: %s\n", e)
	}
	lat := slices.Clone(w.lat)
	w.mu.Unlock()

	r := Result{Scenario: "soak", Params: fmt.Sprintf("users=%d duration=%v think=%v", users, *soakDuration, *soakThink),
		Seconds: elapsed, Messages: w.actions.Load(), Deliveries: received, PerSecond: float64(w.actions.Load()) / elapsed,
		ServerCPUSeconds: cpu, ServerRSSKiB: srv.rssKiB()}
	if cpu > 0 {
		r.PerCPUSecond = float64(received) / cpu
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e3 }
		r.LatencyP50Micros, r.LatencyP99Micros, r.LatencyMaxMicros = at(0.5), at(0.99), float64(lat[len(lat)-1])/1e3
	}
	if n := w.errs.Load(); n > 0 {
		verdict = errors.Join(verdict, fmt.Errorf("%d actions failed", n))
	}
	if verdict != nil {
		return r, fmt.Errorf("soak failed: %w", verdict)
	}
	fmt.Println("soak: memory and goroutines stayed flat")
	return r, nil
}

// soakVerdict compares, after warmup, the average of the last third of the
// samples with that of the first third.
func soakVerdict(samples []soakSampleAt, warmup time.Duration, tolerance float64) error {
	var kept []soakSampleAt
	for _, s := range samples {
		if s.at >= warmup {
			kept = append(kept, s)
		}
	}
	if len(kept) < 3 {
		return fmt.Errorf("only %d samples after the warm-up of %v: run longer or sample more often", len(kept), warmup)
	}
	third := len(kept) / 3
	avg := func(ss []soakSampleAt, f func(soakSampleAt) int64) float64 {
		var sum int64
		for _, s := range ss {
			sum += f(s)
		}
		return float64(sum) / float64(len(ss))
	}
	first, last := kept[:third], kept[len(kept)-third:]
	var errs []error
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "soak: after %v\tfirst third\tlast third\tlimit\t\n", warmup)
	for _, m := range []struct {
		name  string
		f     func(soakSampleAt) int64
		slack float64
		judge bool
	}{
		// Judged on anonymous memory: the executable's own pages also count
		// in the resident size, and grow as more of its code is used.
		{"anon KiB", func(s soakSampleAt) int64 { return s.anonKiB }, soakRSSSlackKiB, true},
		{"rss KiB", func(s soakSampleAt) int64 { return s.rssKiB }, 0, false},
		{"goroutines", func(s soakSampleAt) int64 { return s.goroutines }, soakGoroutineSlack, true},
		{"heap KiB", func(s soakSampleAt) int64 { return s.heapKiB }, 0, false},
		{"go KiB", func(s soakSampleAt) int64 { return s.goKiB }, 0, false},
		{"sqlite KiB", func(s soakSampleAt) int64 { return s.sqliteKiB }, 0, false},
		// What is resident but neither the Go runtime's nor SQLite's: the C
		// library's free lists, thread stacks.
		{"anon-go-sqlite KiB", func(s soakSampleAt) int64 { return s.anonKiB - s.goKiB - s.sqliteKiB }, 0, false},
		{"threads", func(s soakSampleAt) int64 { return s.threads }, 0, false},
	} {
		a, b := avg(first, m.f), avg(last, m.f)
		limit := a*tolerance + m.slack
		if !m.judge {
			fmt.Fprintf(w, "soak: %s\t%.0f\t%.0f\t(not judged)\t\n", m.name, a, b)
			continue
		}
		fmt.Fprintf(w, "soak: %s\t%.0f\t%.0f\t%.0f\t\n", m.name, a, b, limit)
		if b > limit {
			errs = append(errs, fmt.Errorf("%s grew: %.0f on average in the last third, %.0f in the first, limit %.0f", m.name, b, a, limit))
		}
	}
	w.Flush()
	return errors.Join(errs...)
}

// soakSetup registers the users, gives each group of soakUsersPerServer a
// server owned by an extra account (which never leaves anything, so that it
// can always invite), puts every user in its server's general channel and
// one other channel, and makes each user a friend of the next one.
func soakSetup(w *soakWorld, users int) ([]*soakUser, error) {
	servers := (users + soakUsersPerServer - 1) / soakUsersPerServer
	for i := range servers {
		owner, err := register(w.addr, fmt.Sprintf("owner%d", i), 1)
		if err != nil {
			return nil, err
		}
		owner.send(fmt.Sprintf("NEW SERV soak%d", i))
		l, err := owner.expect("TAG ")
		if err != nil {
			return nil, err
		}
		var sid int64
		fmt.Sscanf(l, "TAG %d 0", &sid)
		for k := 1; k <= soakChannelsPerSrv; k++ {
			owner.send(fmt.Sprintf("NEW CHAN %d c%d", sid, k))
			if _, err := owner.expect(fmt.Sprintf("TAG %d %d ", sid, k)); err != nil {
				return nil, err
			}
		}
		owner.send(fmt.Sprintf("NEW CHAN %d drop", sid))
		l, err = owner.expect(fmt.Sprintf("TAG %d ", sid))
		if err != nil {
			return nil, err
		}
		drop := &soakDrop{tags: make(chan int64, 1)}
		fmt.Sscanf(l, "TAG %d %d", &sid, &drop.tag)
		w.owners = append(w.owners, owner)
		w.sids = append(w.sids, sid)
		w.drops = append(w.drops, drop)
	}

	us := make([]*soakUser, users)
	errs := make(chan error, users)
	sem := make(chan struct{}, 16)
	for i := range users {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			u := &soakUser{w: w, pseudo: fmt.Sprintf("soaker%d", i), home: i / soakUsersPerServer,
				channels: map[int64]bool{}, rng: mrand.New(mrand.NewPCG(uint64(i), 42))}
			c, err := register(w.addr, u.pseudo, 1)
			if err != nil {
				errs <- err
				return
			}
			u.c = c
			for _, ch := range []int64{0, int64(1 + i%soakChannelsPerSrv)} {
				if err := u.join(ch); err != nil {
					errs <- err
					return
				}
			}
			us[i] = u
			errs <- nil
		}()
	}
	for range users {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	// Friends in a ring: i asks i+1, who accepts.
	for i, u := range us {
		next := us[(i+1)%users]
		if slices.Contains(u.friends, next.c.tag) {
			continue // two users: the ring closes on itself
		}
		u.c.send(fmt.Sprintf("INV 0 %d", next.c.tag))
		if err := next.expect(fmt.Sprintf("INV 0 %d", u.c.tag)); err != nil {
			return nil, err
		}
		next.c.send(fmt.Sprintf("JOIN 0 %d", u.c.tag))
		if err := next.expect(fmt.Sprintf("JOIN 0 %d 0 %d", u.c.tag, next.c.tag)); err != nil {
			return nil, err
		}
		u.friends = append(u.friends, next.c.tag)
		next.friends = append(next.friends, u.c.tag)
	}
	// What set-up sent each user is read before the clock starts.
	for _, u := range us {
		if err := u.ping("setup"); err != nil {
			return nil, err
		}
	}
	for i, owner := range w.owners {
		go func() {
			prefix := fmt.Sprintf("TAG %d ", w.sids[i])
			for l := range owner.ctrl {
				if strings.HasPrefix(l, "ERR") {
					w.fail("owner", fmt.Errorf("server said %q", l))
				}
				var sid, tag int64
				if strings.HasPrefix(l, prefix) {
					if _, err := fmt.Sscanf(l, "TAG %d %d", &sid, &tag); err == nil {
						w.drops[i].tags <- tag
					}
				}
			}
		}()
	}
	return us, nil
}

// rotateDrops replaces every server's drop channel by a new one every
// soakDropEvery, until stop.
func (w *soakWorld) rotateDrops(stop <-chan struct{}) {
	tick := time.NewTicker(soakDropEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for i, d := range w.drops {
			if err := w.rotate(i, d); err != nil {
				w.fail("owner rotating the drop channel", err)
			}
		}
	}
}

func (w *soakWorld) rotate(i int, d *soakDrop) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	owner, sid := w.owners[i], w.sids[i]
	if err := owner.send(fmt.Sprintf("DEL %d %d", sid, d.tag)); err != nil {
		return err
	}
	if err := owner.send(fmt.Sprintf("NEW CHAN %d drop", sid)); err != nil {
		return err
	}
	select {
	case d.tag = <-d.tags:
		w.mu.Lock()
		w.byKind["drop-rotation"]++ // the owner's, not a user's action: no latency
		w.mu.Unlock()
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("no TAG for the new drop channel in 30s")
	}
}

// run plays until stop: a random action, then a random pause.
func (u *soakUser) run(stop <-chan struct{}) {
	for {
		pause := time.Duration(u.rng.ExpFloat64() * float64(*soakThink))
		select {
		case <-stop:
			return
		case <-time.After(pause):
		}
		kind, err := u.act()
		if err != nil {
			u.w.fail(u.pseudo+" "+kind, err)
			// Start again from a fresh connection.
			u.c.conn.Close()
			if err := u.reconnect(); err != nil {
				u.w.fail(u.pseudo+" reconnect", err)
				return
			}
		}
	}
}

// act does one action, chosen by weight, and returns its kind.
func (u *soakUser) act() (string, error) {
	u.n++
	if err := u.drain(); err != nil {
		return "earlier", err
	}
	start := time.Now()
	var kind string
	var err error
	switch p := u.rng.IntN(100); {
	case p < 35:
		kind, err = "chat", u.chat()
	case p < 55:
		kind, err = "dm", u.dm()
	case p < 67:
		kind, err = "jeu", u.jeu()
	case p < 79:
		kind, err = "join-leave", u.joinOrLeave()
	case p < 91:
		kind, err = "file", u.file()
	case p < 95:
		kind, err = "history", u.history()
	default:
		kind, err = "reconnect", u.byeAndBack()
	}
	if err == nil {
		u.w.done(kind, time.Since(start))
	}
	return kind, err
}

// say sends a message and waits for its echo (the window of 1 slot).
func (u *soakUser) say(to string) error {
	select {
	case u.c.slots <- struct{}{}:
	default:
		return errors.New("an earlier message was never echoed")
	}
	text := fmt.Sprintf("%d soak %s %d %s", time.Now().UnixNano(), u.pseudo, u.n, strings.Repeat("s", u.rng.IntN(200)))
	if err := u.c.send("MSG " + to + " " + text); err != nil {
		return err
	}
	if !u.c.waitIdle(30 * time.Second) {
		return fmt.Errorf("no echo of a message to %s in 30s", to)
	}
	return nil
}

func (u *soakUser) chat() error {
	var in []int64
	for ch := range u.channels {
		in = append(in, ch)
	}
	slices.Sort(in)
	return u.say(fmt.Sprintf("%d %d", u.w.sids[u.home], in[u.rng.IntN(len(in))]))
}

func (u *soakUser) dm() error {
	return u.say(fmt.Sprintf("0 %d", u.friends[u.rng.IntN(len(u.friends))]))
}

func (u *soakUser) jeu() error {
	token := fmt.Sprintf("%s-%d", u.pseudo, u.n)
	if err := u.c.send("JEU echo " + token); err != nil {
		return err
	}
	return u.expect("JEU echo " + token)
}

// joinOrLeave leaves a channel it is in (never general) or joins one it is
// not in, invited by the server's owner.
func (u *soakUser) joinOrLeave() error {
	ch := int64(1 + u.rng.IntN(soakChannelsPerSrv))
	sid := u.w.sids[u.home]
	if !u.channels[ch] {
		return u.join(ch)
	}
	if err := u.c.send(fmt.Sprintf("BYE %d %d", sid, ch)); err != nil {
		return err
	}
	if err := u.expect(fmt.Sprintf("BYE 0 %d %d %d", u.c.tag, sid, ch)); err != nil {
		return err
	}
	delete(u.channels, ch)
	return nil
}

// join has the owner invite u to channel ch of its server (0: the server)
// and accepts.
func (u *soakUser) join(ch int64) error {
	owner, sid := u.w.owners[u.home], u.w.sids[u.home]
	if err := owner.send(fmt.Sprintf("INV 0 %d %d %d", u.c.tag, sid, ch)); err != nil {
		return err
	}
	if _, err := u.c.expect(fmt.Sprintf("INV 0 %d %d %d ", owner.tag, sid, ch)); err != nil {
		return err
	}
	if err := u.c.send(fmt.Sprintf("JOIN %d %d", sid, ch)); err != nil {
		return err
	}
	if err := u.expect(fmt.Sprintf("JOIN %d %d 0 %d", sid, ch, u.c.tag)); err != nil {
		return err
	}
	u.channels[ch] = true
	return nil
}

// file uploads a small file to its server's drop channel (joining it
// first if it is a new one), then downloads it.
func (u *soakUser) file() error {
	sid, drop := u.w.sids[u.home], u.w.drops[u.home]
	drop.mu.RLock()
	defer drop.mu.RUnlock()
	if u.drop != drop.tag {
		if err := u.join(drop.tag); err != nil {
			return err
		}
		delete(u.channels, drop.tag) // chat and join-leave keep to the fixed channels
		u.drop = drop.tag
	}
	addr := fmt.Sprintf("%d %d", sid, drop.tag)
	name := fmt.Sprintf("%s-%d.bin", u.pseudo, u.n)
	data := make([]byte, 1+u.rng.IntN(8<<10))
	rand.Read(data)
	if err := u.c.send(fmt.Sprintf("NEWFILE %s %s %d", addr, name, len(data))); err != nil {
		return err
	}
	if err := u.expect("NEWFILE OK"); err != nil {
		return err
	}
	for off := 0; off < len(data); off += 2880 {
		chunk := base64.StdEncoding.EncodeToString(data[off:min(off+2880, len(data))])
		if err := u.c.send(fmt.Sprintf("FILE %s %s %s", addr, name, chunk)); err != nil {
			return err
		}
		if err := u.expect("FILE OK"); err != nil {
			return err
		}
	}
	if err := u.c.send(fmt.Sprintf("ENDFILE %s %s %d", addr, name, len(data))); err != nil {
		return err
	}
	if err := u.expect("ENDFILE OK"); err != nil {
		return err
	}
	if err := u.expect(fmt.Sprintf("FILESENT 0 %d %s %s", u.c.tag, addr, name)); err != nil {
		return err
	}
	if err := u.c.send(fmt.Sprintf("GET %s %s", addr, name)); err != nil {
		return err
	}
	n, err := receiveFile(u.c, name)
	if err == nil && n != int64(len(data)) {
		err = fmt.Errorf("downloaded %d bytes of %s, uploaded %d", n, name, len(data))
	}
	return err
}

// history downloads the save.txt of a channel it is in.
func (u *soakUser) history() error {
	if err := u.c.send(fmt.Sprintf("GET %d 0", u.w.sids[u.home])); err != nil {
		return err
	}
	_, err := receiveFile(u.c, "save.txt")
	return err
}

// byeAndBack says BYE and logs in again on a new connection.
func (u *soakUser) byeAndBack() error {
	if err := u.c.send("BYE"); err != nil {
		return err
	}
	if err := waitFor(u.c, func(l string) bool { return l == "BYE" }); err != nil {
		return err
	}
	u.c.conn.Close()
	return u.reconnect()
}

// reconnect logs in on a new connection.
func (u *soakUser) reconnect() error {
	c, err := dial(u.w.addr, 1)
	if err != nil {
		return err
	}
	if err := c.send("IAM " + u.pseudo + " bench-password"); err != nil {
		c.conn.Close()
		return err
	}
	l, err := c.expect("TAG 0 ")
	if err != nil {
		c.conn.Close()
		return err
	}
	c.tag, _ = strconv.ParseInt(strings.TrimPrefix(l, "TAG 0 "), 10, 64)
	u.c = c
	return u.ping("login")
}

// expect waits for the line want itself.
func (u *soakUser) expect(want string) error {
	return waitFor(u.c, func(l string) bool { return l == want })
}

// drain reads, without waiting, the control lines that arrived since the
// last action (presence, others' joins and files...): an ERR among them is
// an error.
func (u *soakUser) drain() error {
	for {
		select {
		case l, open := <-u.c.ctrl:
			if !open {
				return errors.New("connection closed")
			}
			if strings.HasPrefix(l, "ERR") {
				return fmt.Errorf("server said %q", l)
			}
		default:
			return nil
		}
	}
}

// ping waits until the server has answered everything sent before.
func (u *soakUser) ping(token string) error {
	if err := u.c.send("PING " + token); err != nil {
		return err
	}
	return waitFor(u.c, func(l string) bool { return l == "PONG "+token })
}

// waitFor reads control lines until one satisfies ok (an ERR is an error).
func waitFor(c *client, ok func(string) bool) error {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, open := <-c.ctrl:
			if !open {
				return errors.New("connection closed")
			}
			if strings.HasPrefix(l, "ERR") {
				return fmt.Errorf("server said %q", l)
			}
			if ok(l) {
				return nil
			}
		case <-timeout:
			return errors.New("timeout")
		}
	}
}
