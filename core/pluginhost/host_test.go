package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/config"
)

// The test plugin binaries, built once by TestMain: testplugin speaks the
// wire contract alone, sdkplugin is written with the sdk.
var testPlugin, sdkPlugin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pluginhost-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testPlugin = filepath.Join(dir, "testplugin")
	sdkPlugin = filepath.Join(dir, "sdkplugin")
	out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./testdata/plugins/...").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the test plugins: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fakeAPI records what plugins ask of the server.
type fakeAPI struct {
	mu      sync.Mutex
	sends   []string // "plugin to line"
	posts   []string // "plugin bot S C text"
	kv      map[string]string
	bots    map[string]int64
	nextTag int64
	changes int

	table     atomic.Pointer[Table]
	kvDelay   time.Duration
	kvSetGate chan struct{} // when set, KVSet waits for it
	inFlight  atomic.Int32
	maxIn     atomic.Int32
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{kv: map[string]string{}, bots: map[string]int64{}, nextTag: 1000}
}

func (f *fakeAPI) Send(ctx context.Context, plugin string, to Target, line string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	dest := fmt.Sprintf("user %d", to.User)
	if to.Conversation != nil {
		dest = fmt.Sprintf("conv %d %d", to.Conversation.Server, to.Conversation.Channel)
	}
	f.sends = append(f.sends, plugin+" "+dest+" "+line)
	return nil
}

func (f *fakeAPI) PostMessage(ctx context.Context, plugin, bot string, conv Conversation, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = append(f.posts, fmt.Sprintf("%s %s %d %d %s", plugin, bot, conv.Server, conv.Channel, text))
	return nil
}

func (f *fakeAPI) Members(ctx context.Context, conv Conversation) ([]User, error) {
	return nil, fmt.Errorf("%w: no such conversation", ErrRefused)
}

func (f *fakeAPI) LookupUser(ctx context.Context, tag int64, pseudo string) (User, error) {
	return User{}, fmt.Errorf("%w: no such user", ErrRefused)
}

func (f *fakeAPI) KVGet(ctx context.Context, plugin, key string) ([]byte, bool, error) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxIn.Load()
		if n <= m || f.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(f.kvDelay):
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.kv[plugin+"/"+key]
	return []byte(v), ok, nil
}

func (f *fakeAPI) KVSet(ctx context.Context, plugin, key string, value []byte) error {
	if f.kvSetGate != nil {
		select {
		case <-f.kvSetGate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kv[plugin+"/"+key] = string(value)
	return nil
}

func (f *fakeAPI) KVCompareAndSwap(ctx context.Context, plugin, key string, old []byte, oldFound bool, value []byte) (bool, error) {
	return false, errors.New("not implemented")
}

func (f *fakeAPI) KVDelete(ctx context.Context, plugin, key string) error { return nil }

func (f *fakeAPI) KVList(ctx context.Context, plugin, prefix string) ([]KV, error) { return nil, nil }

func (f *fakeAPI) Wallet(ctx context.Context, plugin string, op WalletOp) (WalletResult, error) {
	return WalletResult{}, nil
}

func (f *fakeAPI) Kick(ctx context.Context, plugin, bot string, place Conversation, target int64, reason string) error {
	return fmt.Errorf("%w: no kicks here", ErrRefused)
}

func (f *fakeAPI) Ban(ctx context.Context, plugin, bot string, server, target int64, reason string) error {
	return fmt.Errorf("%w: no bans here", ErrRefused)
}

func (f *fakeAPI) RegisterBots(ctx context.Context, plugin string, pseudos []string) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int64{}
	for _, p := range pseudos {
		if f.bots[p] == 0 {
			f.nextTag++
			f.bots[p] = f.nextTag
		}
		out[p] = f.bots[p]
	}
	return out, nil
}

func (f *fakeAPI) TableChanged(t *Table) {
	f.mu.Lock()
	f.changes++
	f.mu.Unlock()
	f.table.Store(t)
}

func (f *fakeAPI) kvValue(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kv[key]
}

func (f *fakeAPI) lastSend() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sends) == 0 {
		return ""
	}
	return f.sends[len(f.sends)-1]
}

