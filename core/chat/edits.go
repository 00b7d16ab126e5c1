package chat

import (
	"time"

	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/pluginhost"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Replies, edits, deletions and reactions (PROTOCOL.md section 15).
//
// The hub keeps no message in memory: there are too many. A command about a
// message reads it from the database by its id, through the connection the
// loop has to itself (store.Store.Message), which costs a few microseconds
// and never waits behind a download. What the current batch did to
// messages is not in the database until the batch commits, so the batch
// keeps its own view of the messages it created or touched (h.fresh,
// h.touched), consulted first and dropped once it is committed.

// msgInfo is a message as the current batch sees it.
type msgInfo struct {
	m       store.Message
	deleted bool
	// What the batch knows of the message's reactions, loaded when a
	// REACT or UNREACT first needs it, on the loop's own connection:
	// how many users gave each emoji (at most maxEmoji entries), and
	// whether given users gave given emoji.
	counts map[string]int
	mine   map[reactionKey]bool
}

// reactionKey is one user's reaction with one emoji.
type reactionKey struct {
	user  int64
	emoji string
}

// maxEmoji is how many different reactions one message holds.
const maxEmoji = 20

// conversationOf is the conversation a stored message belongs to.
func conversationOf(m *store.Message) store.Conversation {
	return store.Conversation{ServerID: m.ServerID, ChannelTag: m.ChannelTag, PeerLow: m.PeerLow, PeerHigh: m.PeerHigh}
}

// startBatch forgets the previous batch's view of messages: it is stored.
func (h *Hub) startBatch() {
	h.batchStart = h.st.nextMessage
	h.fresh = h.fresh[:0]
	clear(h.touched)
	clear(h.batchKeys)
}

// messageFor returns message id if me may see it, or why not: an unknown
// or deleted message, or one of a conversation me is not part of, is "no
// such message" alike, so that ids tell nobody what they cannot read.
func (h *Hub) messageFor(me *user, id int64) (*msgInfo, string) {
	const none = "no such message"
	info := h.touched[id]
	if info == nil {
		switch {
		case id >= h.st.nextMessage:
			return nil, none
		case id >= h.batchStart:
			// Created by this batch: not stored yet.
			for i := range h.fresh {
				if h.fresh[i].ID == id {
					info = &msgInfo{m: h.fresh[i]}
					break
				}
			}
		default:
			m, ok, err := h.store.Message(h.ctx, id)
			if err != nil {
				h.log.Error("reading a message", "id", id, "error", err)
				return nil, "could not read that message, try again"
			}
			if ok {
				info = &msgInfo{m: m}
			}
		}
		if info == nil {
			return nil, none
		}
		h.touched[id] = info
	}
	if info.deleted || !h.partOf(me, conversationOf(&info.m)) {
		return nil, none
	}
	return info, ""
}

// partOf reports whether me belongs to conversation c: a member of the
// channel, or one of the two parties.
func (h *Hub) partOf(me *user, c store.Conversation) bool {
	if c.ServerID == 0 {
		return c.PeerLow == me.id || c.PeerHigh == me.id
	}
	_, _, ok := h.member(me, wire.Addr{Server: c.ServerID, Channel: c.ChannelTag})
	return ok
}

// audience is who receives the notifications of conversation c: the
// channel's members, or the two parties.
func (h *Hub) audience(c store.Conversation) []int64 {
	if c.ServerID == 0 {
		return []int64{c.PeerLow, c.PeerHigh}
	}
	if _, ch := h.st.channelOf(wire.Addr{Server: c.ServerID, Channel: c.ChannelTag}); ch != nil {
		return ch.memberList()
	}
	return nil
}

// mayStillWrite says why me may no longer write into conversation conv, or
// "". Seeing a message is enough to delete one's own, but an edit or a
// reaction writes to the other party's screen, so in a direct conversation
// it needs what a new message needs: a friendship or a shared server. (In
// a channel, seeing the message already means being a member.)
func (h *Hub) mayStillWrite(me *user, conv store.Conversation) string {
	if conv.ServerID != 0 {
		return ""
	}
	_, why := h.checkPost(me, convAddr(conv, me.id))
	return why
}

// edit handles EDIT: its author changes a text message. Hooks judge the
// new text as they judge a message's.
func (h *Hub) edit(r *request, me *user) effect {
	s, id := r.s, r.cmd.ID
	info, why := h.messageFor(me, id)
	switch {
	case why != "":
		return h.fail(s, "EDIT", why)
	case info.m.AuthorID != me.id:
		return h.fail(s, "EDIT", "only its author can edit a message")
	case info.m.Kind != store.KindText:
		return h.fail(s, "EDIT", "only a text message can be edited")
	}
	conv := conversationOf(&info.m)
	if why := h.mayStillWrite(me, conv); why != "" {
		return h.fail(s, "EDIT", why)
	}
	text := r.cmd.Text
	if r.verdict == nil {
		if hooks := h.hooksFor(convAddr(conv, me.id), ""); len(hooks) > 0 {
			return h.park(r, me, hooks, convAddr(conv, me.id))
		}
	} else {
		switch r.verdict.Action {
		case pluginhost.Reject:
			return h.fail(s, "EDIT", r.verdict.Reason)
		case pluginhost.Replace:
			text = r.verdict.Text
		}
	}
	at := time.Now().UnixMilli()
	info.m.Body, info.m.EditedAt = text, at
	line := wire.Line("EDIT", wire.User(me.id), convAddr(conv, me.id), id, text)
	to := h.audience(conv)
	return effect{
		change:  func(tx *store.Tx) error { return tx.EditMessage(id, text, at) },
		deliver: func() { h.sendTags(to, s, line) },
	}
}

// deleteMessage handles DELETE: the author, or a moderator of the
// channel, removes a message; a file message takes its file with it.
func (h *Hub) deleteMessage(r *request, me *user) effect {
	s, id := r.s, r.cmd.ID
	info, why := h.messageFor(me, id)
	if why != "" {
		return h.fail(s, "DELETE", why)
	}
	conv := conversationOf(&info.m)
	if info.m.AuthorID != me.id {
		srv, ch := h.st.channelOf(wire.Addr{Server: conv.ServerID, Channel: conv.ChannelTag})
		if conv.ServerID == 0 || srv == nil || ch == nil || !moderates(me, srv, ch) {
			return h.fail(s, "DELETE", "only its author or a moderator can delete a message")
		}
	}
	info.deleted = true
	var blob string
	if info.m.Kind == store.KindFile {
		if f := h.st.files[conv][info.m.Body]; f != nil {
			blob = f.blob
			delete(h.st.files[conv], info.m.Body)
			delete(h.st.fileKeys[conv], files.Key(info.m.Body))
		}
	}
	line := wire.Line("DELETE", wire.User(me.id), convAddr(conv, me.id), id)
	to := h.audience(conv)
	e := effect{
		change: func(tx *store.Tx) error {
			if err := tx.DeleteMessage(id); err != nil {
				return err
			}
			if blob != "" {
				return tx.DeleteFile(blob)
			}
			return nil
		},
		deliver: func() { h.sendTags(to, s, line) },
	}
	if blob != "" {
		e = h.removingBlobs(e, []string{blob})
	}
	return e
}

// react handles REACT and UNREACT.
func (h *Hub) react(r *request, me *user) effect {
	s, id, emoji, verb := r.s, r.cmd.ID, r.cmd.Name, r.cmd.Verb
	info, why := h.messageFor(me, id)
	if why == "" {
		why = h.mayStillWrite(me, conversationOf(&info.m))
	}
	if why != "" {
		return h.fail(s, verb, why)
	}
	uid := me.id
	if info.counts == nil {
		counts, err := h.store.ReactionCounts(h.ctx, id)
		if err != nil {
			h.log.Error("reading reactions", "id", id, "error", err)
			return h.fail(s, verb, "could not read that message, try again")
		}
		info.counts, info.mine = counts, map[reactionKey]bool{}
	}
	k := reactionKey{uid, emoji}
	given, known := info.mine[k]
	if !known && info.counts[emoji] > 0 {
		var err error
		if given, err = h.store.HasReaction(h.ctx, id, uid, emoji); err != nil {
			h.log.Error("reading reactions", "id", id, "error", err)
			return h.fail(s, verb, "could not read that message, try again")
		}
	}
	var change store.Change
	if r.cmd.Op == wire.OpReact {
		switch {
		case given:
			return h.fail(s, verb, "you already reacted with that")
		case info.counts[emoji] == 0 && len(info.counts) >= maxEmoji:
			return h.fail(s, verb, limitReason("a message holds at most 20 different reactions", maxEmoji))
		}
		info.counts[emoji]++
		row := store.Reaction{MessageID: id, Emoji: emoji, UserID: uid, At: time.Now().UnixNano()}
		change = func(tx *store.Tx) error { return tx.AddReaction(row) }
	} else {
		if !given {
			return h.fail(s, verb, "you have not reacted with that")
		}
		if info.counts[emoji]--; info.counts[emoji] == 0 {
			delete(info.counts, emoji)
		}
		change = func(tx *store.Tx) error { return tx.RemoveReaction(id, uid, emoji) }
	}
	info.mine[k] = r.cmd.Op == wire.OpReact
	conv := conversationOf(&info.m)
	line := wire.Line(verb, wire.User(uid), convAddr(conv, uid), id, emoji)
	to := h.audience(conv)
	return effect{change: change, deliver: func() { h.sendTags(to, s, line) }}
}
