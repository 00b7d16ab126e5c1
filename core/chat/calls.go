package chat

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/salon-chat/salon/core/call"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Calls (PROTOCOL.md section 19, docs/protocol.md "Calls"). The hub keeps
// who is in which call and carries the signaling; the forwarding unit
// (core/call) does everything with media on its own goroutines. Every use
// of a call.Participant happens in a delivery, so that the unit sees the
// calls change in the order the hub decided them, after the lines that
// announce them.

// CallOptions turn calls on.
type CallOptions struct {
	Unit              *call.Unit
	MaxParticipants   int // in one call
	MaxCalls          int // at once on the instance
	MaxCallsPerServer int // at once in the channels of one server
	ICEServers        []ICEServer
}

// ICEServer is a relay or STUN server handed to the clients that join.
type ICEServer struct {
	URLs                 []string
	Username, Credential string        // fixed credentials, or
	Secret               string        // time-limited ones made from it (coturn's use-auth-secret)
	TTL                  time.Duration // how long those live
}

// A call is the call of one conversation.
type callState struct {
	conv  store.Conversation
	room  *call.Room
	parts []*participant // in the order they joined
}

// A participant is a user in a call, through one of its sessions.
type participant struct {
	uid     int64
	s       *Session
	media   string // what it says it sends: wire.MediaList's form
	mutedBy int64  // the moderator who muted it, 0 if not muted

	// Set and used in deliveries only (see above).
	peer *call.Participant
	left bool

	pieces     wire.RTCPieces // the RTC payload being gathered
	candidates int
}

// candidatesPerCall bounds the ICE candidates one participant may send:
// browsers gather a few per network interface.
const candidatesPerCall = 64

func (c *callState) find(uid int64) *participant {
	for _, p := range c.parts {
		if p.uid == uid {
			return p
		}
	}
	return nil
}

// callLine is a CALL notification with its actor, the conversation as the
// actor names it, and the rest.
func callLine(c *callState, actor int64, rest ...any) []byte {
	return wire.Line(append([]any{"CALL", wire.User(actor), convAddr(c.conv, actor)}, rest...)...)
}

// callAudience is who hears of a call: the conversation's members (the two
// parties of a direct one).
func (h *Hub) callAudience(conv store.Conversation) []int64 {
	if conv.ServerID == 0 {
		return []int64{conv.PeerLow, conv.PeerHigh}
	}
	if srv := h.st.servers[conv.ServerID]; srv != nil {
		if ch := srv.chans[conv.ChannelTag]; ch != nil {
			return ch.memberList()
		}
	}
	return nil
}

// callCommand handles CALL.
func (h *Hub) callCommand(s *Session, me *user, c wire.Command) effect {
	if h.opts.Calls == nil {
		return h.fail(s, "CALL", "calls are not enabled on this server")
	}
	conv := convOf(me.id, c.Addr)
	cs := h.calls[conv]
	switch wire.CallAction(c.Name) {
	case wire.CallJoin:
		return h.joinCall(s, me, c, conv)
	case wire.CallDecline:
		return h.declineCall(s, me, c, cs)
	case wire.CallMute, wire.CallUnmute, wire.CallKick:
		return h.moderateCall(s, me, c, cs)
	}
	var mine *participant
	if cs != nil {
		mine = cs.find(me.id)
	}
	if mine == nil {
		return h.fail(s, "CALL", "you are not in that call")
	}
	switch wire.CallAction(c.Name) {
	case wire.CallLeave:
		return effect{deliver: h.removeParticipant(cs, mine, s)}
	case wire.CallMedia:
		mine.media = c.Text
		line, audience := callLine(cs, me.id, "MEDIA", c.Text), h.callAudience(conv)
		return effect{deliver: func() { h.sendTags(audience, s, line) }}
	}
	return effect{} // the parser knows no other action
}

