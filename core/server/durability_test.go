package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/store"
)

// The promises of DESIGN.md checked end to end, mostly against the salond
// binary itself: what was acknowledged survives a stop, a restart and a
// SIGKILL; a reader that never reads is dropped without holding anyone back;
// the process stops cleanly on signals and on the console's EXT, and refuses
// a bad file.

// TestRestartKeepsEverything builds accounts, a friendship, servers,
// channels, memberships, pending invitations and messages, stops salond with
// SIGTERM, starts it again on the same data folder and checks that every
// login burst is the same as before and that the database holds every
// message in order; tags of deleted things are never handed out again.
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	p := servertest.StartProcess(t, dir)

	alice, a := servertest.Register(t, p.Addr, "alice")
	bob, b := servertest.Register(t, p.Addr, "bob")
	carol, c := servertest.Register(t, p.Addr, "carol")
	dave, d := servertest.Register(t, p.Addr, "dave")
	erin, e := servertest.Register(t, p.Addr, "erin")
	// zed sees nobody and nobody sees it: it watches who is online without
	// appearing in anyone's burst.
	zed, z := servertest.Register(t, p.Addr, "zed")
	dave.Close()
	waitOffline(t, zed, "dave", d)

	// alice and bob are friends.
	do(t, alice, fmt.Sprintf("INV 0 %d", b))
	do(t, bob, fmt.Sprintf("JOIN 0 %d", a))
	// alice's server club (1) with games (1 1) and news (1 2); bob joins
	// games (and so club), carol joins club.
	do(t, alice, "NEW SERV club", "NEW CHAN 1 games", "NEW CHAN 1 news")
	do(t, alice, fmt.Sprintf("INV 0 %d 1 1", b), fmt.Sprintf("INV 0 %d 1 0", c))
	do(t, bob, "JOIN 1 1")
	do(t, carol, "JOIN 1 0")
	// bob's server den (2) with lab (2 1).
	do(t, bob, "NEW SERV den", "NEW CHAN 2 lab")
	// The newest server (3) and the newest channel of club (1 3) are
	// deleted: their tags must not come back after the restart, which a
	// "largest tag + 1" rule would do. The channel had a message, which
	// goes with it.
	do(t, alice, "NEW SERV tmp", "NEW CHAN 1 old")
	say(t, alice, a, "1 3", "gone with the channel")
	do(t, alice, "DEL 3 0", "DEL 1 3")

	// Changes undone or redone must be stored as they ended: carol joins
	// games and leaves it; alice and erin become friends and stop being
	// friends; a server and a channel are renamed.
	do(t, alice, fmt.Sprintf("INV 0 %d 1 1", c))
	do(t, carol, "JOIN 1 1")
	do(t, carol, "BYE 1 1")
	do(t, alice, fmt.Sprintf("INV 0 %d", e))
	do(t, erin, fmt.Sprintf("JOIN 0 %d", a))
	do(t, alice, fmt.Sprintf("BYE 0 %d", e))
	do(t, bob, "RENAME lair 2")
	do(t, alice, "RENAME headlines 1 2")

	// Pending invitations: carol asks alice to be friends; alice invites
	// dave (offline) to news, bob asks dave (offline) to be friends; bob
	// invites erin (online) to den; erin asks carol to be friends.
	do(t, carol, fmt.Sprintf("INV 0 %d", a))
	do(t, alice, fmt.Sprintf("INV 0 %d 1 2", d))
	do(t, bob, fmt.Sprintf("INV 0 %d", d))
	do(t, bob, fmt.Sprintf("INV 0 %d 2 0", e))
	do(t, erin, fmt.Sprintf("INV 0 %d", c))

	// Messages, each waited for, so that their order is known; then a run
	// of pipelined ones whose order is the order they were sent in.
	want := map[store.Conversation][]stored{}
	post := func(cl *servertest.Client, from int64, addr, text string) {
		t.Helper()
		say(t, cl, from, addr, text)
		conv := conversationOf(t, from, addr)
		want[conv] = append(want[conv], stored{from, text})
	}
	post(alice, a, "1 0", "hello club")
	post(bob, b, "1 0", "hi alice, héllo wörld ✓ 🎲")
	post(carol, c, "1 0", "tabs\tand  double  spaces")
	post(alice, a, "1 1", "anyone for a game?")
	post(bob, b, "1 1", "me!")
	post(alice, a, fmt.Sprintf("0 %d", b), "psst bob")
	post(bob, b, fmt.Sprintf("0 %d", a), "psst alice")
	post(bob, b, fmt.Sprintf("0 %d", c), "carol, we share club")
	post(carol, c, fmt.Sprintf("0 %d", b), "so we do")
	post(bob, b, "2 0", "my den")
	post(bob, b, "2 1", "my lab")
	var run []string
	for i := range 50 {
		text := fmt.Sprintf("run %02d", i)
		run = append(run, fmt.Sprintf("MSG 1 0 %s", text))
		want[store.ChannelConversation(1, 0)] = append(want[store.ChannelConversation(1, 0)], stored{a, text})
	}
	alice.Send(run...)
	for i := range 50 {
		waitEcho(t, alice, a, "1 0", fmt.Sprintf("run %02d", i))
	}

	// Everyone leaves; then each logs in, in turn, and stays: each burst
	// shows the ones before as online and the ones after as offline.
	for _, cl := range []*servertest.Client{alice, bob, carol, erin} {
		cl.Close()
	}
	for _, u := range []struct {
		pseudo string
		tag    int64
	}{{"alice", a}, {"bob", b}, {"carol", c}, {"erin", e}} {
		waitOffline(t, zed, u.pseudo, u.tag)
	}
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	before, conns := loginAll(t, p.Addr, users)

	// The bursts say what was built (exactly for two of them; the others
	// are checked against the restart only).
	wantAlice := []string{
		fmt.Sprintf("TAG 0 %d", a),
		fmt.Sprintf("ADD ON 0 %d alice", a),
		fmt.Sprintf("ADD OFF 0 %d bob", b),
		fmt.Sprintf("ADD OFF 0 %d carol", c),
		fmt.Sprintf("ADD OFF 0 %d dave", d),
		fmt.Sprintf("GRP 0 %d 0 %d", a, b),
		"TAG 1 0 club",
		fmt.Sprintf("GRP 1 0 club general 0 %d 0 %d 0 %d", a, b, c),
		"TAG 1 1 games",
		fmt.Sprintf("GRP 1 1 club games 0 %d 0 %d", a, b),
		"TAG 1 2 headlines",
		fmt.Sprintf("GRP 1 2 club headlines 0 %d", a),
		fmt.Sprintf("SENT 0 %d", c),
		fmt.Sprintf("INV 0 %d 0 %d 1 2 club headlines", a, d),
	}
	wantDave := []string{
		fmt.Sprintf("TAG 0 %d", d),
		fmt.Sprintf("ADD ON 0 %d dave", d),
		fmt.Sprintf("ADD ON 0 %d alice", a),
		fmt.Sprintf("ADD ON 0 %d bob", b),
		fmt.Sprintf("GRP 0 %d", d),
		fmt.Sprintf("SENT 0 %d 1 2 club headlines", a),
		fmt.Sprintf("SENT 0 %d", b),
	}
	sameLines(t, "alice's burst before the restart", before["alice"], wantAlice)
	sameLines(t, "dave's burst before the restart", before["dave"], wantDave)
	for _, l := range []string{"TAG 2 0 lair", fmt.Sprintf("INV 0 %d 0 %d 2 0 lair general", b, e)} {
		if !slices.Contains(before["bob"], l) {
			t.Errorf("bob's burst has no %q:\n%s", l, strings.Join(before["bob"], "\n"))
		}
	}
	if slices.Contains(before["carol"], "TAG 1 1 games") {
		t.Errorf("carol's burst still has games, which she left:\n%s", strings.Join(before["carol"], "\n"))
	}

	// SIGTERM: every connection gets BYE, then salond exits 0.
	stop(t, p, syscall.SIGTERM, append(conns, zed)...)

	st := openStore(t, dir)
	for conv, msgs := range want {
		sameMessages(t, fmt.Sprintf("%+v", conv), readConversation(t, st, conv), msgs)
	}
	for _, conv := range []store.Conversation{store.ChannelConversation(1, 3), store.ChannelConversation(3, 0)} {
		if n, err := st.CountMessages(conv); err != nil || n != 0 {
			t.Errorf("deleted conversation %+v holds %d messages (err %v), want none", conv, n, err)
		}
	}
	st.Close()

	p = servertest.StartProcess(t, dir)
	after, conns := loginAll(t, p.Addr, users)
	for _, u := range users {
		sameLines(t, u+"'s burst after the restart", after[u], before[u])
	}

	// New tags are new: users, servers, and channels.
	_, f := servertest.Register(t, p.Addr, "frank")
	for _, old := range []int64{a, b, c, d, e, z} {
		if f == old {
			t.Errorf("new account got tag %d, already alice..zed's (%d %d %d %d %d %d)", f, a, b, c, d, e, z)
		}
	}
	if f <= z {
		t.Errorf("new account got tag %d, want one above every tag handed out so far (the last was %d)", f, z)
	}
	al := conns[0]
	al.Send("NEW SERV fresh")
	al.WaitFor("TAG 4 0 fresh")
	al.Send("NEW CHAN 1 fresh")
	al.WaitFor("TAG 1 4 fresh")
	// A message after the restart follows the ones before it.
	post(al, a, "1 0", "after the restart")

	stop(t, p, syscall.SIGTERM, conns...)
	st = openStore(t, dir)
	sameMessages(t, "club general after the second stop", readConversation(t, st, store.ChannelConversation(1, 0)), want[store.ChannelConversation(1, 0)])
}

