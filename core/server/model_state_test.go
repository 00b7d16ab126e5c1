package server_test

// The model of the model test (model_test.go): what the state of a server
// is after each command, as PROTOCOL.md sections 1 to 13 say, with the
// decisions of docs/protocol.md where the contract leaves room. It is a few
// plain maps and the contract's rules read off them, nothing more, so that
// it is obviously right; the driver (model_test.go) and the commands
// (model_commands_test.go) turn it into the lines each connection must
// receive.

import (
	"fmt"
	"slices"
	"strings"
)

// mUser is an account.
type mUser struct {
	tag      int64
	pseudo   string
	password string
	conns    []*mConn // its logged-in connections, in login order
}

func (u *mUser) online() bool { return len(u.conns) > 0 }

// mServer is a community; chans[0] is its general channel, whose members
// are the server's.
type mServer struct {
	tag      int64
	name     string
	owner    int64
	chans    map[int64]*mChan
	lastChan int64 // the highest channel tag the server gave in it
}

type mChan struct {
	tag     int64
	name    string // "general" for tag 0
	creator int64
	members map[int64]bool
}

// mPlace is what an invitation is for: a friendship (s == 0) or channel
// c of server s (c == 0: the server itself).
type mPlace struct{ s, c int64 }

func (p mPlace) friend() bool { return p.s == 0 }

// mInv is a pending invitation.
type mInv struct {
	from, to int64
	place    mPlace
}

// mConvKey names a conversation: channel c of server s, or (s == 0) the
// direct conversation of users lo < hi.
type mConvKey struct{ s, c, lo, hi int64 }

func chanConv(s, c int64) mConvKey { return mConvKey{s: s, c: c} }

func directConv(a, b int64) mConvKey {
	return mConvKey{lo: min(a, b), hi: max(a, b)}
}

// mConv is what a conversation holds: its messages, oldest first, and its
// files by name.
type mConv struct {
	entries []mEntry
	files   map[string][]byte
}

// mEntry is one message: a text, or a file (file set).
type mEntry struct {
	author int64
	text   string
	file   string
}

func (e mEntry) String() string {
	if e.file != "" {
		return fmt.Sprintf("%d * %s", e.author, e.file)
	}
	return fmt.Sprintf("%d > %q", e.author, e.text)
}

// mLimits are the instance's limits the model test sets (and so knows).
type mLimits struct {
	serversPerUser    int
	channelsPerUser   int
	membersPerChannel int
	maxFileBytes      int
}

type model struct {
	limits  mLimits
	users   map[int64]*mUser
	servers map[int64]*mServer
	friends map[[2]int64]bool // by (lower tag, higher tag)
	invs    []*mInv           // pending, oldest first
	convs   map[mConvKey]*mConv

	// The highest tags the server has given: tags are never reused
	// (PROTOCOL.md section 2), and docs/protocol.md says they come from
	// counters, so every new one is above them.
	lastUser, lastServer int64
}

func newModel(l mLimits) *model {
	return &model{
		limits:  l,
		users:   map[int64]*mUser{},
		servers: map[int64]*mServer{},
		friends: map[[2]int64]bool{},
		convs:   map[mConvKey]*mConv{},
	}
}

func pair(a, b int64) [2]int64 { return [2]int64{min(a, b), max(a, b)} }

// userTags returns the tags of every account, in increasing order.
func (m *model) userTags() []int64 { return sortedSet(m.users) }

// byPseudo finds an account by pseudo, without regard to case (section 3).
func (m *model) byPseudo(pseudo string) *mUser {
	for _, u := range m.users {
		if samePseudo(u.pseudo, pseudo) {
			return u
		}
	}
	return nil
}

// samePseudo compares pseudos as the instance does, without regard to case.
// The test's pseudos are such that simple case folding is the only folding
// there is to do.
func samePseudo(a, b string) bool { return strings.EqualFold(a, b) }

func (m *model) areFriends(a, b int64) bool { return m.friends[pair(a, b)] }

func (m *model) inServer(u, s int64) bool {
	srv := m.servers[s]
	return srv != nil && srv.chans[0].members[u]
}

