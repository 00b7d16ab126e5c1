package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
)

// A plugin's JSON log writes values with a String method as that string,
// in every logger made from the plugin's, and leaves alone what JSON
// writes well.
func TestLogTextValues(t *testing.T) {
	var buf bytes.Buffer
	l := withTextValues(hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true, Level: hclog.Trace}))
	if withTextValues(l) != l {
		t.Error("a wrapped logger was wrapped again")
	}
	var nilAction *Action
	args := []any{
		"delay", 5 * time.Second,
		"code", codes.NotFound,
		"action", Reject,
		"nil", nilAction,
		"count", 3,
		"name", "coin",
		"error", errors.New("disk full"),
		"addr", netip.MustParseAddr("127.0.0.1"), // a TextMarshaler: its own form
		"at", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), // a json.Marshaler
	}
	l.Info("ready", args...)
	if args[1] != 5*time.Second {
		t.Errorf("the caller's arguments were changed: %v", args)
	}
	l.With("timeout", 250*time.Millisecond).Named("table").Warn("slow", "waited", 90*time.Second)
	l.Log(hclog.Debug, "via Log", "backoff", 1500*time.Millisecond)
	l.ResetNamed("other").Error("via ResetNamed", "left", time.Minute)

	var entries []map[string]any
	for line := range strings.Lines(buf.String()) {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		entries = append(entries, e)
	}
	if len(entries) != 4 {
		t.Fatalf("%d entries:\n%s", len(entries), buf.String())
	}
	want := []map[string]any{
		{"delay": "5s", "code": "NotFound", "action": "reject", "nil": "<nil>", "count": 3.0, "name": "coin",
			"error": "disk full", "addr": "127.0.0.1", "at": "2026-01-02T03:04:05Z"},
		{"timeout": "250ms", "waited": "1m30s", "@module": "table"},
		{"backoff": "1.5s", "@message": "via Log"},
		{"left": "1m0s", "@module": "other"},
	}
	for i, w := range want {
		for k, v := range w {
			if got := entries[i][k]; got != v {
				t.Errorf("entry %d: %s = %#v, want %#v", i, k, got, v)
			}
		}
	}
}