// TestCrashLosesNothingAcknowledged streams messages from several
// connections at once, kills salond with SIGKILL mid-stream, and checks
// that every message whose echo reached its sender is in the database.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	const senders = 8
	dir := t.TempDir()
	p := servertest.StartProcess(t, dir)

	// Everyone is in server 1, so that each may DM the next one.
	tags := make([]int64, senders)
	var setup []*servertest.Client
	for i := range senders {
		cl, tag := servertest.Register(t, p.Addr, fmt.Sprintf("s%d", i))
		tags[i] = tag
		setup = append(setup, cl)
	}
	do(t, setup[0], "NEW SERV room")
	for i := 1; i < senders; i++ {
		do(t, setup[0], fmt.Sprintf("INV 0 %d 1 0", tags[i]))
		do(t, setup[i], "JOIN 1 0")
	}
	for _, cl := range setup {
		cl.Close()
	}

	type echo struct{ addr, text string }
	type sender struct {
		i         int
		tag, peer int64
		conn      net.Conn
		br        *bufio.Reader
		echoed    []echo       // written by the reader goroutine only
		progress  atomic.Int64 // len(echoed), for the test goroutine to watch
		sent      int          // written by the writer goroutine only
	}
	ss := make([]*sender, senders)
	for i := range ss {
		conn, br := rawLogin(t, p.Addr, fmt.Sprintf("s%d", i))
		ss[i] = &sender{i: i, tag: tags[i], peer: tags[(i+1)%senders], conn: conn, br: br}
	}

	var wg sync.WaitGroup
	halt := make(chan struct{})
	for _, s := range ss {
		// A deadline only so that a hung server cannot hang the test.
		s.conn.SetDeadline(time.Now().Add(3 * servertest.Timeout))
		wg.Add(2)
		go func() {
			defer wg.Done()
			prefix := fmt.Sprintf("MSG 0 %d ", s.tag)
			for {
				line, err := s.br.ReadString('\n')
				if err != nil {
					return
				}
				if !strings.HasPrefix(line, prefix) {
					continue
				}
				f := strings.SplitN(strings.TrimSuffix(line, "\r\n"), " ", 6)
				if len(f) == 6 {
					s.echoed = append(s.echoed, echo{f[3] + " " + f[4], f[5]})
					s.progress.Add(1)
				}
			}
		}()
		go func() {
			defer wg.Done()
			bw := bufio.NewWriterSize(s.conn, 8<<10)
			for m := 0; ; m++ {
				select {
				case <-halt:
					return
				default:
				}
				addr := "1 0"
				if m%2 == 1 {
					addr = fmt.Sprintf("0 %d", s.peer)
				}
				fmt.Fprintf(bw, "MSG %s s%d-m%d\r\n", addr, s.i, m)
				s.sent = m + 1
				if m%8 == 7 {
					if bw.Flush() != nil {
						return
					}
				}
			}
		}()
	}
	// Let them stream for a second, and until each has had some echoes, so
	// that the kill lands mid-stream for everyone (the wait is for progress
	// only: a slow disk makes it longer, never makes the test fail).
	time.Sleep(time.Second)
	for deadline := time.Now().Add(servertest.Timeout); ; time.Sleep(10 * time.Millisecond) {
		ready := true
		for _, s := range ss {
			ready = ready && s.progress.Load() >= 100
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("some sender has had fewer than 100 echoes in %v\n%s", servertest.Timeout, p.Logs())
		}
	}
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.Cmd.Wait()
	close(halt)
	wg.Wait()
	for _, s := range ss {
		s.conn.Close()
	}

	st := openStore(t, dir)
	type place struct {
		conv   store.Conversation
		author int64
		seq    int
	}
	where := map[string]place{}
	convs := []store.Conversation{store.ChannelConversation(1, 0)}
	for i := range senders {
		convs = append(convs, store.Direct(tags[i], tags[(i+1)%senders]))
	}
	total := 0
	for _, conv := range convs {
		last := map[int64]int{} // author -> last message number, for order
		for _, m := range readConversation(t, st, conv) {
			total++
			var si, seq int
			if _, err := fmt.Sscanf(m.Body, "s%d-m%d", &si, &seq); err != nil || si < 0 || si >= senders || m.Body != fmt.Sprintf("s%d-m%d", si, seq) {
				t.Errorf("stored message %q in %+v was never sent", m.Body, conv)
				continue
			}
			if seq >= ss[si].sent {
				t.Errorf("stored message %q was never sent (s%d sent %d)", m.Body, si, ss[si].sent)
			}
			if m.AuthorID != tags[si] {
				t.Errorf("stored message %q has author %d, want %d", m.Body, m.AuthorID, tags[si])
			}
			if _, dup := where[m.Body]; dup {
				t.Errorf("message %q stored twice", m.Body)
			}
			if prev, ok := last[m.AuthorID]; ok && seq <= prev {
				t.Errorf("in %+v, %q is stored after s%d-m%d: not in the order it was sent", conv, m.Body, si, prev)
			}
			last[m.AuthorID] = seq
			where[m.Body] = place{conv, m.AuthorID, seq}
		}
	}
	echoed := 0
	for _, s := range ss {
		echoed += len(s.echoed)
		for _, e := range s.echoed {
			conv := conversationOf(t, s.tag, e.addr)
			got, ok := where[e.text]
			switch {
			case !ok:
				t.Errorf("s%d: %q was acknowledged (echo to %s) but is not stored", s.i, e.text, e.addr)
			case got.conv != conv || got.author != s.tag:
				t.Errorf("s%d: %q is stored in %+v by %d, want %+v by %d", s.i, e.text, got.conv, got.author, conv, s.tag)
			}
		}
	}
	t.Logf("%d messages acknowledged, %d stored when salond was killed", echoed, total)
	st.Close()

	// The folder a crash left behind serves again.
	p = servertest.StartProcess(t, dir)
	cl, burst := servertest.Login(t, p.Addr, "s0")
	if !slices.Contains(burst, "TAG 1 0 room") {
		t.Errorf("s0's burst after the crash has no server room: %q", burst)
	}
	say(t, cl, tags[0], "1 0", "still here")
	stop(t, p, syscall.SIGTERM, cl)
}

