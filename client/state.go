package client

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/wire"
)

// State is what a user knows of their world, kept up to date by Apply:
// users and their presence, friends, servers, channels and members,
// pending invitations, and conversations with their messages and unread
// counts. It is not safe for concurrent use: one goroutine (a UI's event
// loop) applies events and reads it.
type State struct {
	Me      int64
	Users   map[int64]*User
	Friends map[int64]bool
	Servers map[int64]*Server
	Invites []Invitation
	Convs   map[wire.Addr]*Conversation
	// Active is the conversation on screen: its messages are read as they
	// arrive, so they do not count as unread. The zero Addr is Home.
	Active wire.Addr
	// Tags says the connection has message ids (CAP tags): histories come
	// in pages, and unread counts come from the server's read markers.
	Tags bool
	// Search is the latest search asked for, with its results.
	Search *Search
	// Calls are the calls going on in the user's conversations, by
	// conversation; only those with someone in them.
	Calls map[wire.Addr]*Roster
	// bursting is true from a login to the end of its burst, which
	// restates calls that are not news.
	bursting bool

	listing map[int64][]ChannelInfo // LIST answers being received, by server
	banning map[int64]map[int64]Ban // BAN lines since the last BANS end, by server

	lastGame  map[string]wire.Addr  // where each game was last played from
	announced map[[3]wire.Addr]bool // invitations already noted (from, to, place), across logins
	now       func() time.Time

	asked map[[2]wire.Addr]wire.Addr // where each invitation sent was typed, by (to, place)
}

// Home is the address of the conversation that collects notices: the zero
// Addr, which names no channel or user.
var Home = wire.Addr{}

// User is someone this user can see.
type User struct {
	Tag    int64
	Pseudo string
	Online bool
	Away   string // the away note, "" when here
}

// Server is a server (community) this user belongs to.
type Server struct {
	Tag      int64
	Name     string
	Channels map[int64]*Channel // 0 is the general channel, whose members are the server's
	Owner    int64
	Mods     map[int64]bool // server moderators: of every channel
	Listed   []ChannelInfo  // the latest LIST answer
	Bans     []Ban          // the latest BANS answer
}

// Channel is a channel this user belongs to.
type Channel struct {
	Addr    wire.Addr
	Name    string
	Members map[int64]bool
	Mods    map[int64]bool // channel moderators
	Topic   string
	Public  bool
}

// Invitation is a pending invitation, sent or received: From invited To
// as a friend (Place is the zero Addr) or to Place.
type Invitation struct {
	From, To    int64
	Place       wire.Addr
	ServerName  string
	ChannelName string
}

// Conversation is a channel, a direct conversation ({0, other}) or Home.
type Conversation struct {
	Addr     wire.Addr
	Items    []Item
	Unread   int // messages that arrived while another conversation was on screen
	Mentions int // of which mention this user (every direct message counts)
	Loaded   bool
	Loading  bool
	mark     int // len(Items) when the history was asked for

	// With tags: the read marker, the newest message id known, whether
	// the oldest message is loaded, whether an older page is on its way,
	// and who is typing (since when).
	Read     int64
	Newest   int64
	Complete bool
	Paging   bool
	Typing   map[int64]time.Time
}

// ItemKind says what an Item is.
type ItemKind int

const (
	Said   ItemKind = iota // a text message
	Shared                 // a file
	Played                 // a game's line
	Notice                 // something the client says (joins, errors, help)
)

// Item is one line of a conversation.
type Item struct {
	Kind    ItemKind
	Author  int64
	Time    time.Time
	Text    string // Said and Notice: the text; Played: the payload
	File    string // Shared
	Game    string // Played
	Shown   string // Played: the payload as a UI words it for people ("": as it came)
	Mention bool   // mentions this user
	Error   bool   // a Notice, or a game's line, that reports a failure
	live    bool   // arrived on the connection rather than in a history

	// With tags.
	ID        int64
	Reply     int64     // the id it answers
	Edited    time.Time // zero: never edited
	Deleted   bool      // deleted while on screen
	Reactions []Reactions

	// Shared files, once described by a Preview.
	Size          int64
	Format        string
	Width, Height int
}

