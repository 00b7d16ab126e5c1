package chat

import (
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Capabilities (PROTOCOL.md section 14). A connection that never asks for
// one sees the original protocol byte for byte: the lines of Part two reach
// it only as the answer to its own command. A session with tags gets every
// MSG and FILESENT line with its tag prefix, and the notifications of
// Part two.

// capabilities is what CAP LS offers.
var capabilities = []string{"tags"}

func (h *Hub) capability(r *request) effect {
	s, c := r.s, r.cmd
	if c.Op == wire.OpCapLs {
		return h.only(s, wire.Line(append([]any{"CAP", "LS"}, anys(capabilities)...)...))
	}
	for _, n := range c.Names {
		if n != "tags" {
			return h.fail(s, "CAP", "unknown capability: "+wire.ErrVerb(n)) // shortened like a verb: the ERR fits in a line
		}
	}
	ack := wire.Line(append([]any{"CAP", "ACK"}, anys(c.Names)...)...)
	if s.tags || s.uid == 0 {
		s.tags = true
		return h.only(s, ack)
	}
	// Asked after login: the lines the burst gives a tags connection
	// follow the acknowledgement, so the client knows what it would have
	// known had it asked first.
	s.tags = true
	extras := h.tagsBurst(h.st.users[s.uid])
	return h.only(s, append([][]byte{ack}, extras...)...)
}

func anys(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// sendMessage delivers a message's line to every session of the users: the
// tagged form to tags sessions, the plain one to the others.
func (h *Hub) sendMessage(uids []int64, plain, tagged []byte) {
	for _, id := range uids {
		if u := h.st.users[id]; u != nil {
			for _, s := range u.sessions {
				if s.tags {
					s.push(tagged)
				} else {
					s.push(plain)
				}
			}
		}
	}
}

// sendTags delivers a notification of Part two to the tags sessions of the
// users, and to the acting session (nil for none) whatever it asked for:
// it is that session's acknowledgement.
func (h *Hub) sendTags(uids []int64, actor *Session, line []byte) {
	for _, id := range uids {
		if u := h.st.users[id]; u != nil {
			for _, s := range u.sessions {
				if s.tags && s != actor {
					s.push(line)
				}
			}
		}
	}
	if actor != nil {
		actor.push(line)
	}
}

// tagsOf is the tag prefix of a stored message.
func tagsOf(m *store.Message) wire.Tags {
	return wire.Tags{ID: m.ID, Time: m.SentAt / 1e6, Reply: m.ReplyTo, Edited: m.EditedAt}
}

// messageLine is the MSG or FILESENT line of a stored message as viewer
// receives it live (section 9 or 11): a direct file message reads
// "FILESENT 0 author name" for its recipient.
func messageLine(m *store.Message, viewer int64) []byte {
	to := wire.Addr{Server: m.ServerID, Channel: m.ChannelTag}
	if m.ServerID == 0 {
		to = wire.User(m.PeerLow)
		if m.PeerLow == m.AuthorID {
			to = wire.User(m.PeerHigh)
		}
	}
	if m.Kind != store.KindFile {
		return wire.Msg(m.AuthorID, to, m.Body)
	}
	if m.ServerID == 0 && viewer != m.AuthorID {
		return wire.Line("FILESENT", wire.User(m.AuthorID), m.Body)
	}
	return wire.Line("FILESENT", wire.User(m.AuthorID), to, m.Body)
}

// convAddr is conversation c as user viewer names it: S C, or 0 U for the
// direct conversation with U.
func convAddr(c store.Conversation, viewer int64) wire.Addr {
	if c.ServerID != 0 {
		return wire.Addr{Server: c.ServerID, Channel: c.ChannelTag}
	}
	if c.PeerLow == viewer {
		return wire.User(c.PeerHigh)
	}
	return wire.User(c.PeerLow)
}

// convOf is the stored conversation that address a names for user me.
func convOf(me int64, a wire.Addr) store.Conversation {
	if a.IsUser() {
		return store.Direct(me, a.UserTag())
	}
	return store.ChannelConversation(a.Server, a.Channel)
}