// TestSlowReaderDoesNotDelayOthers has a member of a channel that never
// reads its socket while a sender streams large messages to the channel:
// every other member gets every message in order, and the server drops the
// one that does not read.
func TestSlowReaderDoesNotDelayOthers(t *testing.T) {
	const (
		count  = 3000
		size   = 3900
		window = 8 // messages in flight: 8 x 3.9 KB stay below the queue of those who read
	)
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.SendQueueBytes = 64 << 10
	in := servertest.Start(t, cfg)

	sam, s := servertest.Register(t, in.Addr, "sam")
	sloth, slow := servertest.Register(t, in.Addr, "sloth")
	readers := []*servertest.Client{}
	do(t, sam, "NEW SERV hall")
	do(t, sam, fmt.Sprintf("INV 0 %d 1 0", slow))
	do(t, sloth, "JOIN 1 0")
	for _, name := range []string{"nora", "ned", "nick"} {
		cl, tag := servertest.Register(t, in.Addr, name)
		do(t, sam, fmt.Sprintf("INV 0 %d 1 0", tag))
		do(t, cl, "JOIN 1 0")
		readers = append(readers, cl)
	}
	sloth.Close()
	sam.WaitFor(fmt.Sprintf("BYE 0 %d", slow))
	for _, r := range readers {
		r.WaitFor(fmt.Sprintf("BYE 0 %d", slow))
	}

	// sloth logs in again on a connection nobody reads. (Its receive
	// buffer is left alone: a tiny one makes the kernel trickle out what the
	// closed socket still holds through zero-window probes, for seconds.)
	conn, err := net.DialTimeout("tcp", in.Addr, servertest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write([]byte("IAM sloth password-sloth\r\n")); err != nil {
		t.Fatal(err)
	}
	on := fmt.Sprintf("ADD ON 0 %d sloth", slow)
	sam.WaitFor(on)
	for _, r := range readers {
		r.WaitFor(on)
	}

	text := func(i int) string {
		head := fmt.Sprintf("m%04d ", i)
		return head + strings.Repeat("x", size-len(head))
	}
	line := func(i int) string { return fmt.Sprintf("MSG 0 %d 1 0 %s", s, text(i)) }
	bye := fmt.Sprintf("BYE 0 %d", slow)

	// sam keeps window messages in flight: message i+window goes once sam
	// and every reader have message i. So the lines a reader has not read
	// yet never outgrow its queue, however the goroutines are scheduled,
	// while sloth's only grow. (Pacing by sam's echoes alone is not enough:
	// a reader left unscheduled for a few milliseconds falls 64 KiB behind
	// and is rightly dropped too.)
	everyone := append([]*servertest.Client{sam}, readers...)
	byes := make([]int, len(everyone))
	next := func(k, i int) {
		t.Helper()
		for {
			l := everyone[k].Next()
			if l == bye {
				byes[k]++
				continue
			}
			if l != line(i) {
				t.Fatalf("%s: message %d is %.60q..., want %.60q...", everyone[k].Name, i, l, line(i))
			}
			return
		}
	}
	for i := range window {
		sam.Send("MSG 1 0 " + text(i))
	}
	for i := range count {
		for k := range everyone {
			next(k, i)
		}
		if i+window < count {
			sam.Send("MSG 1 0 " + text(i+window))
		}
	}
	// Everyone got every message, in order, and sees sloth leave: the
	// server dropped it.
	for k, c := range everyone {
		if byes[k] == 0 {
			c.WaitFor(bye)
		} else if byes[k] > 1 {
			t.Errorf("%s: sloth left %d times", c.Name, byes[k])
		}
		c.ExpectQuiet()
	}

	// sloth's connection was closed by the server: once what the kernel
	// held is read, the read ends (EOF, or a reset), it does not wait. What
	// it got is its burst, then the first messages in order, with no gap.
	conn.SetReadDeadline(time.Now().Add(servertest.Timeout))
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("sloth's connection is still open after the stream (%d bytes read): the server did not drop it", len(data))
	}
	lines := strings.Split(string(data), "\r\n")
	lines = lines[:len(lines)-1] // "" after the last CRLF, or a line cut short by the close
	if len(lines) == 0 || lines[0] != fmt.Sprintf("TAG 0 %d", slow) {
		t.Fatalf("sloth got %.100q, want its login burst first", lines)
	}
	i := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "MSG ") {
			if l != line(i) {
				t.Fatalf("sloth: message %d is %.60q..., want %.60q...", i, l, line(i))
			}
			i++
		}
	}
	if i >= count {
		t.Errorf("sloth received all %d messages: it was never dropped", count)
	}
	t.Logf("sloth read %d messages before the server dropped it (read ended with %v)", i, err)
}