// joinCall handles CALL CONV JOIN: the checks, then the user leaves the
// call it was in (or this one, from another session), then it is in.
func (h *Hub) joinCall(s *Session, me *user, c wire.Command, conv store.Conversation) effect {
	if _, why := h.checkPost(me, c.Addr); why != "" {
		return h.fail(s, "CALL", why)
	}
	opts, cs := h.opts.Calls, h.calls[conv]
	if cs == nil {
		if len(h.calls) >= opts.MaxCalls {
			return h.fail(s, "CALL", "too many calls")
		}
		if conv.ServerID != 0 && h.callsIn(conv.ServerID) >= opts.MaxCallsPerServer {
			return h.fail(s, "CALL", "too many calls on this server")
		}
	} else if old := cs.find(me.id); old != nil && old.s == s {
		return h.fail(s, "CALL", "you are already in that call")
	} else if old == nil && len(cs.parts) >= opts.MaxParticipants {
		return h.fail(s, "CALL", "the call is full")
	}

	// What the user leaves first: its call, wherever it is.
	leaving := func() {}
	if prev := h.inCall[me.id]; prev != nil {
		leaving = h.removeParticipant(prev, prev.find(me.id), s)
	}
	if cs = h.calls[conv]; cs == nil {
		cs = &callState{conv: conv, room: opts.Unit.NewRoom(convName(conv))}
		h.calls[conv] = cs
	}
	p := &participant{uid: me.id, s: s, media: c.Text}
	cs.parts = append(cs.parts, p)
	h.inCall[me.id] = cs

	join, audience := callLine(cs, me.id, "JOIN", p.media), h.callAudience(conv)
	return effect{deliver: func() {
		leaving()
		h.sendTags(audience, s, join)
		if !p.left { // not gone already in the same batch
			h.connect(cs, p)
		}
	}}
}

// connect gives participant p of call c a peer connection in the unit: the
// ice line, then the unit's offers. It runs in a delivery, at the JOIN and
// at each renewal.
func (h *Hub) connect(c *callState, p *participant) {
	s, addr := p.s, convAddr(c.conv, p.uid)
	for _, l := range wire.RTCLines(addr, "ice", h.iceServers(p.uid)) {
		s.push(l)
	}
	p.peer = c.room.Join(call.Peer{
		User: p.uid,
		Signal: func(kind string, payload []byte) {
			for _, l := range wire.RTCLines(addr, kind, payload) {
				s.push(l)
			}
		},
		Failed: func(reason string) { h.peerFailed(c, p, reason) },
		Renew:  func() { h.peerRenewed(c, p) },
	})
	if p.mutedBy != 0 { // a renewal keeps a moderator's mute
		p.peer.SetMuted(true)
	}
}

// peerRenewed is the unit's word that p's peer connection should be
// replaced (call.Peer.Renew): p stays in the call, with a new one.
func (h *Hub) peerRenewed(c *callState, p *participant) {
	h.submit(&request{kind: reqPlugin, run: func() (effect, error) {
		if h.calls[c.conv] != c || c.find(p.uid) != p {
			return effect{}, nil
		}
		p.pieces, p.candidates = wire.RTCPieces{}, 0
		return effect{deliver: func() {
			if !p.left {
				p.peer.Leave()
				h.connect(c, p)
			}
		}}, nil
	}})
}

// callsIn counts the calls in the channels of server sid.
func (h *Hub) callsIn(sid int64) int {
	n := 0
	for conv := range h.calls {
		if conv.ServerID == sid {
			n++
		}
	}
	return n
}

// removeParticipant takes p out of call c now, and returns the delivery
// that announces it (first, then its LEAVE) to the conversation's members
// and to p's user, who may have stopped being one, on their tags
// sessions, and to actor and to p's own session whatever their tags; then
// closes p's peer connection, and the room when p was the last one.
func (h *Hub) removeParticipant(c *callState, p *participant, actor *Session, first ...[]byte) func() {
	c.parts = slices.DeleteFunc(c.parts, func(x *participant) bool { return x == p })
	if h.inCall[p.uid] == c {
		delete(h.inCall, p.uid)
	}
	empty := len(c.parts) == 0
	if empty {
		delete(h.calls, c.conv)
	}
	lines := append(first, callLine(c, p.uid, "LEAVE"))
	to := h.callAudience(c.conv)
	if !slices.Contains(to, p.uid) {
		to = append(slices.Clone(to), p.uid)
	}
	return func() {
		for _, l := range lines {
			h.sendTags(to, actor, l)
			if p.s != actor && !p.s.tags {
				p.s.push(l)
			}
		}
		p.left = true
		if p.peer != nil {
			p.peer.Leave()
		}
		if empty {
			c.room.Close()
		}
	}
}

// dropParticipant removes p from c and announces it at once, outside any
// command (from a delivery, or after a batch).
func (h *Hub) dropParticipant(c *callState, p *participant) {
	h.removeParticipant(c, p, nil)()
}

