package wire

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// communityVerbs parse the verbs of PROTOCOL.md Part two. Each fills in the
// command from what follows its verb, or says why the line is refused; the
// Op comments in parse.go say which fields each one sets. They sit beside
// Parse's switch rather than in it so that the original protocol reads on
// its own there.
var communityVerbs = map[string]func(c *Command, a args) (why string){
	"CAP":     parseCap,
	"REPLY":   func(c *Command, a args) string { return parseMessageText(c, a, OpReply) },
	"EDIT":    func(c *Command, a args) string { return parseMessageText(c, a, OpEdit) },
	"DELETE":  parseDeleteMsg,
	"REACT":   func(c *Command, a args) string { return parseReaction(c, a, OpReact) },
	"UNREACT": func(c *Command, a args) string { return parseReaction(c, a, OpUnreact) },
	"HIST":    parseHist,
	"FIND":    parseFind,
	"READ":    parseRead,
	"TYPING":  parseTyping,
	"MOD":     func(c *Command, a args) string { return parseModerator(c, a, OpMod) },
	"UNMOD":   func(c *Command, a args) string { return parseModerator(c, a, OpUnmod) },
	"KICK":    parseKick,
	"BAN":     parseBan,
	"UNBAN":   parseUnban,
	"BANS":    func(c *Command, a args) string { return parseServer(c, a, OpBans) },
	"TOPIC":   parseTopic,
	"OPEN":    func(c *Command, a args) string { return parseChannel(c, a, OpOpen) },
	"CLOSE":   func(c *Command, a args) string { return parseChannel(c, a, OpClose) },
	"LIST":    func(c *Command, a args) string { return parseServer(c, a, OpList) },
	"AWAY":    parseAway,
	"KEY":     parseKey,

	// Not Part two, but a verb of the same kind (issue 15): it asks for the
	// token the web page's file requests carry (core/chat/webtoken.go).
	"WEBTOKEN": parseWebToken,

	// Section 19 (parse_calls.go).
	"CALL": parseCall,
	"RTC":  parseRTC,
}

// Reasons of Part two shared by several verbs.
const (
	reasonMessageID = "invalid message id"
	reasonUser      = "expected a user as 0 tag_usr"
)

func parseCap(c *Command, a args) string {
	const why = "expected CAP LS or CAP REQ names"
	f, ok := a.fields(1, MaxLine, false)
	switch {
	case !ok:
		return why
	case f[0] == "LS" && len(f) == 1:
		c.Op = OpCapLs
	case f[0] == "REQ" && len(f) > 1:
		c.Op, c.Names = OpCapReq, f[1:]
	default:
		return why
	}
	return ""
}

// parseMessageText reads "ID text" (REPLY, EDIT): the text obeys MSG's rules,
// since it becomes a message's text.
func parseMessageText(c *Command, a args, op Op) string {
	f, ok := a.fields(2, 2, true)
	if !ok {
		return reasonFields
	}
	id, ok := messageID(f[0])
	if !ok {
		return reasonMessageID
	}
	c.Op, c.ID, c.Text = op, id, f[1]
	return messageText(c.Text)
}

func parseDeleteMsg(c *Command, a args) string {
	f, ok := a.fields(1, 1, false)
	if !ok {
		return reasonFields
	}
	id, ok := messageID(f[0])
	if !ok {
		return reasonMessageID
	}
	c.Op, c.ID = OpDeleteMsg, id
	return ""
}

// parseReaction reads "ID emoji" (REACT, UNREACT).
func parseReaction(c *Command, a args, op Op) string {
	f, ok := a.fields(2, 2, false)
	if !ok {
		return reasonFields
	}
	id, ok := messageID(f[0])
	if !ok {
		return reasonMessageID
	}
	if !ValidEmoji(f[1]) {
		return "invalid emoji: one token of 1 to " + strconv.Itoa(MaxEmoji) + " bytes"
	}
	c.Op, c.ID, c.Name = op, id, f[1]
	return ""
}