// newHost makes a Host over a fake API with quick timings, shut down at the
// end of the test.
func newHost(t *testing.T, opts Options) (*Host, *fakeAPI) {
	t.Helper()
	api := newFakeAPI()
	opts.API = api
	if opts.Log == nil {
		opts.Log = hclog.New(&hclog.LoggerOptions{Name: "pluginhost", Level: hclog.Warn, Output: testWriter{t}})
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 2 * time.Second
	}
	if opts.BackoffMin == 0 {
		opts.BackoffMin = 20 * time.Millisecond
		opts.BackoffMax = 100 * time.Millisecond
	}
	h := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Shutdown(ctx)
	})
	return h, api
}

// testWriter sends logs to the test's log, until the test ends.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	defer func() { recover() }() // a log line after the test ended
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// parse writes src as salon.hcl in a fresh folder and parses it; PLUGIN in
// src stands for the test plugin's path, SDKPLUGIN for the sdk plugin's.
func parse(t *testing.T, src string) ([]config.Plugin, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "salon.hcl")
	src = strings.ReplaceAll(src, "SDKPLUGIN", sdkPlugin)
	src = strings.ReplaceAll(src, "PLUGIN", testPlugin)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse([]byte(src), path)
	if err != nil {
		t.Fatal(err)
	}
	return c.Plugins, path
}

