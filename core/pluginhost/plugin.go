package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/core/wire"
	"github.com/salon-chat/salon/sdk/pluginpb"
)

// strikeLimit is how many calls in a row may time out before the process is
// deemed hung and killed (its supervisor then restarts it).
const strikeLimit = 3

// maxMessage bounds every gRPC message either side receives: a plugin must
// not make salond allocate without limit.
const maxMessage = 4 << 20

// killGrace is how long a graceful stop may take before the process is
// killed outright. go-plugin itself waits 2s for the process to exit after
// asking it to; this also covers a process that does not even answer.
const killGrace = 5 * time.Second

// ErrNotRunning is returned by calls on a Plugin whose process has stopped
// (the hub held an older Table).
var ErrNotRunning = errors.New("plugin not running")

// Plugin is one running process of a configured plugin, as the Table routes
// to it. When the process stops, the Plugin stays stopped: its supervisor
// publishes a new Plugin for the next process.
type Plugin struct {
	name string
	u    *unit
	log  hclog.Logger
	h    *Host

	client  *plugin.Client
	version int // the plugin protocol version negotiated at the handshake
	cmd     *exec.Cmd
	pid     int
	conn    *grpc.ClientConn
	rpc     pluginpb.PluginClient
	host    *hostServer
	exited  <-chan struct{} // closed when the process has exited

	man  *manifest
	bots map[string]int64 // bot pseudo -> account tag

	strikes  atomic.Int32
	hung     chan struct{} // closed after strikeLimit timeouts in a row
	hungOnce sync.Once

	events   chan Event
	quit     chan struct{} // closed when the process is being stopped
	quitOnce sync.Once
	drained  chan struct{} // closed when the event loop has returned
	dropped  atomic.Int64  // events dropped since the last report
	lastDrop atomic.Int64  // unix nanoseconds of the last report
}

// Name returns the plugin's configured name.
func (p *Plugin) Name() string { return p.name }

// Refusal is the error HandleVerb and HandleGame return when the plugin
// turned the user's line down (bad arguments, nothing to do): the sender
// is to get `ERR VERB Reason` (`ERR JEU Reason` for a game), as for a core
// command refused. It is an answer, not a failure: the plugin is in good
// health. Find it with errors.As.
type Refusal struct {
	Plugin string // the plugin's configured name
	// Reason is 1 to 200 bytes of line text, checked here: a plugin that
	// sends another gets genericRefusal told in its place.
	Reason string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("plugin %q refused: %s", r.Plugin, r.Reason)
}

// genericRefusal is told for a refusal whose reason is unusable.
const genericRefusal = "request refused"

// HandleGame hands a `JEU game payload` line to the plugin, within the
// host's CallTimeout. A game keeps its players' mistakes inside its own
// payloads; a *Refusal comes back only for lines it cannot even read.
func (p *Plugin) HandleGame(ctx context.Context, from User, game, payload string) error {
	var r *pluginpb.Replies
	err := p.call(ctx, p.h.opts.CallTimeout, "HandleGame", func(ctx context.Context) (err error) {
		r, err = p.rpc.HandleGame(ctx, &pluginpb.GameRequest{From: userPB(from), Game: game, Payload: payload}, grpc.MaxCallRecvMsgSize(maxMessage))
		return err
	})
	p.deliverReplies(ctx, r)
	if err != nil {
		return err
	}
	return p.refusal("HandleGame", r)
}

// HandleVerb hands a line with one of the plugin's verbs to the plugin,
// within the host's CallTimeout. It returns a *Refusal when the plugin
// turned the line down.
func (p *Plugin) HandleVerb(ctx context.Context, from User, verb, args string) error {
	var r *pluginpb.Replies
	err := p.call(ctx, p.h.opts.CallTimeout, "HandleVerb", func(ctx context.Context) (err error) {
		r, err = p.rpc.HandleVerb(ctx, &pluginpb.VerbRequest{From: userPB(from), Verb: verb, Args: args}, grpc.MaxCallRecvMsgSize(maxMessage))
		return err
	})
	p.deliverReplies(ctx, r)
	if err != nil {
		return err
	}
	return p.refusal("HandleVerb", r)
}

