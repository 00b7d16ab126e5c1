package client

import (
	"errors"
	"strconv"

	"github.com/salon-chat/salon/core/wire"
)

// PageSize is how many messages one HIST page asks for: a screen or two,
// so that opening a conversation of any length costs one small answer.
const PageSize = 50

// pendingRead is a HIST or FIND awaiting its end line. The server answers
// them in the order asked, so the oldest one is the one whose lines are
// arriving.
type pendingRead struct {
	find bool
	conv wire.Addr // HIST
	last int64     // FIND: the id of the last result, 0 before the first
}

// ErrNoTags is returned by what needs the tags capability when the server
// did not grant it.
var ErrNoTags = errors.New("the server does not offer message ids (CAP tags)")

// Tags reports whether the current connection has the tags capability.
func (c *Client) Tags() bool {
	s := c.session()
	return s != nil && s.tags.Load()
}

// Older asks for the page of conversation of before message id before (0:
// the newest page). Its messages arrive as Message and FileSent events
// whose Source is Paged, each followed by its reactions, then End HIST.
func (c *Client) Older(of wire.Addr, before int64) error {
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	if !s.tags.Load() {
		return ErrNoTags
	}
	s.mu.Lock()
	s.reads = append(s.reads, pendingRead{conv: of})
	s.mu.Unlock()
	s.out.push("HIST " + of.String() + " " + strconv.FormatInt(before, 10) + " " + strconv.Itoa(PageSize))
	return nil
}

// Find searches conversation in (Home: all of the user's) for text. The
// results arrive as Message and FileSent events whose Source is Found,
// newest first, then End FIND.
func (c *Client) Find(in wire.Addr, text string) error {
	if text == "" || len(text) > wire.MaxQuery {
		return errors.New("a search is 1 to " + strconv.Itoa(wire.MaxQuery) + " bytes")
	}
	line := "FIND " + in.String() + " " + text
	if err := checkLine(line); err != nil {
		return err
	}
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	if !s.tags.Load() {
		return ErrNoTags
	}
	s.mu.Lock()
	s.reads = append(s.reads, pendingRead{find: true})
	s.mu.Unlock()
	s.out.push(line)
	return nil
}

// classify marks the tagged messages that answer a HIST or FIND, and
// retires a read when its end line comes. Live messages may arrive in the
// middle of an answer; a FIND answer comes newest first, so a message
// newer than the result before it is live. A live message in the middle of
// a HIST answer for its own conversation passes for history: it is then
// not counted unread, a small price for not guessing.
func (s *session) classify(l Line) Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reads) == 0 {
		return l
	}
	head := &s.reads[0]
	switch v := l.(type) {
	case Message:
		if v.Tags.ID != 0 {
			v.Source = s.source(head, v.Tags.ID, conversationOf(s.me, v.From, v.To))
		}
		return v
	case FileSent:
		if v.Tags.ID != 0 {
			v.Source = s.source(head, v.Tags.ID, conversationOf(s.me, v.From, v.To))
		}
		return v
	case End:
		if (v.Verb == "FIND") == head.find && (v.Verb == "HIST" || v.Verb == "FIND") {
			s.reads = s.reads[1:]
		}
	}
	return l
}

func (s *session) source(head *pendingRead, id int64, conv wire.Addr) Source {
	switch {
	case head.find && (head.last == 0 || id < head.last):
		head.last = id
		return Found
	case !head.find && head.conv == conv:
		return Paged
	}
	return Live
}

// refusedRead forgets the newest HIST (or FIND) asked: a refusal comes as
// the command is read, before the answers of those asked earlier.
func (s *session) refusedRead(find bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.reads) - 1; i >= 0; i-- {
		if s.reads[i].find == find {
			s.reads = append(s.reads[:i], s.reads[i+1:]...)
			return
		}
	}
}

// conversationOf names the conversation a line from "from" to "to" belongs
// to, as user me sees it: for a direct line, the other party. A FILESENT
// to me directly has no "to".
func conversationOf(me, from int64, to wire.Addr) wire.Addr {
	switch {
	case to == (wire.Addr{}):
		return wire.User(from)
	case to.IsUser() && from == me:
		return to
	case to.IsUser():
		return wire.User(from)
	}
	return to
}
