package client

import "github.com/salon-chat/salon/core/wire"

// Fail adds to conversation a a notice that reports a failure, so that a
// UI can set it apart from ordinary notices.
func (s *State) Fail(a wire.Addr, text string) {
	s.addItem(a, Item{Kind: Notice, Text: text, Error: true}, false)
}

// InvitationArgs names a received invitation, from the user pseudo from,
// as the terminal client's /accept and /decline take it: "friend alice"
// for a friend request, "invite alice club/#games" for a place. Notices
// quote it whole, so that the command they suggest acts on what they
// speak of and on nothing else.
func InvitationArgs(inv Invitation, from string) string {
	if inv.Place.IsUser() {
		return "friend " + from
	}
	return "invite " + from + " " + inv.Name()
}

// Asked records that the user typed, in conversation where, the command
// inviting to (to place, or as a friend when place is the zero Addr): the
// server's confirmation is told there rather than in Home.
func (s *State) Asked(to int64, place, where wire.Addr) {
	if s.asked == nil {
		s.asked = map[[2]wire.Addr]wire.Addr{}
	}
	s.asked[[2]wire.Addr{wire.User(to), place}] = where
}

// answered returns where the invitation of to to place was asked from,
// and forgets it; Home when it was not asked from this client.
func (s *State) answered(to int64, place wire.Addr) wire.Addr {
	key := [2]wire.Addr{wire.User(to), place}
	where, ok := s.asked[key]
	if !ok {
		return Home
	}
	delete(s.asked, key)
	if s.Convs[where] == nil {
		return Home // left or deleted meanwhile
	}
	return where
}

// noteShared adds a notice to every conversation this client holds that
// user is part of: the channels they are a member of and the direct
// conversation with them. It counts as nothing unread: it is news about
// a person, not a message.
//
// Messages name their author by tag, and show the author's pseudo of
// now, older messages included: the history the server keeps knows only
// tags, so a client that kept the old name on old lines would show other
// names after a reload. The notice is what tells readers of the change.
func (s *State) noteShared(user int64, text string) {
	for a, c := range s.Convs {
		shared := a == wire.User(user) && a != Home
		if ch := s.Channel(a); ch != nil && ch.Members[user] {
			shared = true
		}
		if shared {
			c.Items = append(c.Items, Item{Kind: Notice, Text: text, Time: s.now()})
		}
	}
}