func status1(t *testing.T, h *Host, name string) Status {
	t.Helper()
	for _, s := range h.Status() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for plugin %q in %+v", name, h.Status())
	return Status{}
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

const echoConfig = `
plugin "echo" {
  command = "PLUGIN"
  config {
    games        = ["echo"]
    verbs        = ["ECHO"]
    bots         = ["EchoBot"]
    events       = ["message", "joined", "someday"]
    hook_channel = true
    hook_direct  = true
  }
}
`

var alice = User{Tag: 7, Pseudo: "alice", Online: true}

func TestStartAndRoute(t *testing.T) {
	h, api := newHost(t, Options{})
	if tb := h.Table(); tb == nil || tb.Games == nil || tb.Verbs == nil || tb.Events == nil || tb.Bots == nil {
		t.Fatalf("initial table = %+v, want empty maps", tb)
	}
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	tb := h.Table()
	p := tb.Games["echo"]
	if p == nil || p.Name() != "echo" || tb.Verbs["ECHO"] != p {
		t.Fatalf("table = %+v", tb)
	}
	if len(tb.ChannelHooks) != 1 || len(tb.DirectHooks) != 1 || len(tb.Events["message"]) != 1 || len(tb.Events["joined"]) != 1 || len(tb.Events["someday"]) != 0 {
		t.Errorf("hooks and events = %+v", tb)
	}
	if tag := api.bots["EchoBot"]; tag == 0 || tb.Bots[tag] != p {
		t.Errorf("bots = %v, registered %v", tb.Bots, api.bots)
	}
	if api.table.Load() != tb {
		t.Error("TableChanged was not told of the current table")
	}
	if s := status1(t, h, "echo"); s.State != StateRunning || s.PID == 0 || s.Restarts != 0 {
		t.Errorf("status = %+v", s)
	}

	ctx := context.Background()
	if err := p.HandleGame(ctx, alice, "echo", "echo hello world"); err != nil {
		t.Fatal(err)
	}
	if got, want := api.lastSend(), "echo user 7 JEU echo hello world"; got != want {
		t.Errorf("send = %q, want %q", got, want)
	}
	if err := p.HandleGame(ctx, alice, "echo", "sendconv 3 0 ECHO to all"); err != nil {
		t.Fatal(err)
	}
	if got, want := api.lastSend(), "echo conv 3 0 ECHO to all"; got != want {
		t.Errorf("send = %q, want %q", got, want)
	}
	if err := p.HandleVerb(ctx, alice, "ECHO", "a b"); err != nil {
		t.Fatal(err)
	}
	if got, want := api.lastSend(), "echo user 7 ECHO a b"; got != want {
		t.Errorf("send = %q, want %q", got, want)
	}
	if err := p.HandleGame(ctx, alice, "echo", "post EchoBot 3 1 hi there"); err != nil {
		t.Fatal(err)
	}
	if len(api.posts) != 1 || api.posts[0] != "echo EchoBot 3 1 hi there" {
		t.Errorf("posts = %q", api.posts)
	}

	// What the plugin may not send is refused before the API sees it.
	sends := len(api.sends)
	for _, tt := range []struct {
		payload string
		code    codes.Code
	}{
		{"send MSG 0 7 hello", codes.PermissionDenied},
		{"send JEU chess e4", codes.PermissionDenied},
		{"send JEU echoes x", codes.PermissionDenied},
		{"send ECHOX y", codes.PermissionDenied},
		{"send JEU echo a\r\nMSG 0 7 injected", codes.InvalidArgument},
		{"send JEU echo bell\a", codes.InvalidArgument},
		{"send JEU echo " + strings.Repeat("x", 4094-len("JEU echo ")+1), codes.InvalidArgument},
		{"send ", codes.InvalidArgument},
		{"post SomeoneElse 3 1 hi", codes.InvalidArgument},
		{"post EchoBot 3 1 bad\x00text", codes.InvalidArgument},
		{"post EchoBot 0 0 nowhere", codes.InvalidArgument},
		{"fail the plugin's own error", codes.InvalidArgument},
	} {
		err := p.HandleGame(ctx, alice, "echo", tt.payload)
		if status.Code(err) != tt.code {
			t.Errorf("%.40q: error %v, want code %v", tt.payload, err, tt.code)
		}
	}
	if err := p.HandleGame(ctx, alice, "echo", "send JEU echo "+strings.Repeat("x", 4094-len("JEU echo "))); err != nil {
		t.Errorf("a line of 4094 bytes: %v", err)
	}
	if len(api.sends) != sends+1 || len(api.posts) != 1 {
		t.Errorf("refused lines reached the API: %q", api.sends[sends:])
	}

	// Events arrive in order, through the queue.
	p.Notify(Event{Kind: "joined", User: alice})
	p.Notify(Event{Kind: "message", User: alice, Text: "hey", Bot: "EchoBot"})
	eventually(t, 5*time.Second, "the event", func() bool { return api.kvValue("echo/event") == "message 7 hey EchoBot" })
}

// TestProtocolVersions: the host negotiates version 2 with a plugin that
// offers it and version 1 with one that offers only that; a version-1
// plugin is hooked without the command's kind and id, as before version 2,
// and its Kick and Ban are refused for its version, while a version-2
// plugin's reach the API.
func TestProtocolVersions(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		version  int
		hook     string
		moderate codes.Code
	}{
		{nil, 2, "kind=2 ref=9", codes.PermissionDenied}, // the fake API refuses every kick
		{[]string{"-protocol1"}, 1, "kind=0 ref=0", codes.FailedPrecondition},
	} {
		h, _ := newHost(t, Options{})
		plugins, _ := parse(t, echoConfig)
		plugins[0].Args = tt.args
		if err := h.Apply(context.Background(), plugins); err != nil {
			t.Fatal(err)
		}
		if st := h.Status(); len(st) != 1 || st[0].Protocol != tt.version {
			t.Fatalf("%q: status %+v, want protocol %d", tt.args, st, tt.version)
		}
		p := h.Table().ChannelHooks[0]
		if p.Version() != tt.version {
			t.Errorf("%q: Version() = %d, want %d", tt.args, p.Version(), tt.version)
		}
		v, err := p.HookMessage(context.Background(), Message{Author: alice, Conversation: Conversation{Server: 3}, Text: "kind", Kind: KindEdit, Ref: 9})
		if err != nil || v != (Verdict{Action: Replace, Text: tt.hook}) {
			t.Errorf("%q: hook of an edit: %+v, %v; want the plugin to see %q", tt.args, v, err, tt.hook)
		}
		for _, payload := range []string{"kick EchoBot 3 0 5 spam", "ban EchoBot 3 5 spam"} {
			err := p.HandleGame(context.Background(), alice, "echo", payload)
			if status.Code(err) != tt.moderate {
				t.Errorf("%q: %s: %v, want code %v", tt.args, payload, err, tt.moderate)
			}
		}
		if tt.version == 2 {
			for payload, code := range map[string]codes.Code{
				"kick Stranger 3 0 5 spam":   codes.InvalidArgument,
				"kick EchoBot 0 0 5 spam":    codes.InvalidArgument,
				"kick EchoBot 3 0 0 spam":    codes.InvalidArgument,
				"kick EchoBot 3 0 5 bad\x00": codes.InvalidArgument, // a reason is line text
				"ban EchoBot 0 5 spam":       codes.InvalidArgument,
			} {
				if err := p.HandleGame(context.Background(), alice, "echo", payload); status.Code(err) != code {
					t.Errorf("%s: %v, want code %v", payload, err, code)
				}
			}
		}
	}
}