// NewState returns an empty State.
func NewState() *State {
	s := &State{now: time.Now, lastGame: map[string]wire.Addr{}, announced: map[[3]wire.Addr]bool{},
		Convs: map[wire.Addr]*Conversation{}, listing: map[int64][]ChannelInfo{}, banning: map[int64]map[int64]Ban{}}
	s.reset()
	return s
}

// reset forgets everything a login burst restates. Conversations stay,
// for their messages, but their histories must be fetched again: messages
// may have been missed while disconnected.
func (s *State) reset() {
	s.Users = map[int64]*User{}
	s.Friends = map[int64]bool{}
	s.Servers = map[int64]*Server{}
	s.Invites = nil
	s.Calls = map[wire.Addr]*Roster{}
	s.bursting = true
	for _, c := range s.Convs {
		c.Loaded, c.Loading = false, false
		if s.Tags {
			s.forgetPages(c)
		}
	}
}

// Apply updates the state with one event.
func (s *State) Apply(e Event) {
	if s.applyExt(e) {
		return
	}
	switch e := e.(type) {
	case LoggedIn:
		s.Me = e.Me
		s.reset()
	case Presence:
		s.user(e.User).Pseudo, s.user(e.User).Online = e.Pseudo, e.Online
	case Tag:
		if e.Addr.IsUser() {
			s.Me = e.Addr.UserTag()
		} else if e.Addr.IsServer() {
			s.server(e.Addr.Server).Name = e.Name
		} else {
			s.channel(e.Addr).Name = e.Name
		}
	case Members:
		s.members(e)
	case Invite:
		s.invite(e)
	case Join:
		s.join(e)
	case Bye:
		s.bye(e)
	case Delete:
		s.delete(e.Addr)
	case Rename:
		s.rename(e)
	case Message:
		s.message(e)
	case FileSent:
		s.fileSent(e)
	case Game:
		s.addItem(s.GameConversation(e), Item{Kind: Played, Game: e.ID, Text: e.Payload, live: true}, false)
	case Preview:
		s.preview(e)
	case HistoryLoaded:
		s.historyLoaded(e)
	case DownloadFailed:
		if e.Name == historyName {
			if c := s.Convs[e.Addr]; c != nil {
				c.Loading = false
			}
		}
	}
}

func (s *State) user(tag int64) *User {
	u := s.Users[tag]
	if u == nil {
		u = &User{Tag: tag}
		s.Users[tag] = u
	}
	return u
}

func (s *State) server(tag int64) *Server {
	sv := s.Servers[tag]
	if sv == nil {
		sv = &Server{Tag: tag, Channels: map[int64]*Channel{}, Mods: map[int64]bool{}}
		s.Servers[tag] = sv
	}
	if sv.Channels[0] == nil {
		sv.Channels[0] = &Channel{Addr: wire.Addr{Server: tag}, Name: wire.GeneralName, Members: map[int64]bool{}, Mods: map[int64]bool{}}
	}
	return sv
}

func (s *State) channel(a wire.Addr) *Channel {
	sv := s.server(a.Server)
	ch := sv.Channels[a.Channel]
	if ch == nil {
		ch = &Channel{Addr: a, Members: map[int64]bool{}, Mods: map[int64]bool{}}
		sv.Channels[a.Channel] = ch
	}
	return ch
}

// Channel returns the channel at a, or nil.
func (s *State) Channel(a wire.Addr) *Channel {
	if sv := s.Servers[a.Server]; sv != nil && !a.IsUser() {
		return sv.Channels[a.Channel]
	}
	return nil
}

func (s *State) conv(a wire.Addr) *Conversation {
	c := s.Convs[a]
	if c == nil {
		c = &Conversation{Addr: a}
		s.Convs[a] = c
	}
	return c
}

func (s *State) members(m Members) {
	if m.Addr.IsUser() {
		for _, u := range m.Users {
			s.Friends[u] = true
		}
		return
	}
	s.server(m.Addr.Server).Name = m.ServerName
	ch := s.channel(m.Addr)
	ch.Name = m.ChannelName
	for _, u := range m.Users {
		ch.Members[u] = true
	}
}

