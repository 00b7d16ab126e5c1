//go:build linux

package server_test

// Fault injection against the salond binary (the issue "Hardening"): salond
// is killed with SIGKILL in the middle of a long history download and in
// the middle of plugin calls that write to the wallet and the key/value
// store, and its data folder runs out of space. After each, the database
// passes SQLite's integrity check, the server starts again on the folder as
// the fault left it, and nothing that was acknowledged is missing. What a
// full disk refuses must change nothing, and leave nothing behind: neither
// the blob of a refused upload nor a connection logged in as the account
// whose registration was refused.
//
// SIGKILL during group commits and during uploads is covered by
// durability_test.go (TestCrashLosesNothingAcknowledged) and files_test.go
// (TestFilesRestartMidUpload); a plugin flooding the host API by
// plugins_test.go (TestPluginFlood).
//
// The disk-full tests mount a small tmpfs (1 or 2 MiB) on the data folder,
// which needs root (CAP_SYS_ADMIN): a real file system that really fills
// up, with ENOSPC from write(2), as a full disk gives, and that a remount
// makes bigger without stopping salond. (RLIMIT_FSIZE was the other
// candidate: it fails writes with EFBIG at a size per file rather than for
// the whole folder, which is not what a full disk looks like.) Without root
// they fail and say so: they do not skip.

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver gorm.io/driver/sqlite uses, for PRAGMA integrity_check

	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/store"
)

// TestFaultKillDuringHistoryDownload: bob downloads the save.txt of a
// channel of 20,000 messages on a connection with a small receive buffer,
// and stops reading an eighth of the way through, so that salond is
// blocked in the middle of the stream; meanwhile carol streams messages to
// another channel. salond is killed. The cut download never got its
// ENDFILE; after the restart the database is intact, the same GET sends a
// complete save.txt whose first bytes are exactly those bob had received,
// holding the 20,000 messages in order, and every message of carol's that
// was acknowledged is in the other channel's history.
func TestFaultKillDuringHistoryDownload(t *testing.T) {
	t.Parallel()
	const (
		count   = 20000
		writers = 4
	)
	dir := t.TempDir()
	p := servertest.StartProcess(t, dir)

	alice, a := servertest.Register(t, p.Addr, "alice")
	bob, b := servertest.Register(t, p.Addr, "bob")
	carol, c := servertest.Register(t, p.Addr, "carol")
	do(t, alice, "NEW SERV archive", "NEW CHAN 1 chatter")
	do(t, alice, fmt.Sprintf("INV 0 %d 1 0", b), fmt.Sprintf("INV 0 %d 1 1", c))
	do(t, bob, "JOIN 1 0")
	do(t, carol, "JOIN 1 1")
	// The writers fill the archive (general) with 20,000 messages of 400
	// bytes: a save.txt of about 8.5 MB, far more than a send queue (1 MiB)
	// and the sockets' buffers hold.
	tags := []int64{a}
	for i := 1; i < writers; i++ {
		w, tag := servertest.Register(t, p.Addr, fmt.Sprintf("w%d", i))
		do(t, alice, fmt.Sprintf("INV 0 %d 1 0", tag))
		do(t, w, "JOIN 1 0")
		w.Close()
		tags = append(tags, tag)
	}
	for _, cl := range []*servertest.Client{alice, bob, carol} {
		cl.Close()
	}
	pseudos := []string{"alice", "w1", "w2", "w3"}
	text := func(w, i int) string {
		return fmt.Sprintf("%s %05d %s", pseudos[w], i, strings.Repeat(string(rune('a'+i%26)), 388))
	}
	t0 := time.Now()
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			var texts []string
			for i := w; i < count; i += writers {
				texts = append(texts, text(w, i))
			}
			errs <- faFill(p.Addr, pseudos[w], tags[w], "1 0", texts)
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d messages stored in %v", count, time.Since(t0).Round(time.Millisecond))

	// carol streams to chatter, where bob is not: his connection carries
	// the download alone (while he does not read, live messages would fill
	// the half of his queue a download leaves free, and get him dropped
	// before the kill).
	chatter := faStartStream(t, p.Addr, "carol", c, "1 1", 2*time.Millisecond)

	conn := faDialSmall(t, p.Addr, 64<<10)
	br := faLoginConn(t, conn, "bob")
	if _, err := io.WriteString(conn, "GET 1 0\r\n"); err != nil {
		t.Fatal(err)
	}
	dl := &faDownload{addr: "1 0", name: "save.txt", pauseAt: 8, paused: make(chan struct{}), resume: make(chan struct{}), done: make(chan struct{})}
	go dl.read(conn, br)
	select {
	case <-dl.paused:
	case <-dl.done:
		t.Fatalf("download ended before an eighth was read: %v (%d of %d bytes, lines %q)", dl.err, len(dl.data), dl.size, dl.other)
	case <-time.After(servertest.Timeout):
		t.Fatalf("no eighth of the download within %v", servertest.Timeout)
	}
	// Let salond fill the queue and the socket buffers and block on them,
	// and carol's messages flow meanwhile.
	time.Sleep(300 * time.Millisecond)
	for deadline := time.Now().Add(servertest.Timeout); chatter.progress.Load() < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("carol has only %d acknowledgements: the messages do not flow", chatter.progress.Load())
		}
	}
	faKill(t, p.Cmd)
	close(dl.resume)
	chatter.wait(t)
	select {
	case <-dl.done:
	case <-time.After(servertest.Timeout):
		t.Fatalf("the download still reads %v after the kill", servertest.Timeout)
	}
	if dl.ended || int64(len(dl.data)) >= dl.size {
		t.Fatalf("the download was complete (%d of %d bytes, ENDFILE %t) when salond was killed: it did not cut it", len(dl.data), dl.size, dl.ended)
	}
	for _, l := range dl.other {
		t.Errorf("bob got %q in the middle of his download", l)
	}
	t.Logf("killed with %d of %d bytes of save.txt received (read ended with %v); carol: %d acknowledged, %d sent",
		len(dl.data), dl.size, dl.err, len(chatter.acked), chatter.sent.Load())

	p = servertest.StartProcess(t, dir)
	faIntegrity(t, dir)
	bob, _ = servertest.Login(t, p.Addr, "bob")
	full, entries := flHistory(t, bob, "1 0")
	if !bytes.HasPrefix(full, dl.data) {
		n := 0
		for n < min(len(dl.data), len(full)) && full[n] == dl.data[n] {
			n++
		}
		t.Fatalf("the %d bytes received before the kill differ from the download after the restart at byte %d", len(dl.data), n)
	}
	if int64(len(full)) != dl.size {
		// Nothing was written to the archive after the GET: the snapshot
		// the cut download described is the whole channel.
		t.Errorf("save.txt after the restart is %d bytes, the cut download announced %d", len(full), dl.size)
	}
	if len(entries) != count {
		t.Fatalf("the history after the restart has %d entries, want %d", len(entries), count)
	}
	next := make([]int, writers) // per writer, the index its next message must have
	for i := range next {
		next[i] = i
	}
	for k, e := range entries {
		w := slices.Index(tags, e.Author)
		if w < 0 || e.File != "" || e.Text != text(w, next[w]) {
			t.Fatalf("entry %d is %d %.30q, want one of the writers' next messages", k, e.Author, e.Text)
		}
		next[w] += writers
	}

	carol, _ = servertest.Login(t, p.Addr, "carol")
	_, entries = flHistory(t, carol, "1 1")
	var got []string
	for _, e := range entries {
		if e.Author != c {
			t.Errorf("chatter holds %q by %d, who never wrote there", e.Text, e.Author)
		}
		got = append(got, e.Text)
	}
	chatter.check(t, "chatter", got)

	// Another reader downloads the same bytes.
	alice, _ = servertest.Login(t, p.Addr, "alice")
	if again, _ := flHistory(t, alice, "1 0"); !bytes.Equal(again, full) {
		t.Errorf("a second download differs from the first (%d and %d bytes)", len(again), len(full))
	}
	stop(t, p, syscall.SIGTERM, alice, bob, carol)
	faIntegrity(t, dir)
	st := openStore(t, dir)
	if n, err := st.CountMessages(store.ChannelConversation(1, 0)); err != nil || n != count {
		t.Errorf("the database holds %d messages in the archive (%v), want %d", n, err, count)
	}
}

