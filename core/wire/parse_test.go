package wire

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Values at and just past the limits of sections 1 to 3, built once so that
// the tables below stay readable.
var (
	name32    = strings.Repeat("n", MaxName)
	name33    = strings.Repeat("n", MaxName+1)
	nameRunes = strings.Repeat("é", MaxName/2) // 32 bytes of two-byte runes
	pass7     = strings.Repeat("p", MinPassword-1)
	pass8     = strings.Repeat("p", MinPassword)
	pass128   = strings.Repeat("p", MaxPassword)
	pass129   = strings.Repeat("p", MaxPassword+1)
	text4000  = strings.Repeat("t", MaxText)
	text4001  = strings.Repeat("t", MaxText+1)
	chunk3840 = strings.Repeat("A", MaxChunk)
	chunk3841 = strings.Repeat("A", MaxChunk+1)
	longVerb  = strings.Repeat("V", 31) + "éé" // 35 bytes; byte 32 is inside the first é
)

var parseTests = []struct {
	line string
	want Command
}{
	// NEW
	{"NEW USR bob password1", Command{Op: OpRegister, Verb: "NEW", Name: "bob", Secret: "password1"}},
	{"NEW USR " + name32 + " " + pass8, Command{Op: OpRegister, Verb: "NEW", Name: name32, Secret: pass8}},
	{"NEW USR " + nameRunes + " " + pass128, Command{Op: OpRegister, Verb: "NEW", Name: nameRunes, Secret: pass128}},
	{"NEW USR Zoë_42! p\tssword", Command{Op: OpRegister, Verb: "NEW", Name: "Zoë_42!", Secret: "p\tssword"}},
	// A new pseudo is stored in NFC: e + U+0301 becomes é.
	{"NEW USR Jose\u0301 password1", Command{Op: OpRegister, Verb: "NEW", Name: "Jos\u00e9", Secret: "password1"}},
	{"NEW USR 日本語テストabc password1", Command{Op: OpRegister, Verb: "NEW", Name: "日本語テストabc", Secret: "password1"}},
	{"NEW USR 김철수kim password1", Command{Op: OpRegister, Verb: "NEW", Name: "김철수kim", Secret: "password1"}},
	{"NEW USR Ψυχή-2 password1", Command{Op: OpRegister, Verb: "NEW", Name: "Ψυχή-2", Secret: "password1"}},
	{"NEW SERV Salon", Command{Op: OpNewServer, Verb: "NEW", Name: "Salon"}},
	{"NEW SERV " + name32, Command{Op: OpNewServer, Verb: "NEW", Name: name32}},
	{"NEW CHAN 7 dev", Command{Op: OpNewChannel, Verb: "NEW", Addr: Addr{Server: 7}, Name: "dev"}},
	{"NEW CHAN 9223372036854775807 dev", Command{Op: OpNewChannel, Verb: "NEW", Addr: Addr{Server: 1<<63 - 1}, Name: "dev"}},

	// IAM
	{"IAM bob password1", Command{Op: OpLogin, Verb: "IAM", Name: "bob", Secret: "password1"}},
	{"IAM bob " + pass8, Command{Op: OpLogin, Verb: "IAM", Name: "bob", Secret: pass8}},
	{"IAM bob " + pass128, Command{Op: OpLogin, Verb: "IAM", Name: "bob", Secret: pass128}},
	// IAM and WHO take a pseudo as sent: the hub compares them by FoldPseudo,
	// and accounts made before the script rule may mix scripts.
	{"IAM Jose\u0301 password1", Command{Op: OpLogin, Verb: "IAM", Name: "Jose\u0301", Secret: "password1"}},
	{"IAM \u0430lice password1", Command{Op: OpLogin, Verb: "IAM", Name: "\u0430lice", Secret: "password1"}},

	// BYE in its four forms.
	{"BYE", Command{Op: OpQuit, Verb: "BYE"}},
	{"BYE 3 4", Command{Op: OpLeave, Verb: "BYE", Addr: Addr{3, 4}}},
	{"BYE 3 0", Command{Op: OpLeave, Verb: "BYE", Addr: Addr{3, 0}}},
	{"BYE 0 9", Command{Op: OpUnfriend, Verb: "BYE", Addr: User(9)}},
	{"BYE 0 9 3 4", Command{Op: OpUnfriend, Verb: "BYE", Addr: User(9), Place: Addr{3, 4}, HasPlace: true}},
	{"BYE 0 9 3 0", Command{Op: OpUnfriend, Verb: "BYE", Addr: User(9), Place: Addr{3, 0}, HasPlace: true}},
	{"BYE 9223372036854775807 9223372036854775807", Command{Op: OpLeave, Verb: "BYE", Addr: Addr{1<<63 - 1, 1<<63 - 1}}},

	// DEL
	{"DEL 3 4", Command{Op: OpDelete, Verb: "DEL", Addr: Addr{3, 4}}},
	{"DEL 3 0", Command{Op: OpDelete, Verb: "DEL", Addr: Addr{3, 0}}},

	// RENAME: a server with or without its 0, or a channel.
	{"RENAME lobby 3", Command{Op: OpRename, Verb: "RENAME", Addr: Addr{3, 0}, Name: "lobby"}},
	{"RENAME lobby 3 0", Command{Op: OpRename, Verb: "RENAME", Addr: Addr{3, 0}, Name: "lobby"}},
	{"RENAME dev 3 4", Command{Op: OpRename, Verb: "RENAME", Addr: Addr{3, 4}, Name: "dev"}},
	{"RENAME " + name32 + " 3 4", Command{Op: OpRename, Verb: "RENAME", Addr: Addr{3, 4}, Name: name32}},

	// INV
	{"INV 0 9", Command{Op: OpInvite, Verb: "INV", Addr: User(9)}},
	{"INV 0 9 3 4", Command{Op: OpInvite, Verb: "INV", Addr: User(9), Place: Addr{3, 4}, HasPlace: true}},
	{"INV 0 9 3 0", Command{Op: OpInvite, Verb: "INV", Addr: User(9), Place: Addr{3, 0}, HasPlace: true}},

	// JOIN
	{"JOIN 0 9", Command{Op: OpJoin, Verb: "JOIN", Addr: User(9)}},
	{"JOIN 3 4", Command{Op: OpJoin, Verb: "JOIN", Addr: Addr{3, 4}}},
	{"JOIN 3 0", Command{Op: OpJoin, Verb: "JOIN", Addr: Addr{3, 0}}},

	// MSG: the text is everything after the address, spaces and tabs kept.
	{"MSG 0 9 hello", Command{Op: OpMsg, Verb: "MSG", Addr: User(9), Text: "hello"}},
	{"MSG 3 4 hello  world", Command{Op: OpMsg, Verb: "MSG", Addr: Addr{3, 4}, Text: "hello  world"}},
	{"MSG 3 0  a\tb \t c ", Command{Op: OpMsg, Verb: "MSG", Addr: Addr{3, 0}, Text: " a\tb \t c "}},
	{"MSG 0 9 x", Command{Op: OpMsg, Verb: "MSG", Addr: User(9), Text: "x"}},
	{"MSG 0 9  ", Command{Op: OpMsg, Verb: "MSG", Addr: User(9), Text: " "}},
	{"MSG 0 9 @bob: 0 1 MSG 2 3", Command{Op: OpMsg, Verb: "MSG", Addr: User(9), Text: "@bob: 0 1 MSG 2 3"}},
	{"MSG 0 9 " + text4000, Command{Op: OpMsg, Verb: "MSG", Addr: User(9), Text: text4000}},

	// PSW checks the new password only: a wrong old one is the hub's to
	// refuse, with a better reason than its length.
	{"PSW oldpassword newpassword", Command{Op: OpPassword, Verb: "PSW", Secret: "oldpassword", NewSecret: "newpassword"}},
	{"PSW x " + pass8, Command{Op: OpPassword, Verb: "PSW", Secret: "x", NewSecret: pass8}},
	{"PSW " + pass129 + " " + pass128, Command{Op: OpPassword, Verb: "PSW", Secret: pass129, NewSecret: pass128}},

	// PSD
	{"PSD alice password1", Command{Op: OpPseudo, Verb: "PSD", Name: "alice", Secret: "password1"}},
	{"PSD " + name32 + " x", Command{Op: OpPseudo, Verb: "PSD", Name: name32, Secret: "x"}},
	{"PSD Jose\u0301 x", Command{Op: OpPseudo, Verb: "PSD", Name: "Jos\u00e9", Secret: "x"}},

	// WHO
	{"WHO alice", Command{Op: OpWho, Verb: "WHO", Name: "alice"}},
	{"WHO " + nameRunes, Command{Op: OpWho, Verb: "WHO", Name: nameRunes}},

	// PING
	{"PING", Command{Op: OpPing, Verb: "PING"}},
	{"PING tok-1", Command{Op: OpPing, Verb: "PING", Name: "tok-1"}},

	// GET: a history, or a file.
	{"GET 0 9", Command{Op: OpGet, Verb: "GET", Addr: User(9)}},
	{"GET 3 4", Command{Op: OpGet, Verb: "GET", Addr: Addr{3, 4}}},
	{"GET 3 4 photo.png", Command{Op: OpGet, Verb: "GET", Addr: Addr{3, 4}, Name: "photo.png"}},
	{"GET 0 9 save.txt", Command{Op: OpGet, Verb: "GET", Addr: User(9), Name: "save.txt"}},

	// Uploads.
	{"NEWFILE 3 4 photo.png 1024", Command{Op: OpNewFile, Verb: "NEWFILE", Addr: Addr{3, 4}, Name: "photo.png", Size: 1024}},
	{"NEWFILE 0 9 empty.txt 0", Command{Op: OpNewFile, Verb: "NEWFILE", Addr: User(9), Name: "empty.txt", Size: 0}},
	{"FILE 3 4 photo.png aGVsbG8=", Command{Op: OpFile, Verb: "FILE", Addr: Addr{3, 4}, Name: "photo.png", Text: "aGVsbG8="}},
	{"FILE 0 9 a " + chunk3840, Command{Op: OpFile, Verb: "FILE", Addr: User(9), Name: "a", Text: chunk3840}},
	{"ENDFILE 3 4 photo.png 1024", Command{Op: OpEndFile, Verb: "ENDFILE", Addr: Addr{3, 4}, Name: "photo.png", Size: 1024}},
	{"ENDFILE 3 0 big 9223372036854775807", Command{Op: OpEndFile, Verb: "ENDFILE", Addr: Addr{3, 0}, Name: "big", Size: 1<<63 - 1}},

	// JEU: the payload is free text and optional.
	{"JEU chess", Command{Op: OpGame, Verb: "JEU", Name: "chess"}},
	{"JEU chess move e2 e4", Command{Op: OpGame, Verb: "JEU", Name: "chess", Text: "move e2 e4"}},
	{"JEU chess  two\tspaces ", Command{Op: OpGame, Verb: "JEU", Name: "chess", Text: " two\tspaces "}},
	{"JEU chess ", Command{Op: OpGame, Verb: "JEU", Name: "chess", Text: ""}},

	// Unknown verbs go to plugins with the rest of the line untouched. The
	// verb is case-sensitive, so lower case is unknown too.
	{"FOO bar  baz ", Command{Op: OpOther, Verb: "FOO", Text: "bar  baz "}},
	{"FOO", Command{Op: OpOther, Verb: "FOO"}},
	{"FOO ", Command{Op: OpOther, Verb: "FOO"}},
	{"msg 0 9 hi", Command{Op: OpOther, Verb: "msg", Text: "0 9 hi"}},
	{"Bye", Command{Op: OpOther, Verb: "Bye"}},
	{"ERR MSG oops", Command{Op: OpOther, Verb: "ERR", Text: "MSG oops"}},
	{"JEU\tchess", Command{Op: OpOther, Verb: "JEU\tchess"}},
	// Verb holds at most MaxVerbEcho bytes, cut on a rune boundary.
	{longVerb + " x", Command{Op: OpOther, Verb: strings.Repeat("V", 31), Text: "x"}},
}

