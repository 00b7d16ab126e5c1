// Package wire is Salon's line protocol: framing, parsing of client commands
// into typed values, and formatting of server lines. It knows nothing of
// state or storage; every check it makes is about the shape of a line.
package wire

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Protocol limits from PROTOCOL.md.
const (
	MaxLine      = 4096 // bytes per line, the CRLF included
	MaxName      = 32   // bytes in a pseudo, server or channel name
	MinPassword  = 8
	MaxPassword  = 128
	MaxText      = 4000 // bytes of message text
	MaxChunk     = 3840 // base64 characters per FILE line
	MaxVerbEcho  = 32   // bytes of an unknown verb echoed back in ERR
	GeneralName  = "general"
	maxTagDigits = 19
)

// Limits of PROTOCOL.md Part two.
const (
	MaxQuery     = 256  // bytes of FIND text: a search, not a message
	MaxTopic     = 512  // bytes of a channel topic; CHAN lines carry it beside a name
	MaxAway      = 256  // bytes of an away note
	MaxReason    = 256  // bytes of a KICK or BAN reason
	MaxEmoji     = 32   // bytes of one reaction
	MaxHistPage  = 200  // messages in one HIST page
	MaxKey       = 3048 // bytes of a public key once decoded from base64: its "KEY 0 U base64" line fits in MaxLine whatever U
	MaxTagPrefix = 512  // bytes of a tag prefix, from its '@' to the space after it, beyond MaxLine
)

// Addr is an address of section 2: {0, U} names user U, {S, 0} server S and
// its general channel, {S, C} channel C of server S.
type Addr struct {
	Server  int64
	Channel int64 // the user's tag when Server is 0
}

// User returns the address of user u.
func User(u int64) Addr { return Addr{Channel: u} }

// IsUser reports whether a names a user (a direct conversation).
func (a Addr) IsUser() bool { return a.Server == 0 }

// UserTag returns the user of a user address.
func (a Addr) UserTag() int64 { return a.Channel }

// IsServer reports whether a names a server as a whole (its general channel).
func (a Addr) IsServer() bool { return a.Server > 0 && a.Channel == 0 }

func (a Addr) String() string {
	return strconv.FormatInt(a.Server, 10) + " " + strconv.FormatInt(a.Channel, 10)
}

// ParseTag reads a decimal tag: digits only, no leading zero, at most 63 bits.
func ParseTag(s string) (int64, bool) {
	if s == "" || len(s) > maxTagDigits || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ParseAddr reads an address from two fields and checks the rules of
// section 2: "0 U" needs U > 0; otherwise S > 0 and C >= 0.
func ParseAddr(s, c string) (Addr, bool) {
	st, ok1 := ParseTag(s)
	ct, ok2 := ParseTag(c)
	if !ok1 || !ok2 || (st == 0 && ct == 0) {
		return Addr{}, false
	}
	return Addr{Server: st, Channel: ct}, true
}

// ValidName reports whether s is a valid pseudo, server or channel name:
// 1 to 32 bytes of printable UTF-8 without spaces.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > MaxName || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// ValidEmoji reports whether s can be a reaction: 1 to MaxEmoji bytes of
// UTF-8 with no space and no control character. It does not ask for an
// emoji: a reaction is whatever one token a client draws ("+1" included).
// Format characters stay allowed, unlike in ValidName, because emoji
// sequences are made of them: ZERO WIDTH JOINER binds a woman and a laptop
// into one technologist, a variation selector asks for a heart in colour.
func ValidEmoji(s string) bool {
	if len(s) == 0 || len(s) > MaxEmoji || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cc, r) {
			return false
		}
	}
	return true
}

// ValidPassword reports whether s has the length of a password. Spaces
// cannot occur: the parser splits fields on them.
func ValidPassword(s string) bool { return len(s) >= MinPassword && len(s) <= MaxPassword }

// ValidText reports whether s is acceptable line text: valid UTF-8 with no
// control character other than TAB. Lines read by Reader already are.
func ValidText(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
		if b >= 0x80 {
			return validUnicodeText(s[i:])
		}
	}
	return true
}

func validUnicodeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != '\t' && unicode.IsControl(r) {
			return false
		}
	}
	return true
}