// TestSignalsAndConsole checks how salond stops and starts: SIGINT, SIGTERM
// and EXT on the console stop it with exit code 0 after BYE to everyone; a
// bad configuration file is refused with its position; -version; and
// -listen and -data override the file.
func TestSignalsAndConsole(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := servertest.StartProcess(t, dir)
			cl, tag := servertest.Register(t, p.Addr, "alice")
			do(t, cl, "NEW SERV club")
			say(t, cl, tag, "1 0", "before "+sig.String())
			anon := servertest.Dial(t, p.Addr)
			anon.Sync()
			stop(t, p, sig, cl, anon)
			st := openStore(t, dir)
			sameMessages(t, "club general", readConversation(t, st, store.ChannelConversation(1, 0)),
				[]stored{{tag, "before " + sig.String()}})
		})
	}

	t.Run("console EXT", func(t *testing.T) {
		dir := t.TempDir()
		p := servertest.StartProcessConsole(t, dir, "-console")
		cl, tag := servertest.Register(t, p.Addr, "alice")
		anon := servertest.Dial(t, p.Addr)
		anon.Sync()
		do(t, cl, "NEW SERV club")
		want := []stored{}
		for i := range 20 {
			cl.Send(fmt.Sprintf("MSG 1 0 acked %d", i))
			want = append(want, stored{tag, fmt.Sprintf("acked %d", i)})
		}
		for i := range 20 {
			waitEcho(t, cl, tag, "1 0", fmt.Sprintf("acked %d", i))
		}
		// More messages, and EXT right behind them: those acknowledged
		// before the BYE must be stored too.
		for i := range 20 {
			cl.Send(fmt.Sprintf("MSG 1 0 racing %d", i))
		}
		if _, err := io.WriteString(p.Stdin, "EXT\n"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			l := cl.Next()
			if l == "BYE" {
				break
			}
			got = append(got, l)
		}
		if rest := cl.ExpectClosed(); len(rest) > 0 {
			t.Errorf("alice got lines after BYE: %q", rest)
		}
		for _, l := range got {
			if !strings.HasPrefix(l, fmt.Sprintf("MSG 0 %d 1 0 racing ", tag)) {
				t.Fatalf("alice got %q before BYE", l)
			}
			want = append(want, stored{tag, strings.TrimPrefix(l, fmt.Sprintf("MSG 0 %d 1 0 ", tag))})
		}
		anon.Expect("BYE")
		if rest := anon.ExpectClosed(); len(rest) > 0 {
			t.Errorf("a connection not logged in got lines after BYE: %q", rest)
		}
		if code := waitExit(t, p.Cmd); code != 0 {
			t.Fatalf("salond exited with %d after EXT, want 0\n%s", code, p.Logs())
		}
		st := openStore(t, dir)
		msgs := readConversation(t, st, store.ChannelConversation(1, 0))
		// Stored ones not acknowledged may follow; the acknowledged ones
		// are all there, first and in order.
		if len(msgs) > len(want) {
			msgs = msgs[:len(want)]
		}
		sameMessages(t, "club general", msgs, want)
		t.Logf("%d of 20 racing messages acknowledged before BYE", len(got))
	})

	t.Run("bad config", func(t *testing.T) {
		for _, tc := range []struct {
			name, body string
			where      string // regexp of the position after the file name
		}{
			{"syntax", "listen = %q\ndata_dir = %q\nlimits {\n  send_queue_bytes = \n}\n", `\d+:\d+`},
			{"unknown attribute", "listen = %q\ndata_dir = %q\nbogus = 1\n", `3:1`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				data := filepath.Join(dir, "data")
				addr := freeAddr(t)
				file := filepath.Join(dir, "bad.hcl")
				if err := os.WriteFile(file, fmt.Appendf(nil, tc.body, addr, data), 0o600); err != nil {
					t.Fatal(err)
				}
				code, out := runToEnd(t, dir, "-config", file)
				if code == 0 {
					t.Errorf("salond -config %s exited 0, want an error\n%s", file, out)
				}
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(file) + `:` + tc.where + `: \S`).MatchString(out) {
					t.Errorf("output does not start a line with %s:%s: and a message:\n%s", file, tc.where, out)
				}
				if strings.Contains(out, "listening") {
					t.Errorf("salond says it listened:\n%s", out)
				}
				if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("salond touched the data folder %s (stat: %v)", data, err)
				}
				if conn, err := net.Dial("tcp", addr); err == nil {
					conn.Close()
					t.Errorf("something listens on %s", addr)
				}
			})
		}
	})

	t.Run("version", func(t *testing.T) {
		dir := t.TempDir()
		code, out := runToEnd(t, dir, "-version")
		if code != 0 {
			t.Errorf("salond -version exited %d, want 0", code)
		}
		if !regexp.MustCompile(`^salond \S+\n$`).MatchString(out) {
			t.Errorf("salond -version printed %q, want \"salond <version>\"", out)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("salond -version created %v in its working folder", entries)
		}
	})

	t.Run("flags override the file", func(t *testing.T) {
		dir := t.TempDir()
		fileAddr, flagAddr := freeAddr(t), freeAddr(t)
		fileData, flagData := filepath.Join(dir, "file-data"), filepath.Join(dir, "flag-data")
		file := filepath.Join(dir, "salon.hcl")
		hcl := fmt.Sprintf("listen = %q\ndata_dir = %q\npasswords {\n  time = 1\n  memory_kib = 64\n}\n", fileAddr, fileData)
		if err := os.WriteFile(file, []byte(hcl), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd, out := startCmd(t, dir, "-config", file, "-listen", flagAddr, "-data", flagData)
		waitListening(t, flagAddr, cmd, out)
		cl, _ := servertest.Register(t, flagAddr, "alice")
		if conn, err := net.Dial("tcp", fileAddr); err == nil {
			conn.Close()
			t.Errorf("salond listens on the file's address %s too", fileAddr)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		cl.WaitFor("BYE")
		cl.ExpectClosed()
		if code := waitExit(t, cmd); code != 0 {
			t.Fatalf("salond exited %d, want 0\n%s", code, out)
		}
		if _, err := os.Stat(filepath.Join(flagData, store.FileName)); err != nil {
			t.Errorf("no database in the -data folder: %v", err)
		}
		if _, err := os.Stat(fileData); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("salond used the file's data folder %s (stat: %v)", fileData, err)
		}
	})
}