// TestFaultKillDuringPluginCall: three players keep about ten calls each
// of the slowpay test plugin in flight (a debit and a key set, a 300 ms
// wait, a credit and a key set), while dave streams messages; salond is
// killed. On a copy of the folder as the kill left it: the database is
// intact, every step a player was told about is stored, the steps of each
// call are stored in their order (none without the one before), each
// ledger adds up and the wallets agree with it, and dave's acknowledged
// messages are there. Then salond starts again on the folder itself, the
// plugin's old processes are gone, every call is sent again (as a client
// retrying after a crash does), and each ends up applied exactly once.
func TestFaultKillDuringPluginCall(t *testing.T) {
	t.Parallel()
	const players = 3
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	faSlowpay(t)
	cfgFile := plProcessConfig(t, dir, data, faLimits, plBlock("slowpay", "./bin/slowpay", "", ""))
	p := faStartPlugins(t, cfgFile)

	var users []*plUser
	for i := range players {
		users = append(users, plRegister(t, p.addr, fmt.Sprintf("p%d", i)))
	}
	dave := plRegister(t, p.addr, "dave")
	dave.Send("NEW SERV hall")
	dave.Expect("TAG 1 0 hall", fmt.Sprintf("GRP 1 0 hall general 0 %d", dave.tag))
	for _, u := range users {
		plAsk(t, u, "slowpay", "balance", "balance 1000")
		u.Close()
	}
	dave.Close()

	messages := faStartStream(t, p.addr, "dave", dave.tag, "1 0", time.Millisecond)
	pl := make([]*faPlayer, players)
	for i, u := range users {
		pl[i] = faStartPlayer(t, p.addr, u.name, u.tag, 30*time.Millisecond)
	}
	// Wait until every player has finished calls and has calls between
	// their debit and their credit: the kill lands in the middle of calls.
	for deadline := time.Now().Add(servertest.Timeout); ; time.Sleep(20 * time.Millisecond) {
		ready := true
		for _, x := range pl {
			d, w := x.counts()
			ready = ready && d >= 5 && w >= 3
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the players' calls do not progress\n%s", p.out.String())
		}
	}
	pids := p.pluginPIDs(t)
	if len(pids) == 0 {
		t.Fatalf("salond logged no plugin pid\n%s", p.out.String())
	}
	faKill(t, p.cmd)
	for _, x := range pl {
		x.wait(t)
	}
	messages.wait(t)
	// A plugin whose salond died must not run on: its process ends.
	for _, pid := range pids {
		faWaitGone(t, pid, servertest.Timeout)
	}

	// The folder as the kill left it, in a copy (opening the database
	// rolls its WAL into it, and the restart below must find it as the
	// crash left it).
	crash := faCopyDB(t, data)
	faIntegrity(t, crash)
	st := openStore(t, crash)
	total := map[string]int{}
	for _, x := range pl {
		x.checkCrash(t, st, total)
	}
	t.Logf("at the kill: %v; dave: %d messages acknowledged", total, len(messages.acked))
	var texts []string
	for _, m := range readConversation(t, st, store.ChannelConversation(1, 0)) {
		texts = append(texts, m.Body)
	}
	messages.check(t, "hall", texts)
	st.Close()

	p = faStartPlugins(t, cfgFile)
	faIntegrity(t, data)
	// Every call sent before the kill is sent again, pipelined by twenties
	// (well below the host calls a plugin may have in flight); each is
	// answered "done" and changes nothing that was done already.
	var again []*plUser
	for _, x := range pl {
		u := plLogin(t, p.addr, x.pseudo, x.tag)
		for ids := range slices.Chunk(x.sentIDs(), 20) {
			want := map[string]bool{}
			for _, id := range ids {
				u.Send("JEU slowpay pay " + id + " 0")
				want["JEU slowpay done "+id] = true
			}
			for len(want) > 0 {
				l := u.Next()
				if !strings.HasPrefix(l, "JEU slowpay ") || strings.HasPrefix(l, "JEU slowpay error") {
					t.Fatalf("%s: retrying the calls got %q", x.pseudo, l)
				}
				delete(want, l)
			}
		}
		plAsk(t, u, "slowpay", "balance", fmt.Sprintf("balance %d", 1000-6*len(x.sentIDs())))
		again = append(again, u)
	}
	p.stop(t, again...)
	faIntegrity(t, data)
	st = openStore(t, data)
	for _, x := range pl {
		x.checkFinal(t, st)
	}
}

