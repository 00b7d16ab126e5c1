package wire

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Op says which command a line is. Verbs with several forms (NEW, BYE) get
// one Op per form so that the hub never re-reads fields.
type Op int

const (
	OpOther      Op = iota // a verb the core does not know: plugins may claim it
	OpRegister             // NEW USR pseudo password
	OpNewServer            // NEW SERV name
	OpNewChannel           // NEW CHAN S name
	OpLogin                // IAM pseudo password
	OpQuit                 // BYE
	OpLeave                // BYE S C (S > 0): leave a channel, or the server when C is 0
	OpUnfriend             // BYE 0 U: end a friendship or drop a request; BYE 0 U S C (HasPlace): drop an invitation to S C
	OpDelete               // DEL S C
	OpRename               // RENAME name S [C]
	OpInvite               // INV 0 U [S C]
	OpJoin                 // JOIN 0 U | JOIN S C
	OpMsg                  // MSG addr text
	OpPassword             // PSW old new
	OpPseudo               // PSD pseudo password
	OpWho                  // WHO pseudo
	OpPing                 // PING [token]
	OpGet                  // GET addr [file_name]
	OpNewFile              // NEWFILE addr tmp_name size
	OpFile                 // FILE addr tmp_name chunk
	OpEndFile              // ENDFILE addr tmp_name size
	OpGame                 // JEU game payload

	// PROTOCOL.md Part two (parse_community.go).
	OpCapLs      // CAP LS
	OpCapReq     // CAP REQ name [name ...]: Names
	OpReply      // REPLY ID text: ID, Text
	OpEdit       // EDIT ID text: ID, Text
	OpDeleteMsg  // DELETE ID: ID
	OpReact      // REACT ID emoji: ID, Name (the emoji)
	OpUnreact    // UNREACT ID emoji: ID, Name
	OpHist       // HIST CONV before limit: Addr, ID (before; 0: from the newest), Limit
	OpFind       // FIND CONV text: Addr (the zero Addr for FIND 0 0: all the user's conversations), Text
	OpRead       // READ CONV ID: Addr, ID
	OpTyping     // TYPING CONV: Addr
	OpMod        // MOD S C 0 U: Addr (S C, S > 0), User
	OpUnmod      // UNMOD S C 0 U: Addr, User
	OpKick       // KICK S C 0 U reason: Addr, User, Text (reason, may be empty)
	OpBan        // BAN S 0 0 U reason: Addr (S 0), User, Text (may be empty)
	OpUnban      // UNBAN S 0 0 U: Addr, User
	OpBans       // BANS S: Addr{Server: S}
	OpTopic      // TOPIC S C text: Addr, Text (empty: clear the topic)
	OpOpen       // OPEN S C: Addr
	OpClose      // CLOSE S C: Addr
	OpList       // LIST S: Addr{Server: S}
	OpAway       // AWAY [text]: Text ("" means back)
	OpKeyPublish // KEY base64: Key (decoded bytes)
	OpKeyFetch   // KEY 0 U: Addr (wire.User(U))

	// Issue 15: files for the web page.
	OpWebToken // WEBTOKEN: no fields

	// Section 19: calls (parse_calls.go).
	OpCall // CALL CONV action ...: Addr, Name (the CallAction), Text (JOIN, MEDIA: the media list), User (MUTE, UNMUTE, KICK)
	OpRTC  // RTC CONV kind seq last payload: Addr, Name (kind), Seq, Last, Text (this line's base64)
)

