package client

import (
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// ringFor is how long a direct call rings without an answer: the web
// client stops ringing on its own after 45 seconds (docs/protocol.md).
const ringFor = 45 * time.Second

// Roster is the call of one conversation: who is in it, what each sends,
// and, for a direct call, whether it rings for this user.
type Roster struct {
	Conv wire.Addr
	In   map[int64]*Participant
	// Rings is when the other party of a direct call started calling this
	// user, who is not in it; zero when it does not ring.
	Rings time.Time
}

// Participant is one user in a call.
type Participant struct {
	User    int64
	Media   Media // what they say they send
	MutedBy int64 // the moderator who silenced their microphone; 0: not muted
}

// CallConversation returns the conversation a CALL line is about, as this
// user sees it: the channel, or for a direct call the other party (the
// actor, when the actor is not this user).
func (s *State) CallConversation(c Call) wire.Addr { return s.direct3(c.Actor, c.To) }

// call applies a CALL line to the roster of its conversation, and tells
// what changed in that conversation, except during a login burst, which
// only restates who is in the calls.
func (s *State) call(c Call) {
	a := s.CallConversation(c)
	r := s.Calls[a]
	if r == nil {
		r = &Roster{Conv: a, In: map[int64]*Participant{}}
		s.Calls[a] = r
	}
	if a.IsUser() {
		s.conv(a) // a direct call shows in the sidebar, like a message
	}
	who := s.Pseudo(c.Actor)
	if c.Actor == s.Me {
		who = "you"
	}
	var news string
	switch c.Verb {
	case "JOIN":
		r.In[c.Actor] = &Participant{User: c.Actor, Media: c.Media}
		switch {
		case c.Actor == s.Me:
			r.Rings = time.Time{} // answered, from another session
			news = "you joined the call"
			if a.IsUser() && r.In[a.UserTag()] == nil {
				news = "you are calling " + s.Pseudo(a.UserTag())
			}
		case a.IsUser() && r.In[s.Me] == nil:
			if r.Rings.IsZero() {
				r.Rings = s.now()
			}
			if !s.bursting {
				// Addressed to this user, as a direct message is: it counts.
				s.addItem(a, Item{Kind: Notice, Text: who + " is calling you — answer in the web client"}, true)
			}
		default:
			news = who + " joined the call"
		}
	case "MEDIA":
		p := r.In[c.Actor]
		if p == nil {
			p = &Participant{User: c.Actor}
			r.In[c.Actor] = p
		}
		was := p.Media
		p.Media = c.Media
		switch {
		case c.Media&Screen != 0 && was&Screen == 0:
			news = who + " is sharing their screen"
			if c.Actor == s.Me {
				news = "you are sharing your screen"
			}
		case c.Media&Screen == 0 && was&Screen != 0:
			news = who + " stopped sharing their screen"
			if c.Actor == s.Me {
				news = "you stopped sharing your screen"
			}
		}
	case "LEAVE":
		if r.In[c.Actor] == nil {
			break // removed by a KICK, which said so
		}
		delete(r.In, c.Actor)
		if !r.Rings.IsZero() && c.Actor == a.UserTag() && a.IsUser() {
			r.Rings = time.Time{}
			if !s.bursting {
				s.Note(a, "missed call from "+who)
			}
			break
		}
		news = who + " left the call"
	case "DECLINE":
		if c.Actor == s.Me {
			r.Rings = time.Time{}
			news = "you declined the call"
		} else {
			news = who + " declined the call"
		}
	case "MUTE", "UNMUTE":
		p := r.In[c.User]
		if p == nil {
			break
		}
		what := " muted by "
		if c.Verb == "MUTE" {
			p.MutedBy = c.Actor
		} else {
			p.MutedBy = 0
			what = " unmuted by "
		}
		news = s.callee(c.User) + what + who
	case "KICK":
		if r.In[c.User] == nil {
			break
		}
		delete(r.In, c.User)
		news = s.callee(c.User) + " removed from the call by " + who
	}
	if len(r.In) == 0 {
		delete(s.Calls, a)
	}
	if news != "" && !s.bursting {
		s.callNote(a, news)
	}
}

// callNote tells what changed in a call. In a channel it is said once
// the channel has been opened, as comings and goings are; a direct call
// concerns this user: it is always said. Neither counts as unread.
func (s *State) callNote(a wire.Addr, text string) {
	if !a.IsUser() {
		s.noteIfOpen(a, text)
		return
	}
	c := s.conv(a)
	c.Items = append(c.Items, Item{Kind: Notice, Text: text, Time: s.now()})
}

// callee names the subject of a moderator's act, with its verb's first
// word: "bob was", "you were".
func (s *State) callee(u int64) string {
	if u == s.Me {
		return "you were"
	}
	return s.Pseudo(u) + " was"
}

// forgetCalls drops the calls of a channel left, or of a whole server.
func (s *State) forgetCalls(place wire.Addr) {
	for a := range s.Calls {
		if a == place || (place.IsServer() && a.Server == place.Server) {
			delete(s.Calls, a)
		}
	}
}

// Queries, for drawing.

// Call returns the call of conversation a, or nil when there is none.
func (s *State) Call(a wire.Addr) *Roster { return s.Calls[a] }

// CallList returns the participants of a's call, by pseudo.
func (s *State) CallList(a wire.Addr) []Participant {
	r := s.Calls[a]
	if r == nil {
		return nil
	}
	tags := make([]int64, 0, len(r.In))
	for u := range r.In {
		tags = append(tags, u)
	}
	users := s.sortUsers(tags)
	list := make([]Participant, len(users))
	for i, u := range users {
		list[i] = *r.In[u.Tag]
	}
	return list
}

// Ringing reports whether the direct call of a rings for this user: the
// other party calls, this user has not answered, declined, nor let it
// ring for 45 seconds.
func (s *State) Ringing(a wire.Addr) bool {
	r := s.Calls[a]
	return r != nil && !r.Rings.IsZero() && s.now().Sub(r.Rings) < ringFor
}
