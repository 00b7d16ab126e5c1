package server_test

// Regression tests of the reliability issue: each reproduces, on the wire
// and against a real salond, a defect found by trying the server from
// outside, and checks it stays fixed.

import (
	"database/sql"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/store"
)

// A command pipelined behind a hooked message is handled exactly as if no
// hook existed: an upload's lines, and a password change, which both wait
// for an answer of the loop in the session's reader.
func TestPipelinedBehindAHookedMessage(t *testing.T) {
	in := plStart(t, plBlock("wordfilter", plBin(t, "wordfilter"), `words = ["smeg"]`, ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice := us[0]

	data := base64.StdEncoding.EncodeToString([]byte("0123456789"))
	alice.SendRaw("MSG 1 0 hello smeg\r\n" +
		"NEWFILE 1 0 a.txt 10\r\n" +
		"FILE 1 0 a.txt " + data + "\r\n" +
		"ENDFILE 1 0 a.txt 10\r\n")
	alice.Expect(plMsg(alice.tag, "1 0", "hello ****"), "NEWFILE OK", "FILE OK", "ENDFILE OK",
		fmt.Sprintf("FILESENT 0 %d 1 0 a.txt", alice.tag))

	alice.SendRaw("MSG 1 0 again\r\nPSW password-alice new-password-alice\r\n")
	alice.Expect(plMsg(alice.tag, "1 0", "again"), "PSW new-password-alice")
	alice.ExpectQuiet()
}

// PONG comes after the answer of a plugin to a JEU sent before the PING,
// however long the plugin takes (within its deadline).
func TestPongAfterPluginAnswer(t *testing.T) {
	in := plStart(t, plBlock("echo", plBin(t, "echo"), "", ""))
	u := plRegister(t, in.Addr, "alice")
	u.SendRaw("JEU echo sleep 300ms\r\nPING after\r\n")
	u.Expect("JEU echo slept 300ms", "PONG after")
	// Calls run side by side and other commands do not wait for them (their
	// answers may come in any order); PONG waits for all.
	u.SendRaw("JEU echo sleep 300ms\r\nJEU echo say hi\r\nWHO alice\r\nPING again\r\n")
	got := u.WaitFor("PONG again")
	want := []string{fmt.Sprintf("ADD ON 0 %d alice", u.tag), "JEU echo said hi", "JEU echo slept 300ms"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("before PONG: %q, want %q in any order", got, want)
	}
}

// NEW USR checks everything that may refuse it before it hashes the
// password. With a hash that takes over a second, refusals of taken
// pseudos (and of NEW USR on a logged-in connection) all arrive while one
// genuine registration is still hashing; each of them used to cost a hash
// of its own.
func TestRegistrationChecksBeforeHashing(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	cfg.Passwords.Time, cfg.Passwords.MemoryKiB = 16, 64<<10
	in := servertest.Start(t, cfg)
	taken, _ := servertest.Register(t, in.Addr, "taken")

	newcomer := servertest.Dial(t, in.Addr)
	newcomer.Send("NEW USR newcomer password-newcomer")
	guesser := servertest.Dial(t, in.Addr)
	// Five refusals from one address: the last two are slowed down (by
	// 250 and 500 ms), as failed logins are.
	for range 3 {
		guesser.Send("NEW USR taken password-guess")
	}
	for range 2 {
		taken.Send("NEW USR other password-other")
	}
	for range 3 {
		guesser.Expect("ERR NEW pseudo already taken")
	}
	for range 2 {
		taken.Expect("ERR NEW already logged in")
	}
	select {
	case l := <-newcomer.Lines():
		t.Fatalf("the refusals came after the registration's hash (%q): they were hashed", l)
	default:
	}
	newcomer.ExpectPrefix("TAG 0 ")
}

// rlFloodConfig is a server with a small allowance: a burst of 5, 5 a
// second, and one second of flooding before a disconnection.
func rlFloodConfig(t *testing.T) *config.Config {
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.MessagesPerSecond = 5
	cfg.Limits.MessageBurst = 5
	cfg.Limits.FloodDelay = time.Second
	return cfg
}

// Every command that reaches other users draws from its sender's
// allowance, not only MSG: a flood of renames, or of small uploads (each a
// file message to every member), is slowed down, then disconnected, and
// the members see only what the allowance let through.
func TestFloodControlCoversEveryCommandThatReachesOthers(t *testing.T) {
	floods := map[string]func(i int) string{
		"RENAME": func(i int) string { return fmt.Sprintf("RENAME club%d 1\r\n", i) },
		"upload": func(i int) string {
			name := fmt.Sprintf("f%d.txt", i)
			return "NEWFILE 1 0 " + name + " 1\r\nFILE 1 0 " + name + " eA==\r\nENDFILE 1 0 " + name + " 1\r\n"
		},
	}
	for name, line := range floods {
		t.Run(name, func(t *testing.T) {
			in := servertest.Start(t, rlFloodConfig(t))
			owner, o := servertest.Register(t, in.Addr, "owner")
			member, m := servertest.Register(t, in.Addr, "member")
			owner.Send("NEW SERV club")
			owner.Expect("TAG 1 0 club", fmt.Sprintf("GRP 1 0 club general 0 %d", o))
			limJoin(t, owner, o, member, m, 1, "club")
			time.Sleep(1100 * time.Millisecond) // a full allowance again

			var flood strings.Builder
			for i := range 200 {
				flood.WriteString(line(i))
			}
			owner.SendRaw(flood.String())
			got := owner.ExpectClosed()
			if len(got) == 0 || got[len(got)-1] != "ERR LINE flooding: disconnected" {
				t.Fatalf("the flooder got %q, want ERR LINE flooding: disconnected last", got)
			}
			reached := 0
			for _, l := range member.Sync() {
				if strings.HasPrefix(l, "RENAME ") || strings.HasPrefix(l, "FILESENT ") {
					reached++
				}
			}
			// A burst of 5, then 5 a second for the second of flooding.
			if reached < 5 || reached > 20 {
				t.Fatalf("%d of the 200 lines reached the member, want about 10", reached)
			}
		})
	}
}

// Pending invitations are bounded for their sender and their receiver, and
// a channel invitation can be declined (or withdrawn) with BYE 0 U S C.
func TestInvitationsBoundedAndDeclinable(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	cfg.Limits.InvitationsSent = 3
	cfg.Limits.InvitationsReceived = 4
	in := servertest.Start(t, cfg)
	alice, a := servertest.Register(t, in.Addr, "alice")
	victim, v := servertest.Register(t, in.Addr, "victim")
	alice.Send("NEW SERV s1", "NEW SERV s2", "NEW SERV s3", "NEW SERV s4")
	alice.Sync()
	for s := 1; s <= 3; s++ {
		alice.Send(fmt.Sprintf("INV 0 %d %d 0", v, s))
		alice.Expect(fmt.Sprintf("ADD ON 0 %d victim", v))
		alice.Expect(fmt.Sprintf("INV 0 %d 0 %d %d 0 s%d general", a, v, s, s))
	}
	alice.Send(fmt.Sprintf("INV 0 %d 4 0", v))
	alice.Expect("ERR INV you have too many invitations waiting for an answer: withdraw some with BYE (the limit is 3)")
	victim.Sync()

	// Withdrawn by its sender, declined by its receiver: both sides hear it.
	alice.Send(fmt.Sprintf("BYE 0 %d 1 0", v))
	bye := fmt.Sprintf("BYE 0 %d 0 %d 1 0", a, v)
	alice.Expect(bye)
	victim.Expect(bye)
	victim.Send(fmt.Sprintf("BYE 0 %d 2 0", a))
	bye = fmt.Sprintf("BYE 0 %d 0 %d 2 0", v, a)
	victim.Expect(bye)
	alice.Expect(bye)
	victim.Send(fmt.Sprintf("BYE 0 %d 2 0", a))
	victim.Expect("ERR BYE no pending invitation to that channel between you")
	_, burst := servertest.Login(t, in.Addr, "victim")
	if want := fmt.Sprintf("SENT 0 %d 3 0 s3 general", a); !slices.Contains(burst, want) || slices.Contains(burst, fmt.Sprintf("SENT 0 %d 1 0 s1 general", a)) {
		t.Fatalf("the victim's burst %q: want only %q pending", burst, want)
	}

	// The receiver's bound: others' invitations count together.
	for i := range 4 {
		name := fmt.Sprintf("other%d", i)
		c, _ := servertest.Register(t, in.Addr, name)
		c.Send(fmt.Sprintf("INV 0 %d", v))
		c.Sync()
	}
	last, _ := servertest.Register(t, in.Addr, "last")
	last.Send(fmt.Sprintf("INV 0 %d", v))
	last.Expect("ERR INV they have too many invitations waiting for their answer (the limit is 4)")
}

// A plugin's refusal of its verb is an ERR of that verb, with the plugin's
// reason, like a core command's (PROTOCOL.md section 12).
func TestPluginRefusalIsAnErr(t *testing.T) {
	in := plStart(t, plBlock("dice", plBin(t, "dice"), "", ""))
	u := plRegister(t, in.Addr, "alice")
	u.Send("ROLL")
	u.Expect("ERR ROLL nothing to roll: try 2d6+1")
	u.Send("ROLL 2d6+x")
	u.ExpectPrefix("ERR ROLL ")
	u.ExpectQuiet()
}

// Deleting a server deletes its messages outside the group commit: the
// deletion is acknowledged, and the next message of another server stored,
// while the deleted server's messages are still being purged (they used
// to go inside the deletion's commit, holding every other user up for as
// long as it took), and then they are all gone.
func TestDeletingABigServerHoldsNobodyUp(t *testing.T) {
	const messages = 300000
	dir := t.TempDir()
	in := servertest.Start(t, servertest.Config(dir))
	alice, a := servertest.Register(t, in.Addr, "alice")
	alice.Send("NEW SERV big", "NEW SERV small")
	alice.Sync()
	in.Stop()

	st, err := store.Open(dir, store.Options{Sync: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Commit([]store.Change{func(tx *store.Tx) error {
		for i := range messages {
			if err := tx.AddMessage(store.Message{ServerID: 1, AuthorID: a, Body: fmt.Sprintf("old %d", i)}); err != nil {
				return err
			}
		}
		return nil
	}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	in = servertest.Start(t, servertest.Config(dir))
	alice, _ = servertest.Login(t, in.Addr, "alice")
	alice.Send("DEL 1 0")
	alice.Expect("DEL 1 0")
	alice.Send("MSG 2 0 still here")
	alice.Expect(fmt.Sprintf("MSG 0 %d 2 0 still here", a))

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, store.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	left := func() int {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM messages WHERE server_id = 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := left(); n == 0 {
		t.Fatal("every message of the deleted server was gone when the next message was stored: deleted in the deletion's commit")
	}
	for deadline := time.Now().Add(time.Minute); left() > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d messages of the deleted server still stored after a minute", left())
		}
	}
	var purges int
	if err := db.QueryRow("SELECT COUNT(*) FROM purges").Scan(&purges); err != nil || purges != 0 {
		t.Fatalf("%d purges still pending (%v)", purges, err)
	}
	if _, entries := flHistory(t, alice, "2 0"); len(entries) != 1 {
		t.Fatalf("the other server's history holds %d messages, want 1", len(entries))
	}
}