// TestFaultDiskFull: salond's data folder is a 2 MiB tmpfs. Files are
// uploaded until the disk refuses one (ERR FILE, the upload dropped), then
// messages are sent until it refuses one (ERR MSG ... could not be stored);
// a file and an account that cannot be stored get an ERR too. Through it
// all salond stays up and serves what it has: PING, WHO, the history and
// the files. Once the file system has room again, it stores messages
// without a restart; it stops cleanly, the database is intact, and after a
// restart everything acknowledged is there, and nothing refused.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dir := faTmpfs(t, 2<<20)
	p := servertest.StartProcess(t, dir)

	alice, a := servertest.Register(t, p.Addr, "alice")
	bob, b := servertest.Register(t, p.Addr, "bob")
	do(t, alice, "NEW SERV club")
	do(t, alice, fmt.Sprintf("INV 0 %d 1 0", b))
	do(t, bob, "JOIN 1 0")
	var want []flEntry // the history as acknowledged
	acked := map[string][]byte{}
	aliceU := &flUser{Client: alice, tag: a, name: "alice"}
	bobU := &flUser{Client: bob, tag: b, name: "bob"}
	say(t, alice, a, "1 0", "before the disk fills")
	bob.Expect(plMsg(a, "1 0", "before the disk fills"))
	want = append(want, flText(aliceU, "before the disk fills"))
	keep := flRandom(t, 20000)
	if name := flUpload(t, aliceU, "1 0", "keep.bin", keep); name != "keep.bin" {
		t.Fatalf("keep.bin became %q", name)
	}
	bob.Expect(fmt.Sprintf("FILESENT 0 %d 1 0 keep.bin", a))
	want = append(want, flFile(aliceU, "keep.bin"))
	acked["keep.bin"] = keep

	// Uploads of 256 KiB until one is refused.
	refusedFile := ""
	for i := 0; refusedFile == ""; i++ {
		if i == 20 {
			t.Fatalf("20 uploads of 256 KiB fit in a 2 MiB file system")
		}
		name := fmt.Sprintf("big%d.bin", i)
		data := flRandom(t, 256<<10)
		switch got, ok := faTryUpload(t, alice, "1 0", name, data); {
		case ok:
			if got != name {
				t.Fatalf("%s became %q", name, got)
			}
			bob.Expect(fmt.Sprintf("FILESENT 0 %d 1 0 %s", a, name))
			want = append(want, flFile(aliceU, name))
			acked[name] = data
		case got == "ERR FILE cannot store the file: upload dropped" || strings.HasPrefix(got, "ERR ENDFILE "):
			refusedFile = name
			t.Logf("upload %d refused: %q", i, got)
		default:
			t.Fatalf("upload of %s: got %q, want FILE OK or ERR FILE cannot store the file: upload dropped", name, got)
		}
	}

	// 256 KiB more room, then messages of 3000 bytes until one is refused
	// (the database's WAL fills it); then a few more, each of which is
	// stored or refused, never both nor neither.
	faRemount(t, dir, 2<<20+256<<10)
	var refusedMsgs []string
	storedMsgs := 0
	for i := 0; len(refusedMsgs) < 5; i++ {
		if i == 2000 {
			t.Fatalf("2000 messages of 3 KB fit in 256 KiB")
		}
		txt := fmt.Sprintf("m%04d %s", i, strings.Repeat("z", 2994))
		alice.Send("MSG 1 0 " + txt)
		switch l := alice.Next(); l {
		case plMsg(a, "1 0", txt):
			want = append(want, flText(aliceU, txt))
			bob.Expect(l)
			storedMsgs++
		case "ERR MSG could not be stored, try again":
			refusedMsgs = append(refusedMsgs, txt)
		default:
			t.Fatalf("message %d: got %q, want its echo or ERR MSG could not be stored, try again", i, l)
		}
	}
	bob.ExpectQuiet() // nothing of what was refused reached him
	if storedMsgs == 0 {
		t.Fatalf("no message fitted in 256 KiB")
	}
	t.Logf("%d messages of 3000 bytes stored before the disk was full", storedMsgs)

	// Bursts from both at once, so that whole batches fail and each of
	// their changes is retried alone. Each member sees the messages stored
	// in the same order; each sender gets an echo or an ERR for each of its
	// own.
	burst := func(who string, i int) string {
		return fmt.Sprintf("burst %s%02d %s", who, i, strings.Repeat("b", 500))
	}
	for i := range 20 {
		alice.Send("MSG 1 0 " + burst("a", i))
		bob.Send("MSG 1 0 " + burst("b", i))
	}
	account := func(c *servertest.Client, me int64, who string) (seen []string) {
		t.Helper()
		for answered := 0; answered < 20; {
			l := c.Next()
			switch {
			case l == "ERR MSG could not be stored, try again":
				refusedMsgs = append(refusedMsgs, burst(who, answered))
				answered++
			case l == plMsg(me, "1 0", burst(who, answered)):
				seen = append(seen, l)
				answered++
			case strings.HasPrefix(l, "MSG "):
				seen = append(seen, l)
			default:
				t.Fatalf("%s: got %q in the burst", c.Name, l)
			}
		}
		return seen
	}
	bobSaw := account(bob, b, "b")
	aliceSaw := append(account(alice, a, "a"), alice.Sync()...)
	bobSaw = append(bobSaw, bob.Sync()...)
	sameLines(t, "the burst as bob and alice saw it", bobSaw, aliceSaw)
	for _, l := range aliceSaw {
		var from int64
		var txt string
		if _, err := fmt.Sscanf(l, "MSG 0 %d 1 0 ", &from); err != nil {
			t.Fatalf("alice got %q in the burst", l)
		}
		txt = strings.SplitN(l, " ", 6)[5]
		want = append(want, flEntry{author: from, text: txt})
	}
	t.Logf("of 40 messages in bursts on the full disk, %d were stored", len(aliceSaw))

	// A small upload and a registration: each is acknowledged or refused.
	small := []byte("a few bytes")
	switch got, ok := faTryUpload(t, alice, "1 0", "small.txt", small); {
	case ok:
		if got != "small.txt" {
			t.Fatalf("small.txt became %q", got)
		}
		bob.Expect(fmt.Sprintf("FILESENT 0 %d 1 0 small.txt", a))
		want = append(want, flFile(aliceU, "small.txt"))
		acked["small.txt"] = small
	case strings.HasPrefix(got, "ERR NEWFILE ") || strings.HasPrefix(got, "ERR FILE ") || strings.HasPrefix(got, "ERR ENDFILE "):
		t.Logf("small upload on the full disk: %q", got)
	default:
		t.Fatalf("small upload on the full disk: got %q", got)
	}
	anon := servertest.Dial(t, p.Addr)
	anon.Send("NEW USR carol password-carol")
	carolStored := false
	switch l := anon.Next(); {
	case strings.HasPrefix(l, "TAG 0 "):
		carolStored = true
		anon.Sync()
		t.Logf("NEW USR on the full disk was stored")
	case l == "ERR NEW could not be stored, try again":
		t.Logf("NEW USR on the full disk: %q", l)
	default:
		t.Fatalf("NEW USR on the full disk: got %q", l)
	}
	anon.Close()

	// Reads are served as before.
	alice.Send("PING full", "WHO bob")
	alice.Expect("PONG full", fmt.Sprintf("ADD ON 0 %d bob", b))
	for _, u := range []*flUser{aliceU, bobU} {
		data, _ := flHistory(t, u.Client, "1 0")
		flCheckHistory(t, u.name+" on the full disk", data, "+ 1 0", want, start, time.Now())
	}
	flSame(t, "keep.bin on the full disk", flGet(t, bob, "1 0", "keep.bin"), keep)
	if fi, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Fatal(err)
	} else {
		t.Logf("salon.db is %d bytes on the full disk", fi.Size())
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	t.Logf("file system: %d of %d blocks free", fs.Bfree, fs.Blocks)

	// Room again: messages are stored without a restart.
	faRemount(t, dir, 64<<20)
	for i := range 3 {
		txt := fmt.Sprintf("room again %d", i)
		say(t, alice, a, "1 0", txt)
		bob.Expect(plMsg(a, "1 0", txt))
		want = append(want, flText(aliceU, txt))
	}
	if name := flUpload(t, aliceU, "1 0", "after.bin", keep[:5000]); name != "after.bin" {
		t.Fatalf("after.bin became %q", name)
	}
	bob.Expect(fmt.Sprintf("FILESENT 0 %d 1 0 after.bin", a))
	want = append(want, flFile(aliceU, "after.bin"))
	acked["after.bin"] = keep[:5000]
	stop(t, p, syscall.SIGTERM, alice, bob)
	faIntegrity(t, dir)

	p = servertest.StartProcess(t, dir)
	faIntegrity(t, dir)
	bob, _ = servertest.Login(t, p.Addr, "bob")
	data, _ := flHistory(t, bob, "1 0")
	flCheckHistory(t, "bob after the restart", data, "+ 1 0", want, start, time.Now())
	for name, content := range acked {
		flSame(t, name+" after the restart", flGet(t, bob, "1 0", name), content)
	}
	flReject(t, bob, "GET", "GET 1 0 "+refusedFile)
	bob.Send("WHO carol")
	if l := bob.Next(); carolStored != strings.HasPrefix(l, "ADD ") {
		t.Errorf("WHO carol answered %q, yet her registration was acknowledged: %t", l, carolStored)
	}
	stop(t, p, syscall.SIGTERM, bob)
	st := openStore(t, dir)
	for _, m := range readConversation(t, st, store.ChannelConversation(1, 0)) {
		if slices.Contains(refusedMsgs, m.Body) {
			t.Errorf("a refused message is stored: %.20q", m.Body)
		}
	}
}

