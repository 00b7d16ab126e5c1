package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Item 6 of issue 13: downloads that starve everyone. Four attacks, each
// at the size the issue reproduced it at.

// attack-downloads: sixteen connections GET a 20 MB file and never read,
// then an innocent member GETs a 170-byte file of the same channel (the
// issue: 27.9 s) and the 20 MB file itself. The sixteen are sixteen
// accounts, so that no per-user bound protects the innocent: only holding
// the server's reads for no one who waits for a reader does.
const (
	dlStalled      = 16
	dlBigBytes     = 20_000_000
	dlSmallBytes   = 170
	dlInnocentGets = 10
	dlSmallBound   = 5 * time.Second
	dlBigBound     = time.Minute
)

func attackDownloads(a *attack) error {
	conv, err := a.setUpClub("host", "depot", append(numbered("leech", dlStalled), "innocent"), func(k *club) error {
		return uploadFiles(k.owner, k.general(), map[string]int{"big.bin": dlBigBytes, "small.txt": dlSmallBytes})
	})
	if err != nil {
		return err
	}
	if err := a.launch(); err != nil {
		return err
	}
	for i := range dlStalled {
		conn, err := stalledGet(a.srv.addr, fmt.Sprintf("leech%d", i), conv, "big.bin")
		if err != nil {
			return err
		}
		a.keep(conn)
	}
	// Long enough for every stalled download to fill its socket and its
	// session's queue.
	time.Sleep(2 * time.Second)
	a.figure("%d connections of %d accounts hold a download of %d bytes each, unread", dlStalled, dlStalled, dlBigBytes)

	innocent, err := a.loginKept("innocent")
	if err != nil {
		return err
	}
	var small []time.Duration
	for range dlInnocentGets {
		took, err := timed(func() error { return downloadSized(innocent, conv, "small.txt", dlSmallBytes) })
		small = append(small, took)
		a.innocentDid("GET of a 170-byte file", took, err, dlSmallBound)
	}
	p50, most := spread(small)
	a.figure("innocent GET of the 170-byte file: p50 %v, max %v, bound %v (issue: 27.9 s)", ms(p50), ms(most), dlSmallBound)
	took, err := timed(func() error { return downloadSized(innocent, conv, "big.bin", dlBigBytes) })
	a.innocentDid("GET of the 20 MB file", took, err, dlBigBound)
	a.figure("innocent GET of the 20 MB file meanwhile: %v (%.0f MB/s), bound %v", ms(took), dlBigBytes/1e6/took.Seconds(), dlBigBound)
	return nil
}

// attack-slow-reader: one connection asks for the 20 MB file 8 times and
// the 50,000-message history 8 times, then reads at about 61 KB/s, while
// four other members keep GETting a 170-byte file and, now and then, the
// history (the issue: the slow reader held all 16 slots for over 300 s,
// the others' GETs got nothing for 150 s).
const (
	srFileGets    = 8
	srHistoryGets = 8
	srMessages    = 50000
	srReadEvery   = 67 * time.Millisecond
	srReadBytes   = 4096 // at most, every srReadEvery: 61 KB/s
	srInnocents   = 4
	srWindow      = 30 * time.Second
	srPause       = 500 * time.Millisecond
	srHistoryTurn = 5 // every fifth GET of an innocent is the history
	srSmallBound  = 5 * time.Second
	srHistBound   = 30 * time.Second
)

