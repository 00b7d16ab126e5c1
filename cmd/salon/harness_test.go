package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// fakeSession stands in for a client.Client: it records what the UI asks
// for. Events reach the model through the program (harness.events), in
// order with the keys typed.
type fakeSession struct {
	mu         sync.Mutex
	lines      []string
	calls      []string // Login, Upload, Download, History, Preview, Reconnect, Close
	password   string
	uploaded   map[string][]byte // what Upload read, by path (it opens the file at once)
	offline    bool
	closed     chan struct{}
	closedOnce sync.Once
}

func newFake() *fakeSession {
	return &fakeSession{password: "secret-password", closed: make(chan struct{})}
}

func (f *fakeSession) record(format string, args ...any) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeSession) Addr() string { return "127.0.0.1:7777" }
func (f *fakeSession) Login(pseudo, password string, register bool) {
	f.record("Login %s %s %v", pseudo, password, register)
	f.mu.Lock()
	f.password = password
	f.mu.Unlock()
}

func (f *fakeSession) Send(line string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.offline {
		return client.ErrNotConnected
	}
	f.lines = append(f.lines, line)
	return nil
}

func (f *fakeSession) Upload(to wire.Addr, path string) (int, string, error) {
	f.record("Upload %s %s", to, path)
	if b, err := os.ReadFile(path); err == nil {
		f.mu.Lock()
		if f.uploaded == nil {
			f.uploaded = map[string][]byte{}
		}
		f.uploaded[path] = b
		f.mu.Unlock()
	}
	if strings.Contains(path, "missing") {
		return 0, "", errors.New("no such file")
	}
	return 7, "name.bin", nil
}

func (f *fakeSession) Download(from wire.Addr, name, path string) error {
	f.record("Download %s %s %s", from, name, path)
	return nil
}

func (f *fakeSession) History(of wire.Addr) error {
	f.record("History %s", of)
	return nil
}

func (f *fakeSession) Older(of wire.Addr, before int64) error {
	f.record("Older %s %d", of, before)
	return nil
}

func (f *fakeSession) Find(in wire.Addr, text string) error {
	f.record("Find %s %s", in, text)
	return nil
}

func (f *fakeSession) Preview(from wire.Addr, name string) error {
	f.record("Preview %s %s", from, name)
	return nil
}

func (f *fakeSession) Password() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.password
}

func (f *fakeSession) Reconnect() { f.record("Reconnect") }

func (f *fakeSession) NextEvents(ctx context.Context) ([]client.Event, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (f *fakeSession) Close() {
	f.record("Close")
	f.closedOnce.Do(func() { close(f.closed) })
}

// takeLines returns the lines sent since the last call.
func (f *fakeSession) takeLines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.lines
	f.lines = nil
	return l
}

func (f *fakeSession) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

var finalTimeout = teatest.WithFinalTimeout(5 * time.Second)

// harness runs the whole program (teatest) on a fake session.
type harness struct {
	t    *testing.T
	fake *fakeSession
	m    *model
	tm   *teatest.TestModel
}

func testConfig() config {
	cfg := defaultConfig()
	cfg.Timestamps = false // screens do not depend on the clock
	return cfg
}

func newHarness(t *testing.T, cfg config) *harness {
	t.Helper()
	fake := newFake()
	m := newModel(fake, cfg)
	h := &harness{t: t, fake: fake, m: m}
	h.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 32))
	t.Cleanup(func() {
		m.cancel()
		h.tm.Quit()
		h.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return h
}

// world is what the logged-in tests start from: alice (1) is friends
// with bob (2); carol (3) is offline; server club (5) has general and
// games (2).
var world = []string{
	"ADD ON 0 1 alice",
	"ADD ON 0 2 bob",
	"ADD OFF 0 3 carol",
	"GRP 0 1 0 2",
	"TAG 5 0 club",
	"GRP 5 0 club general 0 1 0 2 0 3",
	"TAG 5 2 games",
	"GRP 5 2 club games 0 1 0 2",
}

// loggedIn starts a harness that is logged in as alice with world's
// burst, and drops what the login caused from the fake's records.
func loggedIn(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, testConfig())
	h.events(client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines(world...)
	h.events(client.Ready{})
	h.screen()
	h.fake.takeLines()
	h.fake.takeCalls()
	return h
}

// events hands client events to the program.
func (h *harness) events(evs ...client.Event) { h.tm.Send(eventsMsg(evs)) }

// lines hands server lines to the program, parsed as the client does.
func (h *harness) lines(lines ...string) {
	h.t.Helper()
	var evs []client.Event
	for _, l := range lines {
		e, err := client.ParseLine(l)
		if err != nil {
			h.t.Fatalf("bad test line %q: %v", l, err)
		}
		evs = append(evs, e)
	}
	h.events(evs...)
}

// press sends keys by name: "enter", "tab", "ctrl+n", "alt+2"...
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.tm.Send(keyPress(k))
	}
}