// brief formats c for a failure message, cut short: some fields hold
// thousands of bytes.
func brief(c Command) string {
	s := fmt.Sprintf("%+v", c)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// sameCommand reports whether a and b are the same command: == cannot
// compare Names and Key. Parse leaves a slice nil when its Op has none, so
// telling nil from empty is right.
func sameCommand(a, b Command) bool { return reflect.DeepEqual(a, b) }

func TestParse(t *testing.T) {
	for _, tt := range slices.Concat(parseTests, communityTests) {
		got, err := Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%.60q) = error %q, want %s", tt.line, err, brief(tt.want))
			continue
		}
		if !sameCommand(got, tt.want) {
			t.Errorf("Parse(%.60q)\n got %s\nwant %s", tt.line, brief(got), brief(tt.want))
		}
	}
}

var parseErrorTests = []struct {
	line   string
	verb   string
	reason string
}{
	// No verb at all: the ERR names the line.
	{"", "LINE", "empty verb"},
	{" ", "LINE", "empty verb"},
	{" MSG 0 9 hi", "LINE", "empty verb"},

	// NEW
	{"NEW", "NEW", reasonFields},
	{"NEW ", "NEW", reasonFields},
	{"NEW USR", "NEW", reasonFields},
	{"NEW USR bob", "NEW", reasonFields},
	{"NEW USR bob password1 x", "NEW", reasonFields},
	{"NEW USR bob password1 ", "NEW", reasonFields},
	{"NEW USR  bob password1", "NEW", reasonFields},
	{"NEW  USR bob password1", "NEW", reasonFields},
	{"NEW USR bob " + pass7, "NEW", reasonPassword},
	{"NEW USR bob " + pass129, "NEW", reasonPassword},
	{"NEW USR " + name33 + " password1", "NEW", reasonPseudo},
	{"NEW USR bo\u00a0b password1", "NEW", reasonPseudo},                                // no-break space
	{"NEW USR bob\u200b password1", "NEW", reasonPseudo},                                // zero-width space
	{"NEW USR bob\tx password1", "NEW", reasonPseudo},                                   // TAB is valid text but not printable
	{"NEW USR \xffbob password1", "NEW", reasonPseudo},                                  // Reader rejects it first; Parse must too
	{"NEW USR \u0430lice password1", "NEW", "pseudo mixes scripts: Cyrillic and Latin"}, // Cyrillic а
	{"NEW USR alic\u0435 password1", "NEW", "pseudo mixes scripts: Latin and Cyrillic"}, // Cyrillic е
	{"NEW USR \u03bfscar password1", "NEW", "pseudo mixes scripts: Greek and Latin"},    // Greek ο
	{"NEW USR a\u0430\u03b1 password1", "NEW", "pseudo mixes scripts: Latin, Cyrillic and Greek"},
	{"NEW USR alice\ufe0f password1", "NEW", "pseudo holds an invisible character (U+FE0F)"},
	{"NEW USR \u3164 password1", "NEW", "pseudo holds an invisible character (U+3164)"}, // Hangul filler
	// 32 bytes as sent, 34 in NFC: U+0344 becomes U+0308 U+0301.
	{"NEW USR " + strings.Repeat("a", 30) + "\u0344 password1", "NEW", reasonPseudo},
	{"NEW SERV", "NEW", reasonFields},
	{"NEW SERV my salon", "NEW", reasonFields},
	{"NEW SERV salon ", "NEW", reasonFields},
	{"NEW SERV " + name33, "NEW", reasonName},
	{"NEW SERV sa\u0085lon", "NEW", reasonName},
	{"NEW CHAN 3", "NEW", reasonFields},
	{"NEW CHAN 3 my dev", "NEW", reasonFields},
	{"NEW CHAN 3 dev ", "NEW", reasonFields},
	{"NEW CHAN 0 dev", "NEW", reasonServer},
	{"NEW CHAN 03 dev", "NEW", reasonServer},
	{"NEW CHAN 9223372036854775808 dev", "NEW", reasonServer},
	{"NEW CHAN 3 " + name33, "NEW", reasonName},
	{"NEW FOO bar", "NEW", "expected NEW USR, NEW SERV or NEW CHAN"},
	{"NEW usr bob password1", "NEW", "expected NEW USR, NEW SERV or NEW CHAN"},

	// IAM
	{"IAM", "IAM", reasonFields},
	{"IAM bob", "IAM", reasonFields},
	{"IAM bob password1 x", "IAM", reasonFields},
	{"IAM bob password1 ", "IAM", reasonFields},
	{"IAM bob  password1", "IAM", reasonFields},
	{"IAM " + name33 + " password1", "IAM", reasonPseudo},
	{"IAM bob " + pass7, "IAM", reasonPassword},
	{"IAM bob " + pass129, "IAM", reasonPassword},

	// BYE
	{"BYE ", "BYE", reasonFields},
	{"BYE 3", "BYE", reasonFields},
	{"BYE 3 4 5", "BYE", reasonFields},
	{"BYE 0 9 3", "BYE", reasonFields},
	{"BYE 3 4 5 6", "BYE", reasonFields},
	{"BYE 0 9 0 4", "BYE", "expected a server or channel address"},
	{"BYE 0 9 3 4 5", "BYE", reasonFields},
	{"BYE 3 4 ", "BYE", reasonFields},
	{"BYE 3  4", "BYE", reasonFields},
	{"BYE 0 0", "BYE", reasonAddr},
	{"BYE 01 4", "BYE", reasonAddr},
	{"BYE 3 00", "BYE", reasonAddr},
	{"BYE -3 4", "BYE", reasonAddr},
	{"BYE +3 4", "BYE", reasonAddr},
	{"BYE 3 x", "BYE", reasonAddr},
	{"BYE 9223372036854775808 4", "BYE", reasonAddr},  // 2^63
	{"BYE 3 99999999999999999999", "BYE", reasonAddr}, // 20 digits

	// DEL
	{"DEL", "DEL", reasonFields},
	{"DEL 3", "DEL", reasonFields},
	{"DEL 3 ", "DEL", reasonFields},
	{"DEL  3", "DEL", reasonFields},
	{"DEL 3 4 5", "DEL", reasonFields},
	{"DEL 3 4 ", "DEL", reasonFields},
	{"DEL 0 0", "DEL", reasonAddr},
	{"DEL 3 04", "DEL", reasonAddr},
	{"DEL 0 9", "DEL", "expected a server or channel address"},

	// RENAME
	{"RENAME", "RENAME", reasonFields},
	{"RENAME lobby", "RENAME", reasonFields},
	{"RENAME lobby 3 4 5", "RENAME", reasonFields},
	{"RENAME lobby 3 ", "RENAME", reasonFields},
	{"RENAME my lobby 3", "RENAME", reasonServer},
	{"RENAME lobby 0", "RENAME", reasonServer},
	{"RENAME lobby 0 4", "RENAME", reasonServer},
	{"RENAME lobby 03", "RENAME", reasonServer},
	{"RENAME lobby 3 04", "RENAME", "invalid channel tag"},
	{"RENAME lobby 3 9223372036854775808", "RENAME", "invalid channel tag"},
	{"RENAME " + name33 + " 3", "RENAME", reasonName},

	// INV
	{"INV", "INV", reasonFields},
	{"INV 0", "INV", reasonFields},
	{"INV 0 9 3", "INV", reasonFields},
	{"INV 0 9 3 4 5", "INV", reasonFields},
	{"INV 0 9 ", "INV", reasonFields},
	{"INV 3 4", "INV", "expected the invitee as 0 tag_usr"},
	{"INV 0 0", "INV", "expected the invitee as 0 tag_usr"},
	{"INV 0 09", "INV", "expected the invitee as 0 tag_usr"},
	{"INV 0 9 0 8", "INV", "expected a server or channel address"},
	{"INV 0 9 0 0", "INV", "expected a server or channel address"},
	{"INV 0 9 3 x", "INV", "expected a server or channel address"},

	// JOIN
	{"JOIN", "JOIN", reasonFields},
	{"JOIN 0", "JOIN", reasonFields},
	{"JOIN 0 9 ", "JOIN", reasonFields},
	{"JOIN 0 9 3 4", "JOIN", reasonFields},
	{"JOIN 0 0", "JOIN", reasonAddr},
	{"JOIN 0 010", "JOIN", reasonAddr},

	// MSG
	{"MSG", "MSG", reasonFields},
	{"MSG 0 9", "MSG", reasonFields},
	{"MSG 0  9 hi", "MSG", reasonFields},
	{"MSG  0 9 hi", "MSG", reasonFields},
	{"MSG 0 9 ", "MSG", "empty message"},
	{"MSG 0 0 hi", "MSG", reasonAddr},
	{"MSG 0 09 hi", "MSG", reasonAddr},
	{"MSG 0 9223372036854775808 hi", "MSG", reasonAddr},
	{"MSG 0 9 " + text4001, "MSG", "message longer than 4000 bytes"},

	// PSW
	{"PSW", "PSW", reasonFields},
	{"PSW oldpassword", "PSW", reasonFields},
	{"PSW oldpassword newpassword x", "PSW", reasonFields},
	{"PSW oldpassword newpassword ", "PSW", reasonFields},
	{"PSW oldpassword " + pass7, "PSW", reasonPassword},
	{"PSW oldpassword " + pass129, "PSW", reasonPassword},

	// PSD
	{"PSD", "PSD", reasonFields},
	{"PSD alice", "PSD", reasonFields},
	{"PSD alice password1 ", "PSD", reasonFields},
	{"PSD " + name33 + " password1", "PSD", reasonPseudo},
	{"PSD al\u00adice password1", "PSD", reasonPseudo}, // soft hyphen
	{"PSD \u0430lice password1", "PSD", "pseudo mixes scripts: Cyrillic and Latin"},
	{"PSD bob\U000e0100 password1", "PSD", "pseudo holds an invisible character (U+E0100)"},

	// WHO
	{"WHO", "WHO", reasonFields},
	{"WHO ", "WHO", reasonFields},
	{"WHO alice bob", "WHO", reasonFields},
	{"WHO " + name33, "WHO", reasonPseudo},
	{"WHO al\x7fice", "WHO", reasonPseudo},

	// PING
	{"PING ", "PING", reasonFields},
	{"PING a b", "PING", reasonFields},
	{"PING  a", "PING", reasonFields},

	// GET
	{"GET", "GET", reasonFields},
	{"GET 0", "GET", reasonFields},
	{"GET 0 9 a b", "GET", reasonFields},
	{"GET 0 9 ", "GET", reasonFields},
	{"GET 0 0", "GET", reasonAddr},
	{"GET 0 0 photo.png", "GET", reasonAddr},

	// NEWFILE, FILE, ENDFILE
	{"NEWFILE 3 4 a", "NEWFILE", reasonFields},
	{"NEWFILE 3 4 a 1 2", "NEWFILE", reasonFields},
	{"NEWFILE 3 4 a 1 ", "NEWFILE", reasonFields},
	{"NEWFILE 3 4  1", "NEWFILE", reasonFields},
	{"NEWFILE 0 0 a 1", "NEWFILE", reasonAddr},
	{"NEWFILE 3 4 a 01", "NEWFILE", "invalid size"},
	{"NEWFILE 3 4 a -1", "NEWFILE", "invalid size"},
	{"NEWFILE 3 4 a 1k", "NEWFILE", "invalid size"},
	{"NEWFILE 3 4 a 9223372036854775808", "NEWFILE", "invalid size"},
	{"FILE 3 4 a", "FILE", reasonFields},
	{"FILE 3 4 a aGVs bG8=", "FILE", reasonFields},
	{"FILE 3 4 a ", "FILE", reasonFields},
	{"FILE 3 04 a aGVsbG8=", "FILE", reasonAddr},
	{"FILE 3 4 a " + chunk3841, "FILE", "chunk longer than 3840 base64 characters"},
	{"ENDFILE 3 4 a", "ENDFILE", reasonFields},
	{"ENDFILE 0 0 a 1", "ENDFILE", reasonAddr},
	{"ENDFILE 3 4 a x", "ENDFILE", "invalid size"},

	// JEU needs a game id; only the payload may be empty.
	{"JEU", "JEU", reasonFields},
	{"JEU ", "JEU", reasonFields},
	{"JEU  move e2 e4", "JEU", reasonFields},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range slices.Concat(parseErrorTests, communityErrorTests) {
		got, err := Parse(tt.line)
		if err == nil {
			t.Errorf("Parse(%.60q) = %s, want error %s %s", tt.line, brief(got), tt.verb, tt.reason)
			continue
		}
		if err.Verb != tt.verb || err.Reason != tt.reason {
			t.Errorf("Parse(%.60q) = error %q %q, want %q %q", tt.line, err.Verb, err.Reason, tt.verb, tt.reason)
		}
		// A rejected line must not leak a half-filled command to a caller
		// that forgets to look at the error.
		if !sameCommand(got, Command{}) {
			t.Errorf("Parse(%.60q) returned %s with its error, want the zero Command", tt.line, brief(got))
		}
	}
}

