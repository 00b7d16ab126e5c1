package chat

import "github.com/salon-chat/salon/core/pluginhost"

// outbox collects the lines one command produces, with their recipients,
// while the command is handled; deliver sends them after the commit. The
// recipients are user tags: the sessions are looked up at delivery, so that
// a session attached by an earlier delivery of the batch receives them.
type outbox struct {
	items  []outItem
	events []pluginhost.Event // for plugins, after the lines
}

type outItem struct {
	to      []int64  // users, or nil for the session alone
	session *Session // when to is nil
	line    []byte
	deliver func() // instead of a line: a delivery of its own (one that depends on the sessions' capabilities)
}

// users queues line for every session of the users in to.
func (o *outbox) users(to []int64, line []byte) {
	o.items = append(o.items, outItem{to: to, line: line})
}

// user queues line for every session of one user.
func (o *outbox) user(uid int64, line []byte) { o.users([]int64{uid}, line) }

// session queues lines for one connection only.
func (o *outbox) session(s *Session, lines ...[]byte) {
	for _, l := range lines {
		o.items = append(o.items, outItem{session: s, line: l})
	}
}

// event queues a notification for the plugins that want its kind.
func (o *outbox) event(e pluginhost.Event) { o.events = append(o.events, e) }

func (o *outbox) deliver(h *Hub) {
	for _, it := range o.items {
		if it.deliver != nil {
			it.deliver()
			continue
		}
		if it.to == nil {
			it.session.push(it.line)
			continue
		}
		h.sendAll(it.to, it.line)
	}
	for _, e := range o.events {
		h.notify(e)
	}
}