// TestFaultDiskFullRefusedFileLeavesNothing: when the bytes of an upload
// fit on the disk but its record does not (the database's WAL has filled
// the rest), ENDFILE is refused, and like every refused upload it leaves
// nothing behind: its blob would otherwise hold, until the next start,
// space that a full disk lacks, and every upload after it would fail.
func TestFaultDiskFullRefusedFileLeavesNothing(t *testing.T) {
	t.Parallel()
	size := 1 << 20
	dir := faTmpfs(t, size)
	p := servertest.StartProcess(t, dir)
	alice, _ := servertest.Register(t, p.Addr, "alice")
	do(t, alice, "NEW SERV club")
	for i := 0; ; i++ {
		if i == 1000 {
			t.Fatalf("1000 messages of 3 KB fit in 1 MiB")
		}
		alice.Send(fmt.Sprintf("MSG 1 0 m%04d %s", i, strings.Repeat("z", 2994)))
		if l := alice.Next(); strings.HasPrefix(l, "ERR ") {
			break
		}
	}
	// Room for 64 KiB more, and an upload of 60 KiB, until one is refused
	// at ENDFILE.
	for i := 0; ; i++ {
		if i == 10 {
			t.Fatalf("no upload was refused at ENDFILE in 10 tries")
		}
		size += 64 << 10
		faRemount(t, dir, size)
		before, _ := flDisk(t, dir)
		got, ok := faTryUpload(t, alice, "1 0", fmt.Sprintf("f%d.bin", i), flRandom(t, 60<<10))
		t.Logf("upload %d: %v %q", i, ok, got)
		if got != "ERR ENDFILE could not be stored, try again" {
			continue
		}
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			after, tmp := flDisk(t, dir)
			if len(tmp) == 0 && len(after) == len(before) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after ERR ENDFILE, files/blobs holds %d blobs (%d before the upload) and files/tmp %v: the refused upload was left on the full disk", len(after), len(before), tmp)
			}
		}
		break
	}
	stop(t, p, syscall.SIGTERM, alice)
	faIntegrity(t, dir)
}

