package sdk

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/internal/sdkv1/internal/rules"
)

// Instance is a configured plugin, ready for calls: what Serve runs behind
// its gRPC server, and what sdktest drives in process. It applies the rules
// every plugin gets for free: calls for games, verbs or interfaces the
// plugin does not serve are refused with ErrNotHandled, and a panic in a
// handler is recovered and logged instead of ending the process.
type Instance struct {
	p        Plugin
	name     string
	log      hclog.Logger
	manifest Manifest
	games    map[string]bool
	verbs    map[string]bool
}

// NewInstance parses src, calls p.Configure with it and host, and checks
// the manifest. Any failure is a *ConfigError, formatted for the operator.
func NewInstance(p Plugin, host Host, src Source) (*Instance, error) {
	cfg, err := parseConfig(src)
	if err != nil {
		return nil, err
	}
	log := hclog.NewNullLogger()
	if host != nil && host.Log() != nil {
		log = host.Log()
	}
	m, err := configure(p, cfg, host, log)
	if err != nil {
		return nil, cfg.wrap(err)
	}
	if err := checkManifest(p, m); err != nil {
		return nil, cfg.wrap(fmt.Errorf("manifest: %w", err))
	}
	i := &Instance{
		p:    p,
		name: src.Name,
		log:  log,
		manifest: Manifest{
			Games:               slices.Clone(m.Games),
			Verbs:               slices.Clone(m.Verbs),
			HookChannelMessages: m.HookChannelMessages,
			HookDirectMessages:  m.HookDirectMessages,
			Events:              slices.Clone(m.Events),
			Bots:                slices.Clone(m.Bots),
		},
		games: map[string]bool{},
		verbs: map[string]bool{},
	}
	for _, g := range m.Games {
		i.games[g] = true
	}
	for _, v := range m.Verbs {
		i.verbs[v] = true
	}
	return i, nil
}

func configure(p Plugin, cfg Config, host Host, log hclog.Logger) (m Manifest, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("plugin panicked in Configure", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("%w in Configure: %v", ErrPanicked, r)
		}
	}()
	return p.Configure(cfg, host)
}

// checkManifest checks what a manifest declares, and that the plugin has
// the methods to serve it: a game without HandleGame is a bug best found
// at start rather than on a user's first move.
func checkManifest(p Plugin, m Manifest) error {
	if err := rules.CheckManifest(m.Games, m.Verbs, m.Events, m.Bots); err != nil {
		return err
	}
	if _, ok := p.(GameHandler); len(m.Games) > 0 && !ok {
		return fmt.Errorf("declares games but has no HandleGame method")
	}
	if _, ok := p.(VerbHandler); len(m.Verbs) > 0 && !ok {
		return fmt.Errorf("declares verbs but has no HandleVerb method")
	}
	if _, ok := p.(MessageHook); (m.HookChannelMessages || m.HookDirectMessages) && !ok {
		return fmt.Errorf("asks for message hooks but has no HookMessage method")
	}
	if _, ok := p.(EventHandler); len(m.Events) > 0 && !ok {
		return fmt.Errorf("asks for events but has no HandleEvent method")
	}
	return nil
}

// Manifest returns what the plugin declared.
func (i *Instance) Manifest() Manifest {
	m := i.manifest
	m.Games = slices.Clone(m.Games)
	m.Verbs = slices.Clone(m.Verbs)
	m.Events = slices.Clone(m.Events)
	m.Bots = slices.Clone(m.Bots)
	return m
}

// Name is the plugin's name in the configuration.
func (i *Instance) Name() string { return i.name }

// HandleGame delivers a JEU line to the plugin.
func (i *Instance) HandleGame(ctx context.Context, call GameCall) (err error) {
	h, ok := i.p.(GameHandler)
	if !ok || !i.games[call.Game] {
		return fmt.Errorf("game %q: %w", call.Game, ErrNotHandled)
	}
	defer i.failed("HandleGame", &err, "game", call.Game, "user", call.From.Tag)
	defer i.recover("HandleGame", &err)
	return h.HandleGame(ctx, call)
}

// HandleVerb delivers a line with one of the plugin's verbs.
func (i *Instance) HandleVerb(ctx context.Context, call VerbCall) (err error) {
	h, ok := i.p.(VerbHandler)
	if !ok || !i.verbs[call.Verb] {
		return fmt.Errorf("verb %q: %w", call.Verb, ErrNotHandled)
	}
	defer i.failed("HandleVerb", &err, "verb", call.Verb, "user", call.From.Tag)
	defer i.recover("HandleVerb", &err)
	return h.HandleVerb(ctx, call)
}

// HookMessage asks the plugin about a message. A plugin without a hook, or
// whose hook panics or answers nonsense, lets the message through.
func (i *Instance) HookMessage(ctx context.Context, m Message) (v Verdict) {
	h, ok := i.p.(MessageHook)
	if !ok {
		return AllowMessage()
	}
	var err error
	defer func() {
		if err != nil {
			v = AllowMessage()
		}
	}()
	defer i.recover("HookMessage", &err)
	v = h.HookMessage(ctx, m)
	switch v.Action {
	case Allow:
		return AllowMessage()
	case Reject:
		// salond lets a message through if the reason is unusable, so
		// make it usable rather than lose the rejection.
		return Verdict{Action: Reject, Reason: rules.Reason(v.Reason, "message rejected")}
	case Replace:
		return Verdict{Action: Replace, Text: v.Text}
	}
	i.log.Warn("message hook returned an unknown action; allowing the message", "action", int(v.Action))
	return AllowMessage()
}

// HandleEvent notifies the plugin of an event; a plugin without
// HandleEvent ignores it.
func (i *Instance) HandleEvent(ctx context.Context, e Event) {
	h, ok := i.p.(EventHandler)
	if !ok {
		return
	}
	var err error
	defer i.recover("HandleEvent", &err)
	h.HandleEvent(ctx, e)
}

// failed logs a handler's error (panics are logged by recover already):
// salond tells the user the call failed, the plugin's log says why. A
// refusal is no failure: users typing nonsense must not fill the log with
// warnings.
func (i *Instance) failed(call string, err *error, args ...any) {
	if *err == nil || errors.Is(*err, ErrPanicked) {
		return
	}
	if reason, ok := refusalOf(*err); ok {
		i.log.Debug(call+" refused", append(args, "reason", reason)...)
		return
	}
	i.log.Warn(call+" failed", append(args, "error", *err)...)
}

// recover is deferred by every call into the plugin: a panic becomes an
// error wrapping ErrPanicked, and a log entry with the stack.
func (i *Instance) recover(call string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	i.log.Error("plugin panicked", "call", call, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	*err = fmt.Errorf("%s: %w: %v", call, ErrPanicked, r)
}