// stored is a message as the database should hold it.
type stored struct {
	author int64
	text   string
}

func (s stored) String() string { return fmt.Sprintf("%d:%q", s.author, s.text) }

// do sends lines and waits until the server has handled them, failing on
// any ERR among the answers.
func do(t *testing.T, c *servertest.Client, lines ...string) []string {
	t.Helper()
	c.Send(lines...)
	got := c.Sync()
	for _, l := range got {
		if strings.HasPrefix(l, "ERR") {
			t.Fatalf("%s: %q answered %q", c.Name, lines, got)
		}
	}
	return got
}

// say sends a message and waits for its echo.
func say(t *testing.T, c *servertest.Client, from int64, addr, text string) {
	t.Helper()
	c.Send("MSG " + addr + " " + text)
	waitEcho(t, c, from, addr, text)
}

// waitEcho skips lines until the echo of a message, failing on an ERR.
func waitEcho(t *testing.T, c *servertest.Client, from int64, addr, text string) {
	t.Helper()
	want := fmt.Sprintf("MSG 0 %d %s %s", from, addr, text)
	for {
		l := c.Next()
		if l == want {
			return
		}
		if strings.HasPrefix(l, "ERR") {
			t.Fatalf("%s: waiting for %q: %q", c.Name, want, l)
		}
	}
}

