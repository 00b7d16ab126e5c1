package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Items 12 and 13 of issue 13: a deletion that does not stop what is in
// flight, and clients that fill the log.

// attack-deletion: a member reads an 8 MB file of a server slowly (about
// 61 KB/s) while its owner uploads 20 MB to it line by line; then the
// owner deletes the server (the issue: the download finished
// byte-identical, its blob already gone from disk, and the upload kept
// getting FILE OK until ENDFILE). Once the deletion is out, the member
// reads as fast as it can: what was already queued for it comes first,
// then the download must stop, well before its end. An innocent user of
// another server makes round trips and sends messages meanwhile.
const (
	delMovie      = 8_000_000
	delUpload     = 20_000_000 // announced; the deletion comes long before its end
	delUploadGap  = 10 * time.Millisecond
	delReadBytes  = 4096 // at most, every delReadEvery: 61 KB/s
	delReadEvery  = 67 * time.Millisecond
	delAfter      = 3 * time.Second
	delStopBound  = 5 * time.Second
	delEvery      = 50 * time.Millisecond
	delRoundBound = time.Second
)

func attackDeletion(a *attack) error {
	var safe string
	doomed, err := a.setUpClub("host", "doomed", []string{"reader"}, func(k *club) error {
		s, err := openClub(k.addr, "innocent", "safe")
		if err != nil {
			return err
		}
		safe = s.general()
		return uploadFiles(k.owner, k.general(), map[string]int{"movie.bin": delMovie})
	})
	if err != nil {
		return err
	}
	innocent, err := a.launchAndLogin("innocent")
	if err != nil {
		return err
	}
	w := a.watch(innocent, safe, delEvery, nil)

	// The reader, its download under way.
	conn, br, err := a.smallBufferLogin("reader")
	if err != nil {
		return err
	}
	fmt.Fprintf(conn, "GET %s movie.bin\r\n", doomed)
	var read atomic.Int64
	var hurry atomic.Bool
	stopped := make(chan string, 1) // how the download ended
	go func() {
		interval := func() time.Duration {
			if hurry.Load() {
				return 0
			}
			return delReadEvery
		}
		err := paced(br, delReadBytes, interval, func(l string) bool {
			if strings.HasPrefix(l, "ERR GET") || strings.HasPrefix(l, "ENDFILE ") {
				stopped <- l
				return false
			}
			return true
		}, &read)
		stopped <- fmt.Sprintf("the connection ended: %v", err)
	}()

	// The owner, its upload under way.
	host, err := login(a.srv.addr, freshLoopback(), "host")
	if err != nil {
		return err
	}
	a.keep(host.conn)
	host.send(fmt.Sprintf("NEWFILE %s up.bin %d", doomed, delUpload))
	if _, err := host.expect("NEWFILE OK"); err != nil {
		return err
	}
	up := &uploadWatch{}
	go up.follow(host, fmt.Sprintf("DEL %s", doomed))
	stopUpload := make(chan struct{})
	go func() {
		chunk := strings.Repeat("QUFB", 720) // 2,160 bytes
		for {
			select {
			case <-stopUpload:
				return
			case <-time.After(delUploadGap):
			}
			if host.send(fmt.Sprintf("FILE %s up.bin %s", doomed, chunk)) != nil {
				return
			}
		}
	}()

	time.Sleep(delAfter)
	before := read.Load()
	host.send("DEL " + doomed)
	deleted, ok := up.waitDeleted(delStopBound)
	if !a.check(ok, "no DEL %s echo in %v", doomed, delStopBound) {
		close(stopUpload)
		return nil
	}
	hurry.Store(true)
	var how string
	select {
	case how = <-stopped:
	case <-time.After(delStopBound):
		how = "nothing"
	}
	stop := time.Since(deleted)
	after := read.Load() - before
	// What may have been on its way when the deletion came: the session's
	// queue (send_queue_bytes) and what the kernel buffers on both sides.
	afterBound := int64(1<<20 + maxSendBuffer() + 2*4096)
	a.check(how == "ERR GET download of movie.bin stopped: its channel was deleted", "the download of the deleted server's file ended with %q", how)
	a.check(stop <= delStopBound, "the download stopped %v after the deletion", stop)
	a.check(after <= afterBound, "%d bytes of the download read after the deletion", after)
	a.figure("the slow download, %d bytes read before the deletion: %q %v after it, %d bytes read meanwhile (bound %d), of about %d left (issue: ran to its end)",
		before, how, ms(stop), after, afterBound, (delMovie*4/3)-before)

	close(stopUpload)
	time.Sleep(200 * time.Millisecond) // the last FILE lines answered
	host.send(fmt.Sprintf("ENDFILE %s up.bin %d", doomed, delUpload))
	end := up.waitEnd(delStopBound)
	okBefore, okAfter, errAfter := up.counts()
	a.check(okAfter == 0, "%d FILE OK after the deletion", okAfter)
	a.check(errAfter > 0, "no ERR FILE after the deletion")
	a.check(strings.HasPrefix(end, "ERR ENDFILE"), "ENDFILE after the deletion answered %q", end)
	a.figure("the upload: %d FILE OK before the deletion, %d after, %d ERR FILE after; ENDFILE: %q (issue: FILE OK until ENDFILE)",
		okBefore, okAfter, errAfter, end)
	w.end(delRoundBound, delRoundBound)
	return nil
}

