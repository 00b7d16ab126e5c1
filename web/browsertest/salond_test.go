package browsertest_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/server/servertest"
)

// salond is the server binary as a child process, with its TCP listener
// and its web listener on loopback ports chosen once, so that it can be
// stopped and started again on the same ports and data folder (the page
// must find it where it left it).
type salond struct {
	t       *testing.T
	Addr    string // the line protocol over TCP
	WebAddr string // the web listener: the page, /ws, /files
	dataDir string
	cfgFile string
	cmd     *exec.Cmd
	exited  chan struct{}
	log     lockedLog
}

// URL is the page's address.
func (s *salond) URL() string { return "http://" + s.WebAddr + "/" }

// startSalond writes a configuration with both listeners on free ports,
// the cheap password hashing and lifted limits the other end-to-end tests
// use, starts salond and waits until both listeners accept connections.
func startSalond(t *testing.T) *salond {
	t.Helper()
	return startSalondWith(t, "")
}

// startSalondWith is startSalond with more configuration (a calls block).
func startSalondWith(t *testing.T, extra string) *salond {
	t.Helper()
	s := &salond{t: t, Addr: freeAddr(t), WebAddr: freeAddr(t), dataDir: t.TempDir()}
	s.cfgFile = filepath.Join(t.TempDir(), "salon.hcl")
	hcl := fmt.Sprintf(`listen   = %q
data_dir = %q
passwords {
  time       = 1
  memory_kib = 64
}
limits {
  messages_per_second     = 100000
  message_burst           = 100000
  registrations_per_hour  = 100000
  connections_per_address = 100000
}
web {
  listen = %q
}
%s`, s.Addr, s.dataDir, s.WebAddr, extra)
	if err := os.WriteFile(s.cfgFile, []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.kill)
	return s
}

// freeAddr asks the system for a free loopback port. Another process could
// take it before salond binds it; on loopback in a test run that does not
// happen in practice, and salond would then fail to start, loudly.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs salond on the configuration and waits for its listeners.
func (s *salond) start() {
	s.t.Helper()
	s.cmd = exec.Command(servertest.Binary(s.t), "-config", s.cfgFile)
	s.cmd.Stderr = &s.log
	s.cmd.Stdout = &s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	for _, addr := range []string{s.Addr, s.WebAddr} {
		s.waitListening(addr)
	}
}

func (s *salond) waitListening(addr string) {
	s.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-s.exited:
			s.t.Fatalf("salond exited before listening on %s:\n%s", addr, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("salond did not listen on %s within %v: %v\n%s", addr, stepTimeout, err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond) // polling a port: there is no event to wait on
	}
}

// stop shuts salond down as an operator would (SIGTERM) and waits for it
// to exit, so that its ports are free to be bound again.
func (s *salond) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("signal salond: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(stepTimeout):
		s.t.Fatalf("salond still running %v after SIGTERM:\n%s", stepTimeout, s.log.String())
	}
}

// kill ends a salond still running when the test ends, and shows its log
// when the test failed.
func (s *salond) kill() {
	select {
	case <-s.exited:
	default:
		s.cmd.Process.Kill()
		<-s.exited
	}
	if s.t.Failed() {
		s.t.Logf("salond's log:\n%s", s.log.String())
	}
}

// lockedLog collects a child process's output, written by exec's copying
// goroutine and read by the test.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
