package client

import (
	"strconv"
	"strings"

	"github.com/salon-chat/salon/core/wire"
)

// The lines of PROTOCOL.md's Part two (sections 14 to 18), as the server
// sends them. A notification's conversation (To) is written as in MSG:
// S C, or for a direct conversation the other party as the actor sees it;
// State.ConversationOf turns it into the conversation this user sees.

// Source says how a tagged message reached the client: live, as part of a
// HIST page, or as a FIND result. The session sets it; it is not on the
// line.
type Source int

const (
	Live  Source = iota
	Paged        // in a HIST answer: history, never news
	Found        // in a FIND answer: a search result, not a conversation's line
)

// Caps is CAP LS names or CAP ACK names.
type Caps struct {
	Sub   string // "LS" or "ACK"
	Names []string
}

// Has reports whether c names capability name.
func (c Caps) Has(name string) bool {
	for _, n := range c.Names {
		if n == name {
			return true
		}
	}
	return false
}

// Edit is EDIT 0 actor CONV ID text: a message's text changed.
type Edit struct {
	Actor int64
	To    wire.Addr
	ID    int64
	Text  string
}

// Removal is DELETE 0 actor CONV ID: a message was deleted.
type Removal struct {
	Actor int64
	To    wire.Addr
	ID    int64
}

// Reaction is REACT 0 actor CONV ID emoji, or UNREACT when Removed.
type Reaction struct {
	Actor   int64
	To      wire.Addr
	ID      int64
	Emoji   string
	Removed bool
}

// Typing is TYPING 0 actor CONV: someone is typing there.
type Typing struct {
	Actor int64
	To    wire.Addr
}

// Away is AWAY 0 U text (an away note) or AWAY 0 U (back).
type Away struct {
	User int64
	Text string
}

// Role is OWNER S 0 0 U, MOD S C 0 U or UNMOD S C 0 U (C = 0: of the
// whole server).
type Role struct {
	Verb  string
	Place wire.Addr
	User  int64
}

// Topic is TOPIC 0 actor S C text: the channel's topic (empty: cleared).
type Topic struct {
	Actor int64
	Place wire.Addr
	Text  string
}

// Visibility is OPEN S C (Public) or CLOSE S C.
type Visibility struct {
	Place  wire.Addr
	Public bool
}

// ChannelInfo is CHAN S C public|private members name [topic], one line of
// a LIST answer.
type ChannelInfo struct {
	Place   wire.Addr
	Public  bool
	Members int64
	Name    string
	Topic   string
}

// Kick is KICK 0 actor S C 0 U reason: U was removed from S C.
type Kick struct {
	Actor  int64
	Place  wire.Addr
	User   int64
	Reason string
}

// Ban is BAN S 0 0 U reason (a ban, or one line of BANS) or UNBAN S 0 0 U
// (Lifted).
type Ban struct {
	Server int64
	User   int64
	Reason string
	Lifted bool
}

// Unread is UNREAD CONV count newest_id, from a login burst: Count
// messages newer than the user's read marker wait in Conv.
type Unread struct {
	Conv   wire.Addr
	Count  int64
	Newest int64
}

// Read is READ CONV ID: another session of the user read Conv up to ID.
type Read struct {
	Conv wire.Addr
	ID   int64
}

// End closes an answer: LIST S n, BANS S n, HIST CONV n or FIND n. Addr
// is {S, 0} for LIST and BANS, the conversation for HIST, zero for FIND.
type End struct {
	Verb string
	Addr wire.Addr
	N    int64
}

