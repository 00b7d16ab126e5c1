// Command hooker is a test plugin for salond's end-to-end tests: a message
// hook that rewrites messages as its config says.
//
//	config {
//	  from    = "cat"   # replace every "cat" ...
//	  to      = "dog"   # ... by "dog"
//	  append  = " [1]"  # then append this
//	  delay   = "50ms"  # answer after this long, whatever the deadline
//	  reject  = "nope"  # reject messages containing this
//	  channels = true   # hook channel messages (default true)
//	  direct   = false  # hook direct messages (default false)
//	}
package main

import (
	"context"
	"strings"
	"time"

	"github.com/salon-chat/salon/sdk"
)

type hooker struct {
	from, to, suffix, reject string
	delay                    time.Duration
}

func (h *hooker) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		From     string `hcl:"from,optional"`
		To       string `hcl:"to,optional"`
		Append   string `hcl:"append,optional"`
		Delay    string `hcl:"delay,optional"`
		Reject   string `hcl:"reject,optional"`
		Channels *bool  `hcl:"channels,optional"`
		Direct   bool   `hcl:"direct,optional"`
	}{}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	if c.Delay != "" {
		d, err := time.ParseDuration(c.Delay)
		if err != nil {
			return sdk.Manifest{}, cfg.Errorf("delay", "delay: %v", err)
		}
		h.delay = d
	}
	h.from, h.to, h.suffix, h.reject = c.From, c.To, c.Append, c.Reject
	return sdk.Manifest{HookChannelMessages: c.Channels == nil || *c.Channels, HookDirectMessages: c.Direct}, nil
}

func (h *hooker) HookMessage(ctx context.Context, m sdk.Message) sdk.Verdict {
	if h.delay > 0 {
		time.Sleep(h.delay) // deliberately deaf to ctx
	}
	if h.reject != "" && strings.Contains(m.Text, h.reject) {
		return sdk.RejectMessage("hooker rejects " + h.reject)
	}
	text := m.Text
	if h.from != "" {
		text = strings.ReplaceAll(text, h.from, h.to)
	}
	text += h.suffix
	if text == m.Text {
		return sdk.AllowMessage()
	}
	return sdk.ReplaceText(text)
}

func main() { sdk.Serve(&hooker{}) }
