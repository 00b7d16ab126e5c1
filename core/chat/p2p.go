package chat

import (
	"strconv"

	"github.com/salon-chat/salon/core/wire"
)

// Peer-to-peer signaling (PROTOCOL.md section 20, docs/privacy.md): the
// RTC lines of kinds p2p-offer, p2p-answer and p2p-candidate go from one
// user's client to another's, and the server only relays them, line by
// line, without joining their pieces: the file itself goes from browser to
// browser and never comes here.

// relayP2P passes an RTC p2p-* line of s's user on to the user it names,
// on that user's tags sessions, as "RTC 0 sender kind seq last piece".
// Only users who may write to each other exchange them.
func (h *Hub) relayP2P(s *Session, me *user, c wire.Command) effect {
	if _, why := h.checkPost(me, c.Addr); why != "" {
		return h.fail(s, "RTC", why)
	}
	them := h.st.users[c.Addr.UserTag()]
	reachable := false
	for _, x := range them.sessions {
		reachable = reachable || x.tags
	}
	if !reachable {
		return h.fail(s, "RTC", "that user is not online")
	}
	last := "0"
	if c.Last {
		last = "1"
	}
	line := wire.Line("RTC", wire.User(me.id), c.Name, strconv.Itoa(c.Seq), last, c.Text)
	to := []int64{them.id}
	return effect{deliver: func() { h.sendTags(to, nil, line) }}
}