// refusal returns the *Refusal a handler's answer carries, or nil. The
// call has succeeded as far as strikes go: the plugin answered in time.
func (p *Plugin) refusal(method string, r *pluginpb.Replies) error {
	reason := r.GetRefusal()
	if reason == "" {
		return nil
	}
	if len(reason) > maxReason || !wire.ValidText(reason) {
		p.log.Warn("a refusal's reason is not 1 to 200 bytes of line text; the user is told a generic one",
			"method", method, "reason", hclog.Quote(truncate(reason, maxReason)))
		reason = genericRefusal
	}
	return &Refusal{Plugin: p.name, Reason: reason}
}

// deliverReplies sends the lines a handler returned with its answer,
// checked exactly as if they had come through Host.Send.
func (p *Plugin) deliverReplies(ctx context.Context, r *pluginpb.Replies) {
	for _, s := range r.GetSends() {
		if _, err := p.host.Send(ctx, s); err != nil {
			p.log.Warn("a line returned by a handler was refused", "error", err)
		}
	}
}

// Version returns the plugin protocol version its process speaks.
func (p *Plugin) Version() int { return p.version }

// HookMessage asks the plugin what to do with a message, within the host's
// HookTimeout. A hook that fails, times out or answers nonsense lets the
// message through: the verdict is then Allow, the failure is logged here
// and also returned, for the caller's information.
//
// A plugin of protocol version 1 is asked exactly as before version 2: a
// reply or an edit reaches it as a plain message, without its kind or id.
// It cannot tell them apart, but its verdict holds for them all, so a word
// filter built before REPLY and EDIT existed still filters them: asking
// it nothing would let anyone get a banned word past it by editing.
func (p *Plugin) HookMessage(ctx context.Context, m Message) (Verdict, error) {
	req := &pluginpb.HookRequest{Author: userPB(m.Author), Conversation: convPB(m.Conversation), Text: m.Text}
	if p.version >= 2 {
		req.Kind, req.Message = hookKindPB(m.Kind), m.Ref
	}
	var resp *pluginpb.HookResponse
	err := p.call(ctx, p.h.opts.HookTimeout, "HookMessage", func(ctx context.Context) (err error) {
		resp, err = p.rpc.HookMessage(ctx, req, grpc.MaxCallRecvMsgSize(maxMessage))
		return err
	})
	if err == nil {
		var v Verdict
		v, err = verdictOf(resp)
		if err == nil {
			return v, nil
		}
		err = fmt.Errorf("plugin %q: HookMessage: %w", p.name, err)
	}
	if ctx.Err() == nil && !errors.Is(err, ErrNotRunning) {
		if status.Code(err) == codes.DeadlineExceeded {
			p.log.Warn("message hook timed out; the message goes through", "timeout", p.h.opts.HookTimeout)
		} else {
			p.log.Warn("message hook failed; the message goes through", "error", err)
		}
	}
	return Verdict{Action: Allow}, err
}

func hookKindPB(k MessageKind) pluginpb.HookRequest_Kind {
	switch k {
	case KindReply:
		return pluginpb.HookRequest_REPLY
	case KindEdit:
		return pluginpb.HookRequest_EDIT
	}
	return pluginpb.HookRequest_MESSAGE
}

func verdictOf(r *pluginpb.HookResponse) (Verdict, error) {
	switch r.GetAction() {
	case pluginpb.HookResponse_ALLOW:
		return Verdict{Action: Allow}, nil
	case pluginpb.HookResponse_REJECT:
		reason := r.GetReason()
		if reason == "" || len(reason) > maxReason || !wire.ValidText(reason) {
			return Verdict{}, errors.New("a rejection's reason must be 1 to 200 bytes of line text")
		}
		return Verdict{Action: Reject, Reason: reason}, nil
	case pluginpb.HookResponse_REPLACE:
		text := r.GetText()
		if text == "" || len(text) > wire.MaxText || !wire.ValidText(text) {
			return Verdict{}, errors.New("a replacement must be 1 to 4000 bytes of line text")
		}
		return Verdict{Action: Replace, Text: text}, nil
	}
	return Verdict{}, fmt.Errorf("unknown action %d", r.GetAction())
}

