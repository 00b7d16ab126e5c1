// Command salon-wordfilter is a Salon plugin: a moderation hook on channel
// and direct messages, replies and edits that masks forbidden words (each
// letter becomes '*') or rejects the text, as configured:
//
//	plugin "wordfilter" {
//	  command = "../bin/salon-wordfilter"
//	  config {
//	    words = ["darn", "heck"]
//	    mode  = "mask" # or "reject"
//	  }
//	}
package main

import (
	"context"

	"github.com/salon-chat/salon/sdk"
)

type wordfilter struct {
	filter *filter
	reject bool
}

func (w *wordfilter) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		Words    []string `hcl:"words"`
		Mode     string   `hcl:"mode,optional"`
		Channels *bool    `hcl:"channels,optional"`
		Direct   *bool    `hcl:"direct,optional"`
	}{Mode: "mask"}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	if len(c.Words) == 0 {
		return sdk.Manifest{}, cfg.Errorf("words", "words must list at least one word")
	}
	for _, word := range c.Words {
		if !validWord(word) {
			return sdk.Manifest{}, cfg.Errorf("words", "%q cannot be matched as a word: it must start and end with a letter or digit", word)
		}
	}
	switch c.Mode {
	case "mask", "reject":
	default:
		return sdk.Manifest{}, cfg.Errorf("mode", "mode must be \"mask\" or \"reject\", not %q", c.Mode)
	}
	w.filter, w.reject = newFilter(c.Words), c.Mode == "reject"
	return sdk.Manifest{
		HookChannelMessages: c.Channels == nil || *c.Channels,
		HookDirectMessages:  c.Direct == nil || *c.Direct,
	}, nil
}

func (w *wordfilter) HookMessage(ctx context.Context, m sdk.Message) sdk.Verdict {
	masked, found := w.filter.mask(m.Text)
	switch {
	case !found:
		return sdk.AllowMessage()
	case w.reject:
		// An edit refused leaves the message as it was; saying so keeps
		// the author from thinking the old text is gone.
		switch m.Kind {
		case sdk.MessageEdit:
			return sdk.RejectMessage("your edit contains a word that is not allowed here; the message keeps its text")
		case sdk.MessageReply:
			return sdk.RejectMessage("your reply contains a word that is not allowed here")
		}
		return sdk.RejectMessage("your message contains a word that is not allowed here")
	}
	return sdk.ReplaceText(masked)
}

func main() { sdk.Serve(&wordfilter{}) }