func (s *State) invite(i Invite) {
	inv := Invitation{From: i.From, To: i.To, Place: i.Place, ServerName: i.ServerName, ChannelName: i.ChannelName}
	if inv.To == 0 {
		inv.To = s.Me
	}
	for _, old := range s.Invites {
		if old.From == inv.From && old.To == inv.To && old.Place == inv.Place {
			return
		}
	}
	s.Invites = append(s.Invites, inv)
	// A login burst restates pending invitations: each is noted once.
	key := [3]wire.Addr{wire.User(inv.From), wire.User(inv.To), inv.Place}
	if s.announced[key] {
		return
	}
	s.announced[key] = true
	args := InvitationArgs(inv, s.Pseudo(inv.From))
	switch {
	case inv.To != s.Me && inv.Place.IsUser():
		s.Note(s.answered(inv.To, inv.Place), "you asked "+s.Pseudo(inv.To)+" to be your friend")
	case inv.To != s.Me:
		s.Note(s.answered(inv.To, inv.Place), "you invited "+s.Pseudo(inv.To)+" to "+inv.Name())
	case inv.Place.IsUser():
		s.Note(Home, s.Pseudo(inv.From)+" wants to be your friend: /accept "+args+" or /decline "+args)
	default:
		s.Note(Home, s.Pseudo(inv.From)+" invites you to "+inv.Name()+": /accept "+args+" or /decline "+args)
	}
}

// dropInvites removes the invitations keep rejects.
func (s *State) dropInvites(drop func(Invitation) bool) {
	s.Invites = slices.DeleteFunc(s.Invites, drop)
}

func (s *State) join(j Join) {
	if j.Addr.IsUser() {
		// JOIN 0 src 0 dest: dest accepted src's friend request.
		src, dest := j.Addr.UserTag(), j.User
		other := src
		if src == s.Me {
			other = dest
		}
		s.Friends[other] = true
		s.dropInvites(func(i Invitation) bool {
			return i.Place.IsUser() && ((i.From == src && i.To == dest) || (i.From == dest && i.To == src))
		})
		s.Note(Home, "you and "+s.Pseudo(other)+" are now friends")
		return
	}
	s.channel(j.Addr).Members[j.User] = true
	s.dropInvites(func(i Invitation) bool {
		// Joining a channel of a server uses up an invitation to the server.
		return i.To == j.User && (i.Place == j.Addr || (j.Addr.IsServer() && i.Place.Server == j.Addr.Server && i.Place.IsServer()))
	})
	s.noteIfOpen(j.Addr, s.Pseudo(j.User)+" joined")
}

func (s *State) bye(b Bye) {
	switch {
	case b.User == 0:
	case !b.HasAddr:
		s.user(b.User).Online = false
	case b.Addr.IsUser():
		// BYE 0 u 0 v: the friendship, or a friend request, ended.
		u, v := b.User, b.Addr.UserTag()
		other := u
		if u == s.Me {
			other = v
		}
		delete(s.Friends, other)
		s.dropInvites(func(i Invitation) bool {
			return i.Place.IsUser() && ((i.From == u && i.To == v) || (i.From == v && i.To == u))
		})
	case b.User == s.Me:
		s.removePlace(b.Addr)
	default:
		sv := s.Servers[b.Addr.Server]
		if sv == nil {
			return
		}
		for tag, ch := range sv.Channels {
			if tag == b.Addr.Channel || b.Addr.IsServer() {
				delete(ch.Members, b.User)
			}
		}
		s.noteIfOpen(b.Addr, s.Pseudo(b.User)+" left")
	}
}

// removePlace forgets a channel, or a whole server, with its
// conversations and invitations.
func (s *State) removePlace(a wire.Addr) {
	sv := s.Servers[a.Server]
	s.forgetCalls(a)
	if a.IsServer() {
		delete(s.Servers, a.Server)
		for c := range s.Convs {
			if c.Server == a.Server {
				delete(s.Convs, c)
			}
		}
	} else {
		if sv != nil {
			delete(sv.Channels, a.Channel)
		}
		delete(s.Convs, a)
	}
	if s.Active != Home && s.Convs[s.Active] == nil && !s.Active.IsUser() {
		s.Active = Home
	}
}

func (s *State) delete(a wire.Addr) {
	name := s.ConversationName(a)
	if sv := s.Servers[a.Server]; sv != nil && a.IsServer() {
		name = sv.Name
	}
	s.removePlace(a)
	s.dropInvites(func(i Invitation) bool {
		return i.Place == a || (a.IsServer() && i.Place.Server == a.Server && !i.Place.IsUser())
	})
	s.Note(Home, name+" was deleted")
}

