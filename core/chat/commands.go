package chat

import (
	"cmp"
	"time"

	"github.com/salon-chat/salon/core/pluginhost"
	"slices"
	"strconv"

	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// command applies a logged-in (or pre-login) command. Every handler checks
// everything before it changes anything, so a rejection changes nothing.
func (h *Hub) command(r *request) effect {
	s, c := r.s, r.cmd
	switch c.Op {
	case wire.OpRegister:
		return h.register(r)
	case wire.OpLogin:
		return h.login(r)
	case wire.OpQuit:
		s.leaving = true
		h.endWebToken(s)
		line := wire.Line("BYE")
		return effect{deliver: func() { s.push(line); s.closeAfterFlush() }}
	case wire.OpPing:
		line := wire.Line("PONG")
		if c.Name != "" {
			line = wire.Line("PONG", c.Name)
		}
		if s.bg.busy() {
			// After the plugins' answers and the downloads under way; the
			// PING keeps its slot until then.
			s.bg.hold(line)
			return effect{parked: true}
		}
		return h.only(s, line)
	case wire.OpCapLs, wire.OpCapReq:
		return h.capability(r)
	case wire.OpWho:
		u := h.st.byPseudo[wire.FoldPseudo(c.Name)]
		if u == nil {
			return h.fail(s, c.Verb, "no such user")
		}
		return h.only(s, wire.Add(u.online(), u.id, u.pseudo))
	}
	if c.Verb == "PONG" {
		return effect{} // the answer to the server's keep-alive: nothing to say
	}
	me := h.st.users[s.uid]
	// Normally the reader has spent it; a hooked message coming back with
	// its verdict was spent on its first pass.
	if paced(c) && !r.spent && r.verdict == nil {
		if e, ok := h.spendLate(s, me); !ok {
			return e
		}
	}
	if membershipOp(c.Op) {
		h.callsMoved = true
	}
	switch c.Op {
	case wire.OpNewServer:
		return h.newServer(s, me, c.Name)
	case wire.OpNewChannel:
		return h.newChannel(s, me, c.Addr.Server, c.Name)
	case wire.OpDelete:
		return h.delete(s, me, c.Addr)
	case wire.OpRename:
		return h.rename(s, me, c.Addr, c.Name)
	case wire.OpLeave:
		return h.leave(s, me, c.Addr)
	case wire.OpUnfriend:
		if c.HasPlace {
			return h.decline(s, me, c.Addr.UserTag(), c.Place)
		}
		return h.unfriend(s, me, c.Addr.UserTag())
	case wire.OpInvite:
		return h.invite(s, me, c)
	case wire.OpJoin:
		return h.join(s, me, c.Addr)
	case wire.OpMsg:
		return h.message(r, me)
	case wire.OpPassword:
		return h.password(s, me, r)
	case wire.OpPseudo:
		return h.pseudo(s, me, r)
	case wire.OpGet:
		return h.get(s, me, c.Addr, c.Name)
	case wire.OpNewFile:
		return h.newFile(r, me)
	case wire.OpEndFile:
		return h.endFile(r, me)
	case wire.OpGame:
		return h.game(r, me)
	case wire.OpReply:
		return h.message(r, me)
	case wire.OpEdit:
		return h.edit(r, me)
	case wire.OpDeleteMsg:
		return h.deleteMessage(r, me)
	case wire.OpReact, wire.OpUnreact:
		return h.react(r, me)
	case wire.OpHist:
		return h.hist(s, me, c)
	case wire.OpFind:
		return h.find(s, me, c)
	case wire.OpRead:
		return h.read(s, me, c)
	case wire.OpTyping:
		return h.typing(s, me, c)
	case wire.OpMod, wire.OpUnmod:
		return h.mod(s, me, c)
	case wire.OpKick:
		return h.kick(s, me, c)
	case wire.OpBan:
		return h.ban(s, me, c)
	case wire.OpUnban:
		return h.unban(s, me, c)
	case wire.OpBans:
		return h.bans(s, me, c)
	case wire.OpTopic:
		return h.topic(s, me, c)
	case wire.OpOpen, wire.OpClose:
		return h.openClose(s, me, c)
	case wire.OpList:
		return h.list(s, me, c)
	case wire.OpAway:
		return h.away(s, me, c)
	case wire.OpKeyPublish:
		return h.publishKey(s, me, c)
	case wire.OpKeyFetch:
		return h.fetchKey(s, c)
	case wire.OpWebToken:
		return h.webToken(s)
	case wire.OpCall:
		return h.callCommand(s, me, c)
	case wire.OpRTC:
		return h.rtcCommand(s, me, c)
	}
	return h.verb(r, me)
}

// only is an effect that sends lines to the session alone.
func (h *Hub) only(s *Session, lines ...[]byte) effect {
	return effect{deliver: func() {
		for _, l := range lines {
			s.push(l)
		}
	}}
}

func (o *outbox) then(h *Hub, change store.Change) effect {
	return effect{change: change, deliver: func() { o.deliver(h) }}
}

func (h *Hub) register(r *request) effect {
	s, c := r.s, r.cmd
	if why := h.registrationRefused(s, c.Name, true); why != "" {
		return h.fail(s, c.Verb, why)
	}
	u := &user{id: h.st.nextUser, pseudo: c.Name, hash: r.hash}
	h.st.nextUser++
	h.st.addUser(u)
	row := store.User{ID: u.id, Pseudo: u.pseudo, PseudoKey: wire.FoldPseudo(u.pseudo), PassHash: u.hash}
	return h.startSession(s, u, func(tx *store.Tx) error { return tx.CreateUser(row) })
}

// registrationRefused says why s may not create an account named pseudo,
// or "". The session's reader asks first, before it hashes the password;
// the loop asks again when the account is made, and only then (count) is
// the registration counted against the address's hourly allowance.
func (h *Hub) registrationRefused(s *Session, pseudo string, count bool) string {
	switch {
	case s.uid != 0:
		return "already logged in"
	case h.st.byPseudo[wire.FoldPseudo(pseudo)] != nil:
		return "pseudo already taken"
	case !h.mayRegister(s.addr, count):
		return "too many new accounts from your address: try again later"
	}
	return ""
}

func (h *Hub) login(r *request) effect {
	s, c := r.s, r.cmd
	if s.uid != 0 {
		return h.fail(s, c.Verb, "already logged in")
	}
	u := h.st.byPseudo[wire.FoldPseudo(c.Name)]
	if u == nil || u.bot || u.hash != r.verified {
		return h.fail(s, c.Verb, "bad pseudo or password")
	}
	return h.startSession(s, u, nil)
}

// startSession logs s in as u: the login burst to s, then, if this is u's
// first session, ADD ON to everyone online who can see u.
func (h *Hub) startSession(s *Session, u *user, change store.Change) effect {
	s.uid = u.id
	s.loggedIn.Store(u.id)
	u.logins++
	if change != nil && u.markers == nil {
		u.markers = map[store.Conversation]int64{} // a new account has read nothing, and there is nothing to read
	}
	h.loadMarkers(u)
	burst := h.burst(u, s.tags)
	var watchers []int64
	if u.logins == 1 {
		watchers = h.st.onlineOthers(h.st.canSee(u), u.id)
	}
	on := wire.Add(true, u.id, u.pseudo)
	uid, first, who := u.id, u.logins == 1, pluginUser(u)
	return effect{change: change, deliver: func() {
		s.pushBurst(burst)
		if u := h.st.users[uid]; u != nil && !s.closedOrClosing() {
			u.sessions = append(u.sessions, s)
		}
		h.sendAll(watchers, on)
		if first {
			h.notify(pluginhost.Event{Kind: "online", User: who})
		}
	}}
}

// burst is the login burst of PROTOCOL.md section 5, in its order; a tags
// session's has the lines of Part two woven in (see tagsBurst).
func (h *Hub) burst(u *user, tags bool) [][]byte {
	st := h.st
	lines := [][]byte{wire.Line("TAG", wire.User(u.id)), wire.Add(true, u.id, u.pseudo)}
	seen := st.canSee(u)
	delete(seen, u.id)
	for _, id := range sortedKeys(seen) {
		v := st.users[id]
		lines = append(lines, wire.Add(v.online(), v.id, v.pseudo))
	}
	if tags {
		lines = append(lines, h.awayLines(u, seen)...)
	}
	lines = append(lines, wire.Group(wire.Head("GRP", wire.User(u.id)), sortedKeys(u.friends))...)
	for _, sid := range sortedKeys(u.servers) {
		srv := st.servers[sid]
		for _, tag := range sortedKeys(srv.chans) {
			ch := srv.chans[tag]
			if !ch.members[u.id] {
				continue
			}
			lines = append(lines, tagLine(srv, ch))
			lines = append(lines, groupLines(srv, ch)...)
			if tags {
				lines = append(lines, placeLines(srv, ch)...)
			}
		}
	}
	received := make([]*invitation, 0, len(u.invIn))
	for _, i := range u.invIn {
		received = append(received, i)
	}
	for _, i := range byAge(received) {
		lines = append(lines, h.invitationLine("SENT", i, false))
	}
	sent := make([]*invitation, 0, len(u.invOut))
	for i := range u.invOut {
		sent = append(sent, i)
	}
	for _, i := range byAge(sent) {
		lines = append(lines, h.invitationLine("INV", i, true))
	}
	if tags {
		lines = append(lines, h.unreadLines(u)...)
		lines = append(lines, h.callBurst(u)...)
	}
	return lines
}

// tagsBurst is what a tags burst has that the original one has not, in
// the same order: for a session that asks for tags once logged in.
func (h *Hub) tagsBurst(u *user) [][]byte {
	seen := h.st.canSee(u)
	delete(seen, u.id)
	lines := h.awayLines(u, seen)
	for _, sid := range sortedKeys(u.servers) {
		srv := h.st.servers[sid]
		for _, tag := range sortedKeys(srv.chans) {
			if ch := srv.chans[tag]; ch.members[u.id] {
				lines = append(lines, placeLines(srv, ch)...)
			}
		}
	}
	lines = append(lines, h.unreadLines(u)...)
	return append(lines, h.callBurst(u)...)
}

// awayLines are the away notes of u and of the users it sees.
func (h *Hub) awayLines(u *user, seen map[int64]bool) [][]byte {
	var lines [][]byte
	if u.away != "" {
		lines = append(lines, awayLine(u.id, u.away))
	}
	for _, id := range sortedKeys(seen) {
		if v := h.st.users[id]; v.away != "" {
			lines = append(lines, awayLine(v.id, v.away))
		}
	}
	return lines
}

// byAge sorts invitations oldest first.
func byAge(list []*invitation) []*invitation {
	slices.SortFunc(list, func(a, b *invitation) int { return cmp.Compare(a.id, b.id) })
	return list
}

// invitationLine formats a pending invitation for its invitee
// ("SENT|INV 0 from [S C server chan]") or for its sender
// ("INV 0 from 0 to [S C server chan]").
func (h *Hub) invitationLine(verb string, i *invitation, forSender bool) []byte {
	fields := []any{verb, wire.User(i.from)}
	if forSender {
		fields = append(fields, wire.User(i.to))
	}
	if !i.friendRequest() {
		srv, ch := h.st.channelOf(i.place)
		fields = append(fields, i.place, srv.name, ch.name)
	}
	return wire.Line(fields...)
}

// tagLine is "TAG S C name" (the server's name for the general channel).
func tagLine(srv *server, ch *channel) []byte {
	name := ch.name
	if ch.tag == 0 {
		name = srv.name
	}
	return wire.Line("TAG", wire.Addr{Server: srv.id, Channel: ch.tag}, name)
}

// groupLines is "GRP S C server chan 0 u1 0 u2 ...", split if long.
func groupLines(srv *server, ch *channel) [][]byte {
	head := wire.Head("GRP", wire.Addr{Server: srv.id, Channel: ch.tag}, srv.name, ch.name)
	return wire.Group(head, ch.memberList())
}

// member reports whether u belongs to channel a (a server: its general).
func (h *Hub) member(u *user, a wire.Addr) (*server, *channel, bool) {
	srv, ch := h.st.channelOf(a)
	if srv == nil || u.servers[srv.id] == nil {
		return nil, nil, false
	}
	return srv, ch, ch != nil && ch.members[u.id]
}

func (h *Hub) newServer(s *Session, me *user, name string) effect {
	if n := h.opts.ServersPerUser; h.ownedServers(me) >= n {
		return h.fail(s, "NEW", limitReason("you own too many servers", n))
	}
	id := h.st.nextServer
	h.st.nextServer++
	general := newChannel(0, wire.GeneralName, me.id)
	general.add(me.id)
	srv := &server{id: id, name: name, owner: me.id, nextChan: 1, chans: map[int64]*channel{0: general},
		mods: map[int64]bool{}, bans: map[int64]*ban{}}
	h.st.servers[id] = srv
	me.servers[id] = srv
	var o outbox
	o.user(me.id, tagLine(srv, general))
	for _, l := range groupLines(srv, general) {
		o.user(me.id, l)
	}
	uid := me.id
	return o.then(h, func(tx *store.Tx) error { return tx.CreateServer(id, name, uid) })
}

func (h *Hub) newChannel(s *Session, me *user, sid int64, name string) effect {
	srv := me.servers[sid]
	if srv == nil {
		return h.fail(s, "NEW", "no such server")
	}
	if n := h.opts.ChannelsPerUser; h.createdChannels(me) >= n {
		return h.fail(s, "NEW", limitReason("you created too many channels", n))
	}
	tag := srv.nextChan
	srv.nextChan++
	ch := newChannel(tag, name, me.id)
	ch.add(me.id)
	srv.chans[tag] = ch
	var o outbox
	o.user(me.id, tagLine(srv, ch))
	for _, l := range groupLines(srv, ch) {
		o.user(me.id, l)
	}
	uid := me.id
	return o.then(h, func(tx *store.Tx) error { return tx.CreateChannel(sid, tag, name, uid) })
}

// withActor returns members plus the acting user, so that a moderator who
// is not in the channel still gets the confirmation.
func withActor(members []int64, actor int64) []int64 {
	if slices.Contains(members, actor) {
		return members
	}
	return append(slices.Clone(members), actor)
}

func (h *Hub) delete(s *Session, me *user, a wire.Addr) effect {
	srv := me.servers[a.Server]
	if srv == nil {
		return h.fail(s, "DEL", "no such server")
	}
	line := wire.Line("DEL", a)
	var o outbox
	if a.Channel == 0 {
		if srv.owner != me.id {
			return h.fail(s, "DEL", "only the owner can delete a server")
		}
		o.users(srv.chans[0].memberList(), line)
		for _, id := range srv.chans[0].memberList() {
			delete(h.st.users[id].servers, srv.id)
		}
		delete(h.st.servers, srv.id)
		h.st.removePlaceInvitations(srv.id, 0, true)
		h.purging = true
		return h.removingBlobs(h.stoppingDownloads(o.then(h, func(tx *store.Tx) error { return tx.DeleteServer(a.Server) }), a.Server, 0, true),
			h.st.dropFiles(srv.id, 0, true))
	}
	ch := srv.chans[a.Channel]
	if ch == nil {
		return h.fail(s, "DEL", "no such channel")
	}
	if !moderates(me, srv, ch) {
		return h.fail(s, "DEL", "only a moderator can delete a channel")
	}
	o.users(withActor(ch.memberList(), me.id), line)
	delete(srv.chans, ch.tag)
	h.st.removePlaceInvitations(srv.id, ch.tag, false)
	h.purging = true
	return h.removingBlobs(h.stoppingDownloads(o.then(h, func(tx *store.Tx) error { return tx.DeleteChannel(a.Server, a.Channel) }), a.Server, a.Channel, false),
		h.st.dropFiles(srv.id, ch.tag, false))
}

func (h *Hub) rename(s *Session, me *user, a wire.Addr, name string) effect {
	srv := me.servers[a.Server]
	if srv == nil {
		return h.fail(s, "RENAME", "no such server")
	}
	var o outbox
	if a.Channel == 0 {
		if srv.owner != me.id {
			return h.fail(s, "RENAME", "only the owner can rename a server")
		}
		srv.name = name
		faultPoint("rename")
		o.users(srv.chans[0].memberList(), wire.Line("RENAME", name, a.Server))
		return o.then(h, func(tx *store.Tx) error { return tx.RenameServer(a.Server, name) })
	}
	ch := srv.chans[a.Channel]
	if ch == nil {
		return h.fail(s, "RENAME", "no such channel")
	}
	if !moderates(me, srv, ch) {
		return h.fail(s, "RENAME", "only a moderator can rename a channel")
	}
	ch.name = name
	o.users(withActor(ch.memberList(), me.id), wire.Line("RENAME", name, a))
	return o.then(h, func(tx *store.Tx) error { return tx.RenameChannel(a.Server, a.Channel, name) })
}

func (h *Hub) leave(s *Session, me *user, a wire.Addr) effect {
	srv, ch, ok := h.member(me, a)
	if !ok {
		return h.fail(s, "BYE", "not a member of that channel")
	}
	line := wire.Line("BYE", wire.User(me.id), a)
	var o outbox
	o.users(ch.memberList(), line)
	o.event(pluginhost.Event{Kind: "left", User: pluginUser(me), Conversation: pluginConversation(a)})
	uid := me.id
	if a.Channel > 0 {
		ch.remove(me.id)
		return o.then(h, func(tx *store.Tx) error { return tx.RemoveMember(a.Server, a.Channel, uid) })
	}
	if srv.owner == me.id {
		return h.fail(s, "BYE", "the owner cannot leave its server: delete it instead")
	}
	for _, c := range srv.chans {
		if c.members[me.id] {
			c.remove(me.id)
		}
	}
	delete(srv.mods, me.id)
	delete(me.servers, srv.id)
	return o.then(h, func(tx *store.Tx) error { return tx.LeaveServer(a.Server, uid) })
}

// unfriend ends a friendship, declines a friend request received from
// other, or withdraws one sent to it.
func (h *Hub) unfriend(s *Session, me *user, other int64) effect {
	them := h.st.users[other]
	if them == nil {
		return h.fail(s, "BYE", "no such user")
	}
	var o outbox
	o.users([]int64{me.id, other}, wire.Line("BYE", wire.User(me.id), wire.User(other)))
	a, b := me.id, other
	if me.friends[other] {
		delete(me.friends, other)
		delete(them.friends, me.id)
		return o.then(h, func(tx *store.Tx) error { return tx.RemoveFriendship(a, b) })
	}
	i := me.invIn[wire.User(other)]
	if i == nil {
		i = them.invIn[wire.User(me.id)]
	}
	if i == nil {
		return h.fail(s, "BYE", "not a friend and no pending friend request")
	}
	h.st.removeInvitation(i)
	id := i.id
	return o.then(h, func(tx *store.Tx) error { return tx.DeleteInvitation(id) })
}

// decline drops a pending invitation to place: one received from other
// (declined) or sent to it (withdrawn).
func (h *Hub) decline(s *Session, me *user, other int64, place wire.Addr) effect {
	them := h.st.users[other]
	if them == nil {
		return h.fail(s, "BYE", "no such user")
	}
	i := me.invIn[place]
	if i == nil || i.from != other {
		i = them.invIn[place]
		if i == nil || i.from != me.id {
			return h.fail(s, "BYE", "no pending invitation to that channel between you")
		}
	}
	h.st.removeInvitation(i)
	var o outbox
	o.users([]int64{me.id, other}, wire.Line("BYE", wire.User(me.id), wire.User(other), place))
	id := i.id
	return o.then(h, func(tx *store.Tx) error { return tx.DeleteInvitation(id) })
}

func (h *Hub) invite(s *Session, me *user, c wire.Command) effect {
	them := h.st.users[c.Addr.UserTag()]
	switch {
	case them == nil:
		return h.fail(s, "INV", "no such user")
	case them == me:
		return h.fail(s, "INV", "you cannot invite yourself")
	}
	place := wire.User(me.id)
	if c.HasPlace {
		place = c.Place
		_, ch, ok := h.member(me, place)
		switch {
		case !ok:
			return h.fail(s, "INV", "you are not a member of that channel")
		case ch.members[them.id]:
			return h.fail(s, "INV", "already a member")
		case h.st.servers[place.Server].bans[them.id] != nil:
			return h.fail(s, "INV", "that user is banned from this server")
		case h.full(ch) || (them.servers[place.Server] == nil && h.full(h.st.servers[place.Server].chans[0])):
			return h.fail(s, "INV", limitReason("that channel is full", h.opts.MembersPerChannel))
		}
	} else {
		switch {
		case them.bot:
			return h.fail(s, "INV", "a bot cannot be a friend")
		case me.friends[them.id]:
			return h.fail(s, "INV", "already friends")
		case me.invIn[wire.User(them.id)] != nil:
			return h.fail(s, "INV", "they already asked you: accept with JOIN 0 "+strconv.FormatInt(them.id, 10))
		}
	}
	if them.invIn[place] != nil {
		return h.fail(s, "INV", "already invited")
	}
	if them.bot {
		return h.inviteBot(me, them, place)
	}
	// Pending invitations are bounded at both ends: they are kept, and
	// listed in every login burst, until they are answered.
	if n := h.opts.InvitationsSent; len(me.invOut) >= n {
		return h.fail(s, "INV", limitReason("you have too many invitations waiting for an answer: withdraw some with BYE", n))
	}
	if n := h.opts.InvitationsReceived; len(them.invIn) >= n {
		return h.fail(s, "INV", limitReason("they have too many invitations waiting for their answer", n))
	}
	i := &invitation{id: h.st.nextInvite, from: me.id, to: them.id, place: place}
	h.st.nextInvite++
	h.st.addInvitation(i)
	var o outbox
	o.user(them.id, wire.Add(true, me.id, me.pseudo))
	o.user(me.id, wire.Add(them.online(), them.id, them.pseudo))
	o.user(them.id, h.invitationLine("INV", i, false))
	o.user(me.id, h.invitationLine("INV", i, true))
	row := i.row()
	return o.then(h, func(tx *store.Tx) error { return tx.AddInvitation(row) })
}

func (h *Hub) join(s *Session, me *user, a wire.Addr) effect {
	i := me.invIn[a]
	if i == nil {
		// A public channel of one's server needs no invitation.
		if srv := me.servers[a.Server]; srv != nil && !a.IsUser() {
			if ch := srv.chans[a.Channel]; ch != nil && ch.public && !ch.members[me.id] {
				return h.joinPublic(s, me, srv, ch)
			}
		}
		return h.fail(s, "JOIN", "no pending invitation")
	}
	if !a.IsUser() {
		srv, ch := h.st.channelOf(a)
		if srv == nil || ch == nil {
			return h.fail(s, "JOIN", "that channel no longer exists")
		}
		if srv.bans[me.id] != nil {
			return h.fail(s, "JOIN", "you are banned from this server")
		}
		if ch.members[me.id] {
			return h.fail(s, "JOIN", "already a member")
		}
		if h.full(ch) || (me.servers[srv.id] == nil && h.full(srv.chans[0])) {
			return h.fail(s, "JOIN", limitReason("that channel is full", h.opts.MembersPerChannel))
		}
	}
	h.st.removeInvitation(i)
	ids := []int64{i.id}
	var o outbox
	if a.IsUser() {
		them := h.st.users[i.from]
		me.friends[them.id], them.friends[me.id] = true, true
		o.users([]int64{them.id, me.id}, wire.Line("JOIN", wire.User(them.id), wire.User(me.id)))
		a, b := them.id, me.id
		return o.then(h, func(tx *store.Tx) error {
			if err := tx.DeleteInvitation(ids[0]); err != nil {
				return err
			}
			return tx.AddFriendship(a, b)
		})
	}
	adds := h.admit(&o, me, a)
	for _, si := range h.usedUp(me, a) {
		ids = append(ids, si)
	}
	return o.then(h, h.joining(me, ids, adds))
}

// joinPublic makes me a member of a public channel of its server.
func (h *Hub) joinPublic(s *Session, me *user, srv *server, ch *channel) effect {
	if h.full(ch) {
		return h.fail(s, "JOIN", limitReason("that channel is full", h.opts.MembersPerChannel))
	}
	var o outbox
	adds := h.admit(&o, me, wire.Addr{Server: srv.id, Channel: ch.tag})
	return o.then(h, h.joining(me, nil, adds))
}

// joining is the change of a join: the invitations it uses up, the
// memberships, and read markers at the newest message of each place
// joined, so that a newcomer's UNREAD counts only what came after it.
func (h *Hub) joining(me *user, invitations []int64, adds []wire.Addr) store.Change {
	type marker struct {
		conv store.Conversation
		id   int64
	}
	var markers []marker
	for _, p := range adds {
		conv := store.ChannelConversation(p.Server, p.Channel)
		if last := h.newest(me, conv); last > 0 {
			markers = append(markers, marker{conv, last})
			if me.markers != nil {
				me.markers[conv] = max(me.markers[conv], last)
			}
		}
	}
	uid := me.id
	return func(tx *store.Tx) error {
		for _, id := range invitations {
			if err := tx.DeleteInvitation(id); err != nil {
				return err
			}
		}
		for _, p := range adds {
			if err := tx.AddMember(p.Server, p.Channel, uid); err != nil {
				return err
			}
		}
		for _, m := range markers {
			if err := tx.SetReadMarker(uid, m.conv, m.id); err != nil {
				return err
			}
		}
		return nil
	}
}

// usedUp drops u's pending invitation to the server of a, which joining a
// channel of it has made pointless, and returns its id.
func (h *Hub) usedUp(u *user, a wire.Addr) []int64 {
	if si := u.invIn[wire.Addr{Server: a.Server}]; si != nil && a.Channel > 0 {
		h.st.removeInvitation(si)
		return []int64{si.id}
	}
	return nil
}

// admit makes u a member of a (joining its server first when needed),
// queues the lines of section 8, and returns the memberships to store.
func (h *Hub) admit(o *outbox, u *user, a wire.Addr) []wire.Addr {
	srv, ch := h.st.channelOf(a)
	var adds []wire.Addr
	if u.servers[srv.id] == nil {
		h.enter(o, u, srv, srv.chans[0])
		u.servers[srv.id] = srv
		adds = append(adds, wire.Addr{Server: srv.id})
	}
	if ch.tag > 0 {
		h.enter(o, u, srv, ch)
		adds = append(adds, a)
	}
	return adds
}

// enter adds me to ch and queues what section 8 says a join sends: ADD of
// the newcomer to the members and of every member to the newcomer, JOIN to
// all, then (for a server, TAG and) GRP to the newcomer.
func (h *Hub) enter(o *outbox, me *user, srv *server, ch *channel) {
	members := ch.memberList()
	o.users(members, wire.Add(me.online(), me.id, me.pseudo))
	for _, id := range members {
		m := h.st.users[id]
		o.user(me.id, wire.Add(m.online(), m.id, m.pseudo))
	}
	ch.add(me.id)
	o.users(ch.memberList(), wire.Line("JOIN", wire.Addr{Server: srv.id, Channel: ch.tag}, wire.User(me.id)))
	if ch.tag == 0 {
		o.user(me.id, tagLine(srv, ch))
	}
	for _, l := range groupLines(srv, ch) {
		o.user(me.id, l)
	}
	o.event(pluginhost.Event{Kind: "joined", User: pluginUser(me),
		Conversation: pluginhost.Conversation{Server: srv.id, Channel: ch.tag}})
}

// message handles MSG and REPLY from a session. When plugins hook this
// kind of message and the hooks have not run yet, the command is parked
// (see hooks.go) and comes back here with their verdict.
func (h *Hub) message(r *request, me *user) effect {
	s, a, text, verb := r.s, r.cmd.Addr, r.cmd.Text, r.cmd.Verb
	var reply int64
	if r.cmd.Op == wire.OpReply {
		info, why := h.messageFor(me, r.cmd.ID)
		if why != "" {
			return h.fail(s, verb, why)
		}
		a, reply = convAddr(conversationOf(&info.m), me.id), r.cmd.ID
	}
	if r.verdict == nil {
		if hooks := h.hooksFor(a, ""); len(hooks) > 0 {
			if _, why := h.checkPost(me, a); why != "" {
				return h.fail(s, verb, why)
			}
			return h.park(r, me, hooks, a)
		}
	} else {
		switch r.verdict.Action {
		case pluginhost.Reject:
			return h.fail(s, verb, r.verdict.Reason)
		case pluginhost.Replace:
			text = r.verdict.Text
		}
	}
	e, why := h.post(me, a, text, "", reply)
	if why != "" {
		return h.fail(s, verb, why)
	}
	return e
}

// checkPost says whether author may post to a, and who receives it.
func (h *Hub) checkPost(author *user, a wire.Addr) ([]int64, string) {
	if a.IsUser() {
		them := h.st.users[a.UserTag()]
		switch {
		case them == nil:
			return nil, "no such user"
		case them == author:
			return nil, "you cannot message yourself"
		case !author.friends[them.id] && !sharesServer(author, them):
			return nil, "you must be friends or share a server"
		}
		return []int64{author.id, them.id}, ""
	}
	_, ch, ok := h.member(author, a)
	if !ok {
		return nil, "you are not a member of that channel"
	}
	return ch.memberList(), ""
}

// post stores a message (a reply to message reply, if not 0) and delivers
// it once stored: MSG to the recipients, tagged for tags sessions, and a
// "message" event to the plugins whose bots are among them (but never to
// the plugin that posted it). The author's read marker moves to its own
// message. It returns the reason the message is refused, if it is.
func (h *Hub) post(author *user, a wire.Addr, text, byPlugin string, reply int64) (effect, string) {
	to, why := h.checkPost(author, a)
	if why != "" {
		return effect{}, why
	}
	conv := convOf(author.id, a)
	msg := store.Message{ID: h.st.nextMessage, AuthorID: author.id, Body: text, Kind: store.KindText,
		ReplyTo: reply, SentAt: time.Now().UnixNano(),
		ServerID: conv.ServerID, ChannelTag: conv.ChannelTag, PeerLow: conv.PeerLow, PeerHigh: conv.PeerHigh}
	h.st.nextMessage++
	h.fresh = append(h.fresh, msg)
	h.st.noteMessage(conv, msg.ID)
	line := wire.Msg(author.id, a, text)
	tagged := wire.Tagged(tagsOf(&msg), line)
	notify := h.botEvents(author, to, a, text, byPlugin)
	change := func(tx *store.Tx) error { return tx.AddMessage(msg) }
	if !author.bot {
		if author.markers != nil {
			author.markers[conv] = msg.ID
		}
		change = func(tx *store.Tx) error {
			if err := tx.AddMessage(msg); err != nil {
				return err
			}
			return tx.SetReadMarker(msg.AuthorID, conv, msg.ID)
		}
	}
	return effect{
		change: change,
		deliver: func() {
			h.sendMessage(to, line, tagged)
			notify()
		},
	}, ""
}

func sharesServer(a, b *user) bool {
	if len(a.servers) > len(b.servers) {
		a, b = b, a
	}
	for id := range a.servers {
		if b.servers[id] != nil {
			return true
		}
	}
	return false
}

func (h *Hub) password(s *Session, me *user, r *request) effect {
	if me.hash != r.verified {
		return h.fail(s, "PSW", "the password changed meanwhile: try again")
	}
	me.hash = r.hash
	uid, hash := me.id, r.hash
	reply, bye := wire.Line("PSW", r.cmd.NewSecret), wire.Line("BYE")
	return effect{
		change: func(tx *store.Tx) error { return tx.SetPassword(uid, hash) },
		deliver: func() {
			s.push(reply)
			if u := h.st.users[uid]; u != nil {
				for _, other := range u.sessions {
					if other != s {
						other.leaving = true
						other.push(bye)
						other.closeAfterFlush()
					}
				}
			}
		},
	}
}

func (h *Hub) pseudo(s *Session, me *user, r *request) effect {
	if me.hash != r.verified {
		return h.fail(s, "PSD", "the password changed meanwhile: try again")
	}
	name, key := r.cmd.Name, wire.FoldPseudo(r.cmd.Name)
	if other := h.st.byPseudo[key]; other != nil && other != me {
		return h.fail(s, "PSD", "pseudo already taken")
	}
	// The old key is freed only if it is me's: accounts that fold alike
	// (from before pseudos were folded as they are now) share one.
	if old := wire.FoldPseudo(me.pseudo); h.st.byPseudo[old] == me {
		delete(h.st.byPseudo, old)
	}
	h.st.byPseudo[key] = me
	me.pseudo = name
	var o outbox
	o.users(append([]int64{me.id}, h.st.onlineOthers(h.st.canSee(me), me.id)...), wire.Line("RENAME", name, wire.User(me.id)))
	uid := me.id
	return o.then(h, func(tx *store.Tx) error { return tx.SetPseudo(uid, name, key) })
}
