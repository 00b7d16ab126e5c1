package chat

import (
	"net"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A goroutine that waits at a pollGate lets readers in even when it never
// blocks otherwise: on one processor, the reader of a socket with data runs
// within a few waits, where without the gate it would wait for the runtime's
// own poll (every 10 ms) or for the busy goroutine to stop.
func TestPollGateLetsReadersIn(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, client, server := loopbackHub(t, false)
	gate, err := newPollGate()
	if err != nil {
		t.Fatal(err)
	}
	defer gate.close()
	got := make(chan struct{})
	go func() {
		buf := make([]byte, 16)
		if _, err := server.Read(buf); err == nil {
			close(got)
		}
	}()
	time.Sleep(10 * time.Millisecond) // the reader waits in the poller
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	// The kernel may deliver a loopback write later, from a softirq, when
	// the machine is busy: wait until the byte is in the socket, so that
	// what is tested is the runtime's poll, not the kernel's delivery.
	waitReadable(t, server)
	for waits := 0; ; waits++ {
		select {
		case <-got:
			return
		default:
		}
		if waits == 100 {
			t.Fatal("the reader did not run within 100 waits at the gate")
		}
		if !gate.wait(time.Second) {
			t.Fatal("the runtime did not poll within a second, with nothing else to run")
		}
	}
}

// waitReadable waits until conn's socket holds bytes to read (TIOCINQ, which is SIOCINQ on a socket).
func waitReadable(t *testing.T, conn net.Conn) {
	t.Helper()
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		n := 0
		raw.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the byte written never reached the socket")
		}
	}
}
