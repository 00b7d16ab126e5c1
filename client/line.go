package client

import (
	"errors"
	"strconv"
	"strings"

	"github.com/salon-chat/salon/core/wire"
)

// Line is one line the server sent, parsed by ParseLine. String formats it
// back, without its CRLF, in the canonical form the server writes: parsing
// that form again gives the same value.
//
// wire.Parse reads what clients send; this is its mirror for what servers
// send, which has different shapes (MSG carries its author, INV and JOIN
// name both parties, GRP lists members...).
type Line interface {
	String() string
}

// Tag is TAG 0 me (Addr is the user's own address, Name is empty), the
// first line after a login, or TAG S C name, which announces a server
// (C = 0) or a channel the user is now in.
type Tag struct {
	Addr wire.Addr
	Name string
}

// Presence is ADD ON|OFF 0 tag pseudo: a user this client may see, its
// pseudo and whether it is online. It is an upsert.
type Presence struct {
	Online bool
	User   int64
	Pseudo string
}

// Members is GRP: the friend list (GRP 0 me 0 f1 ...), or members of a
// channel (GRP S C server_name chan_name 0 u1 ...). A long list arrives as
// several Members lines for one address; their users add up.
type Members struct {
	Addr        wire.Addr // {0, me} for the friend list
	ServerName  string    // channels only
	ChannelName string    // channels only
	Users       []int64
}

// Invite is a pending invitation: SENT (Sent is true: announced in the login
// burst) or INV. From invited To; To is 0 when the invitation is addressed
// to this user. Place is the zero Addr for a friend request, otherwise the
// server or channel invited to, with its names.
type Invite struct {
	Sent        bool
	From, To    int64
	Place       wire.Addr
	ServerName  string
	ChannelName string
}

// IsFriendRequest reports whether the invitation is a friend request.
func (i Invite) IsFriendRequest() bool { return i.Place == (wire.Addr{}) }

// Join is JOIN 0 src 0 dest (Addr is {0, src}: dest accepted src's friend
// request) or JOIN S C 0 dest (User joined channel S C).
type Join struct {
	Addr wire.Addr
	User int64
}

// Bye is BYE in its server forms: bare (this connection is logged out and
// will close), BYE 0 u (u went offline), BYE 0 u S C (u left channel S C,
// or server S when C is 0) and BYE 0 u 0 v (the friendship or friend request
// between u and v ended).
type Bye struct {
	User    int64     // 0 for the bare form
	Addr    wire.Addr // the place left, or {0, v}
	HasAddr bool
}

// Delete is DEL S C: a channel (or server S, when C is 0) was deleted.
type Delete struct {
	Addr wire.Addr
}

// Rename is RENAME name S (a server), RENAME name S C (a channel) or
// RENAME pseudo 0 U (a user).
type Rename struct {
	Name string
	Addr wire.Addr
}

// PasswordChanged is PSW new_password: this connection's password change
// succeeded.
type PasswordChanged struct {
	Password string
}

// Message is MSG 0 src 0 dest text (a direct message) or MSG 0 src S C text.
// On a tags connection it carries its tags (Tags.ID is 0 otherwise).
type Message struct {
	Tags   wire.Tags
	From   int64
	To     wire.Addr
	Text   string
	Source Source // set by the session, not on the line
}

// Ack is NEWFILE OK, FILE OK or ENDFILE OK: one line of an upload was taken.
type Ack struct {
	Verb string
}

// FileStart is NEWFILE addr name size: a download begins.
type FileStart struct {
	Addr wire.Addr
	Name string
	Size int64
}

// FileChunk is FILE addr name base64: a piece of a download, still encoded.
type FileChunk struct {
	Addr wire.Addr
	Name string
	Data string
}

// FileEnd is ENDFILE addr name size: a download is complete.
type FileEnd struct {
	Addr wire.Addr
	Name string
	Size int64
}

// FileSent is FILESENT: From shared file Name in To. To is the zero Addr
// when From sent it to this user directly (FILESENT 0 src name).
type FileSent struct {
	Tags   wire.Tags
	From   int64
	To     wire.Addr
	Name   string
	Source Source // set by the session, not on the line
}

// Game is JEU id payload: a game plugin speaks; the payload is the game's.
type Game struct {
	ID      string
	Payload string
}

// ServerError is ERR VERB reason: the server rejected a command.
type ServerError struct {
	Verb   string
	Reason string
}

func (e ServerError) Error() string { return e.Verb + ": " + e.Reason }

// Pong is PONG [token], the answer to PING.
type Pong struct {
	Token string
}

// Ping is PING [token]: the server checks that an idle client is still
// there; the client answers PONG with the same token.
type Ping struct {
	Token string
}