// peerFailed is the unit's word that a participant's connection failed:
// it leaves its call, if it is still in it.
func (h *Hub) peerFailed(c *callState, p *participant, reason string) {
	h.submit(&request{kind: reqPlugin, run: func() (effect, error) {
		if h.calls[c.conv] != c || c.find(p.uid) != p {
			return effect{}, nil
		}
		h.log.Debug("a call's participant failed: removed", "user", p.uid, "call", convName(c.conv), "reason", reason)
		return effect{deliver: func() {
			if h.calls[c.conv] == c && c.find(p.uid) == p {
				h.dropParticipant(c, p)
			}
		}}, nil
	}})
}

// declineCall handles CALL 0 U DECLINE: the call with U rings for me, and
// it stops ringing on all of me's sessions and tells U.
func (h *Hub) declineCall(s *Session, me *user, c wire.Command, cs *callState) effect {
	if !c.Addr.IsUser() || cs == nil || cs.find(me.id) != nil || cs.find(c.Addr.UserTag()) == nil {
		return h.fail(s, "CALL", "no call rings there")
	}
	line, audience := callLine(cs, me.id, "DECLINE"), h.callAudience(cs.conv)
	return effect{deliver: func() { h.sendTags(audience, s, line) }}
}

// moderateCall handles MUTE, UNMUTE and KICK in a channel's call. A
// moderator need not be in the call (as a server mute in Discord); the
// rights are checked before the call is looked at, so that nobody learns
// from the answer whether a channel it cannot see has a call.
func (h *Hub) moderateCall(s *Session, me *user, c wire.Command, cs *callState) effect {
	if c.Addr.IsUser() {
		return h.fail(s, "CALL", "moderation is for channel calls")
	}
	srv, ch, why := h.place(me, c.Addr)
	if why != "" {
		return h.fail(s, "CALL", why)
	}
	if !moderates(me, srv, ch) {
		return h.fail(s, "CALL", "you are not a moderator of that channel")
	}
	var them *participant
	if cs != nil {
		them = cs.find(c.User)
	}
	if them == nil {
		return h.fail(s, "CALL", "that user is not in the call")
	}
	if them.uid != me.id {
		if why := h.outranks(me, h.st.users[them.uid], srv, ch); why != "" {
			return h.fail(s, "CALL", why)
		}
	}
	line := callLine(cs, me.id, c.Name, wire.User(them.uid))
	if wire.CallAction(c.Name) == wire.CallKick {
		return effect{deliver: h.removeParticipant(cs, them, s, line)}
	}
	muted := c.Name == string(wire.CallMute)
	them.mutedBy = 0
	if muted {
		them.mutedBy = me.id
	}
	audience := h.callAudience(cs.conv)
	return effect{deliver: func() {
		h.sendTags(audience, s, line)
		if them.peer != nil {
			them.peer.SetMuted(muted)
		}
	}}
}

// rtcCommand handles RTC: the pieces of the participating session's
// answers and candidates, joined, then handed to the unit.
func (h *Hub) rtcCommand(s *Session, me *user, c wire.Command) effect {
	if wire.IsP2PKind(c.Name) {
		return h.relayP2P(s, me, c) // p2p.go: not a call's
	}
	if h.opts.Calls == nil {
		return h.fail(s, "RTC", "calls are not enabled on this server")
	}
	cs := h.calls[convOf(me.id, c.Addr)]
	var p *participant
	if cs != nil {
		p = cs.find(me.id)
	}
	if p == nil || p.s != s {
		return h.fail(s, "RTC", "you are not in that call")
	}
	payload, done, err := p.pieces.Add(c.Name, c.Seq, c.Last, c.Text)
	if err != nil {
		return h.fail(s, "RTC", err.Error())
	}
	if !done {
		return effect{}
	}
	if c.Name == wire.RTCCandidate {
		if p.candidates++; p.candidates > candidatesPerCall {
			return h.fail(s, "RTC", "too many candidates")
		}
	}
	kind := c.Name
	return effect{deliver: func() {
		if p.peer == nil || p.left {
			return
		}
		if kind == wire.RTCAnswer {
			p.peer.Answer(payload)
		} else {
			p.peer.Candidate(payload)
		}
	}}
}