// TestFaultRefusedRegistration: a registration refused because the disk is
// full (ERR NEW ... could not be stored) changed nothing, so its connection
// is still not logged in: its next command is refused as before login
// rather than run for an account that does not exist (which must not bring
// salond down), and the account created next, which gets the tag the
// refused one was given, is not the refused connection's.
func TestFaultRefusedRegistration(t *testing.T) {
	t.Parallel()
	// full starts salond on a tmpfs of 1 MiB, fills it with messages, and
	// registers accounts on a raw connection until one is refused.
	full := func(t *testing.T) (dir string, p *servertest.Process, alice *servertest.Client, ghost *faRaw) {
		dir = faTmpfs(t, 1<<20)
		p = servertest.StartProcess(t, dir)
		alice, _ = servertest.Register(t, p.Addr, "alice")
		do(t, alice, "NEW SERV club")
		for i := 0; ; i++ {
			if i == 1000 {
				t.Fatalf("1000 messages of 3 KB fit in 1 MiB")
			}
			alice.Send(fmt.Sprintf("MSG 1 0 m%04d %s", i, strings.Repeat("z", 2994)))
			if l := alice.Next(); strings.HasPrefix(l, "ERR ") {
				break
			}
		}
		for i := 0; ; i++ {
			if i == 20 {
				t.Fatalf("20 registrations fit on the full disk")
			}
			ghost = faDialRaw(t, p)
			l := ghost.ask(t, fmt.Sprintf("NEW USR ghost%d password-ghost", i))
			if l == "ERR NEW could not be stored, try again" {
				return dir, p, alice, ghost
			}
			if !strings.HasPrefix(l, "TAG 0 ") {
				t.Fatalf("NEW USR on the full disk: got %q", l)
			}
			ghost.conn.Close()
		}
	}

	t.Run("next command", func(t *testing.T) {
		t.Parallel()
		_, p, alice, ghost := full(t)
		if l := ghost.ask(t, "WHO alice"); l != "ERR WHO not logged in" {
			t.Errorf("WHO alice after the refused registration: got %q, want ERR WHO not logged in", l)
		}
		if l := ghost.ask(t, "MSG 1 0 boo"); l != "ERR MSG not logged in" {
			t.Errorf("MSG after the refused registration: got %q, want ERR MSG not logged in", l)
		}
		alice.Send("PING alive")
		alice.Expect("PONG alive")
		stop(t, p, syscall.SIGTERM, alice)
	})

	t.Run("next account", func(t *testing.T) {
		t.Parallel()
		dir, p, alice, ghost := full(t)
		faRemount(t, dir, 8<<20)
		dave, d := servertest.Register(t, p.Addr, "dave")
		if got := ghost.exchange(t, "NEW SERV ghosts"); !slices.Equal(got, []string{"ERR NEW not logged in"}) {
			t.Errorf("NEW SERV on the connection whose registration was refused: got %q, want ERR NEW not logged in", got)
		}
		if got := dave.Sync(); len(got) > 0 {
			t.Errorf("dave (tag %d), registered after the refused registration, got %q: the refused connection acts as him", d, got)
		}
		// The refused connection may register now, as another account.
		if l := ghost.ask(t, "NEW USR carol password-carol"); l == fmt.Sprintf("TAG 0 %d", d) || !strings.HasPrefix(l, "TAG 0 ") {
			t.Errorf("NEW USR carol on the refused connection, once there is room: got %q (dave is %d)", l, d)
		}
		stop(t, p, syscall.SIGTERM, alice, dave)
		faIntegrity(t, dir)
	})
}

// faRaw is a connection read one line at a time, which tells a closed
// connection (salond gone) apart with salond's log.
type faRaw struct {
	p    *servertest.Process
	conn net.Conn
	br   *bufio.Reader
}

func faDialRaw(t *testing.T, p *servertest.Process) *faRaw {
	t.Helper()
	conn, err := net.DialTimeout("tcp", p.Addr, servertest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &faRaw{p: p, conn: conn, br: bufio.NewReader(conn)}
}

// ask sends a line and returns the first line of the answer.
func (r *faRaw) ask(t *testing.T, line string) string {
	t.Helper()
	r.conn.SetDeadline(time.Now().Add(servertest.Timeout))
	if _, err := io.WriteString(r.conn, line+"\r\n"); err != nil {
		t.Fatalf("%s: %v\nsalond's log:\n%s", line, err, r.p.Logs())
	}
	return r.next(t, line)
}

// next reads the next line of the answer to line.
func (r *faRaw) next(t *testing.T, line string) string {
	t.Helper()
	l, err := r.br.ReadString('\n')
	if err != nil {
		t.Fatalf("%s: no answer (%v)\nsalond's log:\n%s", line, err, r.p.Logs())
	}
	return strings.TrimSuffix(l, "\r\n")
}

// exchange sends a line and a PING, and returns the lines answered before
// the PONG.
func (r *faRaw) exchange(t *testing.T, line string) []string {
	t.Helper()
	var got []string
	for l := r.ask(t, line+"\r\nPING fa-exchange"); l != "PONG fa-exchange"; l = r.next(t, line) {
		got = append(got, l)
	}
	return got
}

// faLimits lifts the abuse limits for salond run on a configuration of
// plProcessConfig's, as servertest does for its own.
const faLimits = `limits {
  messages_per_second     = 100000
  message_burst           = 100000
  registrations_per_hour  = 100000
  connections_per_address = 100000
}
`

// faIntegrity runs SQLite's integrity and foreign key checks on the
// database in dir (salond may be running on it: WAL lets a reader in).
func faIntegrity(t *testing.T, dir string) {
	t.Helper()
	file := filepath.Join(dir, store.FileName)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("integrity check: %v", err)
	}
	db, err := sql.Open("sqlite3", "file:"+file+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	query := func(q string) []string {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return out
	}
	if got := query("PRAGMA integrity_check"); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("PRAGMA integrity_check on %s: %q, want ok", file, got)
	}
	if got := query("PRAGMA foreign_key_check"); len(got) > 0 {
		t.Fatalf("PRAGMA foreign_key_check on %s: %q, want nothing", file, got)
	}
}

// faKill kills a process with SIGKILL and waits for it.
func faKill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("salond ended with %v before it was killed", cmd.ProcessState)
	}
}

// faLoginRaw logs pseudo in on conn and reads its burst (up to the PONG
// of a PING sent behind the IAM).
func faLoginRaw(conn net.Conn, pseudo string) (*bufio.Reader, error) {
	conn.SetDeadline(time.Now().Add(servertest.Timeout))
	defer conn.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(conn, "IAM %s password-%s\r\nPING ready\r\n", pseudo, pseudo); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	for first := true; ; first = false {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("%s: login: %w", pseudo, err)
		}
		if first && !strings.HasPrefix(l, "TAG 0 ") {
			return nil, fmt.Errorf("%s: login answered %q", pseudo, l)
		}
		if l == "PONG ready\r\n" {
			return br, nil
		}
	}
}