// Unknown is a line whose verb the protocol does not define: a plugin's own
// verb (ROLL 2d6 ...). Rest is everything after the verb.
type Unknown struct {
	Verb string
	Rest string
}

// ParseLine parses one server line, without its line ending. An unknown
// verb is not an error (plugins may add verbs): it comes back as Unknown.
//
// A line may start with a tag prefix (section 14). Salon's tags are kept on
// MSG and FILESENT; on other lines, and unknown tags everywhere, they are
// ignored, as the protocol asks of clients.
func ParseLine(line string) (Line, error) {
	if strings.HasPrefix(line, "@") {
		return parseTagged(line)
	}
	return parseUntagged(line)
}

func parseTagged(line string) (Line, error) {
	m, rest, err := wire.SplitTags(line)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(rest, "@") {
		return nil, errors.New("two tag prefixes")
	}
	l, err := parseUntagged(rest)
	if err != nil {
		return nil, err
	}
	switch v := l.(type) {
	case Message:
		if v.Tags, err = wire.ParseTags(m); err != nil {
			return nil, err
		}
		return v, nil
	case FileSent:
		if v.Tags, err = wire.ParseTags(m); err != nil {
			return nil, err
		}
		return v, nil
	}
	return l, nil
}

func parseUntagged(line string) (Line, error) {
	verb, rest, _ := strings.Cut(line, " ")
	if verb == "" {
		return nil, errors.New("empty verb")
	}
	p := parser{verb: verb, rest: rest}
	switch verb {
	case "TAG":
		return p.tag()
	case "ADD":
		return p.presence()
	case "GRP":
		return p.members()
	case "SENT", "INV":
		return p.invite()
	case "JOIN":
		return p.join()
	case "BYE":
		return p.bye(line == "BYE")
	case "DEL":
		return p.delete()
	case "RENAME":
		return p.rename()
	case "PSW":
		f, err := p.fields(1, false)
		if err != nil {
			return nil, err
		}
		return PasswordChanged{Password: f[0]}, nil
	case "MSG":
		return p.message()
	case "NEWFILE", "FILE", "ENDFILE":
		if rest == "OK" {
			return Ack{Verb: verb}, nil
		}
		return p.file()
	case "FILESENT":
		return p.fileSent()
	case "JEU":
		id, payload, _ := strings.Cut(rest, " ")
		if id == "" {
			return nil, p.errorf("missing game id")
		}
		return Game{ID: id, Payload: payload}, nil
	case "ERR":
		v, reason, _ := strings.Cut(rest, " ")
		if v == "" {
			return nil, p.errorf("missing verb")
		}
		return ServerError{Verb: v, Reason: reason}, nil
	case "PONG", "PING":
		if strings.Contains(rest, " ") {
			return nil, p.errorf("token with a space")
		}
		if verb == "PING" {
			return Ping{Token: rest}, nil
		}
		return Pong{Token: rest}, nil
	}
	if l, ok, err := p.ext(); ok {
		return l, err
	}
	return Unknown{Verb: verb, Rest: rest}, nil
}

// parser holds one line split at its verb.
type parser struct {
	verb, rest string
}

func (p parser) errorf(reason string) error { return errors.New(p.verb + ": " + reason) }

// fields splits the rest of the line into exactly n fields separated by one
// space. With text, the last field is free text (spaces kept, may be
// empty); every other field must be a non-empty token.
func (p parser) fields(n int, text bool) ([]string, error) {
	var f []string
	if text {
		f = strings.SplitN(p.rest, " ", n)
	} else {
		f = strings.Split(p.rest, " ")
	}
	if len(f) != n {
		return nil, p.errorf("wrong number of fields")
	}
	for i, s := range f {
		if s == "" && !(text && i == n-1) {
			return nil, p.errorf("empty field")
		}
	}
	return f, nil
}

// tokens splits the rest of the line into non-empty tokens, whatever their
// number.
func (p parser) tokens() ([]string, error) {
	if p.rest == "" {
		return nil, nil
	}
	f := strings.Split(p.rest, " ")
	for _, s := range f {
		if s == "" {
			return nil, p.errorf("empty field")
		}
	}
	return f, nil
}

// addr reads an address from two fields.
func (p parser) addr(s, c string) (wire.Addr, error) {
	a, ok := wire.ParseAddr(s, c)
	if !ok {
		return wire.Addr{}, p.errorf("invalid address " + strconv.Quote(s+" "+c))
	}
	return a, nil
}

// user reads "0 U".
func (p parser) user(s, c string) (int64, error) {
	a, err := p.addr(s, c)
	if err != nil {
		return 0, err
	}
	if !a.IsUser() {
		return 0, p.errorf("expected a user address, got " + strconv.Quote(s+" "+c))
	}
	return a.UserTag(), nil
}

