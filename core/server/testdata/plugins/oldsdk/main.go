// Command oldsdk is a test plugin for salond's end-to-end tests, built
// against internal/sdkv1, the frozen copy of the SDK as it was when the
// plugin protocol had only version 1: it stands for a plugin its author
// built before version 2 and never rebuilt. It has a message hook on
// channel and direct messages that rejects any text containing its
// config's "reject" word, and a bot ("elder") that answers every message it
// hears with "elder heard <text>". It must only use what the old SDK had.
//
//	config {
//	  reject = "frack"
//	}
package main

import (
	"context"
	"strings"

	sdk "github.com/salon-chat/salon/internal/sdkv1"
)

type oldsdk struct {
	host   sdk.Host
	reject string
}

func (o *oldsdk) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		Reject string `hcl:"reject"`
	}{}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	if c.Reject == "" {
		return sdk.Manifest{}, cfg.Errorf("reject", "reject must be a word")
	}
	o.host, o.reject = host, c.Reject
	return sdk.Manifest{
		Bots:                []string{"elder"},
		Events:              []string{sdk.EventMessage},
		HookChannelMessages: true,
		HookDirectMessages:  true,
	}, nil
}

func (o *oldsdk) HookMessage(ctx context.Context, m sdk.Message) sdk.Verdict {
	if strings.Contains(m.Text, o.reject) {
		return sdk.RejectMessage("oldsdk rejects " + o.reject)
	}
	return sdk.AllowMessage()
}

func (o *oldsdk) HandleEvent(ctx context.Context, e sdk.Event) {
	if e.Kind != sdk.EventMessage {
		return
	}
	if err := o.host.PostMessage(ctx, e.Bot, e.Conversation, "elder heard "+e.Text); err != nil {
		o.host.Log().Warn("cannot answer", "error", err)
	}
}

func main() { sdk.Serve(&oldsdk{}) }