// faLoginConn is faLoginRaw for the test goroutine.
func faLoginConn(t *testing.T, conn net.Conn, pseudo string) *bufio.Reader {
	t.Helper()
	br, err := faLoginRaw(conn, pseudo)
	if err != nil {
		t.Fatal(err)
	}
	return br
}

// faFill sends texts to "to" as pseudo, pipelined on a connection of its
// own, and returns once each has been echoed, in order.
func faFill(addr, pseudo string, tag int64, to string, texts []string) error {
	conn, err := net.DialTimeout("tcp", addr, servertest.Timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	br, err := faLoginRaw(conn, pseudo)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(time.Minute))
	go func() {
		bw := bufio.NewWriterSize(conn, 64<<10)
		for _, txt := range texts {
			if _, err := fmt.Fprintf(bw, "MSG %s %s\r\n", to, txt); err != nil {
				return
			}
		}
		bw.Flush()
	}()
	prefix := fmt.Sprintf("MSG 0 %d %s ", tag, to)
	for i := 0; i < len(texts); {
		l, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("%s: %d of %d messages echoed: %w", pseudo, i, len(texts), err)
		}
		l = strings.TrimSuffix(l, "\r\n")
		if strings.HasPrefix(l, "ERR") {
			return fmt.Errorf("%s: %q", pseudo, l)
		}
		if txt, ok := strings.CutPrefix(l, prefix); ok {
			if txt != texts[i] {
				return fmt.Errorf("%s: echo %d is %.30q, want %.30q", pseudo, i, txt, texts[i])
			}
			i++
		}
	}
	return nil
}

// faStream is a user sending "<pseudo>-m<n>" messages to one conversation
// until salond dies, and recording which were acknowledged.
type faStream struct {
	pseudo   string
	acked    []string     // by the reader goroutine until done
	progress atomic.Int64 // len(acked)
	sent     atomic.Int64 // messages written to the connection's buffer
	halt     chan struct{}
	done     sync.WaitGroup
	conn     net.Conn
}

func faStartStream(t *testing.T, addr, pseudo string, tag int64, to string, pace time.Duration) *faStream {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, servertest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	br := faLoginConn(t, conn, pseudo)
	s := &faStream{pseudo: pseudo, halt: make(chan struct{}), conn: conn}
	// A deadline only so that a hung server cannot hang the test.
	conn.SetDeadline(time.Now().Add(time.Minute))
	prefix := fmt.Sprintf("MSG 0 %d %s ", tag, to)
	s.done.Add(2)
	go func() {
		defer s.done.Done()
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if txt, ok := strings.CutPrefix(strings.TrimSuffix(l, "\r\n"), prefix); ok {
				s.acked = append(s.acked, txt)
				s.progress.Add(1)
			}
		}
	}()
	go func() {
		defer s.done.Done()
		bw := bufio.NewWriter(conn)
		for m := 0; ; m++ {
			select {
			case <-s.halt:
				return
			case <-time.After(pace):
			}
			fmt.Fprintf(bw, "MSG %s %s-m%d\r\n", to, pseudo, m)
			s.sent.Store(int64(m + 1))
			if bw.Flush() != nil {
				return
			}
		}
	}()
	return s
}

// wait stops the stream once salond is dead and waits for its goroutines.
func (s *faStream) wait(t *testing.T) {
	t.Helper()
	close(s.halt)
	ended := make(chan struct{})
	go func() { s.done.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(servertest.Timeout):
		s.conn.Close()
		t.Fatalf("%s: the connection is still open %v after salond was killed", s.pseudo, servertest.Timeout)
	}
}

// check compares the texts of the stream's messages as stored, in order,
// with what was sent and acknowledged: every acknowledged one is there,
// nothing was stored that was not sent, nothing twice, nothing out of order.
func (s *faStream) check(t *testing.T, what string, stored []string) {
	t.Helper()
	sent := int(s.sent.Load())
	last := -1
	have := map[string]bool{}
	for _, txt := range stored {
		var n int
		if _, err := fmt.Sscanf(txt, s.pseudo+"-m%d", &n); err != nil || txt != fmt.Sprintf("%s-m%d", s.pseudo, n) {
			t.Errorf("%s: %q is stored, %s never sent it", what, txt, s.pseudo)
			continue
		}
		if n >= sent {
			t.Errorf("%s: %q is stored, %s sent only %d messages", what, txt, s.pseudo, sent)
		}
		if n <= last {
			t.Errorf("%s: %q is stored after %s-m%d: twice or out of order", what, txt, s.pseudo, last)
		}
		last = n
		have[txt] = true
	}
	missing := 0
	for _, txt := range s.acked {
		if !have[txt] {
			missing++
			if missing <= 5 {
				t.Errorf("%s: %q was acknowledged and is not stored", what, txt)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%s: %d of %d acknowledged messages are missing", what, missing, len(s.acked))
	}
	if len(s.acked) == 0 {
		t.Errorf("%s: none of %s's messages was acknowledged: the test proved nothing", what, s.pseudo)
	}
}

// faDialSmall connects with a receive buffer of rcvbuf bytes, which keeps
// the kernel from holding much of what the server sends.
func faDialSmall(t *testing.T, addr string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: servertest.Timeout, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		}); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// faDownload reads one download on a raw connection: once it has 1/pauseAt
// of the bytes NEWFILE announced it closes paused and stops reading until
// resume is closed, then reads on to ENDFILE or the end of the connection.
type faDownload struct {
	addr, name string
	pauseAt    int64
	paused     chan struct{}
	resume     chan struct{}
	done       chan struct{}

	// Written by read, to be read once done is closed.
	size  int64
	data  []byte
	ended bool     // ENDFILE arrived
	other []string // lines that are not part of the download
	err   error    // how reading ended
}

func (d *faDownload) read(conn net.Conn, br *bufio.Reader) {
	defer close(d.done)
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	head := fmt.Sprintf("NEWFILE %s %s ", d.addr, d.name)
	fileHead := fmt.Sprintf("FILE %s %s ", d.addr, d.name)
	endHead := fmt.Sprintf("ENDFILE %s %s ", d.addr, d.name)
	pausedOnce := false
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			d.err = err
			return
		}
		l = strings.TrimSuffix(l, "\r\n")
		switch {
		case strings.HasPrefix(l, head):
			d.size, _ = strconv.ParseInt(strings.TrimPrefix(l, head), 10, 64)
		case strings.HasPrefix(l, fileHead):
			b, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(l, fileHead))
			if err != nil {
				d.err = fmt.Errorf("bad FILE line: %w", err)
				return
			}
			d.data = append(d.data, b...)
			if !pausedOnce && d.size > 0 && int64(len(d.data)) >= d.size/d.pauseAt {
				pausedOnce = true
				close(d.paused)
				<-d.resume
				conn.SetReadDeadline(time.Now().Add(servertest.Timeout))
			}
		case strings.HasPrefix(l, endHead):
			d.ended = true
		default:
			d.other = append(d.other, l)
		}
	}
}