// conversationOf is where a message from a user to "S C" or "0 U" is stored.
func conversationOf(t *testing.T, from int64, addr string) store.Conversation {
	t.Helper()
	var s, c int64
	if _, err := fmt.Sscanf(addr, "%d %d", &s, &c); err != nil {
		t.Fatalf("bad address %q", addr)
	}
	if s == 0 {
		return store.Direct(from, c)
	}
	return store.ChannelConversation(s, c)
}

// waitOffline asks WHO until the server counts the user as offline.
func waitOffline(t *testing.T, probe *servertest.Client, pseudo string, tag int64) {
	t.Helper()
	off := fmt.Sprintf("ADD OFF 0 %d %s", tag, pseudo)
	for deadline := time.Now().Add(servertest.Timeout); ; {
		probe.Send("WHO " + pseudo)
		if probe.Next() == off {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still online", pseudo)
		}
	}
}

// loginAll logs the users in, one after the other, each staying connected,
// and returns their bursts and connections.
func loginAll(t *testing.T, addr string, users []string) (map[string][]string, []*servertest.Client) {
	t.Helper()
	bursts := map[string][]string{}
	var conns []*servertest.Client
	for _, u := range users {
		c, burst := servertest.Login(t, addr, u)
		bursts[u] = burst
		conns = append(conns, c)
	}
	return bursts, conns
}

