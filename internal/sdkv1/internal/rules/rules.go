// Package rules holds the checks the host makes on what a plugin declares
// and sends, shared by the sdk (which checks a manifest before the host
// sees it) and sdktest (whose fake host must refuse what the real one
// refuses). They restate PROTOCOL.md; the sdk imports no part of the server but core/wire,
// the protocol's own leaf package.
package rules

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/salon-chat/salon/core/wire"
)

// Protocol limits (PROTOCOL.md sections 1 and 3).
const (
	MaxLine    = 4094 // bytes in a line, without its CRLF
	MaxText    = 4000 // bytes of message text
	MaxName    = 32   // bytes of a pseudo
	MaxGameID  = 64   // bytes of a game id
	MaxVerbLen = 32   // bytes of a claimed verb (longer ones are cut in ERR)
	MaxReason  = 200  // bytes of a hook's rejection reason, and of a wallet reason
	MaxKey     = 256  // bytes of a KV key or prefix
	MaxValue   = 64 << 10
	MaxList    = 1000 // entries a KV List returns at most
)

// CoreVerbs are the verbs of the protocol itself; no plugin may claim them.
var CoreVerbs = map[string]bool{
	"NEW": true, "IAM": true, "BYE": true, "DEL": true, "RENAME": true,
	"INV": true, "JOIN": true, "MSG": true, "PSW": true, "PSD": true,
	"WHO": true, "PING": true, "GET": true, "NEWFILE": true, "FILE": true,
	"ENDFILE": true, "JEU": true, "TAG": true, "ADD": true, "GRP": true,
	"SENT": true, "ERR": true, "PONG": true, "EXT": true, "FILESENT": true,
	// Part two (PROTOCOL.md sections 14 to 20).
	"AWAY": true, "BAN": true, "BANS": true, "CALL": true, "CAP": true, "CHAN": true,
	"CLOSE": true, "DELETE": true, "EDIT": true, "FIND": true, "HIST": true, "KEY": true,
	"KICK": true, "LIST": true, "MOD": true, "OPEN": true, "OWNER": true, "REACT": true,
	"READ": true, "REPLY": true, "RTC": true, "TOPIC": true, "TYPING": true, "UNBAN": true,
	"UNMOD": true, "UNREACT": true, "UNREAD": true,
}

// EventKinds are the event kinds of plugin.proto.
var EventKinds = []string{"online", "offline", "joined", "left", "message", "invited"}

