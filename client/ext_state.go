package client

import (
	"cmp"
	"slices"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// Reactions is one emoji under a message and who gave it, in order.
type Reactions struct {
	Emoji string
	Users []int64
}

// Search is a FIND asked for: where, what, and the results so far, newest
// first.
type Search struct {
	In      wire.Addr // Home: everywhere
	Query   string
	Results []Result
	Done    bool
}

// Result is one message found, with its conversation.
type Result struct {
	Conv wire.Addr
	Item Item
}

// typingFor is how long "is typing" shows without a new TYPING: a client
// relays one every 3 s while its user types.
const typingFor = 6 * time.Second

// applyExt applies the events of Part two, and reports whether e was one.
func (s *State) applyExt(e Event) bool {
	switch e := e.(type) {
	case Connecting:
		s.Tags = false // until this connection's CAP ACK
		return false
	case Ready:
		s.bursting = false
	case Call:
		s.call(e)
	case Signal:
		// Only a participating connection receives these: never this one.
	case Caps:
		if e.Sub == "ACK" && e.Has("tags") {
			s.Tags = true
		}
	case Edit:
		if it := s.item(s.direct3(e.Actor, e.To), e.ID); it != nil {
			it.Text, it.Edited = e.Text, s.now()
		}
	case Removal:
		if it := s.item(s.direct3(e.Actor, e.To), e.ID); it != nil {
			it.Deleted = true
		}
	case Reaction:
		if it := s.item(s.direct3(e.Actor, e.To), e.ID); it != nil {
			react(it, e)
		}
	case Typing:
		c := s.conv(s.direct3(e.Actor, e.To))
		if c.Typing == nil {
			c.Typing = map[int64]time.Time{}
		}
		c.Typing[e.Actor] = s.now()
	case Away:
		s.user(e.User).Away = e.Text
	case Role:
		s.role(e)
	case Topic:
		s.channel(e.Place).Topic = e.Text
	case Visibility:
		if ch := s.Channel(e.Place); ch != nil {
			ch.Public = e.Public
		}
	case ChannelInfo:
		s.listing[e.Place.Server] = append(s.listing[e.Place.Server], e)
		if ch := s.Channel(e.Place); ch != nil {
			ch.Public, ch.Topic = e.Public, e.Topic
		}
	case Kick:
		// BYE follows and removes the member; what is left to say is why.
		if e.User != s.Me {
			s.noteIfOpen(e.Place, s.Pseudo(e.User)+" was kicked by "+s.Pseudo(e.Actor)+reason(e.Reason))
		} else {
			s.Note(Home, "you were kicked from "+s.ConversationName(e.Place)+" by "+s.Pseudo(e.Actor)+reason(e.Reason))
		}
	case Ban:
		m := s.banning[e.Server]
		if m == nil {
			m = map[int64]Ban{}
			s.banning[e.Server] = m
		}
		if e.Lifted {
			delete(m, e.User)
		} else {
			m[e.User] = e
		}
	case Unread:
		c := s.conv(e.Conv)
		c.Unread = int(e.Count)
		c.Newest = max(c.Newest, e.Newest)
		if e.Conv.IsUser() {
			c.Mentions = int(e.Count) // every direct message counts, as live
		}
	case Read:
		s.read(e.Conv, e.ID)
	case End:
		s.end(e)
	case ServerError:
		if e.Verb == "HIST" {
			// Which page was refused is not said: let each be asked again.
			for _, c := range s.Convs {
				c.Paging, c.Loading = false, false
			}
		}
		return false
	default:
		return false
	}
	return true
}

func reason(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

// direct3 is ConversationOf for a notification's "0 actor CONV".
func (s *State) direct3(actor int64, to wire.Addr) wire.Addr {
	return conversationOf(s.Me, actor, to)
}

func react(it *Item, r Reaction) {
	i := slices.IndexFunc(it.Reactions, func(x Reactions) bool { return x.Emoji == r.Emoji })
	if r.Removed {
		if i >= 0 {
			it.Reactions[i].Users = slices.DeleteFunc(it.Reactions[i].Users, func(u int64) bool { return u == r.Actor })
			if len(it.Reactions[i].Users) == 0 {
				it.Reactions = slices.Delete(it.Reactions, i, i+1)
			}
		}
		return
	}
	if i < 0 {
		it.Reactions = append(it.Reactions, Reactions{Emoji: r.Emoji})
		i = len(it.Reactions) - 1
	}
	// A HIST page restates the reactions of its messages: each counts once.
	if !slices.Contains(it.Reactions[i].Users, r.Actor) {
		it.Reactions[i].Users = append(it.Reactions[i].Users, r.Actor)
	}
}

func (s *State) role(r Role) {
	sv := s.server(r.Place.Server)
	switch {
	case r.Verb == "OWNER":
		sv.Owner = r.User
	case r.Place.IsServer():
		if r.Verb == "MOD" {
			sv.Mods[r.User] = true
		} else {
			delete(sv.Mods, r.User)
		}
	default:
		ch := s.channel(r.Place)
		if r.Verb == "MOD" {
			ch.Mods[r.User] = true
		} else {
			delete(ch.Mods, r.User)
		}
	}
}

func (s *State) end(e End) {
	switch e.Verb {
	case "HIST":
		c := s.conv(e.Addr)
		c.Loaded, c.Loading, c.Paging = true, false, false
		if e.N < PageSize {
			c.Complete = true
		}
	case "FIND":
		if s.Search != nil {
			s.Search.Done = true
		}
	case "LIST":
		s.server(e.Addr.Server).Listed = s.listing[e.Addr.Server]
		delete(s.listing, e.Addr.Server)
	case "BANS":
		var list []Ban
		for _, b := range s.banning[e.Addr.Server] {
			list = append(list, b)
		}
		slices.SortFunc(list, func(a, b Ban) int { return cmp.Compare(a.User, b.User) })
		if sv := s.Servers[e.Addr.Server]; sv != nil {
			sv.Bans = list
		}
		delete(s.banning, e.Addr.Server)
	}
}

// tagged files a message that has an id: in id order among the
// conversation's messages (a page of older ones goes above, a live one
// below, one already there is not repeated), or among the results of the
// search.
func (s *State) tagged(a wire.Addr, t wire.Tags, src Source, it Item) {
	it.ID, it.Reply, it.Time = t.ID, t.Reply, time.UnixMilli(t.Time)
	if t.Edited != 0 {
		it.Edited = time.UnixMilli(t.Edited)
	}
	if it.Kind == Said && it.Author != s.Me {
		it.Mention = Mentions(it.Text, s.Pseudo(s.Me))
	}
	if src == Found {
		if s.Search != nil {
			s.Search.Results = append(s.Search.Results, Result{Conv: a, Item: it})
		}
		return
	}
	it.live = src == Live
	c := s.conv(a)
	if old := s.item(a, it.ID); old != nil {
		old.Text, old.Edited = it.Text, it.Edited
		return
	}
	insertByID(c, it)
	if it.Author == s.Me {
		// Sending moves the sender's marker (section 16).
		c.Read = max(c.Read, it.ID)
	}
	if it.Kind == Said || it.Kind == Shared {
		delete(c.Typing, it.Author)
	}
	news := src == Live && it.ID > c.Newest && it.ID > c.Read && it.Author != s.Me
	c.Newest = max(c.Newest, it.ID)
	if news && a != s.Active {
		c.Unread++
		if it.Mention || a.IsUser() {
			c.Mentions++
		}
	}
}

// insertByID puts it after the last message with a smaller id. Notices,
// which have none, stay where they were said.
func insertByID(c *Conversation, it Item) {
	i := len(c.Items)
	for i > 0 && (c.Items[i-1].ID == 0 || c.Items[i-1].ID > it.ID) {
		i--
	}
	if i == 0 {
		// Older than everything: above the notices too.
		c.Items = slices.Insert(c.Items, 0, it)
		return
	}
	// Right after the message before it, ahead of the notices that follow
	// it only when a newer message comes after them.
	j := i
	for j < len(c.Items) && c.Items[j].ID == 0 {
		j++
	}
	if j == len(c.Items) {
		i = j // the newest message: below the notices
	}
	c.Items = slices.Insert(c.Items, i, it)
}

// forgetPages drops a conversation's messages after a reconnection:
// messages may have been missed, and the newest page comes again.
func (s *State) forgetPages(c *Conversation) {
	c.Items = slices.DeleteFunc(c.Items, func(it Item) bool { return it.ID != 0 })
	c.Complete, c.Paging = false, false
	c.Unread, c.Mentions = 0, 0 // the burst's UNREAD restates them
	c.Typing = nil
}

// item returns the loaded message id of conversation a, or nil.
func (s *State) item(a wire.Addr, id int64) *Item {
	c := s.Convs[a]
	if c == nil {
		return nil
	}
	for i := len(c.Items) - 1; i >= 0; i-- {
		if c.Items[i].ID == id {
			return &c.Items[i]
		}
	}
	return nil
}

// Item returns the loaded message id of conversation a, or nil.
func (s *State) Item(a wire.Addr, id int64) *Item { return s.item(a, id) }

// read moves a's marker (another session read it, or this one did).
func (s *State) read(a wire.Addr, id int64) {
	c := s.conv(a)
	if id <= c.Read {
		return
	}
	c.Read = id
	if id >= c.Newest {
		c.Unread, c.Mentions = 0, 0
		return
	}
	// Count what is left when the marker falls among the loaded messages.
	if first := c.oldestID(); first != 0 && first <= id {
		unread, mentions := 0, 0
		for _, it := range c.Items {
			if it.ID > id && it.Author != s.Me && !it.Deleted {
				unread++
				if it.Mention || a.IsUser() {
					mentions++
				}
			}
		}
		c.Unread, c.Mentions = unread, mentions
	}
}

// MarkRead records that the user has seen conversation a up to its newest
// message, and returns that id when the server must be told (READ), or 0.
func (s *State) MarkRead(a wire.Addr) int64 {
	c := s.Convs[a]
	if c == nil || !s.Tags || a == Home || c.Newest <= c.Read {
		return 0
	}
	id := c.Newest
	s.read(a, id)
	return id
}

func (c *Conversation) oldestID() int64 {
	for _, it := range c.Items {
		if it.ID != 0 {
			return it.ID
		}
	}
	return 0
}

// OlderCursor returns the id to ask the page before for (HIST a before),
// and whether there is anything older to ask for now.
func (s *State) OlderCursor(a wire.Addr) (int64, bool) {
	c := s.Convs[a]
	if c == nil || !s.Tags || a == Home || !c.Loaded || c.Loading || c.Paging || c.Complete {
		return 0, false
	}
	return c.oldestID(), true
}

// Paging notes that an older page of a was asked for.
func (s *State) Paging(a wire.Addr) { s.conv(a).Paging = true }

// TypingIn returns who is typing in a, besides this user.
func (s *State) TypingIn(a wire.Addr) []*User {
	c := s.Convs[a]
	if c == nil {
		return nil
	}
	var tags []int64
	for u, since := range c.Typing {
		if u != s.Me && s.now().Sub(since) < typingFor {
			tags = append(tags, u)
		}
	}
	return s.sortUsers(tags)
}

// Rank says what user u is in channel a: "owner", "mod" (a moderator of
// the server or of the channel) or "".
func (s *State) Rank(a wire.Addr, u int64) string {
	sv := s.Servers[a.Server]
	if sv == nil || a.IsUser() {
		return ""
	}
	switch {
	case sv.Owner == u:
		return "owner"
	case sv.Mods[u]:
		return "mod"
	}
	if ch := sv.Channels[a.Channel]; ch != nil && ch.Mods[u] {
		return "mod"
	}
	return ""
}

// StartSearch records a search asked for, replacing the previous one.
func (s *State) StartSearch(in wire.Addr, query string) {
	s.Search = &Search{In: in, Query: query}
}