// place reads "S C" with S > 0.
func (p parser) place(s, c string) (wire.Addr, error) {
	a, err := p.addr(s, c)
	if err != nil {
		return a, err
	}
	if a.IsUser() {
		return wire.Addr{}, p.errorf("expected a server or channel address, got " + strconv.Quote(s+" "+c))
	}
	return a, nil
}

func (p parser) size(s string) (int64, error) {
	n, ok := wire.ParseTag(s)
	if !ok {
		return 0, p.errorf("invalid size " + strconv.Quote(s))
	}
	return n, nil
}

func (p parser) tag() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	switch len(f) {
	case 2:
		u, err := p.user(f[0], f[1])
		if err != nil {
			return nil, err
		}
		return Tag{Addr: wire.User(u)}, nil
	case 3:
		a, err := p.place(f[0], f[1])
		if err != nil {
			return nil, err
		}
		return Tag{Addr: a, Name: f[2]}, nil
	}
	return nil, p.errorf("wrong number of fields")
}

func (p parser) presence() (Line, error) {
	f, err := p.fields(4, false)
	if err != nil {
		return nil, err
	}
	if f[0] != "ON" && f[0] != "OFF" {
		return nil, p.errorf("expected ON or OFF")
	}
	u, err := p.user(f[1], f[2])
	if err != nil {
		return nil, err
	}
	return Presence{Online: f[0] == "ON", User: u, Pseudo: f[3]}, nil
}

func (p parser) members() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	if len(f) < 2 {
		return nil, p.errorf("wrong number of fields")
	}
	a, err := p.addr(f[0], f[1])
	if err != nil {
		return nil, err
	}
	m := Members{Addr: a}
	f = f[2:]
	if !a.IsUser() {
		if len(f) < 2 {
			return nil, p.errorf("missing server or channel name")
		}
		m.ServerName, m.ChannelName, f = f[0], f[1], f[2:]
	}
	if len(f)%2 != 0 {
		return nil, p.errorf("members must be 0 tag pairs")
	}
	for i := 0; i < len(f); i += 2 {
		u, err := p.user(f[i], f[i+1])
		if err != nil {
			return nil, err
		}
		m.Users = append(m.Users, u)
	}
	return m, nil
}

func (p parser) invite() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	inv := Invite{Sent: p.verb == "SENT"}
	if len(f) < 2 {
		return nil, p.errorf("wrong number of fields")
	}
	if inv.From, err = p.user(f[0], f[1]); err != nil {
		return nil, err
	}
	f = f[2:]
	// The sender's echo names the invitee, "0 dest", before the place;
	// SENT never does (it is only ever addressed to the invitee).
	if !inv.Sent && (len(f) == 2 || len(f) == 6) {
		if inv.To, err = p.user(f[0], f[1]); err != nil {
			return nil, err
		}
		f = f[2:]
	}
	switch len(f) {
	case 0:
	case 4:
		if inv.Place, err = p.place(f[0], f[1]); err != nil {
			return nil, err
		}
		inv.ServerName, inv.ChannelName = f[2], f[3]
	default:
		return nil, p.errorf("wrong number of fields")
	}
	return inv, nil
}

func (p parser) join() (Line, error) {
	f, err := p.fields(4, false)
	if err != nil {
		return nil, err
	}
	a, err := p.addr(f[0], f[1])
	if err != nil {
		return nil, err
	}
	u, err := p.user(f[2], f[3])
	if err != nil {
		return nil, err
	}
	return Join{Addr: a, User: u}, nil
}

func (p parser) bye(bare bool) (Line, error) {
	if bare {
		return Bye{}, nil
	}
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	if len(f) != 2 && len(f) != 4 {
		return nil, p.errorf("wrong number of fields")
	}
	u, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	b := Bye{User: u}
	if len(f) == 4 {
		if b.Addr, err = p.addr(f[2], f[3]); err != nil {
			return nil, err
		}
		b.HasAddr = true
	}
	return b, nil
}

func (p parser) delete() (Line, error) {
	f, err := p.fields(2, false)
	if err != nil {
		return nil, err
	}
	a, err := p.place(f[0], f[1])
	if err != nil {
		return nil, err
	}
	return Delete{Addr: a}, nil
}

func (p parser) rename() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	switch len(f) {
	case 2:
		s, ok := wire.ParseTag(f[1])
		if !ok || s == 0 {
			return nil, p.errorf("invalid server tag " + strconv.Quote(f[1]))
		}
		return Rename{Name: f[0], Addr: wire.Addr{Server: s}}, nil
	case 3:
		a, err := p.addr(f[1], f[2])
		if err != nil {
			return nil, err
		}
		return Rename{Name: f[0], Addr: a}, nil
	}
	return nil, p.errorf("wrong number of fields")
}