// Token reports whether s is a single protocol field: valid UTF-8, printable,
// no spaces.
func Token(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// Text reports whether s may appear in a line: the protocol's own rule.
func Text(s string) bool { return wire.ValidText(s) }

// CheckGame checks a game id a plugin declares.
func CheckGame(id string) error {
	if !Token(id) || len(id) > MaxGameID {
		return fmt.Errorf("game id %q must be 1 to %d printable bytes without spaces", id, MaxGameID)
	}
	return nil
}

// CheckVerb checks a verb a plugin claims.
func CheckVerb(v string) error {
	if v == "" || len(v) > MaxVerbLen {
		return fmt.Errorf("verb %q must be 1 to %d upper case letters", v, MaxVerbLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 'A' || v[i] > 'Z' {
			return fmt.Errorf("verb %q must be upper case letters A to Z only", v)
		}
	}
	if CoreVerbs[v] {
		return fmt.Errorf("verb %q belongs to the protocol and cannot be claimed", v)
	}
	return nil
}

// CheckBot checks a bot pseudo: the rules of any pseudo.
func CheckBot(pseudo string) error {
	if !Token(pseudo) || len(pseudo) > MaxName {
		return fmt.Errorf("bot pseudo %q must be 1 to %d printable bytes without spaces", pseudo, MaxName)
	}
	return nil
}

// CheckEvent checks an event kind a plugin asks for.
func CheckEvent(kind string) error {
	for _, k := range EventKinds {
		if k == kind {
			return nil
		}
	}
	return fmt.Errorf("unknown event kind %q (want one of %s)", kind, strings.Join(EventKinds, ", "))
}

// FoldPseudo is the key pseudos are compared by, the server's own: they
// are unique regardless of case, normalisation, width and invisible marks.
func FoldPseudo(s string) string { return wire.FoldPseudo(s) }

// CheckManifest checks the lists of a manifest, each on its own and for
// duplicates.
func CheckManifest(games, verbs, events, bots []string) error {
	seen := map[string]bool{}
	for _, g := range games {
		if err := CheckGame(g); err != nil {
			return err
		}
		if seen["g "+g] {
			return fmt.Errorf("game %q declared twice", g)
		}
		seen["g "+g] = true
	}
	for _, v := range verbs {
		if err := CheckVerb(v); err != nil {
			return err
		}
		if seen["v "+v] {
			return fmt.Errorf("verb %q declared twice", v)
		}
		seen["v "+v] = true
	}
	for _, e := range events {
		if err := CheckEvent(e); err != nil {
			return err
		}
		if seen["e "+e] {
			return fmt.Errorf("event %q declared twice", e)
		}
		seen["e "+e] = true
	}
	for _, b := range bots {
		if err := CheckBot(b); err != nil {
			return err
		}
		k := "b " + FoldPseudo(b)
		if seen[k] {
			return fmt.Errorf("bot %q declared twice (pseudos ignore case)", b)
		}
		seen[k] = true
	}
	return nil
}

// CheckLine checks a line a plugin asks the host to send: one protocol line
// that is `JEU game [payload]` for one of its games or starts with one of
// its verbs.
func CheckLine(line string, games, verbs []string) error {
	if line == "" {
		return fmt.Errorf("empty line")
	}
	if len(line) > MaxLine {
		return fmt.Errorf("line of %d bytes is longer than %d", len(line), MaxLine)
	}
	if !Text(line) {
		return fmt.Errorf("line is not valid UTF-8 or holds a control character")
	}
	verb, rest, _ := strings.Cut(line, " ")
	if verb == "JEU" {
		game, _, _ := strings.Cut(rest, " ")
		for _, g := range games {
			if g == game {
				return nil
			}
		}
		return fmt.Errorf("JEU line for game %q, which is not one of this plugin's", game)
	}
	for _, v := range verbs {
		if v == verb {
			return nil
		}
	}
	return fmt.Errorf("line starts with %q, which is neither JEU nor a verb this plugin claimed", verb)
}

// CheckText checks the text of a message: 1 to 4000 bytes of line text.
func CheckText(text string) error {
	if text == "" || len(text) > MaxText {
		return fmt.Errorf("message text must be 1 to %d bytes, not %d", MaxText, len(text))
	}
	if !Text(text) {
		return fmt.Errorf("message text is not valid UTF-8 or holds a control character")
	}
	return nil
}

// CheckReason checks the reason of a rejection or a wallet change: line
// text of at most MaxReason bytes (empty allowed; a rejection's reason is
// never empty, the sdk fills it in).
func CheckReason(reason string) error {
	if len(reason) > MaxReason || !Text(reason) {
		return fmt.Errorf("a reason is at most %d bytes of line text", MaxReason)
	}
	return nil
}

// Refused is the reason told for a refusal whose own reason is empty.
const Refused = "request refused"

// Reason makes s a reason the host accepts: line text (LineText) without
// surrounding spaces, cut to MaxReason bytes, or fallback when nothing is
// left.
func Reason(s, fallback string) string {
	s = Truncate(strings.TrimSpace(LineText(s)), MaxReason)
	if s == "" {
		return fallback
	}
	return s
}

// LineText makes s fit in a line: valid UTF-8, control characters (TAB
// excepted) turned into spaces.
func LineText(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Truncate cuts s to at most n bytes, on a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
