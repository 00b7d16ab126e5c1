package chat

import (
	"context"
	"errors"
	"time"

	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Reading (PROTOCOL.md section 16): history pages and searches are read
// from the database outside the loop, by the session's download worker,
// in their turn among its downloads (so a PONG comes after them, and a
// client reads the answers in the order it asked); read markers and typing
// are the loop's.

// findLimit is the most messages FIND answers.
const findLimit = 50

// typingEvery is how often one user's TYPING in one conversation is
// relayed; more are dropped.
const typingEvery = 3 * time.Second

type typingKey struct {
	user int64
	conv store.Conversation
}

// queueRead hands a HIST or FIND to the session's worker. It counts among
// the session's queued downloads.
func (h *Hub) queueRead(s *Session, verb string, a wire.Addr, conv store.Conversation, read func(ctx context.Context) ([][]byte, error)) effect {
	if s.downloads >= h.opts.QueuedDownloads {
		return h.refuseInTurn(s, verb, limitReason("too many histories, searches and downloads asked for at once: wait for one to end", h.opts.QueuedDownloads))
	}
	return h.queueDownload(&download{s: s, addr: a, name: verb, conv: conv, read: read})
}

// answerRead runs a queued HIST or FIND: the database is read holding one
// of the read slots, and the lines are sent without.
func (h *Hub) answerRead(d *download) {
	if err := h.readSlots.Acquire(d.ctx, 1); err != nil {
		h.readStopped(d)
		return
	}
	lines, err := d.read(d.ctx)
	h.readSlots.Release(1)
	switch {
	case d.ctx.Err() != nil:
		h.readStopped(d)
		return
	case err != nil:
		h.log.Error("reading for "+d.name, "error", err)
		d.s.push(wire.Err(d.name, "could not read the history, try again"))
		return
	}
	for _, l := range lines {
		if !d.s.pushWait(d.ctx, l) {
			return
		}
	}
}

func (h *Hub) readStopped(d *download) {
	if errors.Is(context.Cause(d.ctx), errConversationDeleted) {
		d.s.push(wire.Err(d.name, "stopped: the conversation was deleted"))
	}
}

// hist answers HIST CONV before limit: tagged messages, oldest first, each
// followed by its reactions, then "HIST CONV n".
func (h *Hub) hist(s *Session, me *user, c wire.Command) effect {
	if !s.tags {
		return h.refuseInTurn(s, "HIST", "needs CAP tags")
	}
	conv, why := h.conversation(me, c.Addr, false)
	if why != "" {
		return h.refuseInTurn(s, "HIST", why)
	}
	viewer, a, before, limit := me.id, c.Addr, c.ID, c.Limit
	return h.queueRead(s, "HIST", a, conv, func(ctx context.Context) ([][]byte, error) {
		page, err := h.store.Page(ctx, conv, before, limit)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(page))
		for i := range page {
			ids[i] = page[i].ID
		}
		var reactions []store.Reaction
		if len(ids) > 0 {
			if reactions, err = h.store.Reactions(ctx, ids); err != nil {
				return nil, err
			}
		}
		lines := make([][]byte, 0, len(page)+len(reactions)+1)
		for i := range page {
			m := &page[i]
			lines = append(lines, wire.Tagged(tagsOf(m), messageLine(m, viewer)))
			for len(reactions) > 0 && reactions[0].MessageID < m.ID {
				reactions = reactions[1:]
			}
			for len(reactions) > 0 && reactions[0].MessageID == m.ID {
				rr := reactions[0]
				reactions = reactions[1:]
				lines = append(lines, wire.Line("REACT", wire.User(rr.UserID), convAddr(conv, rr.UserID), m.ID, rr.Emoji))
			}
		}
		return append(lines, wire.Line("HIST", a, len(page))), nil
	})
}

// find answers FIND CONV text (FIND 0 0 text: every conversation of the
// user): matching messages, newest first, then "FIND n".
func (h *Hub) find(s *Session, me *user, c wire.Command) effect {
	if !s.tags {
		return h.refuseInTurn(s, "FIND", "needs CAP tags")
	}
	var convs []store.Conversation
	if c.Addr == (wire.Addr{}) {
		convs = h.conversationsOf(me)
	} else {
		conv, why := h.conversation(me, c.Addr, false)
		if why != "" {
			return h.refuseInTurn(s, "FIND", why)
		}
		convs = []store.Conversation{conv}
	}
	viewer, text := me.id, c.Text
	return h.queueRead(s, "FIND", c.Addr, store.Conversation{}, func(ctx context.Context) ([][]byte, error) {
		found, err := h.store.Find(ctx, convs, text, findLimit)
		if err != nil {
			return nil, err
		}
		lines := make([][]byte, 0, len(found)+1)
		for i := range found {
			m := &found[i]
			lines = append(lines, wire.Tagged(tagsOf(m), messageLine(m, viewer)))
		}
		return append(lines, wire.Line("FIND", len(found))), nil
	})
}

