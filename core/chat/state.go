package chat

import (
	"slices"

	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// The in-memory state, owned by the hub's loop goroutine: nothing else reads
// or writes it. It mirrors the database (loaded at start, changed in step
// with every committed change) so that checks and fan-out never query.

type user struct {
	id       int64
	pseudo   string
	hash     string
	bot      bool
	botOwner string // the plugin a bot belongs to
	away     string // the user's away note, "" while present

	// directs holds the newest message of each of the user's direct
	// conversations, by the other party: the login burst's UNREAD lines
	// cover the conversations a user never opened.
	directs map[int64]int64
	// markers are the user's read markers, loaded from the database at
	// its first login and kept while it is online (nil otherwise).
	markers map[store.Conversation]int64

	friends map[int64]bool
	servers map[int64]*server
	invIn   map[wire.Addr]*invitation // received, by place (friend requests: 0 from)
	invOut  map[*invitation]bool      // sent

	logins   int        // logged-in sessions, counted when their login is handled
	sessions []*Session // the sessions lines are delivered to, attached in delivery order
}

func (u *user) online() bool { return u.logins > 0 }

type server struct {
	id       int64
	name     string
	owner    int64
	nextChan int64
	chans    map[int64]*channel // 0 is the general channel: its members are the server's
	mods     map[int64]bool     // the server moderators the owner named
	bans     map[int64]*ban     // by user
}

// ban keeps a user out of a server.
type ban struct {
	reason string
	by     int64
	at     int64 // unix ns
}

// moderator reports whether u moderates the whole server: its owner or a
// server moderator.
func (srv *server) moderator(uid int64) bool { return srv.owner == uid || srv.mods[uid] }

type channel struct {
	tag     int64
	name    string
	creator int64
	members map[int64]bool
	list    []int64        // sorted members, rebuilt when nil: a built list is never changed, so it may be captured
	mods    map[int64]bool // the channel moderators named by its moderators
	topic   string
	topicBy int64
	public  bool  // any member of the server may join it
	last    int64 // the newest message's id, 0 if none
}

func newChannel(tag int64, name string, creator int64) *channel {
	return &channel{tag: tag, name: name, creator: creator, members: map[int64]bool{}, mods: map[int64]bool{}}
}

// memberList returns the sorted members; callers must not modify it.
func (c *channel) memberList() []int64 {
	if c.list == nil {
		c.list = sortedKeys(c.members)
	}
	return c.list
}

func (c *channel) add(uid int64)    { c.members[uid] = true; c.list = nil }
func (c *channel) remove(uid int64) { delete(c.members, uid); delete(c.mods, uid); c.list = nil }

// invitation is a pending friend request (place 0 from) or an invitation to
// a server or channel.
type invitation struct {
	id       int64
	from, to int64
	place    wire.Addr
}

func (i *invitation) friendRequest() bool { return i.place.IsUser() }

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// state is everything the hub knows.
type state struct {
	users       map[int64]*user
	byPseudo    map[string]*user // by wire.FoldPseudo
	servers     map[int64]*server
	nextUser    int64
	nextServer  int64
	nextInvite  int64
	nextMessage int64 // message IDs are given here so that a history can be bounded to the moment it was asked for

	files map[store.Conversation]map[string]*fileEntry // by conversation, then name
	// fileKeys holds the files.Key of every name in files: the names of a
	// conversation are unique by it. GET looks a file up by its exact name
	// in files; only a new name is checked here. A database written before
	// names were folded may hold two names with one key: the set holds it
	// once and both files stay reachable by their names.
	fileKeys map[store.Conversation]map[string]bool
}

// fileEntry is an uploaded file: its blob and size.
type fileEntry struct {
	blob string
	size int64
}

func newState(snap *store.Snapshot) *state {
	st := &state{
		users:       map[int64]*user{},
		byPseudo:    map[string]*user{},
		servers:     map[int64]*server{},
		nextUser:    max(snap.Counters["user"], 1),
		nextServer:  max(snap.Counters["server"], 1),
		nextInvite:  1,
		nextMessage: snap.LastMessage + 1,
		files:       map[store.Conversation]map[string]*fileEntry{},
		fileKeys:    map[store.Conversation]map[string]bool{},
	}
	for _, f := range snap.Files {
		st.addFile(f.Conversation(), f.Name, &fileEntry{blob: f.ID, size: f.Size})
	}
	for _, u := range snap.Users {
		st.addUser(&user{id: u.ID, pseudo: u.Pseudo, hash: u.PassHash, bot: u.Bot, botOwner: u.BotOwner, away: u.Away})
		st.nextUser = max(st.nextUser, u.ID+1)
	}
	for _, s := range snap.Servers {
		st.servers[s.ID] = &server{id: s.ID, name: s.Name, owner: s.OwnerID, nextChan: s.NextChannel,
			chans: map[int64]*channel{}, mods: map[int64]bool{}, bans: map[int64]*ban{}}
		st.nextServer = max(st.nextServer, s.ID+1)
	}
	for _, c := range snap.Channels {
		if srv := st.servers[c.ServerID]; srv != nil {
			ch := newChannel(c.Tag, c.Name, c.CreatorID)
			ch.topic, ch.topicBy, ch.public = c.Topic, c.TopicBy, c.Public
			srv.chans[c.Tag] = ch
		}
	}
	for _, m := range snap.Members {
		srv, u := st.servers[m.ServerID], st.users[m.UserID]
		if srv == nil || u == nil || srv.chans[m.ChannelTag] == nil {
			continue
		}
		srv.chans[m.ChannelTag].add(u.id)
		if m.ChannelTag == 0 {
			u.servers[srv.id] = srv
		}
	}
	for _, m := range snap.Moderators {
		srv := st.servers[m.ServerID]
		if srv == nil || st.users[m.UserID] == nil {
			continue
		}
		if m.ChannelTag == 0 {
			srv.mods[m.UserID] = true
		} else if ch := srv.chans[m.ChannelTag]; ch != nil && ch.members[m.UserID] {
			ch.mods[m.UserID] = true
		}
	}
	for _, b := range snap.Bans {
		if srv := st.servers[b.ServerID]; srv != nil {
			srv.bans[b.UserID] = &ban{reason: b.Reason, by: b.ByID, at: b.At}
		}
	}
	for c, id := range snap.LastMessages {
		st.noteMessage(c, id)
	}
	for _, f := range snap.Friendships {
		a, b := st.users[f.UserA], st.users[f.UserB]
		if a != nil && b != nil {
			a.friends[b.id], b.friends[a.id] = true, true
		}
	}
	for _, i := range snap.Invitations {
		place := wire.Addr{Server: i.ServerID, Channel: i.ChannelTag}
		if i.ServerID == 0 {
			place = wire.User(i.FromID)
		}
		st.addInvitation(&invitation{id: i.ID, from: i.FromID, to: i.ToID, place: place})
		st.nextInvite = max(st.nextInvite, i.ID+1)
	}
	return st
}

func (st *state) addUser(u *user) {
	u.directs = map[int64]int64{}
	u.friends = map[int64]bool{}
	u.servers = map[int64]*server{}
	u.invIn = map[wire.Addr]*invitation{}
	u.invOut = map[*invitation]bool{}
	st.users[u.id] = u
	st.byPseudo[wire.FoldPseudo(u.pseudo)] = u
}

func (st *state) addInvitation(i *invitation) {
	from, to := st.users[i.from], st.users[i.to]
	if from == nil || to == nil {
		return
	}
	to.invIn[i.place] = i
	from.invOut[i] = true
}

func (st *state) removeInvitation(i *invitation) {
	if to := st.users[i.to]; to != nil && to.invIn[i.place] == i {
		delete(to.invIn, i.place)
	}
	if from := st.users[i.from]; from != nil {
		delete(from.invOut, i)
	}
}

// channelOf returns channel a (a server address gives its general channel).
func (st *state) channelOf(a wire.Addr) (*server, *channel) {
	srv := st.servers[a.Server]
	if srv == nil {
		return nil, nil
	}
	return srv, srv.chans[a.Channel]
}

// canSee returns the users u can see (and who can see u): itself, its
// friends, the members of its servers, and the other parties of its pending
// invitations.
func (st *state) canSee(u *user) map[int64]bool {
	seen := map[int64]bool{u.id: true}
	for f := range u.friends {
		seen[f] = true
	}
	for _, srv := range u.servers {
		for m := range srv.chans[0].members {
			seen[m] = true
		}
	}
	for _, i := range u.invIn {
		seen[i.from] = true
	}
	for i := range u.invOut {
		seen[i.to] = true
	}
	return seen
}

// onlineOthers returns the online users of set other than u, sorted.
func (st *state) onlineOthers(set map[int64]bool, u int64) []int64 {
	out := make([]int64, 0, len(set))
	for id := range set {
		if v := st.users[id]; id != u && v != nil && v.online() {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// removeChannelInvitations drops the pending invitations to a channel (or
// to every channel of a server when all is true).
func (st *state) removePlaceInvitations(srvID, tag int64, all bool) {
	for _, u := range st.users {
		for place, i := range u.invIn {
			if place.Server == srvID && (all || place.Channel == tag) {
				st.removeInvitation(i)
			}
		}
	}
}

func (st *state) addFile(c store.Conversation, name string, f *fileEntry) {
	names := st.files[c]
	if names == nil {
		names = map[string]*fileEntry{}
		st.files[c] = names
	}
	names[name] = f
	keys := st.fileKeys[c]
	if keys == nil {
		keys = map[string]bool{}
		st.fileKeys[c] = keys
	}
	keys[files.Key(name)] = true
}

// dropFiles forgets the files of the channels of server srvID (one channel,
// or all of them when all is true) and returns their blobs.
func (st *state) dropFiles(srvID, tag int64, all bool) []string {
	var blobs []string
	for c, names := range st.files {
		if c.ServerID != srvID || (!all && c.ChannelTag != tag) {
			continue
		}
		for _, f := range names {
			blobs = append(blobs, f.blob)
		}
		delete(st.files, c)
		delete(st.fileKeys, c)
	}
	return blobs
}

// inviteRow is the database form of an invitation.
func (i *invitation) row() store.Invitation {
	r := store.Invitation{ID: i.id, FromID: i.from, ToID: i.to}
	if !i.friendRequest() {
		r.ServerID, r.ChannelTag = i.place.Server, i.place.Channel
	}
	return r
}

// noteMessage records id as the newest message of conversation c.
func (st *state) noteMessage(c store.Conversation, id int64) {
	if c.ServerID != 0 {
		if srv := st.servers[c.ServerID]; srv != nil {
			if ch := srv.chans[c.ChannelTag]; ch != nil {
				ch.last = max(ch.last, id)
			}
		}
		return
	}
	a, b := st.users[c.PeerLow], st.users[c.PeerHigh]
	if a == nil || b == nil {
		return
	}
	a.directs[b.id] = max(a.directs[b.id], id)
	b.directs[a.id] = max(b.directs[a.id], id)
}
