package client

import (
	"strconv"
	"strings"

	"github.com/salon-chat/salon/core/wire"
)

// The lines of calls (docs/protocol.md, "Calls"). The terminal client
// never joins a call: it carries no media, but it shows who is in each
// call of the user's conversations, from the CALL lines every member
// receives on a tags connection.

// Media is what a call's participant sends: a set of Mic, Cam and Screen.
type Media uint8

const (
	Mic Media = 1 << iota
	Cam
	Screen
)

// mediaNames are the names of the lines' lists, in the order they are
// written.
var mediaNames = []struct {
	m    Media
	name string
}{{Mic, "mic"}, {Cam, "cam"}, {Screen, "screen"}}

// ParseMedia reads a list as CALL lines write it: "mic,cam", or "-" for
// nothing. A name it does not know is skipped rather than refused: a later
// server may send more kinds, and refusing the line would lose the
// participant from the roster.
func ParseMedia(s string) (Media, bool) {
	if s == "-" {
		return 0, true
	}
	var m Media
	for _, name := range strings.Split(s, ",") {
		if name == "" {
			return 0, false
		}
		for _, n := range mediaNames {
			if n.name == name {
				m |= n.m
			}
		}
	}
	return m, true
}

// String writes the list in the lines' order ("mic,cam,screen"), or "-".
func (m Media) String() string {
	var names []string
	for _, n := range mediaNames {
		if m&n.m != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ",")
}

// Call is a CALL notification: CALL 0 actor CONV verb [args]. To is the
// conversation as the actor names it ("S C", or for a direct call the
// other party); State.CallConversation turns it into this user's.
//
//	JOIN list     Actor is in the call, sending Media
//	MEDIA list    Actor now sends Media
//	LEAVE         Actor left (or was removed)
//	DECLINE       Actor declined a direct call that rang
//	MUTE 0 U      Actor, a moderator, silenced User's microphone
//	UNMUTE 0 U    and gave it back
//	KICK 0 U      Actor removed User from the call (a LEAVE follows)
type Call struct {
	Actor int64
	To    wire.Addr
	Verb  string
	Media Media // JOIN, MEDIA
	User  int64 // MUTE, UNMUTE, KICK
}

// Signal is RTC CONV kind seq last payload: WebRTC signaling, which only
// a participating connection receives. The terminal client never
// participates; the type exists so that such a line is recognised and
// ignored rather than shown as an unknown verb.
type Signal struct {
	Conv    wire.Addr
	Kind    string
	Seq     int64
	Last    bool
	Payload string
}

func (p parser) call() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	if len(f) < 5 {
		return nil, p.errorf("wrong number of fields")
	}
	actor, to, err := p.actorConv(f)
	if err != nil {
		return nil, err
	}
	c := Call{Actor: actor, To: to, Verb: f[4]}
	args := f[5:]
	switch c.Verb {
	case "JOIN", "MEDIA":
		if len(args) != 1 {
			return nil, p.errorf("wrong number of fields")
		}
		m, ok := ParseMedia(args[0])
		if !ok {
			return nil, p.errorf("invalid media " + strconv.Quote(args[0]))
		}
		c.Media = m
	case "LEAVE", "DECLINE":
		if len(args) != 0 {
			return nil, p.errorf("wrong number of fields")
		}
	case "MUTE", "UNMUTE", "KICK":
		if len(args) != 2 {
			return nil, p.errorf("wrong number of fields")
		}
		if c.User, err = p.user(args[0], args[1]); err != nil {
			return nil, err
		}
	default:
		return nil, p.errorf("unknown call verb " + strconv.Quote(c.Verb))
	}
	return c, nil
}

func (p parser) signal() (Line, error) {
	f, err := p.fields(6, false)
	if err != nil {
		return nil, err
	}
	a, err := p.addr(f[0], f[1])
	if err != nil {
		return nil, err
	}
	seq, ok := wire.ParseTag(f[3])
	if !ok {
		return nil, p.errorf("invalid seq " + strconv.Quote(f[3]))
	}
	if f[4] != "0" && f[4] != "1" {
		return nil, p.errorf("last is 0 or 1")
	}
	return Signal{Conv: a, Kind: f[2], Seq: seq, Last: f[4] == "1", Payload: f[5]}, nil
}

func (c Call) String() string {
	s := "CALL " + wire.User(c.Actor).String() + " " + c.To.String() + " " + c.Verb
	switch c.Verb {
	case "JOIN", "MEDIA":
		s += " " + c.Media.String()
	case "MUTE", "UNMUTE", "KICK":
		s += " " + wire.User(c.User).String()
	}
	return s
}

func (s Signal) String() string {
	last := "0"
	if s.Last {
		last = "1"
	}
	return "RTC " + s.Conv.String() + " " + s.Kind + " " + strconv.FormatInt(s.Seq, 10) + " " + last + " " + s.Payload
}