func (s *State) rename(r Rename) {
	switch {
	case r.Addr.IsUser():
		u := s.user(r.Addr.UserTag())
		old := u.Pseudo
		u.Pseudo = r.Name
		if old != "" && old != r.Name {
			s.Note(Home, old+" is now "+r.Name)
			s.noteShared(u.Tag, old+" is now "+r.Name)
		}
		return
	case r.Addr.IsServer():
		if sv := s.Servers[r.Addr.Server]; sv != nil {
			sv.Name = r.Name
		}
	default:
		if ch := s.Channel(r.Addr); ch != nil {
			ch.Name = r.Name
		}
	}
	for i := range s.Invites {
		inv := &s.Invites[i]
		if inv.Place.Server == r.Addr.Server && !inv.Place.IsUser() {
			if r.Addr.IsServer() {
				inv.ServerName = r.Name
			} else if inv.Place == r.Addr {
				inv.ChannelName = r.Name
			}
		}
	}
	s.noteIfOpen(r.Addr, "renamed to "+r.Name)
}

// direct returns the conversation a direct line between from and to
// (this user being one of them) belongs to: the other party's.
func (s *State) direct(from, to int64) wire.Addr {
	if from == s.Me {
		return wire.User(to)
	}
	return wire.User(from)
}

// ConversationOf returns the conversation a Message, FileSent or Game
// belongs to.
func (s *State) ConversationOf(e Event) (wire.Addr, bool) {
	switch e := e.(type) {
	case Message:
		if e.To.IsUser() {
			return s.direct(e.From, e.To.UserTag()), true
		}
		return e.To, true
	case FileSent:
		switch {
		case e.To == (wire.Addr{}):
			return wire.User(e.From), true // sent to me directly
		case e.To.IsUser():
			return s.direct(e.From, e.To.UserTag()), true
		}
		return e.To, true
	case Game:
		return s.GameConversation(e), true
	}
	return wire.Addr{}, false
}

func (s *State) message(m Message) {
	a, _ := s.ConversationOf(m)
	if m.Tags.ID != 0 {
		s.tagged(a, m.Tags, m.Source, Item{Kind: Said, Author: m.From, Text: m.Text})
		return
	}
	mine := m.From == s.Me
	mention := !mine && Mentions(m.Text, s.Pseudo(s.Me))
	s.addItem(a, Item{Kind: Said, Author: m.From, Text: m.Text, Mention: mention, live: true},
		!mine && (mention || a.IsUser()))
}

func (s *State) fileSent(f FileSent) {
	a, _ := s.ConversationOf(f)
	if f.Tags.ID != 0 {
		s.tagged(a, f.Tags, f.Source, Item{Kind: Shared, Author: f.From, File: f.Name})
		return
	}
	s.addItem(a, Item{Kind: Shared, Author: f.From, File: f.Name, live: true}, f.From != s.Me && a.IsUser())
}

// addItem appends to a conversation, counting it unread when it is not on
// screen; own messages never count.
func (s *State) addItem(a wire.Addr, it Item, mention bool) {
	if it.Time.IsZero() {
		it.Time = s.now()
	}
	c := s.conv(a)
	c.Items = append(c.Items, it)
	if a != s.Active && (it.Kind != Said && it.Kind != Shared || it.Author != s.Me) {
		c.Unread++
		if mention {
			c.Mentions++
		}
	}
}

// Note adds a notice to conversation a.
func (s *State) Note(a wire.Addr, text string) {
	s.addItem(a, Item{Kind: Notice, Text: text}, false)
}

// noteIfOpen adds a notice about a place to its conversation if the user
// has opened it: nobody wants unread counts for comings and goings.
func (s *State) noteIfOpen(a wire.Addr, text string) {
	if c := s.Convs[a]; c != nil && (c.Loaded || c.Loading) {
		c.Items = append(c.Items, Item{Kind: Notice, Text: text, Time: s.now()})
	}
}

