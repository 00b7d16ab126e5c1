// Command parrot is a test plugin for salond's end-to-end tests: a bot
// ("parrot", or the pseudo its config names) that repeats, prefixed with
// its config's "say", every message it hears, and a channel message hook
// that appends " ~p" to every message. Were its own bot's messages fed back
// to its hook or its events, they would carry " ~p" or be repeated without
// end.
package main

import (
	"context"

	"github.com/salon-chat/salon/sdk"
)

type parrot struct {
	host     sdk.Host
	bot, say string
}

func (p *parrot) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		Bot string `hcl:"bot,optional"`
		Say string `hcl:"say,optional"`
	}{Bot: "parrot", Say: "heard"}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	p.host, p.bot, p.say = host, c.Bot, c.Say
	return sdk.Manifest{Bots: []string{c.Bot}, Events: []string{sdk.EventMessage}, HookChannelMessages: true}, nil
}

func (p *parrot) HookMessage(ctx context.Context, m sdk.Message) sdk.Verdict {
	return sdk.ReplaceText(m.Text + " ~p")
}

func (p *parrot) HandleEvent(ctx context.Context, e sdk.Event) {
	if e.Kind != sdk.EventMessage {
		return
	}
	if err := p.host.PostMessage(ctx, e.Bot, e.Conversation, p.say+" "+e.Text); err != nil {
		p.host.Log().Warn("cannot repeat", "error", err)
	}
}

func main() { sdk.Serve(&parrot{}) }