// parseExt parses the verbs of Part two; ok is false for any other verb.
func (p parser) ext() (l Line, ok bool, err error) {
	switch p.verb {
	case "CAP":
		f, err := p.tokens()
		if err != nil {
			return nil, true, err
		}
		if len(f) == 0 || (f[0] != "LS" && f[0] != "ACK") {
			return nil, true, p.errorf("expected LS or ACK")
		}
		return Caps{Sub: f[0], Names: f[1:]}, true, nil
	case "EDIT":
		l, err = p.edit()
	case "DELETE":
		l, err = p.removal()
	case "REACT", "UNREACT":
		l, err = p.reaction()
	case "TYPING":
		l, err = p.typing()
	case "AWAY":
		l, err = p.away()
	case "OWNER", "MOD", "UNMOD":
		l, err = p.role()
	case "TOPIC":
		l, err = p.topic()
	case "OPEN", "CLOSE":
		f, ferr := p.fields(2, false)
		if ferr != nil {
			return nil, true, ferr
		}
		a, aerr := p.place(f[0], f[1])
		if aerr != nil {
			return nil, true, aerr
		}
		l = Visibility{Place: a, Public: p.verb == "OPEN"}
	case "CHAN":
		l, err = p.channelInfo()
	case "KICK":
		l, err = p.kick()
	case "BAN", "UNBAN":
		l, err = p.ban()
	case "UNREAD":
		l, err = p.unread()
	case "READ":
		l, err = p.read()
	case "LIST", "BANS", "HIST", "FIND":
		l, err = p.end()
	case "CALL":
		l, err = p.call()
	case "RTC":
		l, err = p.signal()
	case "KEY":
		l, err = p.key()
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	return l, true, nil
}

// split cuts the rest into at least min and at most max fields; the last
// field of max is free text. Every field but free text is a token.
func (p parser) split(min, max int) ([]string, error) {
	f := strings.SplitN(p.rest, " ", max)
	if p.rest == "" || len(f) < min {
		return nil, p.errorf("wrong number of fields")
	}
	for i, s := range f {
		if s == "" && i < max-1 {
			return nil, p.errorf("empty field")
		}
	}
	return f, nil
}

func (p parser) id(s string) (int64, error) {
	n, ok := wire.ParseTag(s)
	if !ok || n == 0 {
		return 0, p.errorf("invalid message id " + strconv.Quote(s))
	}
	return n, nil
}

// actorConv reads "0 actor S C" or "0 actor 0 other".
func (p parser) actorConv(f []string) (int64, wire.Addr, error) {
	actor, err := p.user(f[0], f[1])
	if err != nil {
		return 0, wire.Addr{}, err
	}
	to, err := p.addr(f[2], f[3])
	return actor, to, err
}

func (p parser) edit() (Line, error) {
	f, err := p.fields(6, true)
	if err != nil {
		return nil, err
	}
	actor, to, err := p.actorConv(f)
	if err != nil {
		return nil, err
	}
	id, err := p.id(f[4])
	if err != nil {
		return nil, err
	}
	return Edit{Actor: actor, To: to, ID: id, Text: f[5]}, nil
}

func (p parser) removal() (Line, error) {
	f, err := p.fields(5, false)
	if err != nil {
		return nil, err
	}
	actor, to, err := p.actorConv(f)
	if err != nil {
		return nil, err
	}
	id, err := p.id(f[4])
	if err != nil {
		return nil, err
	}
	return Removal{Actor: actor, To: to, ID: id}, nil
}

func (p parser) reaction() (Line, error) {
	f, err := p.fields(6, false)
	if err != nil {
		return nil, err
	}
	actor, to, err := p.actorConv(f)
	if err != nil {
		return nil, err
	}
	id, err := p.id(f[4])
	if err != nil {
		return nil, err
	}
	if !wire.ValidEmoji(f[5]) {
		return nil, p.errorf("invalid reaction")
	}
	return Reaction{Actor: actor, To: to, ID: id, Emoji: f[5], Removed: p.verb == "UNREACT"}, nil
}

func (p parser) typing() (Line, error) {
	f, err := p.fields(4, false)
	if err != nil {
		return nil, err
	}
	actor, to, err := p.actorConv(f)
	if err != nil {
		return nil, err
	}
	return Typing{Actor: actor, To: to}, nil
}

func (p parser) away() (Line, error) {
	f, err := p.split(2, 3)
	if err != nil {
		return nil, err
	}
	u, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	a := Away{User: u}
	if len(f) == 3 {
		a.Text = f[2]
	}
	return a, nil
}

func (p parser) role() (Line, error) {
	f, err := p.fields(4, false)
	if err != nil {
		return nil, err
	}
	a, err := p.place(f[0], f[1])
	if err != nil {
		return nil, err
	}
	u, err := p.user(f[2], f[3])
	if err != nil {
		return nil, err
	}
	if p.verb == "OWNER" && !a.IsServer() {
		return nil, p.errorf("an owner is of a server")
	}
	return Role{Verb: p.verb, Place: a, User: u}, nil
}

func (p parser) topic() (Line, error) {
	f, err := p.split(4, 5)
	if err != nil {
		return nil, err
	}
	actor, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	a, err := p.place(f[2], f[3])
	if err != nil {
		return nil, err
	}
	t := Topic{Actor: actor, Place: a}
	if len(f) == 5 {
		t.Text = f[4]
	}
	return t, nil
}

func (p parser) channelInfo() (Line, error) {
	f, err := p.split(5, 6)
	if err != nil {
		return nil, err
	}
	a, err := p.place(f[0], f[1])
	if err != nil {
		return nil, err
	}
	if f[2] != "public" && f[2] != "private" {
		return nil, p.errorf("expected public or private")
	}
	n, err := p.size(f[3])
	if err != nil {
		return nil, err
	}
	ci := ChannelInfo{Place: a, Public: f[2] == "public", Members: n, Name: f[4]}
	if len(f) == 6 {
		ci.Topic = f[5]
	}
	return ci, nil
}

func (p parser) kick() (Line, error) {
	f, err := p.split(6, 7)
	if err != nil {
		return nil, err
	}
	actor, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	a, err := p.place(f[2], f[3])
	if err != nil {
		return nil, err
	}
	u, err := p.user(f[4], f[5])
	if err != nil {
		return nil, err
	}
	k := Kick{Actor: actor, Place: a, User: u}
	if len(f) == 7 {
		k.Reason = f[6]
	}
	return k, nil
}

func (p parser) ban() (Line, error) {
	max := 5
	if p.verb == "UNBAN" {
		max = 4
	}
	f, err := p.split(4, max)
	if err != nil {
		return nil, err
	}
	a, err := p.place(f[0], f[1])
	if err != nil {
		return nil, err
	}
	if !a.IsServer() {
		return nil, p.errorf("a ban is from a server")
	}
	u, err := p.user(f[2], f[3])
	if err != nil {
		return nil, err
	}
	b := Ban{Server: a.Server, User: u, Lifted: p.verb == "UNBAN"}
	if len(f) == 5 {
		b.Reason = f[4]
	}
	return b, nil
}

func (p parser) unread() (Line, error) {
	f, err := p.fields(4, false)
	if err != nil {
		return nil, err
	}
	a, err := p.addr(f[0], f[1])
	if err != nil {
		return nil, err
	}
	n, err := p.size(f[2])
	if err != nil {
		return nil, err
	}
	id, err := p.id(f[3])
	if err != nil {
		return nil, err
	}
	return Unread{Conv: a, Count: n, Newest: id}, nil
}

func (p parser) read() (Line, error) {
	f, err := p.fields(3, false)
	if err != nil {
		return nil, err
	}
	a, err := p.addr(f[0], f[1])
	if err != nil {
		return nil, err
	}
	id, err := p.id(f[2])
	if err != nil {
		return nil, err
	}
	return Read{Conv: a, ID: id}, nil
}

func (p parser) end() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	e := End{Verb: p.verb}
	switch {
	case p.verb == "FIND" && len(f) == 1:
	case (p.verb == "LIST" || p.verb == "BANS") && len(f) == 2:
		s, ok := wire.ParseTag(f[0])
		if !ok || s == 0 {
			return nil, p.errorf("invalid server tag " + strconv.Quote(f[0]))
		}
		e.Addr = wire.Addr{Server: s}
	case p.verb == "HIST" && len(f) == 3:
		if e.Addr, err = p.addr(f[0], f[1]); err != nil {
			return nil, err
		}
	default:
		return nil, p.errorf("wrong number of fields")
	}
	if e.N, err = p.size(f[len(f)-1]); err != nil {
		return nil, err
	}
	return e, nil
}