// GameConversation returns where a game's line belongs: the conversation
// its payload names right after the game's command ("bet 5 2 red 50",
// docs/games), if the user is in it; otherwise where the user last played
// that game; otherwise the conversation on screen.
func (s *State) GameConversation(g Game) wire.Addr {
	f := strings.SplitN(g.Payload, " ", 4)
	if len(f) >= 3 {
		if a, ok := wire.ParseAddr(f[1], f[2]); ok && s.known(a) {
			return a
		}
	}
	if a, ok := s.lastGame[g.ID]; ok && s.known(a) {
		return a
	}
	return s.Active
}

// Played records that the user sent a command to game id from
// conversation a, so that the game's answers are shown there.
func (s *State) Played(id string, a wire.Addr) { s.lastGame[id] = a }

// known reports whether a names a channel the user is in or a user.
func (s *State) known(a wire.Addr) bool {
	if a.IsUser() {
		return a == Home || s.Users[a.UserTag()] != nil
	}
	return s.Channel(a) != nil
}

func (s *State) preview(p Preview) {
	c := s.Convs[p.Addr]
	if c == nil {
		return
	}
	for i := range c.Items {
		it := &c.Items[i]
		if it.Kind == Shared && it.File == p.Name {
			it.Size, it.Format, it.Width, it.Height = p.Size, p.Format, p.Width, p.Height
		}
	}
}

// Open puts conversation a on screen: its unread counts are cleared. It
// reports whether its history must be fetched (then it is marked loading;
// call HistoryFailed if the fetch cannot be sent).
func (s *State) Open(a wire.Addr) (fetch bool) {
	s.Active = a
	c := s.conv(a)
	c.Unread, c.Mentions = 0, 0
	if a == Home || c.Loaded || c.Loading {
		return false
	}
	c.Loading, c.mark = true, len(c.Items)
	return true
}

// HistoryFailed forgets that a's history was asked for.
func (s *State) HistoryFailed(a wire.Addr) {
	if c := s.Convs[a]; c != nil {
		c.Loading = false
	}
}

// historyLoaded replaces what the conversation held before the history
// was asked for by the history, and keeps what arrived since. The history
// holds every message stored before the server handled GET; messages that
// arrived meanwhile may be in both, and appear once.
func (s *State) historyLoaded(h HistoryLoaded) {
	c := s.Convs[h.Addr]
	if c == nil || !c.Loading {
		return
	}
	// What previews found out about files survives the reload.
	described := map[string]Item{}
	for _, it := range c.Items {
		if it.Kind == Shared && it.Size > 0 {
			described[it.File] = it
		}
	}
	items := make([]Item, 0, len(h.Entries)+len(c.Items)-c.mark)
	for _, e := range h.Entries {
		it := s.entryItem(e)
		if d, ok := described[it.File]; ok && it.Kind == Shared {
			it.Size, it.Format, it.Width, it.Height = d.Size, d.Format, d.Width, d.Height
		}
		items = append(items, it)
	}
	since := c.Items[min(c.mark, len(c.Items)):]
	// The longest run of messages at the start of since that also ends
	// the history is the overlap.
	var said []int // indexes in since of the messages the history may hold
	for i, it := range since {
		if it.live && (it.Kind == Said || it.Kind == Shared) {
			said = append(said, i)
		}
	}
	overlap := 0
	for k := min(len(said), len(items)); k > 0; k-- {
		if sameMessages(items[len(items)-k:], since, said[:k]) {
			overlap = k
			break
		}
	}
	dup := map[int]bool{}
	for _, i := range said[:overlap] {
		dup[i] = true
	}
	for i, it := range since {
		if !dup[i] {
			items = append(items, it)
		}
	}
	c.Items, c.Loaded, c.Loading = items, true, false
}

func sameMessages(hist []Item, since []Item, idx []int) bool {
	for j, i := range idx {
		a, b := hist[j], since[i]
		if a.Author != b.Author || a.Kind != b.Kind || a.Text != b.Text || a.File != b.File {
			return false
		}
	}
	return true
}

func (s *State) entryItem(e history.Entry) Item {
	if e.File != "" {
		return Item{Kind: Shared, Author: e.Author, Time: e.Time, File: e.File}
	}
	return Item{Kind: Said, Author: e.Author, Time: e.Time, Text: e.Text,
		Mention: e.Author != s.Me && Mentions(e.Text, s.Pseudo(s.Me))}
}

// Queries, for drawing.