func parseHist(c *Command, a args) string {
	f, ok := a.fields(4, 4, false)
	if !ok {
		return reasonFields
	}
	conv, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	// before is a message id or 0, which pages back from the newest.
	before, ok := ParseTag(f[2])
	if !ok {
		return reasonMessageID
	}
	limit, ok := ParseTag(f[3])
	if !ok || limit < 1 || limit > MaxHistPage {
		return "limit must be 1 to " + strconv.Itoa(MaxHistPage)
	}
	c.Op, c.Addr, c.ID, c.Limit = OpHist, conv, before, int(limit)
	return ""
}

func parseFind(c *Command, a args) string {
	f, ok := a.fields(3, 3, true)
	if !ok {
		return reasonFields
	}
	// FIND 0 0 searches every conversation of the user: the zero Addr,
	// which no conversation has.
	var conv Addr
	if f[0] != "0" || f[1] != "0" {
		if conv, ok = ParseAddr(f[0], f[1]); !ok {
			return reasonAddr
		}
	}
	c.Op, c.Addr, c.Text = OpFind, conv, f[2]
	if c.Text == "" {
		return "empty query"
	}
	if len(c.Text) > MaxQuery {
		return "query longer than " + strconv.Itoa(MaxQuery) + " bytes"
	}
	return ""
}

func parseRead(c *Command, a args) string {
	f, ok := a.fields(3, 3, false)
	if !ok {
		return reasonFields
	}
	conv, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	id, ok := messageID(f[2])
	if !ok {
		return reasonMessageID
	}
	c.Op, c.Addr, c.ID = OpRead, conv, id
	return ""
}

func parseTyping(c *Command, a args) string {
	conv, err := parseOneAddr(c, a.rest, a.has)
	if err != nil {
		return err.Reason
	}
	c.Op, c.Addr = OpTyping, conv
	return ""
}

// parseModerator reads "S C 0 U" (MOD, UNMOD).
func parseModerator(c *Command, a args, op Op) string {
	f, ok := a.fields(4, 4, false)
	if !ok {
		return reasonFields
	}
	if why := placeAndUser(c, f); why != "" {
		return why
	}
	c.Op = op
	return ""
}

func parseKick(c *Command, a args) string {
	// The reason may be left out, or empty after a space, as JEU's payload.
	f, ok := a.fields(4, 5, true)
	if !ok {
		return reasonFields
	}
	if why := placeAndUser(c, f[:4]); why != "" {
		return why
	}
	c.Op = OpKick
	return setReason(c, f)
}

func parseBan(c *Command, a args) string {
	f, ok := a.fields(4, 5, true)
	if !ok {
		return reasonFields
	}
	if why := serverAndUser(c, f[:4], "BAN S 0 0 U reason"); why != "" {
		return why
	}
	c.Op = OpBan
	return setReason(c, f)
}

func parseUnban(c *Command, a args) string {
	f, ok := a.fields(4, 4, false)
	if !ok {
		return reasonFields
	}
	if why := serverAndUser(c, f, "UNBAN S 0 0 U"); why != "" {
		return why
	}
	c.Op = OpUnban
	return ""
}

// parseServer reads one server tag (BANS, LIST).
func parseServer(c *Command, a args, op Op) string {
	f, ok := a.fields(1, 1, false)
	if !ok {
		return reasonFields
	}
	s, ok := ParseTag(f[0])
	if !ok || s == 0 {
		return reasonServer
	}
	c.Op, c.Addr = op, Addr{Server: s}
	return ""
}

func parseTopic(c *Command, a args) string {
	// An empty topic clears it: "TOPIC S C" and "TOPIC S C " both do.
	f, ok := a.fields(2, 3, true)
	if !ok {
		return reasonFields
	}
	p, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	if p.IsUser() {
		return reasonPlace
	}
	c.Op, c.Addr = OpTopic, p
	if len(f) == 3 {
		c.Text = f[2]
	}
	if len(c.Text) > MaxTopic {
		return "topic longer than " + strconv.Itoa(MaxTopic) + " bytes"
	}
	return ""
}

