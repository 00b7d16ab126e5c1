package browsertest_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/server/servertest"
)

// Timeouts are generous, because CI has two cores that other packages'
// tests load too; every wait ends as soon as its condition holds, so a fast
// machine never waits this long.
const (
	// stepTimeout bounds each wait of the Go side for salond or for an
	// event of the terminal-library user.
	stepTimeout = 90 * time.Second
	// pageTimeout bounds each wait inside a script (an element, a
	// condition in the page): the script fails by itself, saying what it
	// waited for and what the page showed.
	pageTimeout = 60 * time.Second
	// scriptTimeout bounds the Go side's wait for a script's next step,
	// which may take several waits of the page: only a script that hangs
	// outside playwright's waits meets it.
	scriptTimeout = 5 * time.Minute
)

// chromium is the browser the scripts drive: Debian's, which .ci/run
// installs. SALON_CHROMIUM overrides it for a machine that keeps it
// elsewhere; no browser is ever downloaded.
func chromium() string {
	if p := os.Getenv("SALON_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// checkPrerequisites fails (never skips) when what the browser tests need
// is missing, saying how to get it.
func checkPrerequisites() error {
	if _, err := os.Stat(chromium()); err != nil {
		return fmt.Errorf("no Chromium at %s (apt-get install -y chromium, or set SALON_CHROMIUM): %v", chromium(), err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not installed (the browser tests drive Chromium from Node): %v", err)
	}
	if _, err := os.Stat(filepath.Join("..", "node_modules", "playwright-core", "package.json")); err != nil {
		return fmt.Errorf("playwright-core is not installed in web/node_modules (run npm ci in web/, or make web-test): %v", err)
	}
	return nil
}

func TestMain(m *testing.M) {
	if err := checkPrerequisites(); err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		os.Exit(1)
	}
	code := m.Run()
	servertest.RemoveBinary()
	os.Exit(code)
}

// script is one browser scenario: a Node script (a .mjs file beside this
// one) that drives Chromium through playwright-core. It tells the Go side
// where it is with lines "STEP name" on its standard output, and waits for
// the Go side's words on its standard input (lib.mjs: step, heard), so
// that each side waits on what the other has observed, never on a clock.
type script struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // its standard output, line by line; closed at its end
	stderr lockedLog
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// runScript starts node on name.mjs with env (SALON_URL and the rest) and
// the browser's path, and ends it with the test.
func runScript(t *testing.T, name string, env map[string]string) *script {
	t.Helper()
	s := &script{t: t, name: name, lines: make(chan string, 1000), exited: make(chan struct{})}
	s.cmd = exec.Command("node", name+".mjs")
	s.cmd.Env = append(os.Environ(), "SALON_CHROMIUM="+chromium(), "SALON_PAGE_TIMEOUT_MS="+fmt.Sprint(pageTimeout.Milliseconds()))
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stderr = &s.stderr
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start node %s.mjs: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("%s.mjs's standard error:\n%s", name, s.stderr.String())
		}
	})
	return s
}

// expect waits until the script reports step, logging what it says on
// the way, and fails the test if the script ends or stalls first.
func (s *script) expect(step string) {
	s.t.Helper()
	timer := time.NewTimer(scriptTimeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				<-s.exited
				s.t.Fatalf("%s.mjs ended (%v) before step %q:\n%s", s.name, s.err, step, s.stderr.String())
			}
			if l == "STEP "+step {
				return
			}
			if strings.HasPrefix(l, "STEP ") {
				s.t.Fatalf("%s.mjs: got %q, want step %q", s.name, l, step)
			}
			s.t.Logf("%s.mjs: %s", s.name, l)
		case <-timer.C:
			s.t.Fatalf("%s.mjs: no step %q within %v:\n%s", s.name, step, scriptTimeout, s.stderr.String())
		}
	}
}

// tell sends word to the script, which is waiting for it with heard().
func (s *script) tell(word string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, word+"\n"); err != nil {
		s.t.Fatalf("%s.mjs: tell %q: %v", s.name, word, err)
	}
}

// finish waits for the script's last step, "done", and its exit status 0.
func (s *script) finish() {
	s.t.Helper()
	s.expect("done")
	s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(stepTimeout):
		s.t.Fatalf("%s.mjs did not exit within %v after its last step", s.name, stepTimeout)
	}
	for l := range s.lines {
		s.t.Logf("%s.mjs: %s", s.name, l)
	}
	if s.err != nil {
		s.t.Fatalf("%s.mjs: %v\n%s", s.name, s.err, s.stderr.String())
	}
}