// maxSendBuffer is the most a TCP socket's send buffer grows to here
// (the last figure of net.ipv4.tcp_wmem), 4 MiB when it cannot be read.
func maxSendBuffer() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if f := strings.Fields(string(b)); err == nil && len(f) == 3 {
		if n, err := strconv.Atoi(f[2]); err == nil {
			return n
		}
	}
	return 4 << 20
}

// uploadWatch reads the uploader's lines: FILE OK and ERR FILE before and
// after the deletion's echo, and ENDFILE's answer.
type uploadWatch struct {
	mu                          sync.Mutex
	deletedAt                   time.Time
	okBefore, okAfter, errAfter int
	end                         string
}

func (u *uploadWatch) follow(c *client, del string) {
	for l := range c.ctrl {
		u.mu.Lock()
		deleted := !u.deletedAt.IsZero()
		switch {
		case l == del:
			u.deletedAt = time.Now()
		case l == "FILE OK" && deleted:
			u.okAfter++
		case l == "FILE OK":
			u.okBefore++
		case strings.HasPrefix(l, "ERR FILE") && deleted:
			u.errAfter++
		case strings.HasPrefix(l, "ERR ENDFILE") || strings.HasPrefix(l, "ENDFILE"):
			u.end = l
		}
		u.mu.Unlock()
	}
}

func (u *uploadWatch) waitDeleted(timeout time.Duration) (time.Time, bool) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		u.mu.Lock()
		at := u.deletedAt
		u.mu.Unlock()
		if !at.IsZero() {
			return at, true
		}
	}
	return time.Time{}, false
}

func (u *uploadWatch) waitEnd(timeout time.Duration) string {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		u.mu.Lock()
		end := u.end
		u.mu.Unlock()
		if end != "" {
			return end
		}
	}
	return "nothing"
}

func (u *uploadWatch) counts() (okBefore, okAfter, errAfter int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.okBefore, u.okAfter, u.errAfter
}

// attack-logs: clients that misbehave in every way that used to reach the
// log, one way after the other, each counted in what the server logged:
// 100 history downloads abandoned after their first line (the issue: an
// ERROR each, 30 of 30), 3 logins with a wrong password to each of 17
// accounts (the three a login may fail before it is slowed down), 1,000
// connections over the address's limit, and 16 sessions that stop
// reading in the middle of the download of a 20 MB file, more than their
// queue and the kernel's buffers hold (the issue: dropped on their write
// timeout, logged nothing). Clients going away are not server errors;
// a drop for a limit is one warning.
const (
	lgMessages       = 20000
	lgAborted        = 100
	lgWrongPasswords = 3  // to each account
	lgConnsAllowed   = 32 // the default connections_per_address
	lgConnsRefused   = 1000
	lgStalled        = 16
	lgDropBound      = 45 * time.Second // the default write_timeout is 30 s
	lgEvery          = 200 * time.Millisecond
	lgRoundBound     = time.Second
	lgRefusalLines   = 2 // log lines at most for all the refused connections: salond sums an address's refusals up once a minute
)