// typeLine types text and presses enter.
func (h *harness) typeLine(text string) {
	h.tm.Type(text)
	h.press("enter")
}

// screen returns the screen as plain text once everything sent before has
// been handled: the program handles messages in order.
func (h *harness) screen() string {
	h.t.Helper()
	var s string
	h.inspect(func(m *model) { s = m.screenText() })
	return s
}

// inspect runs fn on the model in the program's event loop, after every
// message sent before.
func (h *harness) inspect(fn func(*model)) {
	h.t.Helper()
	done := make(chan struct{})
	h.tm.Send(inspectMsg(func(m *model) { fn(m); close(done) }))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		h.t.Fatal("the program did not answer within 5s")
	}
}

// input returns what the input line holds.
func (h *harness) input() string {
	var v string
	h.inspect(func(m *model) { v = m.input.Value() })
	return v
}

// sent returns the lines sent since the last call, after a barrier.
func (h *harness) sent() []string {
	h.screen()
	return h.fake.takeLines()
}

func (h *harness) calls() []string {
	h.screen()
	return h.fake.takeCalls()
}

// open puts a conversation on screen, as the user would: alt+N.
func (h *harness) open(name string) {
	h.t.Helper()
	var nav []string
	h.inspect(func(m *model) {
		for _, a := range m.navigation() {
			nav = append(nav, m.st.ConversationName(a))
		}
	})
	for i, n := range nav {
		if n == name {
			if i < 9 {
				h.press(fmt.Sprintf("alt+%d", i+1))
				h.screen()
				h.fake.takeCalls()
				return
			}
		}
	}
	h.t.Fatalf("no conversation %q in %q", name, nav)
}

// expectScreen fails unless the screen holds every want.
func (h *harness) expectScreen(want ...string) string {
	h.t.Helper()
	s := h.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			h.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
	return s
}

func (h *harness) expectNotScreen(absent ...string) {
	h.t.Helper()
	s := h.screen()
	for _, w := range absent {
		if strings.Contains(s, w) {
			h.t.Fatalf("screen shows %q:\n%s", w, s)
		}
	}
}

// keyPress builds the message for a key named as tea names it.
func keyPress(name string) tea.KeyPressMsg {
	var k tea.KeyPressMsg
	parts := strings.Split(name, "+")
	base := parts[len(parts)-1]
	for _, mod := range parts[:len(parts)-1] {
		switch mod {
		case "ctrl":
			k.Mod |= tea.ModCtrl
		case "alt":
			k.Mod |= tea.ModAlt
		case "shift":
			k.Mod |= tea.ModShift
		}
	}
	switch base {
	case "enter":
		k.Code = tea.KeyEnter
	case "tab":
		k.Code = tea.KeyTab
	case "esc":
		k.Code = tea.KeyEscape
	case "up":
		k.Code = tea.KeyUp
	case "down":
		k.Code = tea.KeyDown
	case "pgup":
		k.Code = tea.KeyPgUp
	case "pgdown":
		k.Code = tea.KeyPgDown
	case "backspace":
		k.Code = tea.KeyBackspace
	case "end":
		k.Code = tea.KeyEnd
	case "f2":
		k.Code = tea.KeyF2
	default:
		k.Code = []rune(base)[0]
		if k.Mod == 0 {
			k.Text = base
		}
	}
	return k
}

func windowSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
