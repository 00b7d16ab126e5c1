package sdk

import (
	"context"
	"fmt"
	"sync"

	"github.com/salon-chat/salon/internal/sdkv1/internal/rules"

	"github.com/salon-chat/salon/internal/sdkv1/pluginpb"
)

// Lines a game or verb handler sends with its own context ride back to the
// host with the handler's answer instead of costing a call each: the player
// gets the answer one cross-process round trip sooner. They are delivered
// when the handler returns, in the order sent; a plugin that must show
// something before a long handler ends sends it with another context.

type repliesKey struct{}

// replies collects a handler's lines until it returns.
type replies struct {
	mu     sync.Mutex
	sends  []*pluginpb.SendRequest
	closed bool
}

func withReplies(ctx context.Context) (context.Context, *replies) {
	r := &replies{}
	return context.WithValue(ctx, repliesKey{}, r), r
}

// add keeps a line for the handler's answer; false once the handler has
// returned (the line must then be sent on its own).
func (r *replies) add(s *pluginpb.SendRequest) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.sends = append(r.sends, s)
	return true
}

// take closes the collection and returns what it holds.
func (r *replies) take() []*pluginpb.SendRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.sends
}

// sendOrKeep keeps s for the handler's answer when ctx is a handler's, or
// sends it now. A kept line is checked first, as the host would, so that a
// line the plugin may not send is refused at once either way; only what
// needs the server's state (an unknown user) is found later, and logged.
func (h *grpcHost) sendOrKeep(ctx context.Context, s *pluginpb.SendRequest) error {
	if r, ok := ctx.Value(repliesKey{}).(*replies); ok {
		m := h.man.Load()
		if m == nil {
			return fmt.Errorf("salon host: Send: %w: the plugin is not configured", ErrRefused)
		}
		if err := rules.CheckLine(s.GetLine(), m.Games, m.Verbs); err != nil {
			return fmt.Errorf("salon host: Send: %w: %v", ErrRefused, err)
		}
		if r.add(s) {
			return nil
		}
	}
	_, err := h.c.Send(ctx, s)
	return hostErr("Send", err)
}

// flush sends kept lines one by one: for a handler that failed, whose
// answer cannot carry them.
func (h *grpcHost) flush(ctx context.Context, sends []*pluginpb.SendRequest) {
	for _, s := range sends {
		if _, err := h.c.Send(ctx, s); err != nil {
			h.log.Warn("a line sent by a failed handler was not delivered", "error", err)
		}
	}
}
