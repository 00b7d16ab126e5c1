package pluginhost

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// syncBuffer is a log's output that tests read while plugins write to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A duration a plugin logs through the sdk reads as a duration in salond's
// log, not as the float its nanoseconds become in JSON.
func TestPluginLogDurations(t *testing.T) {
	logs := &syncBuffer{}
	h, _ := newHost(t, Options{Log: hclog.New(&hclog.LoggerOptions{
		Name:   "salond",
		Level:  hclog.Info,
		Output: io.MultiWriter(logs, testWriter{t}),
	})})
	plugins, _ := parse(t, `
plugin "nope" {
  command = "SDKPLUGIN"
}
`)
	if err := h.Apply(context.Background(), plugins); err != nil {
		t.Fatal(err)
	}
	// go-plugin relays the plugin's stderr on a goroutine of its own.
	var entry string
	eventually(t, 30*time.Second, "the plugin's log entry", func() bool {
		for line := range strings.Lines(logs.String()) {
			if strings.Contains(line, "nope ready") {
				entry = line
				return true
			}
		}
		return false
	})
	if !strings.Contains(entry, "[INFO]  salond.plugin.nope.sdkplugin: nope ready:") || !strings.Contains(entry, " delay=5s") {
		t.Errorf("salond logged %q, want the plugin's entry with delay=5s", entry)
	}
	if strings.Contains(logs.String(), "5e+09") {
		t.Errorf("a duration was logged as a float:\n%s", logs)
	}
}
