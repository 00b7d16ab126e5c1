package pluginhost

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// refusalOf fails the test unless err is a *Refusal of plugin.
func refusalOf(t *testing.T, err error, plugin string) *Refusal {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("error %v (%T), want a *Refusal", err, err)
	}
	if r.Plugin != plugin {
		t.Errorf("refusal of plugin %q, want %q", r.Plugin, plugin)
	}
	return r
}

// A refusal in a handler's answer comes back as a *Refusal with its reason,
// checked; the lines of the answer are delivered all the same.
func TestRefusal(t *testing.T) {
	h, api := newHost(t, Options{})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().Verbs["ECHO"]
	ctx := context.Background()

	long := strings.Repeat("x", maxReason)
	for _, tc := range []struct{ args, want string }{
		{"refuse nothing to roll: try 2d6+1", "nothing to roll: try 2d6+1"},
		{"refuse tab\tis line text", "tab\tis line text"},
		{"refuse " + long, long},
		{"refuse " + long + "x", genericRefusal},
		{"refuse two\nlines", genericRefusal},
		{"refuse nul\x00", genericRefusal},
	} {
		err := p.HandleVerb(ctx, alice, "ECHO", tc.args)
		if r := refusalOf(t, err, "echo"); r.Reason != tc.want {
			t.Errorf("%.30q: reason %q, want %q", tc.args, r.Reason, tc.want)
		}
	}
	// An empty refusal field is no refusal.
	if err := p.HandleVerb(ctx, alice, "ECHO", "refuse "); err != nil {
		t.Errorf("an empty refusal: %v, want none", err)
	}

	sends := len(api.sends)
	r := refusalOf(t, p.HandleGame(ctx, alice, "echo", "refuse game over"), "echo")
	if r.Reason != "game over" || r.Error() != `plugin "echo" refused: game over` {
		t.Errorf("game refusal %+v: %v", r, r)
	}
	if len(api.sends) != sends+1 || api.lastSend() != "echo user 7 JEU echo before refusing" {
		t.Errorf("the answer's line was not delivered: %q", api.sends[sends:])
	}
}

// A refusal is an answer: it is no strike, and it clears the strikes of
// the calls that timed out before it, as a success does.
func TestRefusalIsNoStrike(t *testing.T) {
	h, _ := newHost(t, Options{})
	plugins, _ := parse(t, echoConfig)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	p := h.Table().Games["echo"]
	pid := status1(t, h, "echo").PID
	ctx := context.Background()
	for i := range strikeLimit - 1 {
		if err := p.HandleGame(ctx, alice, "echo", "hang"); status.Code(errors.Unwrap(err)) != codes.DeadlineExceeded {
			t.Fatalf("hang %d: %v, want a timeout", i, err)
		}
	}
	if n := p.strikes.Load(); n != strikeLimit-1 {
		t.Fatalf("%d strikes after %d timeouts", n, strikeLimit-1)
	}
	refusalOf(t, p.HandleVerb(ctx, alice, "ECHO", "refuse not now"), "echo")
	if n := p.strikes.Load(); n != 0 {
		t.Errorf("%d strikes after a refusal, want 0", n)
	}
	// One more timeout is one strike, not the last.
	if err := p.HandleGame(ctx, alice, "echo", "hang"); status.Code(errors.Unwrap(err)) != codes.DeadlineExceeded {
		t.Fatalf("hang after the refusal: %v", err)
	}
	select {
	case <-p.hung:
		t.Fatal("the plugin was condemned as hung")
	default:
	}
	if err := p.HandleVerb(ctx, alice, "ECHO", "still here"); err != nil {
		t.Errorf("a call after the refusal: %v", err)
	}
	if s := status1(t, h, "echo"); s.PID != pid || s.Restarts != 0 || h.Table().Games["echo"] != p {
		t.Errorf("the plugin was replaced: %+v", s)
	}
}

// A plugin written with the sdk refuses with sdk.Refuse, wrapped or not,
// and the host gets a *Refusal with the reason.
func TestSDKRefusal(t *testing.T) {
	h, api := newHost(t, Options{})
	plugins, _ := parse(t, `
plugin "nope" {
  command = "SDKPLUGIN"
}
`)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	tb := h.Table()
	ctx := context.Background()
	r := refusalOf(t, tb.Verbs["NOPE"].HandleVerb(ctx, alice, "NOPE", ""), "nope")
	if r.Reason != "nothing to do: try NOPE something" {
		t.Errorf("verb refused with %q", r.Reason)
	}
	if err := tb.Verbs["NOPE"].HandleVerb(ctx, alice, "NOPE", "something"); err != nil {
		t.Fatalf("NOPE something: %v", err)
	}
	if got := api.lastSend(); got != "nope user 7 NOPE something" {
		t.Errorf("send = %q", got)
	}
	r = refusalOf(t, tb.Games["nope"].HandleGame(ctx, alice, "nope", "e4"), "nope")
	if r.Reason != "this game takes no moves" {
		t.Errorf("game refused with %q", r.Reason)
	}
}