func TestHooks(t *testing.T) {
	h, _ := newHost(t, Options{HookTimeout: 200 * time.Millisecond})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().ChannelHooks[0]
	conv := Conversation{Server: 3, Channel: 1}
	for _, tt := range []struct {
		text    string
		want    Verdict
		wantErr bool
	}{
		{"hello", Verdict{Action: Allow}, false},
		{"reject not here", Verdict{Action: Reject, Reason: "not here"}, false},
		{"replace hello, kindly", Verdict{Action: Replace, Text: "hello, kindly"}, false},
		{"replace ", Verdict{Action: Allow}, true}, // an empty replacement is ignored
		{"reject ", Verdict{Action: Allow}, true},  // so is a rejection without reason
		{"error", Verdict{Action: Allow}, true},
		{"slow", Verdict{Action: Allow}, true},
	} {
		start := time.Now()
		v, err := p.HookMessage(context.Background(), Message{Author: alice, Conversation: conv, Text: tt.text})
		if v != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%q: %+v, %v; want %+v, error %v", tt.text, v, err, tt.want, tt.wantErr)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%q took %v", tt.text, d)
		}
	}
}

func TestCrashRestartsThenDisables(t *testing.T) {
	h, _ := newHost(t, Options{MaxFailures: 3, FailureWindow: time.Minute})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().Games["echo"]
	pid := status1(t, h, "echo").PID
	if err := p.HandleGame(context.Background(), alice, "echo", "crash"); status.Code(err) != codes.Unavailable && !errors.Is(err, ErrNotRunning) {
		t.Fatalf("a call the plugin crashed in: %v, want Unavailable", err)
	}
	eventually(t, 5*time.Second, "the restart", func() bool {
		q := h.Table().Games["echo"]
		return q != nil && q != p
	})
	s := status1(t, h, "echo")
	if s.State != StateRunning || s.Restarts != 1 || s.PID == pid || s.LastError == "" {
		t.Errorf("status after a restart = %+v", s)
	}
	if !processGone(pid) {
		t.Errorf("the crashed process %d is still there", pid)
	}
	if err := p.HandleGame(context.Background(), alice, "echo", "echo x"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("a call on the dead process: %v, want ErrNotRunning", err)
	}
	if err := h.Table().Games["echo"].HandleGame(context.Background(), alice, "echo", "echo again"); err != nil {
		t.Errorf("a call on the new process: %v", err)
	}

	// Two more crashes make three in the window: disabled.
	for i := 0; i < 2; i++ {
		q := h.Table().Games["echo"]
		eventually(t, 5*time.Second, "the plugin back", func() bool { q = h.Table().Games["echo"]; return q != nil })
		q.HandleGame(context.Background(), alice, "echo", "crash")
		eventually(t, 5*time.Second, "the plugin gone", func() bool { return h.Table().Games["echo"] != q })
	}
	eventually(t, 5*time.Second, "disabled", func() bool { return status1(t, h, "echo").State == StateDisabled })
	time.Sleep(200 * time.Millisecond) // longer than the backoff: still off
	if s := status1(t, h, "echo"); s.State != StateDisabled || s.PID != 0 || len(h.Table().Games) != 0 || len(h.Table().Bots) != 0 {
		t.Errorf("after disabling: %+v, table %+v", s, h.Table())
	}

	// An Apply with the same configuration leaves it off; a changed one
	// starts it afresh.
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	if s := status1(t, h, "echo"); s.State != StateDisabled {
		t.Errorf("after the same Apply: %+v", s)
	}
	plugins[0].Args = []string{"-v"}
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	if s := status1(t, h, "echo"); s.State != StateRunning || s.Restarts != 0 || h.Table().Games["echo"] == nil {
		t.Errorf("after a changed Apply: %+v", s)
	}
}