// Formatting.

// prefix writes the tag prefix of a tagged line ("" for an untagged one).
func tagPrefix(t wire.Tags) string {
	if t.ID == 0 {
		return ""
	}
	s := "@id=" + strconv.FormatInt(t.ID, 10) + ";time=" + strconv.FormatInt(t.Time, 10)
	if t.Reply != 0 {
		s += ";reply=" + strconv.FormatInt(t.Reply, 10)
	}
	if t.Edited != 0 {
		s += ";edited=" + strconv.FormatInt(t.Edited, 10)
	}
	return s + " "
}

func withText(s, text string) string {
	if text == "" {
		return s
	}
	return s + " " + text
}

func (c Caps) String() string { return strings.Join(append([]string{"CAP", c.Sub}, c.Names...), " ") }

func (e Edit) String() string {
	return "EDIT " + wire.User(e.Actor).String() + " " + e.To.String() + " " + strconv.FormatInt(e.ID, 10) + " " + e.Text
}

func (r Removal) String() string {
	return "DELETE " + wire.User(r.Actor).String() + " " + r.To.String() + " " + strconv.FormatInt(r.ID, 10)
}

func (r Reaction) String() string {
	verb := "REACT "
	if r.Removed {
		verb = "UNREACT "
	}
	return verb + wire.User(r.Actor).String() + " " + r.To.String() + " " + strconv.FormatInt(r.ID, 10) + " " + r.Emoji
}

