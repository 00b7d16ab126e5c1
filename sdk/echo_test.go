package sdk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// echo is the plugin the sdk's own tests run: a game that says back what it
// is told, a verb, a hook, events and a bot.
type echo struct {
	host Host
	cfg  struct {
		Prefix string `hcl:"prefix,optional"`
		Times  int    `hcl:"times,optional"`
	}

	mu     sync.Mutex
	events []Event
}

func (e *echo) Configure(cfg Config, host Host) (Manifest, error) {
	e.host = host
	e.cfg.Times = 1
	if err := cfg.Decode(&e.cfg); err != nil {
		return Manifest{}, err
	}
	if e.cfg.Times < 1 || e.cfg.Times > 3 {
		return Manifest{}, cfg.Errorf("times", "times must be 1 to 3, not %d", e.cfg.Times)
	}
	return Manifest{
		Games:               []string{"echo"},
		Verbs:               []string{"ECHO"},
		HookChannelMessages: true,
		Events:              []string{EventMessage, EventJoined},
		Bots:                []string{"echobot"},
	}, nil
}

func (e *echo) HandleGame(ctx context.Context, call GameCall) error {
	switch call.Payload {
	case "":
		return errors.New("say something")
	case "panic":
		panic("echo was asked to panic")
	case "wait":
		<-ctx.Done()
		return ctx.Err()
	}
	for range e.cfg.Times {
		if err := e.host.SendGame(ctx, call.From.Tag, "echo", e.cfg.Prefix+call.Payload); err != nil {
			return err
		}
	}
	return nil
}

func (e *echo) HandleVerb(ctx context.Context, call VerbCall) error {
	if call.Args == "" {
		// A line before the refusal, which must arrive all the same.
		if err := e.host.SendToUser(ctx, call.From.Tag, "ECHO where?"); err != nil {
			return err
		}
		return fmt.Errorf("echo: %w", Refuse("say where:\nS C or 0 U"))
	}
	c, err := ParseConversation(call.Args)
	if err != nil {
		return err
	}
	return e.host.SendToConversation(ctx, c, "ECHO "+call.From.Pseudo)
}

func (e *echo) HookMessage(ctx context.Context, m Message) Verdict {
	switch {
	case m.Text == "boom":
		panic("hook exploded")
	case m.Text == "kind":
		return ReplaceText(m.Kind.String() + " " + strconv.FormatInt(m.Ref, 10))
	case strings.Contains(m.Text, "spam"):
		return RejectMessage("no spam here")
	case strings.Contains(m.Text, "darn"):
		return ReplaceText(strings.ReplaceAll(m.Text, "darn", "d*rn"))
	}
	return AllowMessage()
}

func (e *echo) HandleEvent(ctx context.Context, ev Event) {
	e.mu.Lock()
	e.events = append(e.events, ev)
	e.mu.Unlock()
	if ev.Kind == EventMessage {
		_ = e.host.PostMessage(ctx, ev.Bot, ev.Conversation, "you said: "+ev.Text)
	}
}
