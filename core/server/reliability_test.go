package server_test

// Regression tests of the reliability issue: each reproduces, on the wire
// and against a real salond, a defect found by trying the server from
// outside, and checks it stays fixed.

import (
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
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
