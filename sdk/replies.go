package sdk

import (
	"context"
	"sync"

	"github.com/salon-chat/salon/sdk/pluginpb"
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
// sends it now.
func (h *grpcHost) sendOrKeep(ctx context.Context, s *pluginpb.SendRequest) error {
	if r, ok := ctx.Value(repliesKey{}).(*replies); ok && r.add(s) {
		return nil
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