// Pseudo returns a user's pseudo, or a placeholder for a tag not (yet)
// announced.
func (s *State) Pseudo(tag int64) string {
	if u := s.Users[tag]; u != nil && u.Pseudo != "" {
		return u.Pseudo
	}
	return "user" + strconv.FormatInt(tag, 10)
}

// FindUser returns the user with this pseudo (compared as the server
// does, without regard to case), or nil.
func (s *State) FindUser(pseudo string) *User {
	key := wire.FoldPseudo(pseudo)
	for _, u := range s.Users {
		if wire.FoldPseudo(u.Pseudo) == key {
			return u
		}
	}
	return nil
}

// ConversationName names a conversation for a title or a sidebar:
// "club/#games", "@bob", "home".
func (s *State) ConversationName(a wire.Addr) string {
	switch {
	case a == Home:
		return "home"
	case a.IsUser():
		return "@" + s.Pseudo(a.UserTag())
	}
	sv := s.Servers[a.Server]
	if sv == nil {
		return a.String()
	}
	ch := sv.Channels[a.Channel]
	if ch == nil {
		return sv.Name + "/" + strconv.FormatInt(a.Channel, 10)
	}
	return sv.Name + "/#" + ch.Name
}

func placeName(server, channel string, a wire.Addr) string {
	if a.IsServer() {
		return server
	}
	return server + "/#" + channel
}

// InvitationName describes what an invitation is to.
func (i Invitation) Name() string {
	if i.Place.IsUser() {
		return "friendship"
	}
	return placeName(i.ServerName, i.ChannelName, i.Place)
}

// ServerList returns the servers by name (then tag).
func (s *State) ServerList() []*Server {
	list := make([]*Server, 0, len(s.Servers))
	for _, sv := range s.Servers {
		list = append(list, sv)
	}
	slices.SortFunc(list, func(a, b *Server) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Tag, b.Tag))
	})
	return list
}

// ChannelList returns a server's channels, general first, then by name.
func (sv *Server) ChannelList() []*Channel {
	list := make([]*Channel, 0, len(sv.Channels))
	for _, ch := range sv.Channels {
		list = append(list, ch)
	}
	slices.SortFunc(list, func(a, b *Channel) int {
		if (a.Addr.Channel == 0) != (b.Addr.Channel == 0) {
			if a.Addr.Channel == 0 {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Addr.Channel, b.Addr.Channel))
	})
	return list
}

// sortUsers orders users online first, then by pseudo.
func (s *State) sortUsers(tags []int64) []*User {
	list := make([]*User, 0, len(tags))
	for _, t := range tags {
		list = append(list, s.user(t))
	}
	slices.SortFunc(list, func(a, b *User) int {
		if a.Online != b.Online {
			if a.Online {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(strings.ToLower(a.Pseudo), strings.ToLower(b.Pseudo)), cmp.Compare(a.Tag, b.Tag))
	})
	return list
}

// FriendList returns the friends, online first.
func (s *State) FriendList() []*User {
	var tags []int64
	for t := range s.Friends {
		tags = append(tags, t)
	}
	return s.sortUsers(tags)
}

// MemberList returns a channel's members, online first; for a direct
// conversation, its two parties.
func (s *State) MemberList(a wire.Addr) []*User {
	if a == Home {
		return nil
	}
	if a.IsUser() {
		return s.sortUsers([]int64{s.Me, a.UserTag()})
	}
	ch := s.Channel(a)
	if ch == nil {
		return nil
	}
	var tags []int64
	for t := range ch.Members {
		tags = append(tags, t)
	}
	return s.sortUsers(tags)
}

// DirectList returns the direct conversations the user has (messages or
// opened), by pseudo.
func (s *State) DirectList() []wire.Addr {
	var list []wire.Addr
	for a := range s.Convs {
		if a != Home && a.IsUser() {
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(a, b wire.Addr) int {
		return cmp.Or(cmp.Compare(strings.ToLower(s.Pseudo(a.UserTag())), strings.ToLower(s.Pseudo(b.UserTag()))), cmp.Compare(a.Channel, b.Channel))
	})
	return list
}

// Reachable reports whether the user may write to u directly: a friend or
// someone sharing a server.
func (s *State) Reachable(u int64) bool {
	if s.Friends[u] {
		return true
	}
	for _, sv := range s.Servers {
		if sv.Channels[0].Members[u] {
			return true
		}
	}
	return false
}