// Command is one parsed client line. Which fields are set depends on Op;
// the comments on the Op constants name them. Names and Key are slices, so
// commands are not compared with ==.
type Command struct {
	Op        Op
	Verb      string   // as sent (already truncated for echoing, see ErrVerb)
	Addr      Addr     // the address the command acts on
	Place     Addr     // INV: the channel invited to
	HasPlace  bool     // INV: Place is set
	Name      string   // pseudo (in NFC for NEW USR and PSD), server/channel name, ping token, file name, game id, emoji
	Secret    string   // password (old password for PSW)
	NewSecret string   // PSW: the new password
	Text      string   // MSG text, JEU payload, FILE chunk, Part two's free text, OpOther: the rest of the line
	Size      int64    // NEWFILE, ENDFILE
	ID        int64    // a message id; HIST: the one to page back from (0: the newest)
	Limit     int      // HIST: how many messages at most
	User      int64    // MOD, UNMOD, KICK, BAN, UNBAN: the user acted on
	Names     []string // CAP REQ: the capabilities asked for
	Key       []byte   // KEY: the public key, decoded from base64
	Seq       int      // RTC: the line's place in its payload
	Last      bool     // RTC: the payload's final line
}

// Error is a rejected line: it is sent back as "ERR Verb Reason".
type Error struct {
	Verb   string
	Reason string
}

func (e *Error) Error() string { return e.Verb + " " + e.Reason }

// Line formats the error as the ERR line sent to the client.
func (e *Error) Line() []byte { return Err(e.Verb, e.Reason) }

// Errorf builds an Error; reason is a short human sentence.
func Errorf(verb, reason string) *Error { return &Error{Verb: ErrVerb(verb), Reason: reason} }

// ErrVerb shortens a verb for echoing in ERR so that any ERR line fits in
// MaxLine whatever the client sent.
func ErrVerb(v string) string {
	if len(v) <= MaxVerbEcho {
		return v
	}
	cut := MaxVerbEcho
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut]
}

// Reasons shared by several verbs.
const (
	reasonFields   = "wrong number of fields"
	reasonAddr     = "invalid address"
	reasonTag      = "invalid tag"
	reasonName     = "invalid name: 1 to 32 printable bytes without spaces"
	reasonPseudo   = "invalid pseudo: 1 to 32 printable bytes without spaces"
	reasonPassword = "password must be 8 to 128 bytes"
	reasonPlace    = "expected a server or channel address"
	reasonServer   = "invalid server tag"
)