// Notify queues e for the plugin; it never blocks. When the queue is full
// the event is dropped, and drops are logged at most every 10 seconds.
func (p *Plugin) Notify(e Event) {
	select {
	case <-p.quit:
		return
	default:
	}
	select {
	case p.events <- e:
	default:
		n := p.dropped.Add(1)
		now := time.Now().UnixNano()
		last := p.lastDrop.Load()
		if now-last >= int64(10*time.Second) && p.lastDrop.CompareAndSwap(last, now) {
			p.dropped.Add(-n)
			p.log.Warn("plugin lags: events dropped", "dropped", n, "queue", cap(p.events))
		}
	}
}

// deliver is the event loop: one HandleEvent at a time, in order.
func (p *Plugin) deliver() {
	defer close(p.drained)
	for {
		select {
		case <-p.quit:
			return
		case e := <-p.events:
			err := p.call(context.Background(), p.h.opts.CallTimeout, "HandleEvent", func(ctx context.Context) error {
				_, err := p.rpc.HandleEvent(ctx, eventPB(e), grpc.MaxCallRecvMsgSize(maxMessage))
				return err
			})
			if err != nil && !errors.Is(err, ErrNotRunning) {
				p.log.Debug("event not handled", "kind", e.Kind, "error", err)
			}
		}
	}
}

// call runs f with the deadline; a call that runs out of time (the host's
// deadline, not the caller's) is a strike, and strikeLimit of them in a row
// mark the process as hung.
func (p *Plugin) call(ctx context.Context, timeout time.Duration, method string, f func(context.Context) error) error {
	select {
	case <-p.quit:
		return fmt.Errorf("plugin %q: %s: %w", p.name, method, ErrNotRunning)
	case <-p.hung:
		// Condemned: its supervisor is about to kill it and start another.
		// A call it might still answer would race with the kill.
		return fmt.Errorf("plugin %q: %s: %w", p.name, method, ErrNotRunning)
	default:
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	err := f(cctx)
	cancel()
	if err == nil {
		p.strikes.Store(0)
		return nil
	}
	switch status.Code(err) {
	case codes.DeadlineExceeded:
		if ctx.Err() == nil {
			if n := p.strikes.Add(1); n >= strikeLimit {
				p.hungOnce.Do(func() { close(p.hung) })
			}
			if method != "HookMessage" { // HookMessage says it itself
				p.log.Warn("plugin call timed out", "method", method, "timeout", timeout, "in_a_row", p.strikes.Load())
			}
		}
	case codes.Canceled, codes.Unavailable:
		select {
		case <-p.quit:
			return fmt.Errorf("plugin %q: %s: %w", p.name, method, ErrNotRunning)
		default:
		}
	default:
		p.strikes.Store(0) // it answered
	}
	return fmt.Errorf("plugin %q: %s: %w", p.name, method, err)
}

// shutdown stops the process: gracefully, unless force (it failed or hung),
// when it is killed at once.
func (p *Plugin) shutdown(force bool) {
	p.quitOnce.Do(func() { close(p.quit) })
	if force {
		p.killProcess()
	}
	done := make(chan struct{})
	go func() {
		p.client.Kill()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(killGrace):
		p.log.Warn("plugin did not stop; killing it")
		p.killProcess()
		<-done
	}
	<-p.drained
}

// killProcess kills the process outright. exec.Cmd's Process knows when it
// has been waited for, so a recycled pid is never hit.
func (p *Plugin) killProcess() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
}

func userPB(u User) *pluginpb.User {
	return &pluginpb.User{Tag: u.Tag, Pseudo: u.Pseudo, Online: u.Online, Bot: u.Bot}
}

func convPB(c Conversation) *pluginpb.Conversation {
	return &pluginpb.Conversation{Server: c.Server, Channel: c.Channel, Peer: c.Peer}
}

func eventPB(e Event) *pluginpb.Event {
	return &pluginpb.Event{Kind: e.Kind, User: userPB(e.User), Conversation: convPB(e.Conversation), Text: e.Text, Bot: e.Bot}
}

func itoa(n int) string { return strconv.Itoa(n) }