// faTryUpload uploads data, one FILE line at a time, and returns the final
// name and true if it was acknowledged, or the first line that was not the
// expected acknowledgement and false.
func faTryUpload(t *testing.T, c *servertest.Client, addr, tmp string, data []byte) (string, bool) {
	t.Helper()
	c.Send(fmt.Sprintf("NEWFILE %s %s %d", addr, tmp, len(data)))
	if l := c.Next(); l != "NEWFILE OK" {
		return l, false
	}
	for _, chunk := range flChunks(data) {
		c.Send(fmt.Sprintf("FILE %s %s %s", addr, tmp, chunk))
		if l := c.Next(); l != "FILE OK" {
			return l, false
		}
	}
	c.Send(fmt.Sprintf("ENDFILE %s %s %d", addr, tmp, len(data)))
	if l := c.Next(); l != "ENDFILE OK" {
		return l, false
	}
	l := c.Next()
	f := strings.Fields(l)
	if len(f) != 6 || f[0] != "FILESENT" {
		t.Fatalf("after ENDFILE OK: got %q, want FILESENT", l)
	}
	return f[5], true
}

// faTmpfs mounts a tmpfs of size bytes on a new folder, unmounted when the
// test ends (after the processes started later are gone).
func faTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Fatalf("this test fills a file system: it mounts a tmpfs, which needs root (euid is %d)", os.Geteuid())
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Fatalf("this test fills a file system: mounting a tmpfs on %s failed: %v (it needs CAP_SYS_ADMIN)", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// faRemount gives the tmpfs on dir a new size.
func faRemount(t *testing.T, dir string, size int) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("remount %s with %d bytes: %v", dir, size, err)
	}
}

// faCopyDB copies the database files of dir (the database and its WAL, as
// a crash left them) into a new folder and returns it.
func faCopyDB(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	for _, name := range []string{store.FileName, store.FileName + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) && name != store.FileName {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// faWaitGone waits until process pid has ended (or is a zombie).
func faWaitGone(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if !faAlive(pid) {
			return
		}
		if time.Now().After(deadline) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Errorf("plugin process %d (%s) still runs %v after its salond was killed", pid, bytes.ReplaceAll(stat, []byte{0}, []byte{' '}), timeout)
			return
		}
	}
}

func faAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, ok := strings.Cut(string(stat), ") ")
	return ok && !strings.HasPrefix(after, "Z")
}

// faStartPlugins is plStartProcess, and at the end of the test (once
// salond is gone) kills the plugin processes it started that still run, so
// that a failing test leaves none behind.
func faStartPlugins(t *testing.T, file string) *plProcess {
	t.Helper()
	var p *plProcess
	t.Cleanup(func() {
		if p == nil {
			return
		}
		for _, pid := range p.pluginPIDs(t) {
			if faAlive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	p = plStartProcess(t, file, false)
	return p
}

// faSlowpay builds testdata/plugins/slowpay next to the other test plugins
// (plBin's folder, which plProcessConfig links as ./bin).
var faBuild struct {
	once sync.Once
	err  error
}

func faSlowpay(t *testing.T) {
	t.Helper()
	dir := filepath.Dir(plBin(t, "echo"))
	faBuild.once.Do(func() {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "slowpay"), "./testdata/plugins/slowpay").CombinedOutput()
		if err != nil {
			faBuild.err = fmt.Errorf("go build slowpay: %v\n%s", err, out)
		}
	})
	if faBuild.err != nil {
		t.Fatal(faBuild.err)
	}
}

// faPlayer keeps slowpay calls "pay <pseudo>-<k> 300" going (80 at most)
// until salond dies, and records how far each got by the lines it was sent.
type faPlayer struct {
	pseudo string
	tag    int64
	conn   net.Conn
	halt   chan struct{}
	wg     sync.WaitGroup

	mu    sync.Mutex
	sent  int            // calls written
	step  map[string]int // id -> the last step reported: 1 debited, 2 noted, 3 credited, 4 done
	fails []string       // lines that are not progress
}

var faSteps = []string{"", "debited", "noted", "credited", "done"}

func faStartPlayer(t *testing.T, addr, pseudo string, tag int64, pace time.Duration) *faPlayer {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, servertest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	br := faLoginConn(t, conn, pseudo)
	conn.SetDeadline(time.Now().Add(time.Minute))
	x := &faPlayer{pseudo: pseudo, tag: tag, conn: conn, halt: make(chan struct{}), step: map[string]int{}}
	x.wg.Add(2)
	go func() {
		defer x.wg.Done()
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(strings.TrimSuffix(l, "\r\n"))
			x.mu.Lock()
			n := 0
			if len(f) >= 4 && f[0] == "JEU" && f[1] == "slowpay" {
				n = slices.Index(faSteps, f[2])
			}
			switch {
			case n <= 0:
				x.fails = append(x.fails, strings.TrimSpace(l))
			case n == 1 && (len(f) != 6 || f[4] != "ok=true"):
				x.fails = append(x.fails, strings.TrimSpace(l))
			case x.step[f[3]] != n-1:
				x.fails = append(x.fails, fmt.Sprintf("%q after step %d", strings.TrimSpace(l), x.step[f[3]]))
			default:
				x.step[f[3]] = n
			}
			x.mu.Unlock()
		}
	}()
	go func() {
		defer x.wg.Done()
		// At most 80 calls: 800 chips, which the balance of 1000 covers.
		for k := 0; k < 80; k++ {
			select {
			case <-x.halt:
				return
			case <-time.After(pace):
			}
			x.mu.Lock()
			x.sent = k + 1
			x.mu.Unlock()
			if _, err := fmt.Fprintf(conn, "JEU slowpay pay %s-%d 300\r\n", pseudo, k); err != nil {
				return
			}
		}
	}()
	return x
}