// stop signals salond and checks that every client gets BYE last, that the
// connections close and that the process exits 0.
func stop(t *testing.T, p *servertest.Process, sig os.Signal, clients ...*servertest.Client) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.WaitFor("BYE")
		if rest := c.ExpectClosed(); len(rest) > 0 {
			t.Errorf("%s: lines after BYE: %q", c.Name, rest)
		}
	}
	if code := waitExit(t, p.Cmd); code != 0 {
		t.Fatalf("salond exited with %d on %v, want 0\n%s", code, sig, p.Logs())
	}
}

// waitExit waits for the process (killing it if it takes longer than
// servertest.Timeout) and returns its exit code (-1 for a signal).
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(servertest.Timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("salond still running %v after it was told to stop", servertest.Timeout)
	}
	return cmd.ProcessState.ExitCode()
}

// openStore opens a data folder salond has left.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// readConversation pages through a whole conversation and checks it
// against CountMessages.
func readConversation(t *testing.T, st *store.Store, conv store.Conversation) []store.Message {
	t.Helper()
	var all []store.Message
	var after int64
	for {
		page, err := st.Messages(conv, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	n, err := st.CountMessages(conv)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(all)) {
		t.Errorf("%+v: CountMessages says %d, Messages gave %d", conv, n, len(all))
	}
	return all
}

func sameMessages(t *testing.T, what string, got []store.Message, want []stored) {
	t.Helper()
	var g []stored
	for _, m := range got {
		g = append(g, stored{m.AuthorID, m.Body})
	}
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("%s: stored\n%v\nwant\n%v", what, g, want)
	}
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// rawLogin logs pseudo in on a plain connection and reads its burst.
func rawLogin(t *testing.T, addr, pseudo string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, servertest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(servertest.Timeout))
	fmt.Fprintf(conn, "IAM %s password-%s\r\nPING ready\r\n", pseudo, pseudo)
	br := bufio.NewReaderSize(conn, 64<<10)
	for first := true; ; first = false {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: login: %v", pseudo, err)
		}
		if first && !strings.HasPrefix(l, "TAG 0 ") {
			t.Fatalf("%s: login answered %q", pseudo, l)
		}
		if l == "PONG ready\r\n" {
			break
		}
	}
	conn.SetDeadline(time.Time{})
	return conn, br
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCmd starts salond with args in dir, its output collected.
func startCmd(t *testing.T, dir string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(servertest.Binary(t), args...)
	cmd.Dir = dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, out
}

// runToEnd runs salond with args in dir and returns its exit code and output.
func runToEnd(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	cmd, out := startCmd(t, dir, args...)
	return waitExit(t, cmd), out.String()
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string, cmd *exec.Cmd, out *syncBuffer) {
	t.Helper()
	for deadline := time.Now().Add(servertest.Timeout); ; time.Sleep(20 * time.Millisecond) {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("salond does not listen on %s: %v\n%s", addr, err, out)
		}
	}
}