func (p parser) message() (Line, error) {
	f, err := p.fields(5, true)
	if err != nil {
		return nil, err
	}
	from, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	to, err := p.addr(f[2], f[3])
	if err != nil {
		return nil, err
	}
	return Message{From: from, To: to, Text: f[4]}, nil
}

func (p parser) file() (Line, error) {
	f, err := p.fields(4, false)
	if err != nil {
		return nil, err
	}
	a, err := p.addr(f[0], f[1])
	if err != nil {
		return nil, err
	}
	if p.verb == "FILE" {
		return FileChunk{Addr: a, Name: f[2], Data: f[3]}, nil
	}
	n, err := p.size(f[3])
	if err != nil {
		return nil, err
	}
	if p.verb == "NEWFILE" {
		return FileStart{Addr: a, Name: f[2], Size: n}, nil
	}
	return FileEnd{Addr: a, Name: f[2], Size: n}, nil
}

func (p parser) fileSent() (Line, error) {
	f, err := p.tokens()
	if err != nil {
		return nil, err
	}
	if len(f) != 3 && len(f) != 5 {
		return nil, p.errorf("wrong number of fields")
	}
	from, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	fs := FileSent{From: from, Name: f[len(f)-1]}
	if len(f) == 5 {
		if fs.To, err = p.addr(f[2], f[3]); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// Formatting, in the order of the types above.

func (t Tag) String() string {
	if t.Addr.IsUser() {
		return "TAG " + t.Addr.String()
	}
	return "TAG " + t.Addr.String() + " " + t.Name
}

func (p Presence) String() string {
	state := "OFF"
	if p.Online {
		state = "ON"
	}
	return "ADD " + state + " " + wire.User(p.User).String() + " " + p.Pseudo
}

func (m Members) String() string {
	var b strings.Builder
	b.WriteString("GRP ")
	b.WriteString(m.Addr.String())
	if !m.Addr.IsUser() {
		b.WriteString(" " + m.ServerName + " " + m.ChannelName)
	}
	for _, u := range m.Users {
		b.WriteString(" 0 ")
		b.WriteString(strconv.FormatInt(u, 10))
	}
	return b.String()
}

func (i Invite) String() string {
	s := "INV "
	if i.Sent {
		s = "SENT "
	}
	s += wire.User(i.From).String()
	if i.To != 0 {
		s += " " + wire.User(i.To).String()
	}
	if !i.IsFriendRequest() {
		s += " " + i.Place.String() + " " + i.ServerName + " " + i.ChannelName
	}
	return s
}

func (j Join) String() string { return "JOIN " + j.Addr.String() + " " + wire.User(j.User).String() }

func (b Bye) String() string {
	if b.User == 0 {
		return "BYE"
	}
	s := "BYE " + wire.User(b.User).String()
	if b.HasAddr {
		s += " " + b.Addr.String()
	}
	return s
}

func (d Delete) String() string { return "DEL " + d.Addr.String() }

func (r Rename) String() string {
	if r.Addr.IsServer() {
		return "RENAME " + r.Name + " " + strconv.FormatInt(r.Addr.Server, 10)
	}
	return "RENAME " + r.Name + " " + r.Addr.String()
}

func (p PasswordChanged) String() string { return "PSW " + p.Password }

func (m Message) String() string {
	return tagPrefix(m.Tags) + "MSG " + wire.User(m.From).String() + " " + m.To.String() + " " + m.Text
}

func (a Ack) String() string { return a.Verb + " OK" }

func (f FileStart) String() string {
	return "NEWFILE " + f.Addr.String() + " " + f.Name + " " + strconv.FormatInt(f.Size, 10)
}

func (f FileChunk) String() string { return "FILE " + f.Addr.String() + " " + f.Name + " " + f.Data }

func (f FileEnd) String() string {
	return "ENDFILE " + f.Addr.String() + " " + f.Name + " " + strconv.FormatInt(f.Size, 10)
}

func (f FileSent) String() string {
	s := tagPrefix(f.Tags) + "FILESENT " + wire.User(f.From).String()
	if f.To != (wire.Addr{}) {
		s += " " + f.To.String()
	}
	return s + " " + f.Name
}

func (g Game) String() string {
	if g.Payload == "" {
		return "JEU " + g.ID
	}
	return "JEU " + g.ID + " " + g.Payload
}

func (e ServerError) String() string {
	if e.Reason == "" {
		return "ERR " + e.Verb
	}
	return "ERR " + e.Verb + " " + e.Reason
}

func (p Pong) String() string {
	if p.Token == "" {
		return "PONG"
	}
	return "PONG " + p.Token
}

func (p Ping) String() string {
	if p.Token == "" {
		return "PING"
	}
	return "PING " + p.Token
}

func (u Unknown) String() string {
	if u.Rest == "" {
		return u.Verb
	}
	return u.Verb + " " + u.Rest
}
