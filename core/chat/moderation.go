package chat

import (
	"context"
	"time"

	"github.com/salon-chat/salon/core/pluginhost"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Roles, moderation and discovery (PROTOCOL.md section 17).
//
// The owner and the server moderators it names moderate the server and
// every channel of it; a channel's creator and the channel moderators any
// moderator of it names moderate that channel. Where the contract is
// silent, the rule is Discord's: a moderator cannot act on someone above
// it, so only the owner kicks, bans or unmods a server moderator.

// moderates reports whether u moderates channel ch of srv (the general
// channel: the server). A creator moderates its channel while it is in it:
// one kicked out by a server moderator keeps no power over it.
func moderates(u *user, srv *server, ch *channel) bool {
	if srv.moderator(u.id) {
		return true
	}
	return ch.tag > 0 && (ch.creator == u.id && ch.members[u.id] || ch.mods[u.id])
}

// place returns the server and channel a names, if u is a member of the
// server; the channel may be one u does not belong to.
func (h *Hub) place(u *user, a wire.Addr) (*server, *channel, string) {
	srv := u.servers[a.Server]
	if srv == nil {
		return nil, nil, "no such server"
	}
	ch := srv.chans[a.Channel]
	if ch == nil {
		return nil, nil, "no such channel"
	}
	return srv, ch, ""
}

// mod handles MOD and UNMOD.
func (h *Hub) mod(s *Session, me *user, c wire.Command) effect {
	verb := c.Verb
	srv, ch, why := h.place(me, c.Addr)
	if why != "" {
		return h.fail(s, verb, why)
	}
	them := h.st.users[c.User]
	switch {
	case them == nil:
		return h.fail(s, verb, "no such user")
	case ch.tag == 0 && srv.owner != me.id:
		return h.fail(s, verb, "only the owner names or removes server moderators")
	case ch.tag > 0 && !moderates(me, srv, ch):
		return h.fail(s, verb, "only a moderator of that channel names or removes its moderators")
	case them.id == srv.owner:
		return h.fail(s, verb, "the owner moderates everything: it is never named or removed")
	}
	mods := ch.mods
	if ch.tag == 0 {
		mods = srv.mods
	}
	sid, tag, uid := srv.id, ch.tag, them.id
	var change store.Change
	if c.Op == wire.OpMod {
		switch {
		case !ch.members[uid]:
			return h.fail(s, verb, "that user is not a member of that channel")
		case mods[uid] || ch.tag > 0 && ch.creator == uid:
			return h.fail(s, verb, "already a moderator there")
		}
		mods[uid] = true
		change = func(tx *store.Tx) error { return tx.AddModerator(sid, tag, uid) }
	} else {
		switch {
		case ch.tag > 0 && ch.creator == uid:
			return h.fail(s, verb, "the channel's creator always moderates it")
		case !mods[uid]:
			return h.fail(s, verb, "not a moderator there")
		case ch.tag > 0 && srv.mods[uid] && !srv.moderator(me.id):
			return h.fail(s, verb, "a channel moderator cannot unmod a server moderator")
		}
		delete(mods, uid)
		change = func(tx *store.Tx) error { return tx.RemoveModerator(sid, tag, uid) }
	}
	line := wire.Line(verb, c.Addr, wire.User(uid))
	to := ch.memberList()
	return effect{change: change, deliver: func() { h.sendTags(to, s, line) }}
}

// kick handles KICK S C 0 U reason: U leaves S C (the server, for S 0) as
// if it had left, after being told why.
func (h *Hub) kick(s *Session, me *user, c wire.Command) effect {
	e, why := h.kickAs(s, me, c.Addr, c.User, c.Text)
	if why != "" {
		return h.fail(s, "KICK", why)
	}
	return e
}

// kickAs is a kick by me (from session s, nil for a plugin's bot), or why
// it is refused.
func (h *Hub) kickAs(s *Session, me *user, a wire.Addr, target int64, reason string) (effect, string) {
	srv, ch, why := h.place(me, a)
	if why != "" {
		return effect{}, why
	}
	them := h.st.users[target]
	switch {
	case !moderates(me, srv, ch):
		return effect{}, "only a moderator can kick"
	case them == nil || !ch.members[them.id]:
		return effect{}, "that user is not a member of that channel"
	case them == me:
		return effect{}, "you cannot kick yourself: leave with BYE"
	}
	if why := h.outranks(me, them, srv, ch); why != "" {
		return effect{}, "you cannot kick " + why
	}
	var o outbox
	h.expel(&o, s, me, them, srv, ch, reason)
	sid, tag, uid := srv.id, ch.tag, them.id
	return o.then(h, func(tx *store.Tx) error {
		if tag > 0 {
			return tx.RemoveMember(sid, tag, uid)
		}
		return tx.LeaveServer(sid, uid)
	}), ""
}

// outranks says why me may not kick or ban them, or "".
func (h *Hub) outranks(me, them *user, srv *server, ch *channel) string {
	switch {
	case them.id == srv.owner:
		return "the owner"
	case srv.mods[them.id] && srv.owner != me.id:
		return "a server moderator: only the owner can"
	case ch.tag > 0 && them.id == ch.creator && !srv.moderator(me.id):
		return "the channel's creator: only a server moderator can"
	}
	return ""
}

// expel removes them from ch (from the whole server for the general
// channel) and queues the lines of a kick: the verb's line to them (and
// the actor's session, its acknowledgement), then BYE 0 U S C to every
// member and to them, as when a user leaves.
func (h *Hub) expel(o *outbox, actor *Session, me, them *user, srv *server, ch *channel, reason string) {
	h.callsMoved = true // them may be in a call of ch (calls.go)
	a := wire.Addr{Server: srv.id, Channel: ch.tag}
	kickLine := wire.Line("KICK", wire.User(me.id), a, wire.User(them.id), reason)
	if reason == "" {
		kickLine = wire.Line("KICK", wire.User(me.id), a, wire.User(them.id))
	}
	tid := them.id
	o.items = append(o.items, outItem{deliver: func() { h.sendTags([]int64{tid}, actor, kickLine) }})
	bye := wire.Line("BYE", wire.User(them.id), a)
	o.users(ch.memberList(), bye)
	if ch.tag > 0 {
		ch.remove(them.id)
	} else {
		for _, c := range srv.chans {
			if c.members[them.id] {
				c.remove(them.id)
			}
		}
		delete(srv.mods, them.id)
		delete(them.servers, srv.id)
	}
	o.event(pluginhost.Event{Kind: "left", User: pluginUser(them), Conversation: pluginConversation(a)})
}

// ban handles BAN S 0 0 U reason: U is kicked from the server if it is a
// member, its invitations there are dropped, and it may not come back
// until unbanned.
func (h *Hub) ban(s *Session, me *user, c wire.Command) effect {
	e, why := h.banAs(s, me, c.Addr.Server, c.User, c.Text)
	if why != "" {
		return h.fail(s, "BAN", why)
	}
	return e
}

// banAs is a ban by me (from session s, nil for a plugin's bot), or why it
// is refused.
func (h *Hub) banAs(s *Session, me *user, sid, target int64, reason string) (effect, string) {
	srv, general, why := h.place(me, wire.Addr{Server: sid})
	if why != "" {
		return effect{}, why
	}
	them := h.st.users[target]
	switch {
	case !srv.moderator(me.id):
		return effect{}, "only the owner and server moderators can ban"
	case them == nil:
		return effect{}, "no such user"
	case them == me:
		return effect{}, "you cannot ban yourself"
	case srv.bans[them.id] != nil:
		return effect{}, "already banned"
	}
	if why := h.outranks(me, them, srv, srv.chans[0]); why != "" {
		return effect{}, "you cannot ban " + why
	}
	b := store.Ban{ServerID: srv.id, UserID: them.id, Reason: reason, ByID: me.id, At: time.Now().UnixNano()}
	srv.bans[them.id] = &ban{reason: b.Reason, by: b.ByID, at: b.At}
	var o outbox
	// The acknowledgement is the BAN line; a member is kicked as by KICK S 0.
	if s != nil {
		o.session(s, banLine(srv.id, them.id, reason))
	}
	member := general.members[them.id]
	if member {
		h.expel(&o, nil, me, them, srv, general, reason)
	}
	var dropped []int64
	for place, i := range them.invIn {
		if !place.IsUser() && place.Server == srv.id {
			h.st.removeInvitation(i)
			dropped = append(dropped, i.id)
		}
	}
	uid := them.id
	return o.then(h, func(tx *store.Tx) error {
		for _, id := range dropped {
			if err := tx.DeleteInvitation(id); err != nil {
				return err
			}
		}
		if member {
			if err := tx.LeaveServer(sid, uid); err != nil {
				return err
			}
		}
		return tx.AddBan(b)
	}), ""
}

func banLine(sid, uid int64, reason string) []byte {
	if reason == "" {
		return wire.Line("BAN", wire.Addr{Server: sid}, wire.User(uid))
	}
	return wire.Line("BAN", wire.Addr{Server: sid}, wire.User(uid), reason)
}

// unban handles UNBAN S 0 0 U.
func (h *Hub) unban(s *Session, me *user, c wire.Command) effect {
	srv, _, why := h.place(me, c.Addr)
	switch {
	case why != "":
		return h.fail(s, "UNBAN", why)
	case !srv.moderator(me.id):
		return h.fail(s, "UNBAN", "only the owner and server moderators can unban")
	case srv.bans[c.User] == nil:
		return h.fail(s, "UNBAN", "that user is not banned")
	}
	delete(srv.bans, c.User)
	sid, uid := srv.id, c.User
	line := wire.Line("UNBAN", c.Addr, wire.User(uid))
	return effect{change: func(tx *store.Tx) error { return tx.RemoveBan(sid, uid) }, deliver: func() { s.push(line) }}
}

// bans answers BANS S: one BAN line per banned user, then BANS S n.
func (h *Hub) bans(s *Session, me *user, c wire.Command) effect {
	srv := me.servers[c.Addr.Server]
	switch {
	case srv == nil:
		return h.fail(s, "BANS", "no such server")
	case !srv.moderator(me.id):
		return h.fail(s, "BANS", "only the owner and server moderators can read the bans")
	}
	var lines [][]byte
	for _, uid := range sortedKeys(srv.bans) {
		lines = append(lines, banLine(srv.id, uid, srv.bans[uid].reason))
	}
	return h.only(s, append(lines, wire.Line("BANS", srv.id, len(lines)))...)
}

// topic handles TOPIC S C text (no text: the topic is cleared).
func (h *Hub) topic(s *Session, me *user, c wire.Command) effect {
	srv, ch, why := h.place(me, c.Addr)
	switch {
	case why != "":
		return h.fail(s, "TOPIC", why)
	case !moderates(me, srv, ch):
		return h.fail(s, "TOPIC", "only a moderator can set the topic")
	}
	ch.topic, ch.topicBy = c.Text, me.id
	sid, tag, text, uid := srv.id, ch.tag, c.Text, me.id
	line := topicLine(uid, c.Addr, text)
	to := ch.memberList()
	return effect{
		change:  func(tx *store.Tx) error { return tx.SetTopic(sid, tag, text, uid) },
		deliver: func() { h.sendTags(to, s, line) },
	}
}

func topicLine(by int64, a wire.Addr, text string) []byte {
	if text == "" {
		return wire.Line("TOPIC", wire.User(by), a)
	}
	return wire.Line("TOPIC", wire.User(by), a, text)
}

// openClose handles OPEN and CLOSE: a channel any member of the server may
// join, or one that needs an invitation.
func (h *Hub) openClose(s *Session, me *user, c wire.Command) effect {
	verb, open := c.Verb, c.Op == wire.OpOpen
	srv, ch, why := h.place(me, c.Addr)
	switch {
	case why != "":
		return h.fail(s, verb, why)
	case ch.tag == 0:
		return h.fail(s, verb, "the general channel is open to every member of the server")
	case !moderates(me, srv, ch):
		return h.fail(s, verb, "only a moderator can open or close a channel")
	case ch.public == open && open:
		return h.fail(s, verb, "already public")
	case ch.public == open:
		return h.fail(s, verb, "already invitation-only")
	}
	ch.public = open
	sid, tag := srv.id, ch.tag
	line := wire.Line(verb, c.Addr)
	to := srv.chans[0].memberList()
	return effect{
		change:  func(tx *store.Tx) error { return tx.SetPublic(sid, tag, open) },
		deliver: func() { h.sendTags(withActor(to, me.id), s, line) },
	}
}

// list answers LIST S: "CHAN S C public|private members name [topic]" for
// each channel u may join or belongs to, the general channel first, then
// "LIST S n".
func (h *Hub) list(s *Session, me *user, c wire.Command) effect {
	srv := me.servers[c.Addr.Server]
	if srv == nil {
		return h.fail(s, "LIST", "no such server")
	}
	var lines [][]byte
	for _, tag := range sortedKeys(srv.chans) {
		ch := srv.chans[tag]
		if !(tag == 0 || ch.public || ch.members[me.id]) {
			continue
		}
		kind, name := "private", ch.name
		if tag == 0 || ch.public {
			kind = "public"
		}
		fields := []any{"CHAN", wire.Addr{Server: srv.id, Channel: tag}, kind, len(ch.members), name}
		if ch.topic != "" {
			fields = append(fields, ch.topic)
		}
		lines = append(lines, wire.Line(fields...))
	}
	return h.only(s, append(lines, wire.Line("LIST", srv.id, len(lines)))...)
}

// placeLines are what a tags burst says after a place's GRP: its owner
// (servers), its moderators and its topic.
func placeLines(srv *server, ch *channel) [][]byte {
	a := wire.Addr{Server: srv.id, Channel: ch.tag}
	var lines [][]byte
	mods := ch.mods
	if ch.tag == 0 {
		lines = append(lines, wire.Line("OWNER", a, wire.User(srv.owner)))
		mods = srv.mods
	}
	// The creator moderates its channel without a row of its own; a tags
	// client learns it like any other moderator.
	if ch.tag > 0 && ch.members[ch.creator] && !mods[ch.creator] {
		lines = append(lines, wire.Line("MOD", a, wire.User(ch.creator)))
	}
	for _, uid := range sortedKeys(mods) {
		lines = append(lines, wire.Line("MOD", a, wire.User(uid)))
	}
	if ch.topic != "" {
		lines = append(lines, topicLine(ch.topicBy, a, ch.topic))
	}
	return lines
}

// Kick implements pluginhost.API: one of the plugin's bots kicks a user
// from a channel (the server, for channel 0), under the rules a user's
// KICK follows: the bot must moderate there.
func (h *Hub) Kick(ctx context.Context, plugin, bot string, place pluginhost.Conversation, target int64, reason string) error {
	a, ok := addrOf(place)
	if !ok || a.IsUser() {
		return refused("a kick is from a server or a channel")
	}
	if !validReason(reason) {
		return refused("a reason is at most %d bytes of text", wire.MaxReason)
	}
	botID, err := h.botTag(plugin, bot)
	if err != nil {
		return err
	}
	return h.call(ctx, func() (effect, error) {
		u := h.st.users[botID]
		if u == nil {
			return effect{}, refused("no bot %s", bot)
		}
		e, why := h.kickAs(nil, u, a, target, reason)
		if why != "" {
			return effect{}, refused("%s", why)
		}
		return e, nil
	})
}

// Ban implements pluginhost.API: one of the plugin's bots bans a user
// from a server it moderates.
func (h *Hub) Ban(ctx context.Context, plugin, bot string, server, target int64, reason string) error {
	if server <= 0 {
		return refused("invalid server")
	}
	if !validReason(reason) {
		return refused("a reason is at most %d bytes of text", wire.MaxReason)
	}
	botID, err := h.botTag(plugin, bot)
	if err != nil {
		return err
	}
	return h.call(ctx, func() (effect, error) {
		u := h.st.users[botID]
		if u == nil {
			return effect{}, refused("no bot %s", bot)
		}
		e, why := h.banAs(nil, u, server, target, reason)
		if why != "" {
			return effect{}, refused("%s", why)
		}
		return e, nil
	})
}

func validReason(r string) bool { return len(r) <= wire.MaxReason && wire.ValidText(r) }