func attackSlowReader(a *attack) error {
	conv, err := a.setUpClub("host", "depot", append([]string{"slowpoke"}, numbered("innocent", srInnocents)...), func(k *club) error {
		if err := uploadFiles(k.owner, k.general(), map[string]int{"big.bin": dlBigBytes, "small.txt": dlSmallBytes}); err != nil {
			return err
		}
		return k.owner.say(k.general(), srMessages, 64)
	})
	if err != nil {
		return err
	}
	if err := a.launch(); err != nil {
		return err
	}

	conn, br, err := a.smallBufferLogin("slowpoke")
	if err != nil {
		return err
	}
	var gets strings.Builder
	for i := range srFileGets + srHistoryGets {
		if i%2 == 0 {
			fmt.Fprintf(&gets, "GET %s big.bin\r\n", conv)
		} else {
			fmt.Fprintf(&gets, "GET %s\r\n", conv)
		}
	}
	if _, err := io.WriteString(conn, gets.String()); err != nil {
		return err
	}
	slow := &trickle{}
	go slow.read(br, srReadBytes, srReadEvery)

	innocents := make([]*client, srInnocents)
	for i := range innocents {
		if innocents[i], err = login(a.srv.addr, "", fmt.Sprintf("innocent%d", i)); err != nil {
			return err
		}
		a.keep(innocents[i].conn)
	}
	var mu sync.Mutex
	var small, hist []time.Duration
	var errs []error
	var wg sync.WaitGroup
	end := time.Now().Add(srWindow)
	for _, c := range innocents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; time.Now().Before(end); n++ {
				name, size := "small.txt", dlSmallBytes
				if n%srHistoryTurn == 0 {
					name, size = "", -1
				}
				took, err := timed(func() error { return downloadSized(c, conv, name, size) })
				mu.Lock()
				if name == "" {
					hist = append(hist, took)
				} else {
					small = append(small, took)
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				time.Sleep(srPause)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		a.check(false, "an innocent user's GET failed: %v", err)
	}
	for _, d := range small {
		a.innocentDid("GET of a 170-byte file", d, nil, srSmallBound)
	}
	for _, d := range hist {
		a.innocentDid("GET of the 50,000-message history", d, nil, srHistBound)
	}
	got, started, refused := slow.counts()
	a.figure("the slow reader: %d GETs, %d started, %d refused at once; %d bytes read in %v (%.0f KB/s)",
		srFileGets+srHistoryGets, started, refused, got, srWindow, float64(got)/1e3/srWindow.Seconds())
	p50, most := spread(small)
	a.figure("%d innocent GETs of the 170-byte file: p50 %v, max %v, bound %v (issue: nothing for 150 s)", len(small), ms(p50), ms(most), srSmallBound)
	p50, most = spread(hist)
	a.figure("%d innocent GETs of the history: p50 %v, max %v, bound %v", len(hist), ms(p50), ms(most), srHistBound)
	return nil
}

// trickle counts what the slow reader reads.
type trickle struct {
	bytes   atomic.Int64
	started atomic.Int64 // NEWFILE lines
	refused atomic.Int64 // ERR GET lines
}

// read takes n bytes every interval from r until the connection ends.
func (t *trickle) read(r io.Reader, n int, interval time.Duration) {
	paced(r, n, steady(interval), func(line string) bool {
		switch {
		case strings.HasPrefix(line, "NEWFILE "):
			t.started.Add(1)
		case strings.HasPrefix(line, "ERR GET"):
			t.refused.Add(1)
		}
		return true
	}, &t.bytes)
}

func (t *trickle) counts() (bytes, started, refused int64) {
	return t.bytes.Load(), t.started.Load(), t.refused.Load()
}

// attack-history-gets: 20,000 GET S C of a 50,000-message channel on one
// connection that never reads (the issue: 20,016 goroutines at once; once
// the connection died, the queued downloads still ran, each counting the
// whole history, both cores at 100 % for about 45 minutes, and every other
// user's download failed). An innocent member downloads the history while
// the connection is open and once it is gone; the server's own CPU time
// is read over the seconds after it went.
const (
	hgGets       = 20000
	hgMessages   = 50000
	hgOpen       = 5 * time.Second
	hgAfter      = 5 * time.Second
	hgAfterCPU   = 1.0 // CPU-seconds at most over hgAfter
	hgGoroutines = 100 // above the count at start
	hgBound      = 10 * time.Second
)

func attackHistoryGets(a *attack) error {
	conv, err := a.setUpClub("host", "archive", []string{"hoarder", "innocent"}, func(k *club) error {
		return k.owner.say(k.general(), hgMessages, 64)
	})
	if err != nil {
		return err
	}
	innocent, err := a.launchAndLogin("innocent")
	if err != nil {
		return err
	}
	getHistory := func(when string) {
		took, err := timed(func() error { return downloadSized(innocent, conv, "", -1) })
		a.innocentDid("GET of the history "+when, took, err, hgBound)
		a.figure("innocent GET of the 50,000-message history %s: %v, bound %v", when, ms(took), hgBound)
	}
	getHistory("before the attack")

	conn, _, err := a.smallBufferLogin("hoarder")
	if err != nil {
		return err
	}
	// The server stops reading once the connection has its fill of
	// requests under way, so the write may block until the connection is
	// closed: it runs on its own.
	gets := strings.Repeat(fmt.Sprintf("GET %s\r\n", conv), hgGets)
	sent := time.Now()
	go io.WriteString(conn, gets)
	getHistory("while the attack runs")
	if at, dropped := a.waitLogged(logAddr(conn), hgOpen); dropped {
		a.figure("the server dropped the connection %v after its GETs (a warning: it reads none of its answers)", ms(at.Sub(sent)))
	} else {
		a.figure("the connection still open after %v: the attacker closes it", hgOpen)
	}
	peak := a.peak.Load()
	a.check(peak <= a.base+hgGoroutines, "%d goroutines at the peak of 20,000 GETs, %d at start", peak, a.base)
	a.figure("20,000 GETs (%d bytes) on one connection that never reads: server goroutines %d at start, %d at the peak (issue: 20,016)", len(gets), a.base, peak)

	conn.Close()
	cpu0 := a.srv.processCPUSeconds()
	time.Sleep(hgAfter)
	cpu := a.srv.processCPUSeconds() - cpu0
	a.check(cpu <= hgAfterCPU, "%.2f CPU-seconds in the %v after the connection went: its downloads still run", cpu, hgAfter)
	a.figure("server CPU in the %v after the connection went: %.2f s, bound %.1f (issue: both cores busy for about 45 minutes)", hgAfter, cpu, hgAfterCPU)
	getHistory("once the connection is gone")
	return nil
}

// attack-file-gets: 400,000 GETs of a small file on one connection,
// 7.6 MB of lines written as fast as the server takes them while the
// answers are read (the issue: 389,008 goroutines and 1.74 GB resident
// from that one connection). The server may answer them all, or drop the
// connection for not reading its answers fast enough (its send queue is
// full); the attacker then comes back on a new connection, for
// fgWindow, while an innocent member GETs the same file.
const (
	fgGets       = 400000
	fgWindow     = 10 * time.Second
	fgGoroutines = 100
	fgPause      = 250 * time.Millisecond
	fgBound      = 5 * time.Second
)

func attackFileGets(a *attack) error {
	conv, err := a.setUpClub("host", "depot", []string{"greedy", "innocent"}, func(k *club) error {
		return uploadFiles(k.owner, k.general(), map[string]int{"small.txt": dlSmallBytes})
	})
	if err != nil {
		return err
	}
	innocent, err := a.launchAndLogin("innocent")
	if err != nil {
		return err
	}
	logs := a.log.counts()

	line := fmt.Sprintf("GET %s small.txt\r\n", conv)
	stop := make(chan struct{})
	rounds := make(chan greedyRound, 1)
	go func() {
		var total greedyRound
		for {
			select {
			case <-stop:
				rounds <- total
				return
			default:
			}
			r, err := greedyGets(a.srv.addr, line, fgGets)
			if err != nil {
				total.err = err
				rounds <- total
				return
			}
			total.add(r)
		}
	}()
	var waits []time.Duration
	for end := time.Now().Add(fgWindow); time.Now().Before(end); time.Sleep(fgPause) {
		took, err := timed(func() error { return downloadSized(innocent, conv, "small.txt", dlSmallBytes) })
		waits = append(waits, took)
		a.innocentDid("GET of a 170-byte file", took, err, fgBound)
	}
	close(stop)
	total := <-rounds
	if total.err != nil {
		return total.err
	}
	dropped := a.log.since(logs).warnings
	a.check(int64(total.rounds-total.whole) == dropped, "%d connections ended before their GETs were all answered, %d drops logged", total.rounds-total.whole, dropped)
	a.figure("%d connections of 400,000 GETs (%.1f MB of lines each) in %v: %d answered whole, %d dropped for not reading fast enough (one warning each)",
		total.rounds, float64(fgGets*len(line))/1e6, fgWindow, total.whole, total.rounds-total.whole)
	a.figure("answers read: %d files sent, %d GETs refused at once (the connection's queue of 8 full)", total.files, total.refused)
	peak := a.peak.Load()
	a.check(peak <= a.base+fgGoroutines, "%d goroutines at the peak of the GETs, %d at start", peak, a.base)
	a.figure("server goroutines %d at start, %d at the peak; anonymous memory at the peak %.1f MiB (issue: 389,008 goroutines, 1.74 GB resident)",
		a.base, peak, float64(a.peakAnon.Load())/1024)
	p50, most := spread(waits)
	a.figure("%d innocent GETs of the file meanwhile: p50 %v, max %v, bound %v", len(waits), ms(p50), ms(most), fgBound)
	return nil
}

// greedyRound is what connections of greedy GETs got.
type greedyRound struct {
	rounds, whole  int
	files, refused int64
	err            error
}

func (g *greedyRound) add(r greedyRound) {
	g.rounds += r.rounds
	g.whole += r.whole
	g.files += r.files
	g.refused += r.refused
}

// greedyGets logs greedy in on a new connection, writes n GET lines as
// fast as the server reads them and reads every answer, until all are
// answered or the server closes the connection.
func greedyGets(addr, line string, n int) (greedyRound, error) {
	r := greedyRound{rounds: 1}
	conn, err := dialer(freshLoopback(), 0).Dial("tcp", addr)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	br, err := rawLogin(conn, "greedy")
	if err != nil {
		return r, err
	}
	go func() {
		w := bufio.NewWriterSize(conn, 64<<10)
		for range n {
			if _, err := w.WriteString(line); err != nil {
				return
			}
		}
		w.Flush()
	}()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	for r.files+r.refused < int64(n) {
		l, err := br.ReadString('\n')
		if err != nil {
			break
		}
		switch {
		case strings.HasPrefix(l, "ENDFILE "):
			r.files++
		case strings.HasPrefix(l, "ERR GET"):
			r.refused++
		}
	}
	if r.files+r.refused == int64(n) {
		r.whole = 1
	}
	return r, nil
}

// uploadFiles uploads a file of random bytes for each name, of its size.
func uploadFiles(c *client, conv string, sizes map[string]int) error {
	names := make([]string, 0, len(sizes))
	for name := range sizes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		data := make([]byte, sizes[name])
		rand.Read(data)
		if err := uploadFile(c, conv, name, data); err != nil {
			return fmt.Errorf("uploading %s: %w", name, err)
		}
		if _, err := c.expect("FILESENT "); err != nil {
			return err
		}
	}
	return nil
}

// downloadSized downloads name from conv (the history when name is
// empty) and checks its size, unless size is negative.
func downloadSized(c *client, conv, name string, size int) error {
	n, err := download(c, conv, name)
	if err == nil && size >= 0 && n != int64(size) {
		err = fmt.Errorf("downloaded %d bytes of %s, want %d", n, name, size)
	}
	return err
}

// spread is the median and the largest of ds.
func spread(ds []time.Duration) (p50, most time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2], s[len(s)-1]
}

// ms rounds a duration for a figure: to 0.1 ms under a second, to 10 ms
// above.
func ms(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Millisecond)
}