func TestParseTag(t *testing.T) {
	tests := []struct {
		s    string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"42", 42, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1_000", 0, false},
		{"0x10", 0, false},
		{"１", 0, false}, // fullwidth digit one
		{"9223372036854775808", 0, false},
		{"10000000000000000000", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		// The value is unspecified when ok is false.
		got, ok := ParseTag(tt.s)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseTag(%q) = %d, %v, want %d, %v", tt.s, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		s, c string
		want Addr
		ok   bool
	}{
		{"0", "9", User(9), true},
		{"3", "0", Addr{3, 0}, true},
		{"3", "4", Addr{3, 4}, true},
		{"0", "0", Addr{}, false},
		{"0", "09", Addr{}, false},
		{"03", "4", Addr{}, false},
		{"3", "", Addr{}, false},
		{"", "4", Addr{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseAddr(tt.s, tt.c)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAddr(%q, %q) = %v, %v, want %v, %v", tt.s, tt.c, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAddr(t *testing.T) {
	u := User(9)
	if !u.IsUser() || u.IsServer() || u.UserTag() != 9 || u.String() != "0 9" {
		t.Errorf("User(9) = %v: IsUser %v, IsServer %v, UserTag %d", u, u.IsUser(), u.IsServer(), u.UserTag())
	}
	s := Addr{Server: 3}
	if s.IsUser() || !s.IsServer() || s.String() != "3 0" {
		t.Errorf("Addr{3, 0}: IsUser %v, IsServer %v, String %q", s.IsUser(), s.IsServer(), s)
	}
	c := Addr{3, 4}
	if c.IsUser() || c.IsServer() || c.String() != "3 4" {
		t.Errorf("Addr{3, 4}: IsUser %v, IsServer %v, String %q", c.IsUser(), c.IsServer(), c)
	}
}

func TestValidName(t *testing.T) {
	valid := []string{"a", "bob", "Zoë", name32, nameRunes, "日本語", "a-b_c.d!", "🙂", GeneralName}
	invalid := []string{
		"", name33, "a b", "a\tb", "a\x00b", "a\x7fb", "a\u0085b", "a\u00a0b", "a\u200bb",
		"a\u2028b", "\xff", "\xc0\xaf", strings.Repeat("é", MaxName/2) + "x",
	}
	for _, s := range valid {
		if !ValidName(s) {
			t.Errorf("ValidName(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidName(s) {
			t.Errorf("ValidName(%q) = true, want false", s)
		}
	}
}

func TestValidEmoji(t *testing.T) {
	valid := []string{
		"👍", "+1", ":tada:", "a", "🙂",
		"\u2764\ufe0f",                  // red heart with its emoji presentation selector
		"\U0001f469\u200d\U0001f4bb",    // woman technologist: a ZWJ sequence
		"\U0001f44d\U0001f3fd",          // thumbs up with a skin tone
		"\U0001f1eb\U0001f1f7",          // a flag: two regional indicators
		strings.Repeat("\U0001f600", 8), // 32 bytes
		strings.Repeat("x", MaxEmoji),
	}
	invalid := []string{
		"", "a b", "a\tb", "\x00", "\x7f", "\u0085", "\u00a0", "\u2028", "\u3000", "👍\n",
		"\xff", "\xf0\x9f\x91", // a four-byte rune cut short
		strings.Repeat("\U0001f600", 8) + "x", strings.Repeat("x", MaxEmoji+1),
	}
	for _, s := range valid {
		if !ValidEmoji(s) {
			t.Errorf("ValidEmoji(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidEmoji(s) {
			t.Errorf("ValidEmoji(%q) = true, want false", s)
		}
	}
}

func TestValidPassword(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{{"", false}, {pass7, false}, {pass8, true}, {pass128, true}, {pass129, false}} {
		if got := ValidPassword(tt.s); got != tt.want {
			t.Errorf("ValidPassword(%d bytes) = %v, want %v", len(tt.s), got, tt.want)
		}
	}
}

func TestValidText(t *testing.T) {
	valid := []string{"", "hello", "a\tb", "Zoë", "日本語 🙂", "\u00a0", "\u2028", "tab\tthen é"}
	invalid := []string{
		"\x00", "a\x01", "\x1b[31m", "a\rb", "a\nb", "\x7f", "\u0085", "\u009f",
		"\xff", "é\xff", "\xc0\xaf", "\xed\xa0\x80", // a UTF-16 surrogate
		"é\x00", "é\x7f", // controls after the first multi-byte rune
	}
	for _, s := range valid {
		if !ValidText(s) {
			t.Errorf("ValidText(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidText(s) {
			t.Errorf("ValidText(%q) = true, want false", s)
		}
	}
}

func TestFoldPseudo(t *testing.T) {
	// Pseudos that a reader cannot tell apart must fold to the same key,
	// and different ones must not.
	same := [][2]string{
		{"Bob", "bOB"}, {"ZOË", "zoë"}, {"Σίσυφος", "ΣΊΣΥΦΟΣ"},
		{"K", "\u212a"},             // Kelvin sign
		{"Jos\u00e9", "Jose\u0301"}, // NFC and NFD
		{"JOSE\u0301", "jos\u00e9"}, // NFD upper case and NFC lower case
		{"alice", "ａｌｉｃｅ"},          // fullwidth
		{"ALICE", "ａｌｉｃｅ"},          // fullwidth lower case, ASCII upper case
		{"ｱﾘｽ", "アリス"},              // halfwidth katakana
		{"\ufb01le", "file"},        // ligature
		{"𝐚𝐥𝐢𝐜𝐞", "alice"},          // mathematical bold
		{"Straße", "STRASSE"},       // full case folding
		{"alice\ufe0f", "alice"},    // variation selector
		{"al\u034fice", "alice"},    // combining grapheme joiner
		{"\uffa0x", "x"},            // halfwidth Hangul filler
		{"Ω", "\u2126"},             // Ohm sign
	}
	for _, p := range same {
		if FoldPseudo(p[0]) != FoldPseudo(p[1]) {
			t.Errorf("FoldPseudo(%q) = %q, FoldPseudo(%q) = %q, want equal", p[0], FoldPseudo(p[0]), p[1], FoldPseudo(p[1]))
		}
	}
	different := [][2]string{
		{"bob", "bo"}, {"zoe", "zoë"}, {"alice", "\u0430lice"}, {"save", "\u0455ave"},
		{"istanbul", "İstanbul"}, // full folding, not Turkish: İ is i + dot above
		{"アリス", "ありす"},           // katakana and hiragana
	}
	for _, p := range different {
		if FoldPseudo(p[0]) == FoldPseudo(p[1]) {
			t.Errorf("FoldPseudo(%q) = FoldPseudo(%q) = %q, want different", p[0], p[1], FoldPseudo(p[0]))
		}
	}
}

func TestFoldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Photo.PNG", "photo.png"},
		{"ｓａｖｅ.txt", "save.txt"},
		{"SAVE.ＴＸＴ", "save.txt"},
		{"Jose\u0301", "jos\u00e9"},
		{"Ⅸ", "ix"},
		{"x²", "x2"},
		{"ǅ", "dž"},
		{"\u3164", ""},
	}
	for _, tt := range tests {
		if got := FoldName(tt.in); got != tt.want {
			t.Errorf("FoldName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"bob", "bob"},
		{"Jose\u0301", "Jos\u00e9"},
		{"\u212b", "\u00c5"}, // Angstrom sign: a canonical singleton
		{"ａｌｉｃｅ", "ａｌｉｃｅ"},   // NFC keeps compatibility forms: what was typed
	} {
		if got := NormName(tt.in); got != tt.want {
			t.Errorf("NormName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckPseudo(t *testing.T) {
	ok := []string{
		"alice", "José", "Zoë_42!", "a-b_c.d", "🙂", "a★b", "ａｌｉｃｅ",
		"Ψυχή", "Иван", "Иван_1984", "שלום", "محمد", "हिंदी", "ไทย",
		"山田太郎", "やまだ", "ヤマダ", "山田たろうTaro", "王小明ㄅ", "Wang王ㄅ", "김철수", "Kim김철수金",
		"ー", "x\u0301", // Common and Inherited alone
	}
	for _, s := range ok {
		if err := CheckPseudo(s); err != nil {
			t.Errorf("CheckPseudo(%q) = %v, want nil", s, err)
		}
	}
	refused := []struct{ in, want string }{
		{"\u0430lice", "pseudo mixes scripts: Cyrillic and Latin"},
		{"p\u0430ypal", "pseudo mixes scripts: Latin and Cyrillic"},
		{"\u0405cott", "pseudo mixes scripts: Cyrillic and Latin"},
		{"Ελληνικά_файл", "pseudo mixes scripts: Greek and Cyrillic"},
		{"abc١٢٣", "pseudo mixes scripts: Latin and Arabic"},
		{"ひらがなㄅ", "pseudo mixes scripts: Hiragana and Bopomofo"}, // Japanese kana with Bopomofo
		{"김ひ", "pseudo mixes scripts: Hangul and Hiragana"},
		{"漢字한글ㄅ", "pseudo mixes scripts: Han, Hangul and Bopomofo"},
		{"alice\ufe0f", "pseudo holds an invisible character (U+FE0F)"},
		{"\u115fbob", "pseudo holds an invisible character (U+115F)"},
		{"b\u034fob", "pseudo holds an invisible character (U+034F)"},
	}
	for _, tt := range refused {
		err := CheckPseudo(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("CheckPseudo(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestScripts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"123-_.!", nil},
		{"alice", []string{"Latin"}},
		{"\u0430lice", []string{"Cyrillic", "Latin"}},
		{"日本語テストabc", []string{"Han", "Katakana", "Latin"}},
		{"é\u0301", []string{"Latin"}}, // the combining mark is Inherited
	}
	for _, tt := range tests {
		if got := Scripts(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Scripts(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The mixes name scripts as unicode.Scripts does; a typo would make a
	// mix never match.
	for _, mix := range mixes {
		for _, sc := range mix {
			if unicode.Scripts[sc] == nil {
				t.Errorf("mix %q names %q, which is not in unicode.Scripts", mix, sc)
			}
		}
	}
}

func TestErrVerb(t *testing.T) {
	tests := []struct{ in, want string }{
		{"MSG", "MSG"},
		{strings.Repeat("V", MaxVerbEcho), strings.Repeat("V", MaxVerbEcho)},
		{strings.Repeat("V", MaxVerbEcho+1), strings.Repeat("V", MaxVerbEcho)},
		{longVerb, strings.Repeat("V", 31)},
		{strings.Repeat("日", 20), strings.Repeat("日", 10)}, // 30 bytes: a third rune would pass 32
		{strings.Repeat("V", 28) + "🙂x", strings.Repeat("V", 28) + "🙂"},
	}
	for _, tt := range tests {
		got := ErrVerb(tt.in)
		if got != tt.want {
			t.Errorf("ErrVerb(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > MaxVerbEcho || !utf8.ValidString(got) {
			t.Errorf("ErrVerb(%q) = %q: longer than %d bytes or not UTF-8", tt.in, got, MaxVerbEcho)
		}
	}
	if e := Errorf(longVerb, "unknown command"); e.Verb != strings.Repeat("V", 31) || e.Reason != "unknown command" {
		t.Errorf("Errorf(%q, ...) = %q %q", longVerb, e.Verb, e.Reason)
	}
}