func (t Typing) String() string { return "TYPING " + wire.User(t.Actor).String() + " " + t.To.String() }

func (a Away) String() string { return withText("AWAY "+wire.User(a.User).String(), a.Text) }

func (r Role) String() string {
	return r.Verb + " " + r.Place.String() + " " + wire.User(r.User).String()
}

func (t Topic) String() string {
	return withText("TOPIC "+wire.User(t.Actor).String()+" "+t.Place.String(), t.Text)
}

func (v Visibility) String() string {
	if v.Public {
		return "OPEN " + v.Place.String()
	}
	return "CLOSE " + v.Place.String()
}

func (c ChannelInfo) String() string {
	kind := "private"
	if c.Public {
		kind = "public"
	}
	return withText("CHAN "+c.Place.String()+" "+kind+" "+strconv.FormatInt(c.Members, 10)+" "+c.Name, c.Topic)
}

func (k Kick) String() string {
	return withText("KICK "+wire.User(k.Actor).String()+" "+k.Place.String()+" "+wire.User(k.User).String(), k.Reason)
}

func (b Ban) String() string {
	s := strconv.FormatInt(b.Server, 10) + " 0 " + wire.User(b.User).String()
	if b.Lifted {
		return "UNBAN " + s
	}
	return withText("BAN "+s, b.Reason)
}

func (u Unread) String() string {
	return "UNREAD " + u.Conv.String() + " " + strconv.FormatInt(u.Count, 10) + " " + strconv.FormatInt(u.Newest, 10)
}

func (r Read) String() string { return "READ " + r.Conv.String() + " " + strconv.FormatInt(r.ID, 10) }

func (e End) String() string {
	n := strconv.FormatInt(e.N, 10)
	switch e.Verb {
	case "FIND":
		return "FIND " + n
	case "HIST":
		return "HIST " + e.Addr.String() + " " + n
	}
	return e.Verb + " " + strconv.FormatInt(e.Addr.Server, 10) + " " + n
}