// parseChannel reads one server or channel address (OPEN, CLOSE).
func parseChannel(c *Command, a args, op Op) string {
	p, err := parseOneAddr(c, a.rest, a.has)
	if err != nil {
		return err.Reason
	}
	if p.IsUser() {
		return reasonPlace
	}
	c.Op, c.Addr = op, p
	return ""
}

// parseWebToken reads WEBTOKEN, which takes nothing.
func parseWebToken(c *Command, a args) string {
	if _, ok := a.fields(0, 0, false); !ok {
		return reasonFields
	}
	c.Op = OpWebToken
	return ""
}

func parseAway(c *Command, a args) string {
	// Everything after the verb is the note, and no note is being back.
	c.Op, c.Text = OpAway, a.rest
	if len(c.Text) > MaxAway {
		return "away note longer than " + strconv.Itoa(MaxAway) + " bytes"
	}
	return ""
}

// parseKey reads KEY's two forms: one field publishes a key, two (a user
// address) ask for one.
func parseKey(c *Command, a args) string {
	f, ok := a.fields(1, 2, false)
	if !ok {
		return reasonFields
	}
	if len(f) == 2 {
		u, ok := ParseAddr(f[0], f[1])
		if !ok || !u.IsUser() {
			return reasonUser
		}
		c.Op, c.Addr = OpKeyFetch, u
		return ""
	}
	key, ok := decodeKey(f[0])
	if !ok {
		return "invalid key: base64 of an OpenPGP public key, at most " + strconv.Itoa(MaxKey) + " bytes"
	}
	c.Op, c.Key = OpKeyPublish, key
	return ""
}

// decodeKey decodes a published key: standard base64 with its padding, in
// the one spelling that encodes the bytes, so that every key has one form
// on the wire.
func decodeKey(s string) ([]byte, bool) {
	// The length is checked first so that no more is decoded than a key
	// may hold. Strict still skips CR and LF, which a line cannot hold
	// anyway; refusing them keeps the spelling unique.
	if len(s) > base64.StdEncoding.EncodedLen(MaxKey) || strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	key, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(key) == 0 || len(key) > MaxKey {
		return nil, false
	}
	return key, true
}

// messageID reads a message id: a tag, and never 0.
func messageID(s string) (int64, bool) {
	id, ok := ParseTag(s)
	return id, ok && id > 0
}

// placeAndUser reads the four fields "S C 0 U" of MOD, UNMOD and KICK into
// Addr and User: the place acted on, a server (S 0) or one of its channels,
// and the user acted upon.
func placeAndUser(c *Command, f []string) string {
	p, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	if p.IsUser() {
		return reasonPlace
	}
	u, ok := ParseAddr(f[2], f[3])
	if !ok || !u.IsUser() {
		return reasonUser
	}
	c.Addr, c.User = p, u.UserTag()
	return ""
}

// serverAndUser reads "S 0 0 U" (BAN, UNBAN) like placeAndUser, but only a
// whole server will do: a ban keeps a user out of all of it. form is the
// verb's shape, shown to a client that named a channel.
func serverAndUser(c *Command, f []string, form string) string {
	p, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	if !p.IsServer() {
		return "bans are for a whole server: " + form
	}
	u, ok := ParseAddr(f[2], f[3])
	if !ok || !u.IsUser() {
		return reasonUser
	}
	c.Addr, c.User = p, u.UserTag()
	return ""
}

// setReason takes the reason of KICK or BAN, the fifth field when there is
// one.
func setReason(c *Command, f []string) string {
	if len(f) == 5 {
		c.Text = f[4]
	}
	if len(c.Text) > MaxReason {
		return "reason longer than " + strconv.Itoa(MaxReason) + " bytes"
	}
	return ""
}