func TestDiesAfterStartDisabled(t *testing.T) {
	h, _ := newHost(t, Options{MaxFailures: 3, FailureWindow: time.Minute})
	plugins, _ := parse(t, `
plugin "flaky" {
  command = "PLUGIN"
  config {
    games     = ["flaky"]
    die_after = "50ms"
  }
}
`)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "disabled", func() bool { return status1(t, h, "flaky").State == StateDisabled })
	if s := status1(t, h, "flaky"); s.Restarts != 2 || !strings.Contains(s.LastError, "exited") {
		t.Errorf("status = %+v", s)
	}
}

func TestHungPluginKilled(t *testing.T) {
	h, _ := newHost(t, Options{CallTimeout: 200 * time.Millisecond})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().Games["echo"]
	pid := status1(t, h, "echo").PID
	// A caller's own deadline is no strike against the plugin.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	p.HandleGame(ctx, alice, "echo", "hang")
	cancel()
	for i := 0; i < strikeLimit; i++ {
		start := time.Now()
		err := p.HandleGame(context.Background(), alice, "echo", "hang")
		if status.Code(err) != codes.DeadlineExceeded && !errors.Is(err, ErrNotRunning) {
			t.Fatalf("call %d on a hung plugin: %v", i, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("call %d took %v", i, d)
		}
	}
	// Condemned, the process gets no more calls, even ones it would answer:
	// they would race with its kill.
	if err := p.HandleGame(context.Background(), alice, "echo", "ping"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("a call after the third strike: %v, want ErrNotRunning", err)
	}
	eventually(t, 5*time.Second, "the restart", func() bool {
		q := h.Table().Games["echo"]
		return q != nil && q != p
	})
	if !processGone(pid) {
		t.Errorf("the hung process %d is still there", pid)
	}
	if s := status1(t, h, "echo"); s.Restarts != 1 || !strings.Contains(s.LastError, "timed out") {
		t.Errorf("status = %+v", s)
	}
}

func TestHostCallFlood(t *testing.T) {
	h, api := newHost(t, Options{HostCallsInFlight: 4, CallTimeout: 5 * time.Second})
	api.kvDelay = 300 * time.Millisecond
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	err := h.Table().Games["echo"].HandleGame(context.Background(), alice, "echo", "flood 100")
	var ok, exhausted, other int
	if _, e := fmt.Sscanf(status.Convert(errors.Unwrap(err)).Message(), "flood ok=%d exhausted=%d other=%d", &ok, &exhausted, &other); e != nil {
		t.Fatalf("flood: %v", err)
	}
	if ok < 4 || exhausted == 0 || ok+exhausted != 100 || other != 0 {
		t.Errorf("flood: ok=%d exhausted=%d other=%d", ok, exhausted, other)
	}
	if m := api.maxIn.Load(); m > 4 {
		t.Errorf("the API had %d calls in flight, want at most 4", m)
	}
}

func TestStartErrors(t *testing.T) {
	h, _ := newHost(t, Options{})
	sum := sha256.Sum256([]byte("not the plugin"))
	plugins, path := parse(t, `
plugin "good" {
  command = "PLUGIN"
  config {
    games = ["echo"]
    bots  = ["Bot"]
  }
}

plugin "tampered" {
  command = "PLUGIN"
  sha256  = "`+hex.EncodeToString(sum[:])+`"
}

plugin "missing" {
  command = "no-such-plugin"
}

plugin "bad" {
  command = "PLUGIN"
  config {
    games = ["bad"]

    level = 9
  }
}

plugin "typo" {
  command = "PLUGIN"
  config { gmes = ["x"] }
}

plugin "notaplugin" {
  command = "/bin/sh"
  args    = ["-c", "echo hello"]
}

plugin "rival" {
  command = "PLUGIN"
  config {
    games = ["echo", "other"]
    bots  = ["bot"]
  }
}

plugin "core" {
  command = "PLUGIN"
  config {
    verbs = ["MSG", "lower"]
    games = ["two words"]
  }
}
`)
	err := h.Apply(context.Background(), plugins)
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		path + `:12:3: plugin "tampered": checksum mismatch: ` + testPlugin + ` has sha256 `,
		path + `:16:3: plugin "missing": command ` + filepath.Join(filepath.Dir(path), "no-such-plugin") + ` not found`,
		path + `:24:5: plugin "bad": level must be 1 to 5, not 9`,
		path + `:30:12: plugin "typo": Unsupported argument`,
		path + `:33:8: plugin "notaplugin": starting /bin/sh: handshake failed`,
		path + `:38:8: plugin "rival": game "echo" is already served by plugin "good"`,
		path + `:38:8: plugin "rival": bot "Bot" is already a bot of plugin "good"`,
		path + `:46:8: plugin "core": game id "two words": 1 to 32 printable bytes without spaces`,
		path + `:46:8: plugin "core": verb "lower": 1 to 32 upper-case letters A to Z`,
		path + `:46:8: plugin "core": verb MSG belongs to the protocol`,
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("no error line starts with\n\t%s", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d error lines, want %d:\n%s", len(got), len(want), err)
	}
	tb := h.Table()
	if tb.Games["echo"] == nil || tb.Games["echo"].Name() != "good" || len(tb.Games) != 1 || len(tb.Bots) != 1 {
		t.Errorf("table = %+v", tb)
	}
	for _, s := range h.Status() {
		if want := StateStopped; s.Name != "good" && (s.State != want || s.LastError == "") {
			t.Errorf("status %+v", s)
		}
	}
	if len(h.Status()) != 8 {
		t.Errorf("status for %d plugins, want 8", len(h.Status()))
	}
}

func TestApplyChanges(t *testing.T) {
	h, _ := newHost(t, Options{})
	const base = `
plugin "a" {
  command = "PLUGIN"
  config {
    games = ["a"]
  }
}

plugin "b" {
  command = "PLUGIN"
  config {
    games = ["b"]
    level = LEVEL
  }
}

plugin "c" {
  command = "PLUGIN"
  config { games = ["c"] }
}
`
	plugins, _ := parse(t, strings.Replace(base, "LEVEL", "1", 1))
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, s := range h.Status() {
		pids[s.Name] = s.PID
	}
	before := h.Table()

	// b changes, c goes, d comes; a is written elsewhere in the file but
	// unchanged.
	changed, _ := parse(t, "\n\n"+strings.Replace(strings.Replace(base, "LEVEL", "2", 1), `plugin "c" {
  command = "PLUGIN"
  config { games = ["c"] }
}`, `plugin "d" {
  command = "PLUGIN"
  config { games = ["d"] }
}`, 1))
	if err := h.Apply(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	after := h.Table()
	st := h.Status()
	if len(st) != 3 || st[0].Name != "a" || st[1].Name != "b" || st[2].Name != "d" {
		t.Fatalf("status = %+v", st)
	}
	if st[0].PID != pids["a"] || after.Games["a"] != before.Games["a"] {
		t.Errorf("a was restarted: pid %d -> %d", pids["a"], st[0].PID)
	}
	if st[1].PID == pids["b"] || after.Games["b"] == before.Games["b"] || after.Games["b"] == nil {
		t.Errorf("b was not restarted")
	}
	if !processGone(pids["b"]) || !processGone(pids["c"]) {
		t.Errorf("the old b (%d) or c (%d) is still there", pids["b"], pids["c"])
	}
	if after.Games["c"] != nil || after.Games["d"] == nil || st[2].State != StateRunning {
		t.Errorf("table = %+v", after)
	}

	// A plugin that failed to start is tried again by the next Apply.
	if err := os.Rename(testPlugin, testPlugin+".away"); err != nil {
		t.Fatal(err)
	}
	changed[2].Args = []string{"x"}
	err := h.Apply(context.Background(), changed)
	if err2 := os.Rename(testPlugin+".away", testPlugin); err2 != nil {
		t.Fatal(err2)
	}
	if err == nil || !strings.Contains(err.Error(), `plugin "d": command`) || status1(t, h, "d").State != StateStopped {
		t.Fatalf("Apply without d's binary: %v", err)
	}
	if err := h.Apply(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	if s := status1(t, h, "d"); s.State != StateRunning {
		t.Errorf("d after a second Apply: %+v", s)
	}
}

func TestShutdown(t *testing.T) {
	h, api := newHost(t, Options{})
	plugins, _ := parse(t, echoConfig+`
plugin "two" {
  command = "PLUGIN"
  config { games = ["two"] }
}
`)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, s := range h.Status() {
		if s.PID == 0 {
			t.Fatalf("status %+v", s)
		}
		pids = append(pids, s.PID)
	}
	p := h.Table().Games["two"]
	go p.HandleGame(context.Background(), alice, "two", "hang") // a plugin busy with a call stops all the same
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	h.Shutdown(context.Background())
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	for _, pid := range pids {
		if !processGone(pid) {
			t.Errorf("process %d is still there", pid)
		}
	}
	if tb := h.Table(); len(tb.Games) != 0 || api.table.Load() != tb {
		t.Errorf("table after Shutdown = %+v", tb)
	}
	if err := h.Apply(context.Background(), plugins); err == nil {
		t.Error("Apply after Shutdown: no error")
	}
}

func TestEventQueue(t *testing.T) {
	h, api := newHost(t, Options{EventQueue: 2})
	api.kvSetGate = make(chan struct{})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().Events["message"][0]
	// The plugin handles events by calling KVSet, which holds the first
	// one: two more wait in the queue, the rest are dropped at once.
	start := time.Now()
	for i := range 20 {
		p.Notify(Event{Kind: "message", User: alice, Text: fmt.Sprint(i)})
		if i == 0 {
			time.Sleep(100 * time.Millisecond) // let the first one reach the plugin
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Notify blocked for %v", d)
	}
	close(api.kvSetGate)
	eventually(t, 5*time.Second, "the queued events", func() bool { return api.kvValue("echo/event") == "message 7 2 " })
	time.Sleep(100 * time.Millisecond)
	if got := api.kvValue("echo/event"); got != "message 7 2 " {
		t.Errorf("last event handled = %q, want the third", got)
	}
}

func TestUnresponsivePluginKilled(t *testing.T) {
	h, _ := newHost(t, Options{PingInterval: 100 * time.Millisecond, CallTimeout: 300 * time.Millisecond})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	pid := status1(t, h, "echo").PID
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the restart", func() bool { s := status1(t, h, "echo"); return s.Restarts == 1 && s.State == StateRunning })
	if s := status1(t, h, "echo"); !strings.Contains(s.LastError, "health check") || s.PID == pid {
		t.Errorf("status = %+v", s)
	}
	eventually(t, 5*time.Second, "the stopped process gone", func() bool { return processGone(pid) })
}

// Between a crash and the next process, the table still names the
// plugin's games and verbs, as restarting; once it is disabled, it does not.
func TestRestartingClaimsStayInTheTable(t *testing.T) {
	h, _ := newHost(t, Options{MaxFailures: 2, FailureWindow: time.Minute, BackoffMin: 2 * time.Second, BackoffMax: 4 * time.Second})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().Games["echo"]
	p.HandleGame(context.Background(), alice, "echo", "crash")
	// The next process comes after two seconds at least.
	eventually(t, 5*time.Second, "the crash noticed", func() bool { return h.Table().Games["echo"] == nil })
	if tb := h.Table(); !tb.RestartingGames["echo"] {
		t.Fatalf("while echo restarts, the table's restarting games are %v", tb.RestartingGames)
	}
	eventually(t, 10*time.Second, "the restart", func() bool { return h.Table().Games["echo"] != nil })
	if tb := h.Table(); tb.RestartingGames["echo"] {
		t.Fatal("echo runs again and is still said to be restarting")
	}
	h.Table().Games["echo"].HandleGame(context.Background(), alice, "echo", "crash")
	eventually(t, 5*time.Second, "disabled", func() bool { return status1(t, h, "echo").State == StateDisabled })
	eventually(t, 5*time.Second, "the claims gone", func() bool { return !h.Table().RestartingGames["echo"] })
}