// iceServers is the ice payload for user uid: the configured servers as
// RTCConfiguration.iceServers, with credentials made for it where a secret
// is set (coturn's scheme: the username is the expiry and the user, the
// credential their HMAC-SHA1 under the secret).
func (h *Hub) iceServers(uid int64) []byte {
	type server struct {
		URLs       []string `json:"urls"`
		Username   string   `json:"username,omitempty"`
		Credential string   `json:"credential,omitempty"`
	}
	list := []server{}
	for _, s := range h.opts.Calls.ICEServers {
		srv := server{URLs: s.URLs, Username: s.Username, Credential: s.Credential}
		if s.Secret != "" {
			srv.Username = strconv.FormatInt(time.Now().Add(s.TTL).Unix(), 10) + ":" + strconv.FormatInt(uid, 10)
			mac := hmac.New(sha1.New, []byte(s.Secret))
			mac.Write([]byte(srv.Username))
			srv.Credential = base64.StdEncoding.EncodeToString(mac.Sum(nil))
		}
		list = append(list, srv)
	}
	out, err := json.Marshal(list)
	if err != nil {
		panic(err) // strings and slices of strings always marshal
	}
	return out
}

// callBurst is what a tags login burst says of calls: who is in each call
// of u's conversations, and who is muted there.
func (h *Hub) callBurst(u *user) [][]byte {
	var calls []*callState
	for conv, c := range h.calls {
		if conv.ServerID == 0 && (conv.PeerLow == u.id || conv.PeerHigh == u.id) || h.inConversation(u, conv) {
			calls = append(calls, c)
		}
	}
	slices.SortFunc(calls, func(a, b *callState) int { return compareConv(a.conv, b.conv) })
	var lines [][]byte
	for _, c := range calls {
		for _, p := range c.parts {
			lines = append(lines, callLine(c, p.uid, "JOIN", p.media))
		}
		for _, p := range c.parts {
			if p.mutedBy != 0 {
				lines = append(lines, callLine(c, p.mutedBy, "MUTE", wire.User(p.uid)))
			}
		}
	}
	return lines
}

// inConversation reports whether u is a member of the channel conv names.
func (h *Hub) inConversation(u *user, conv store.Conversation) bool {
	if conv.ServerID == 0 {
		return false
	}
	srv := u.servers[conv.ServerID]
	if srv == nil {
		return false
	}
	ch := srv.chans[conv.ChannelTag]
	return ch != nil && ch.members[u.id]
}

// sessionLeftCalls removes the participant a session that ended was.
func (h *Hub) sessionLeftCalls(s *Session) func() {
	c := h.inCall[s.uid]
	if c == nil {
		return nil
	}
	p := c.find(s.uid)
	if p == nil || p.s != s {
		return nil
	}
	return h.removeParticipant(c, p, nil)
}

// membershipOps may take users out of conversations, and so out of their
// calls: checkCalls runs after a batch that had one. (A plugin's kick or
// ban, which is no command, sets callsMoved in expel; a reload after a
// failed commit sets it too.)
func membershipOp(op wire.Op) bool {
	switch op {
	case wire.OpLeave, wire.OpDelete, wire.OpKick, wire.OpBan, wire.OpUnfriend:
		return true
	}
	return false
}

// checkCalls removes the participants who may no longer write in their
// call's conversation.
func (h *Hub) checkCalls() {
	for _, c := range h.sortedCalls() {
		for _, p := range slices.Clone(c.parts) {
			u := h.st.users[p.uid]
			if u == nil {
				h.dropParticipant(c, p)
				continue
			}
			if _, why := h.checkPost(u, convAddr(c.conv, p.uid)); why != "" {
				h.dropParticipant(c, p)
			}
		}
	}
}

func (h *Hub) sortedCalls() []*callState {
	calls := make([]*callState, 0, len(h.calls))
	for _, c := range h.calls {
		calls = append(calls, c)
	}
	slices.SortFunc(calls, func(a, b *callState) int { return compareConv(a.conv, b.conv) })
	return calls
}

func compareConv(a, b store.Conversation) int {
	return cmp.Or(cmp.Compare(a.ServerID, b.ServerID), cmp.Compare(a.ChannelTag, b.ChannelTag),
		cmp.Compare(a.PeerLow, b.PeerLow), cmp.Compare(a.PeerHigh, b.PeerHigh))
}

// convName names a conversation in the logs: "3 4", or "0 5-9" for the
// direct one of users 5 and 9.
func convName(c store.Conversation) string {
	if c.ServerID != 0 {
		return strconv.FormatInt(c.ServerID, 10) + " " + strconv.FormatInt(c.ChannelTag, 10)
	}
	return "0 " + strconv.FormatInt(c.PeerLow, 10) + "-" + strconv.FormatInt(c.PeerHigh, 10)
}