// conversationsOf lists every conversation u may read that holds messages:
// its channels and its direct conversations.
func (h *Hub) conversationsOf(u *user) []store.Conversation {
	var out []store.Conversation
	for _, sid := range sortedKeys(u.servers) {
		srv := h.st.servers[sid]
		for _, tag := range sortedKeys(srv.chans) {
			if ch := srv.chans[tag]; ch.members[u.id] && ch.last > 0 {
				out = append(out, store.ChannelConversation(sid, tag))
			}
		}
	}
	for _, other := range sortedKeys(u.directs) {
		out = append(out, store.Direct(u.id, other))
	}
	return out
}

// newest is the id of the newest message of conversation c as user u sees
// it, 0 if none.
func (h *Hub) newest(u *user, c store.Conversation) int64 {
	if c.ServerID == 0 {
		other := c.PeerLow
		if other == u.id {
			other = c.PeerHigh
		}
		return u.directs[other]
	}
	if _, ch := h.st.channelOf(wire.Addr{Server: c.ServerID, Channel: c.ChannelTag}); ch != nil {
		return ch.last
	}
	return 0
}

// read handles READ CONV ID: the marker moves forward (never past the
// conversation's newest message), and the user's other tags sessions
// learn it. It is not answered when it succeeds.
func (h *Hub) read(s *Session, me *user, c wire.Command) effect {
	conv, why := h.conversation(me, c.Addr, false)
	if why != "" {
		return h.fail(s, "READ", why)
	}
	if me.markers == nil {
		me.markers = map[store.Conversation]int64{}
	}
	id := min(c.ID, h.newest(me, conv))
	if id <= me.markers[conv] {
		return effect{} // a marker never moves back
	}
	me.markers[conv] = id
	uid, line := me.id, wire.Line("READ", c.Addr, id)
	return effect{
		change: func(tx *store.Tx) error { return tx.SetReadMarker(uid, conv, id) },
		deliver: func() {
			if u := h.st.users[uid]; u != nil {
				for _, other := range u.sessions {
					if other != s && other.tags {
						other.push(line)
					}
				}
			}
		},
	}
}

// typing relays TYPING CONV to the other members' tags sessions, at most
// once every typingEvery per user and conversation. Never stored.
func (h *Hub) typing(s *Session, me *user, c wire.Command) effect {
	to, why := h.checkPost(me, c.Addr)
	if why != "" {
		return h.fail(s, "TYPING", why)
	}
	key, now := typingKey{me.id, convOf(me.id, c.Addr)}, time.Now()
	if last, ok := h.typed[key]; ok && now.Sub(last) < typingEvery {
		return effect{}
	}
	h.typed[key] = now
	others := make([]int64, 0, len(to))
	for _, id := range to {
		if id != me.id {
			others = append(others, id)
		}
	}
	line := wire.Line("TYPING", wire.User(me.id), convAddr(key.conv, me.id))
	return effect{deliver: func() { h.sendTags(others, nil, line) }}
}

// forgetTyping drops what typing no longer needs to remember.
func (h *Hub) forgetTyping(now time.Time) {
	for k, t := range h.typed {
		if now.Sub(t) >= typingEvery {
			delete(h.typed, k)
		}
	}
}

// loadMarkers reads u's read markers at its first login.
func (h *Hub) loadMarkers(u *user) {
	if u.markers != nil {
		return
	}
	m, err := h.store.Markers(h.ctx, u.id)
	if err != nil {
		h.log.Error("reading read markers: the burst counts every message as unread", "user", u.pseudo, "error", err)
		m = map[store.Conversation]int64{}
	}
	u.markers = m
}

// unreadMost is where an UNREAD count stops: "1000" means a thousand
// messages or more (a client shows "999+"). Each count is read on the
// hub's loop at every login, for every conversation with something
// unread; bounded, it costs at most this many index entries whatever the
// size of the history (docs/protocol.md, "Read markers and UNREAD").
const unreadMost = 1000

// unreadLines are the burst's "UNREAD CONV count newest_id" lines: every
// conversation of u holding messages past its marker, the direct
// conversations it never opened included.
func (h *Hub) unreadLines(u *user) [][]byte {
	var lines [][]byte
	add := func(conv store.Conversation, newest int64) {
		marker := u.markers[conv]
		if newest <= marker {
			return
		}
		n, err := h.store.CountAfter(h.ctx, conv, marker, unreadMost)
		if err != nil {
			h.log.Error("counting unread messages", "error", err)
			return
		}
		if n > 0 {
			lines = append(lines, wire.Line("UNREAD", convAddr(conv, u.id), n, newest))
		}
	}
	for _, sid := range sortedKeys(u.servers) {
		srv := h.st.servers[sid]
		for _, tag := range sortedKeys(srv.chans) {
			if ch := srv.chans[tag]; ch.members[u.id] && ch.last > 0 {
				add(store.ChannelConversation(sid, tag), ch.last)
			}
		}
	}
	for _, other := range sortedKeys(u.directs) {
		add(store.Direct(u.id, other), u.directs[other])
	}
	return lines
}
