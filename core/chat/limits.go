package chat

import (
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/salon-chat/salon/core/wire"
)

// Abuse limits that need the state, checked in the loop (flood control
// starts in the session's reader). Each refusal is one ERR and changes
// nothing; flooding is slowed down, then disconnected.

// bucket is a user's allowance of messages: MessageBurst at most, refilled
// at MessagesPerSecond, shared by all the user's sessions. behind is when
// the user last ran short of it, zero while it has some left.
type bucket struct {
	lim    *rate.Limiter
	behind time.Time
}

// draw takes one message from user uid's allowance. It returns how long
// the message must wait for its share of the rate (0 within the burst), or
// false when the user has been short of allowance for longer than
// FloodDelay: a client that does not slow down when it is slowed down. Safe
// for the readers and the loop at once.
func (h *Hub) draw(uid int64, n int) (time.Duration, bool) {
	h.floodMu.Lock()
	defer h.floodMu.Unlock()
	now := time.Now()
	b := h.buckets[uid]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(h.opts.MessagesPerSecond), h.opts.MessageBurst)}
		h.buckets[uid] = b
	}
	wait := b.lim.ReserveN(now, n).DelayFrom(now)
	if wait == 0 {
		b.behind = time.Time{}
		return 0, true
	}
	if b.behind.IsZero() {
		b.behind = now
	}
	if now.Add(wait).Sub(b.behind) > h.opts.FloodDelay {
		// Disconnected: the next session of the user starts afresh.
		delete(h.buckets, uid)
		return 0, false
	}
	return wait, true
}

// spend is flood control in a session's reader, before it hands a MSG or
// JEU over: past the burst the message waits there for its share of the
// rate, and the connection is not read meanwhile, so a flood is slowed
// where it comes in and delivered in order, later. A user that stays short
// of allowance past FloodDelay gets an ERR and the reader gives up on the
// connection. It reports whether the reader may go on.
func (s *Session) spend(uid int64, c wire.Command) bool {
	h := s.hub
	wait, ok := h.draw(uid, cost(c, h.opts.MessageBurst))
	if !ok {
		h.log.Warn("disconnecting a flooding session", "user", uid, "addr", s.addr)
		s.reply(wire.Errorf("LINE", "flooding: disconnected"))
		return false
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-h.done:
			return false
		}
	}
	return true
}

// spendLate is flood control in the loop, for a message the reader could
// not account for (sent right behind the login, before the reader knew the
// user): the message goes on, and the reader pauses before its next line
// for as long as this one should have waited. When the user is
// disconnected instead, the effect says so after what came before.
func (h *Hub) spendLate(s *Session, u *user) (effect, bool) {
	wait, ok := h.draw(u.id, 1)
	if !ok {
		h.log.Warn("disconnecting a flooding session", "user", u.pseudo, "addr", s.addr)
		s.leaving = true
		line := wire.Err("LINE", "flooding: disconnected")
		return effect{deliver: func() { s.push(line); s.closeAfterFlush() }}, false
	}
	if wait > 0 {
		s.pauseUntil.Store(time.Now().Add(wait).UnixNano())
	}
	return effect{}, true
}

// forgetAllowances drops the allowances that are full again, so that the
// maps keep only users and addresses seen recently, whatever their number.
func (h *Hub) forgetAllowances() {
	now := time.Now()
	h.floodMu.Lock()
	for id, b := range h.buckets {
		if b.lim.TokensAt(now) >= float64(h.opts.MessageBurst) {
			delete(h.buckets, id)
		}
	}
	h.floodMu.Unlock()
	for addr, l := range h.registrations {
		if l.TokensAt(now) >= float64(h.opts.RegistrationsPerHour) {
			delete(h.registrations, addr)
		}
	}
}

// mayRegister reports whether addr may create an account now, against its
// hourly allowance; count takes one from the allowance.
func (h *Hub) mayRegister(addr string, count bool) bool {
	l := h.registrations[addr]
	if l == nil {
		n := h.opts.RegistrationsPerHour
		l = rate.NewLimiter(rate.Every(time.Hour/time.Duration(n)), n)
		h.registrations[addr] = l
	}
	if !count {
		return l.Tokens() >= 1
	}
	return l.Allow()
}

// ownedServers and createdChannels count against ServersPerUser and
// ChannelsPerUser.
func (h *Hub) ownedServers(u *user) int {
	n := 0
	for _, srv := range u.servers {
		if srv.owner == u.id {
			n++
		}
	}
	return n
}

func (h *Hub) createdChannels(u *user) int {
	n := 0
	for _, srv := range h.st.servers {
		for tag, ch := range srv.chans {
			if tag > 0 && ch.creator == u.id {
				n++
			}
		}
	}
	return n
}

// full reports whether a channel has no room for one more member.
func (h *Hub) full(ch *channel) bool { return len(ch.members) >= h.opts.MembersPerChannel }

func limitReason(what string, n int) string {
	return what + " (the limit is " + strconv.Itoa(n) + ")"
}

// paced reports whether a command counts against the message allowance:
// every command whose lines reach other users (messages, uploads, which
// end in a FILESENT to the conversation, invitations and their answers,
// joins and leaves, renames, deletions) and every line that may reach a
// plugin (JEU and the verbs plugins claim), but not the answer to the
// server's keep-alive; and the password changes, which cost a hash each
// (see cost). A flood of any of them is slowed down like a flood of
// messages.
func paced(c wire.Command) bool {
	switch c.Op {
	case wire.OpMsg, wire.OpGame, wire.OpNewFile, wire.OpInvite, wire.OpJoin, wire.OpLeave,
		wire.OpUnfriend, wire.OpRename, wire.OpPseudo, wire.OpPassword, wire.OpDelete,
		// Part two: everything that reaches others, and searches, which
		// cost the database.
		wire.OpReply, wire.OpEdit, wire.OpDeleteMsg, wire.OpReact, wire.OpUnreact, wire.OpTyping,
		wire.OpMod, wire.OpUnmod, wire.OpKick, wire.OpBan, wire.OpUnban, wire.OpTopic,
		wire.OpOpen, wire.OpClose, wire.OpAway, wire.OpKeyPublish, wire.OpFind,
		// Calls: every CALL reaches the conversation's members. RTC lines
		// reach nobody and are bounded per call (calls.go).
		wire.OpCall:
		return true
	case wire.OpRTC:
		// A call's RTC reaches nobody; peer-to-peer RTC reaches another
		// user (p2p.go).
		return wire.IsP2PKind(c.Name)
	case wire.OpOther:
		return c.Verb != "PONG"
	}
	return false
}

// hashCost is how many messages of the allowance a command that hashes a
// password (PSW, PSD) costs: each takes the CPU of tens of thousands of
// messages, and the full-size attack of issue 13 (item 10) showed a PSD
// flood paced like messages keeping a core busy and the loop's round trips
// at seconds. At this cost a user may change its pseudo or password about
// once a second, three times in a row at most.
const hashCost = 10

// cost is what command c draws from the allowance (never more than the
// burst, which could then never pay for it).
func cost(c wire.Command, burst int) int {
	if c.Op == wire.OpPseudo || c.Op == wire.OpPassword {
		return min(hashCost, burst)
	}
	return 1
}