// channel returns channel c of server s, or nil.
func (m *model) channel(s, c int64) *mChan {
	if srv := m.servers[s]; srv != nil {
		return srv.chans[c]
	}
	return nil
}

// member reports whether u belongs to channel c of s (c == 0: the server).
func (m *model) member(u, s, c int64) bool {
	ch := m.channel(s, c)
	return ch != nil && m.inServer(u, s) && ch.members[u]
}

func (m *model) sharesServer(a, b int64) bool {
	for s := range m.servers {
		if m.inServer(a, s) && m.inServer(b, s) {
			return true
		}
	}
	return false
}

// moderates: the owner moderates its server and every channel of it; a
// channel's creator moderates that channel (section 7). The server answers
// a user who is no longer in the server as it answers any stranger to it.
func (m *model) moderates(u, s, c int64) bool {
	srv := m.servers[s]
	if srv == nil || !m.inServer(u, s) {
		return false
	}
	ch := srv.chans[c]
	return ch != nil && (srv.owner == u || (c > 0 && ch.creator == u))
}

func (m *model) ownedServers(u int64) int {
	n := 0
	for _, srv := range m.servers {
		if srv.owner == u {
			n++
		}
	}
	return n
}

func (m *model) createdChannels(u int64) int {
	n := 0
	for _, srv := range m.servers {
		for tag, ch := range srv.chans {
			if tag > 0 && ch.creator == u {
				n++
			}
		}
	}
	return n
}

func (m *model) full(s, c int64) bool {
	ch := m.channel(s, c)
	return ch != nil && len(ch.members) >= m.limits.membersPerChannel
}

// invitation returns the pending invitation of to to place, from anyone
// (a friend request: place is the sender, mPlace{0, from}).
func (m *model) invitation(to int64, place mPlace) *mInv {
	for _, i := range m.invs {
		if i.to == to && i.place == place {
			return i
		}
	}
	return nil
}

// friendRequest returns the pending friend request from a to b, or nil.
func (m *model) friendRequest(a, b int64) *mInv {
	return m.invitation(b, mPlace{0, a})
}

func (m *model) dropInvitation(i *mInv) {
	m.invs = slices.DeleteFunc(m.invs, func(x *mInv) bool { return x == i })
}

// dropInvitations drops the pending invitations to server s's places for
// which keep is false.
func (m *model) dropInvitations(s int64, drop func(c int64) bool) {
	m.invs = slices.DeleteFunc(m.invs, func(i *mInv) bool { return i.place.s == s && drop(i.place.c) })
}

// canSee is the set of section 5: the user itself, its friends, every
// member of every server it belongs to, and the other party of every
// pending invitation. Seeing is mutual.
func (m *model) canSee(u int64) map[int64]bool {
	seen := map[int64]bool{u: true}
	for p := range m.friends {
		if p[0] == u {
			seen[p[1]] = true
		}
		if p[1] == u {
			seen[p[0]] = true
		}
	}
	for s, srv := range m.servers {
		if m.inServer(u, s) {
			for id := range srv.chans[0].members {
				seen[id] = true
			}
		}
	}
	for _, i := range m.invs {
		if i.from == u {
			seen[i.to] = true
		}
		if i.to == u {
			seen[i.from] = true
		}
	}
	return seen
}

// watchers are the online users other than u who can see u: those told
// when u comes online, goes offline or changes its pseudo.
func (m *model) watchers(u int64) []int64 {
	var out []int64
	for _, id := range sortedSet(m.canSee(u)) {
		if id != u && m.users[id].online() {
			out = append(out, id)
		}
	}
	return out
}

// conv returns the conversation k, creating it empty.
func (m *model) conv(k mConvKey) *mConv {
	c := m.convs[k]
	if c == nil {
		c = &mConv{files: map[string][]byte{}}
		m.convs[k] = c
	}
	return c
}

// dropConvs forgets the conversations of server s's channels for which
// drop is true: deleting removes history and files for good (section 7).
func (m *model) dropConvs(s int64, drop func(c int64) bool) {
	for k := range m.convs {
		if k.s == s && drop(k.c) {
			delete(m.convs, k)
		}
	}
}