// Parse decodes one line (without its terminator, as Reader returns it).
// Unknown verbs come back as OpOther with the rest of the line in Text, so
// that plugins may claim them; every other shape error is an *Error.
func Parse(line string) (Command, *Error) {
	verb, rest, hasRest := strings.Cut(line, " ")
	c := Command{Verb: ErrVerb(verb)}
	fail := func(reason string) (Command, *Error) { return Command{}, &Error{Verb: c.Verb, Reason: reason} }
	if verb == "" {
		// A line that starts with a space has no verb to echo: an empty
		// one would make the ERR line itself malformed.
		return Command{}, &Error{Verb: "LINE", Reason: "empty verb"}
	}
	fields := args{rest, hasRest}.fields

	switch verb {
	case "NEW":
		f, ok := fields(2, 3, false)
		if !ok {
			return fail(reasonFields)
		}
		switch f[0] {
		case "USR":
			if len(f) != 3 {
				return fail(reasonFields)
			}
			c.Op, c.Name, c.Secret = OpRegister, f[1], f[2]
			if why := newPseudo(&c); why != "" {
				return fail(why)
			}
			if !ValidPassword(c.Secret) {
				return fail(reasonPassword)
			}
		case "SERV":
			if len(f) != 2 {
				return fail(reasonFields)
			}
			c.Op, c.Name = OpNewServer, f[1]
			if !ValidName(c.Name) {
				return fail(reasonName)
			}
		case "CHAN":
			if len(f) != 3 {
				return fail(reasonFields)
			}
			s, ok := ParseTag(f[1])
			if !ok || s == 0 {
				return fail(reasonServer)
			}
			c.Op, c.Addr, c.Name = OpNewChannel, Addr{Server: s}, f[2]
			if !ValidName(c.Name) {
				return fail(reasonName)
			}
		default:
			return fail("expected NEW USR, NEW SERV or NEW CHAN")
		}
	case "IAM":
		f, ok := fields(2, 2, false)
		if !ok {
			return fail(reasonFields)
		}
		c.Op, c.Name, c.Secret = OpLogin, f[0], f[1]
		if !ValidName(c.Name) {
			return fail(reasonPseudo)
		}
		if !ValidPassword(c.Secret) {
			return fail(reasonPassword)
		}
	case "BYE":
		f, ok := fields(0, 4, false)
		if !ok || len(f)%2 == 1 {
			return fail(reasonFields)
		}
		if len(f) == 0 {
			c.Op = OpQuit
			break
		}
		a, ok := ParseAddr(f[0], f[1])
		if !ok {
			return fail(reasonAddr)
		}
		c.Addr = a
		if !a.IsUser() {
			if len(f) == 4 {
				return fail(reasonFields)
			}
			c.Op = OpLeave
			break
		}
		c.Op = OpUnfriend
		if len(f) == 4 {
			p, ok := ParseAddr(f[2], f[3])
			if !ok || p.IsUser() {
				return fail(reasonPlace)
			}
			c.Place, c.HasPlace = p, true
		}
	case "DEL":
		a, err := parseOneAddr(&c, rest, hasRest)
		if err != nil {
			return Command{}, err
		}
		if a.IsUser() {
			return fail(reasonPlace)
		}
		c.Op, c.Addr = OpDelete, a
	case "RENAME":
		f, ok := fields(2, 3, false)
		if !ok {
			return fail(reasonFields)
		}
		c.Op, c.Name = OpRename, f[0]
		if !ValidName(c.Name) {
			return fail(reasonName)
		}
		s, ok := ParseTag(f[1])
		if !ok || s == 0 {
			return fail(reasonServer)
		}
		c.Addr.Server = s
		if len(f) == 3 {
			ch, ok := ParseTag(f[2])
			if !ok {
				return fail("invalid channel tag")
			}
			c.Addr.Channel = ch
		}
	case "INV":
		f, ok := fields(2, 4, false)
		if !ok || len(f) == 3 {
			return fail(reasonFields)
		}
		a, ok := ParseAddr(f[0], f[1])
		if !ok || !a.IsUser() {
			return fail("expected the invitee as 0 tag_usr")
		}
		c.Op, c.Addr = OpInvite, a
		if len(f) == 4 {
			p, ok := ParseAddr(f[2], f[3])
			if !ok || p.IsUser() {
				return fail(reasonPlace)
			}
			c.Place, c.HasPlace = p, true
		}
	case "JOIN":
		a, err := parseOneAddr(&c, rest, hasRest)
		if err != nil {
			return Command{}, err
		}
		c.Op, c.Addr = OpJoin, a
	case "MSG":
		f, ok := fields(3, 3, true)
		if !ok {
			return fail(reasonFields)
		}
		a, ok := ParseAddr(f[0], f[1])
		if !ok {
			return fail(reasonAddr)
		}
		c.Op, c.Addr, c.Text = OpMsg, a, f[2]
		if why := messageText(c.Text); why != "" {
			return fail(why)
		}
	case "PSW":
		f, ok := fields(2, 2, false)
		if !ok {
			return fail(reasonFields)
		}
		c.Op, c.Secret, c.NewSecret = OpPassword, f[0], f[1]
		if !ValidPassword(c.NewSecret) {
			return fail(reasonPassword)
		}
	case "PSD":
		f, ok := fields(2, 2, false)
		if !ok {
			return fail(reasonFields)
		}
		c.Op, c.Name, c.Secret = OpPseudo, f[0], f[1]
		if why := newPseudo(&c); why != "" {
			return fail(why)
		}
	case "WHO":
		f, ok := fields(1, 1, false)
		if !ok {
			return fail(reasonFields)
		}
		c.Op, c.Name = OpWho, f[0]
		if !ValidName(c.Name) {
			return fail(reasonPseudo)
		}
	case "PING":
		f, ok := fields(0, 1, false)
		if !ok {
			return fail(reasonFields)
		}
		c.Op = OpPing
		if len(f) == 1 {
			c.Name = f[0]
		}
	case "GET":
		f, ok := fields(2, 3, false)
		if !ok {
			return fail(reasonFields)
		}
		a, ok := ParseAddr(f[0], f[1])
		if !ok {
			return fail(reasonAddr)
		}
		c.Op, c.Addr = OpGet, a
		if len(f) == 3 {
			c.Name = f[2]
		}
	case "NEWFILE", "ENDFILE", "FILE":
		f, ok := fields(4, 4, false)
		if !ok {
			return fail(reasonFields)
		}
		a, ok := ParseAddr(f[0], f[1])
		if !ok {
			return fail(reasonAddr)
		}
		c.Addr, c.Name = a, f[2]
		if verb == "FILE" {
			c.Op, c.Text = OpFile, f[3]
			if len(c.Text) > MaxChunk {
				return fail("chunk longer than " + strconv.Itoa(MaxChunk) + " base64 characters")
			}
			break
		}
		c.Op = OpNewFile
		if verb == "ENDFILE" {
			c.Op = OpEndFile
		}
		n, ok := ParseTag(f[3])
		if !ok {
			return fail("invalid size")
		}
		c.Size = n
	case "JEU":
		f, ok := fields(1, 2, true)
		if !ok {
			return fail(reasonFields)
		}
		c.Op, c.Name = OpGame, f[0]
		if len(f) == 2 {
			c.Text = f[1]
		}
	default:
		parse, ok := communityVerbs[verb]
		if !ok {
			c.Op, c.Text = OpOther, rest
			break
		}
		if why := parse(&c, args{rest, hasRest}); why != "" {
			return fail(why)
		}
	}
	return c, nil
}