// counts returns how many calls are done, and how many are between their
// debit and their credit.
func (x *faPlayer) counts() (done, waiting int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, n := range x.step {
		switch n {
		case 4:
			done++
		case 2:
			waiting++
		}
	}
	return done, waiting
}

func (x *faPlayer) wait(t *testing.T) {
	t.Helper()
	close(x.halt)
	ended := make(chan struct{})
	go func() { x.wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(servertest.Timeout):
		x.conn.Close()
		t.Fatalf("%s: the connection is still open %v after salond was killed", x.pseudo, servertest.Timeout)
	}
	for _, l := range x.fails {
		t.Errorf("%s got %s", x.pseudo, l)
	}
}

// sentIDs returns the ids of every call written.
func (x *faPlayer) sentIDs() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var ids []string
	for k := range x.sent {
		ids = append(ids, fmt.Sprintf("%s-%d", x.pseudo, k))
	}
	return ids
}

// faLedger checks a user's ledger (an opening balance of 1000, then each
// entry's balance the one before plus its delta, the wallet's balance the
// last) and returns its entries by at-most-once key.
func faLedger(t *testing.T, st *store.Store, who string, tag int64) map[string]store.LedgerEntry {
	t.Helper()
	es, err := st.Ledger(tag)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 || es[0].Delta != 1000 || es[0].Balance != 1000 || es[0].Reason != "opening balance" {
		t.Fatalf("%s: the ledger does not open with 1000 chips: %+v", who, es)
	}
	byKey := map[string]store.LedgerEntry{}
	for i, e := range es[1:] {
		if e.Balance != es[i].Balance+e.Delta {
			t.Errorf("%s: ledger entry %d: %d%+d is not %d", who, i+1, es[i].Balance, e.Delta, e.Balance)
		}
		if _, dup := byKey[e.Once]; dup || e.Once == "" || e.Plugin != "slowpay" {
			t.Errorf("%s: ledger entry %d %+v: a key used twice, or none, or another plugin", who, i+1, e)
		}
		byKey[e.Once] = e
	}
	bal, ok, err := st.Balance(tag)
	if err != nil || !ok || bal != es[len(es)-1].Balance {
		t.Errorf("%s: the wallet holds %d (%v, %v), the ledger ends at %d", who, bal, ok, err, es[len(es)-1].Balance)
	}
	return byKey
}

// checkCrash checks the database as the kill left it against what the
// player was told, and the order of each call's steps; total counts the
// calls by the last step stored.
func (x *faPlayer) checkCrash(t *testing.T, st *store.Store, total map[string]int) {
	t.Helper()
	byKey := faLedger(t, st, x.pseudo, x.tag)
	kv := func(key string) bool {
		v, found, err := st.KVGet("slowpay", key)
		if err != nil {
			t.Fatal(err)
		}
		if found && string(v) != strconv.FormatInt(x.tag, 10) {
			t.Errorf("%s: KV %s is %q", x.pseudo, key, v)
		}
		return found
	}
	ids := x.sentIDs()
	known := map[string]bool{}
	for _, id := range ids {
		known["pay-"+id], known["back-"+id] = true, true
		debit, paid, credit, done := byKey["pay-"+id], kv("paid/"+id), byKey["back-"+id], kv("done/"+id)
		// What is stored, as a step number; each step only after the one
		// before it.
		stored := 0
		for i, has := range []bool{debit.Once != "", paid, credit.Once != "", done} {
			if has && stored != i {
				t.Errorf("%s: %s has step %s stored without step %s", x.pseudo, id, faSteps[i+1], faSteps[i])
			}
			if has {
				stored = i + 1
			}
		}
		x.mu.Lock()
		told := x.step[id]
		x.mu.Unlock()
		if stored < told {
			t.Errorf("%s: %s was reported %s, but only %d steps are stored", x.pseudo, id, faSteps[told], stored)
		}
		if debit.Once != "" && (debit.Delta != -10 || debit.Reason != "slowpay: pay "+id) {
			t.Errorf("%s: the debit of %s is %+v", x.pseudo, id, debit)
		}
		if credit.Once != "" && (credit.Delta != 4 || credit.Reason != "slowpay: back "+id) {
			t.Errorf("%s: the credit of %s is %+v", x.pseudo, id, credit)
		}
		if stored == 0 {
			total["nothing"]++
		} else {
			total[faSteps[stored]]++
		}
	}
	for k := range byKey {
		if !known[k] {
			t.Errorf("%s: the ledger has an entry %q for a call never made", x.pseudo, k)
		}
	}
}

// checkFinal checks that every call was applied exactly once.
func (x *faPlayer) checkFinal(t *testing.T, st *store.Store) {
	t.Helper()
	byKey := faLedger(t, st, x.pseudo, x.tag)
	ids := x.sentIDs()
	if len(byKey) != 2*len(ids) {
		t.Errorf("%s: %d ledger entries after the opening one, want 2 for each of %d calls", x.pseudo, len(byKey), len(ids))
	}
	for _, id := range ids {
		if byKey["pay-"+id].Delta != -10 || byKey["back-"+id].Delta != 4 {
			t.Errorf("%s: %s: debit %+v, credit %+v", x.pseudo, id, byKey["pay-"+id], byKey["back-"+id])
		}
		for _, key := range []string{"paid/" + id, "done/" + id} {
			if v, found, err := st.KVGet("slowpay", key); err != nil || !found || string(v) != strconv.FormatInt(x.tag, 10) {
				t.Errorf("%s: KV %s: %q, %v, %v", x.pseudo, key, v, found, err)
			}
		}
	}
	if bal, _, _ := st.Balance(x.tag); bal != int64(1000-6*len(ids)) {
		t.Errorf("%s: balance %d after %d calls, want %d", x.pseudo, bal, len(ids), 1000-6*len(ids))
	}
}