// add is "ADD ON|OFF 0 tag pseudo" for user id as it is now.
func (m *model) add(id int64) string {
	u := m.users[id]
	state := "OFF"
	if u.online() {
		state = "ON"
	}
	return fmt.Sprintf("ADD %s 0 %d %s", state, id, u.pseudo)
}

// group is "head 0 u1 0 u2 ..." with the members in increasing order (the
// test's lists are short: one line).
func group(head string, members map[int64]bool) string {
	var b strings.Builder
	b.WriteString(head)
	for _, id := range sortedSet(members) {
		fmt.Fprintf(&b, " 0 %d", id)
	}
	return b.String()
}

// grp is the GRP line of channel c of server s.
func (m *model) grp(s, c int64) string {
	srv := m.servers[s]
	return group(fmt.Sprintf("GRP %d %d %s %s", s, c, srv.name, srv.chans[c].name), srv.chans[c].members)
}

// tagLine is "TAG S C name": the server's name for the general channel.
func (m *model) tagLine(s, c int64) string {
	srv := m.servers[s]
	if c == 0 {
		return fmt.Sprintf("TAG %d 0 %s", s, srv.name)
	}
	return fmt.Sprintf("TAG %d %d %s", s, c, srv.chans[c].name)
}

// placeNames is " S C server_name chan_name" for a channel invitation, ""
// for a friend request.
func (m *model) placeNames(p mPlace) string {
	if p.friend() {
		return ""
	}
	srv := m.servers[p.s]
	return fmt.Sprintf(" %d %d %s %s", p.s, p.c, srv.name, srv.chans[p.c].name)
}

// burst is the login burst of user u (section 5), in the order
// docs/protocol.md gives: ADD lines by increasing tag after one's own,
// servers and channels by increasing tag, invitations oldest first. u's
// new session is counted as online.
func (m *model) burst(u int64) []string {
	me := m.users[u]
	lines := []string{fmt.Sprintf("TAG 0 %d", u), fmt.Sprintf("ADD ON 0 %d %s", u, me.pseudo)}
	for _, id := range sortedSet(m.canSee(u)) {
		if id != u {
			lines = append(lines, m.add(id))
		}
	}
	friends := map[int64]bool{}
	for p := range m.friends {
		if p[0] == u {
			friends[p[1]] = true
		}
		if p[1] == u {
			friends[p[0]] = true
		}
	}
	lines = append(lines, group(fmt.Sprintf("GRP 0 %d", u), friends))
	for _, s := range sortedSet(m.servers) {
		if !m.inServer(u, s) {
			continue
		}
		srv := m.servers[s]
		for _, c := range sortedSet(srv.chans) {
			if srv.chans[c].members[u] {
				lines = append(lines, m.tagLine(s, c), m.grp(s, c))
			}
		}
	}
	for _, i := range m.invs {
		if i.to == u {
			lines = append(lines, fmt.Sprintf("SENT 0 %d%s", i.from, m.placeNames(i.place)))
		}
	}
	for _, i := range m.invs {
		if i.from == u {
			lines = append(lines, fmt.Sprintf("INV 0 %d 0 %d%s", u, i.to, m.placeNames(i.place)))
		}
	}
	return lines
}

func sortedSet[V any](set map[int64]V) []int64 {
	keys := make([]int64, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// summary counts what the model holds, for the log of a run.
func (m *model) summary() string {
	chans, members, msgs, files := 0, 0, 0, 0
	for _, srv := range m.servers {
		chans += len(srv.chans) - 1
		for _, ch := range srv.chans {
			members += len(ch.members)
		}
	}
	for _, c := range m.convs {
		msgs += len(c.entries)
		files += len(c.files)
	}
	return fmt.Sprintf("%d users, %d servers, %d other channels, %d memberships, %d friendships, %d pending invitations, %d messages, %d files",
		len(m.users), len(m.servers), chans, members, len(m.friends), len(m.invs), msgs, files)
}