// args is what follows a verb on a line.
type args struct {
	rest string
	has  bool // a space followed the verb, even if nothing came after it
}

// fields splits the rest into min to max single-space-separated tokens.
// When text is true the max-th field is free text: it keeps its spaces and
// may be empty; every other field must be a non-empty token.
func (a args) fields(min, max int, text bool) ([]string, bool) {
	if !a.has {
		return nil, min == 0
	}
	var f []string
	if text {
		f = strings.SplitN(a.rest, " ", max)
	} else {
		f = strings.Split(a.rest, " ")
	}
	if len(f) < min || len(f) > max {
		return nil, false
	}
	for i, s := range f {
		if s == "" && !(text && i == max-1) {
			return nil, false
		}
	}
	return f, true
}

// parseOneAddr reads a rest of line that must be exactly one address.
func parseOneAddr(c *Command, rest string, hasRest bool) (Addr, *Error) {
	s, ch, ok := strings.Cut(rest, " ")
	if !hasRest || !ok || s == "" || ch == "" || strings.Contains(ch, " ") {
		return Addr{}, &Error{Verb: c.Verb, Reason: reasonFields}
	}
	a, ok := ParseAddr(s, ch)
	if !ok {
		return Addr{}, &Error{Verb: c.Verb, Reason: reasonAddr}
	}
	return a, nil
}

// messageText says why s cannot be the text of a message, or returns "".
// MSG, REPLY and EDIT share it, so that a text one of them takes the others
// take too.
func messageText(s string) string {
	if s == "" {
		return "empty message"
	}
	if len(s) > MaxText {
		return "message longer than " + strconv.Itoa(MaxText) + " bytes"
	}
	return ""
}

// newPseudo checks the pseudo that NEW USR or PSD would give an account and
// puts it in the form the server stores (NormName), or says why it is
// refused. It runs before the password is hashed or checked, so a refused
// pseudo costs nothing. NFC may change the length, so ValidName looks at
// both forms.
func newPseudo(c *Command) string {
	if !ValidName(c.Name) {
		return reasonPseudo
	}
	c.Name = NormName(c.Name)
	if !ValidName(c.Name) {
		return reasonPseudo
	}
	if err := CheckPseudo(c.Name); err != nil {
		return err.Error()
	}
	return ""
}