func attackLogs(a *attack) error {
	members := append([]string{"quitter", "innocent"}, numbered("staller", lgStalled)...)
	conv, err := a.setUpClub("alice", "club", members, func(k *club) error {
		if err := uploadFiles(k.owner, k.general(), map[string]int{"big.bin": dlBigBytes}); err != nil {
			return err
		}
		return k.owner.say(k.general(), lgMessages, 64)
	})
	if err != nil {
		return err
	}
	innocent, err := a.launchAndLogin("innocent")
	if err != nil {
		return err
	}
	w := a.watch(innocent, "", lgEvery, nil)

	// phase runs one kind of misbehaviour and reports what it logged.
	phase := func(what string, f func() error) (logCounts, error) {
		before, start := a.log.counts(), time.Now()
		if err := f(); err != nil {
			return logCounts{}, fmt.Errorf("%s: %w", what, err)
		}
		time.Sleep(200 * time.Millisecond) // what the server logs about the last ones
		got := a.log.since(before)
		a.check(got.errors == 0, "%s: %d errors logged", what, got.errors)
		a.figure("%s, in %v: %d log lines (%d B), %d errors, %d warnings", what, ms(time.Since(start)), got.lines, got.bytes, got.errors, got.warnings)
		return got, nil
	}

	got, err := phase(fmt.Sprintf("%d history downloads abandoned after NEWFILE (issue: an ERROR each)", lgAborted), func() error {
		for range lgAborted {
			conn, err := stalledGet(a.srv.addr, "quitter", conv, "")
			if err != nil {
				return err
			}
			conn.Close()
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.check(got.lines == 0, "abandoned downloads logged %d lines", got.lines)

	accounts := []string{"quitter"}
	for i := range lgStalled {
		accounts = append(accounts, fmt.Sprintf("staller%d", i))
	}
	got, err = phase(fmt.Sprintf("%d logins with a wrong password", lgWrongPasswords*len(accounts)), func() error {
		for _, p := range accounts {
			for range lgWrongPasswords {
				if err := wrongPassword(a.srv.addr, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.check(got.warnings == 0, "wrong passwords logged %d warnings", got.warnings)

	got, err = phase(fmt.Sprintf("%d connections over the limit of %d from one address", lgConnsRefused, lgConnsAllowed), func() error {
		return overTheLimit(a.srv.addr, lgConnsAllowed, lgConnsRefused)
	})
	if err != nil {
		return err
	}
	a.check(got.lines <= lgRefusalLines, "refused connections logged %d lines, %d warnings", got.lines, got.warnings)

	const dropped = "a write took longer than write_timeout"
	had := a.log.matching(dropped)
	got, err = phase(fmt.Sprintf("%d sessions that stop reading in a download (issue: logged nothing)", lgStalled), func() error {
		for i := range lgStalled {
			conn, err := stalledGet(a.srv.addr, fmt.Sprintf("staller%d", i), conv, "big.bin")
			if err != nil {
				return err
			}
			a.keep(conn)
		}
		for deadline := time.Now().Add(lgDropBound); a.log.matching(dropped)-had < lgStalled && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	})
	if err != nil {
		return err
	}
	n := a.log.matching(dropped) - had
	a.check(n == lgStalled && got.warnings == lgStalled, "%d sessions that stopped reading: %d drops logged, %d warnings", lgStalled, n, got.warnings)
	w.end(lgRoundBound, lgRoundBound)
	return nil
}

// wrongPassword tries to log pseudo in with a wrong password from an
// address of its own.
func wrongPassword(addr, pseudo string) error {
	conn, err := dialer(freshLoopback(), 0).Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "IAM %s not-the-password\r\n", pseudo)
	l, err := bufio.NewReader(conn).ReadString('\n')
	if err == nil && !strings.HasPrefix(l, "ERR IAM") {
		err = fmt.Errorf("a wrong password answered %q", l)
	}
	return err
}

// overTheLimit opens allowed connections from one address and keeps them,
// then opens refused more from it, each of which the server must refuse.
func overTheLimit(addr string, allowed, refused int) error {
	from := freshLoopback()
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range allowed {
		c, err := dialer(from, 0).Dial("tcp", addr)
		if err != nil {
			return err
		}
		held = append(held, c)
	}
	// Connections are counted when accepted: a round trip on the last one
	// makes sure they all are.
	last := held[len(held)-1]
	last.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(last, "PING counted\r\n")
	if l, err := bufio.NewReader(last).ReadString('\n'); err != nil || l != "PONG counted\r\n" {
		return fmt.Errorf("PING before login answered %q, %v", l, err)
	}
	for range refused {
		c, err := dialer(from, 0).Dial("tcp", addr)
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		l, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || l != "ERR LINE too many connections from your address\r\n" {
			return fmt.Errorf("a connection over the limit got %q, %v", l, err)
		}
	}
	return nil
}
