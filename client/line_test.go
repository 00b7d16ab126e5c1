package client

import (
	"reflect"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/wire"
)

// parseTests holds one line of every shape the server sends (PROTOCOL.md
// and docs/protocol.md), with the value it parses to. Each is canonical:
// String gives the line back.
// parseTest is a line and what ParseLine makes of it.
type parseTest struct {
	line string
	want Line
}

var parseTests = []parseTest{
	{"TAG 0 1", Tag{Addr: wire.User(1)}},
	{"TAG 5 0 club", Tag{Addr: wire.Addr{Server: 5}, Name: "club"}},
	{"TAG 5 2 games", Tag{Addr: wire.Addr{Server: 5, Channel: 2}, Name: "games"}},
	{"ADD ON 0 2 bob", Presence{Online: true, User: 2, Pseudo: "bob"}},
	{"ADD OFF 0 3 carol", Presence{User: 3, Pseudo: "carol"}},
	{"ADD ON 0 4 élodie", Presence{Online: true, User: 4, Pseudo: "élodie"}},
	{"GRP 0 1", Members{Addr: wire.User(1)}},
	{"GRP 0 1 0 2 0 3", Members{Addr: wire.User(1), Users: []int64{2, 3}}},
	{"GRP 5 0 club general 0 1 0 3", Members{Addr: wire.Addr{Server: 5}, ServerName: "club", ChannelName: "general", Users: []int64{1, 3}}},
	{"GRP 5 2 club games 0 1", Members{Addr: wire.Addr{Server: 5, Channel: 2}, ServerName: "club", ChannelName: "games", Users: []int64{1}}},
	{"SENT 0 4", Invite{Sent: true, From: 4}},
	{"SENT 0 4 5 2 club games", Invite{Sent: true, From: 4, Place: wire.Addr{Server: 5, Channel: 2}, ServerName: "club", ChannelName: "games"}},
	{"INV 0 1", Invite{From: 1}},
	{"INV 0 1 5 2 club games", Invite{From: 1, Place: wire.Addr{Server: 5, Channel: 2}, ServerName: "club", ChannelName: "games"}},
	{"INV 0 1 5 0 club general", Invite{From: 1, Place: wire.Addr{Server: 5}, ServerName: "club", ChannelName: "general"}},
	{"INV 0 1 0 2", Invite{From: 1, To: 2}},
	{"INV 0 1 0 3 5 2 club games", Invite{From: 1, To: 3, Place: wire.Addr{Server: 5, Channel: 2}, ServerName: "club", ChannelName: "games"}},
	{"JOIN 0 1 0 2", Join{Addr: wire.User(1), User: 2}},
	{"JOIN 5 2 0 2", Join{Addr: wire.Addr{Server: 5, Channel: 2}, User: 2}},
	{"JOIN 5 0 0 2", Join{Addr: wire.Addr{Server: 5}, User: 2}},
	{"BYE", Bye{}},
	{"BYE 0 2", Bye{User: 2}},
	{"BYE 0 1 5 2", Bye{User: 1, Addr: wire.Addr{Server: 5, Channel: 2}, HasAddr: true}},
	{"BYE 0 1 5 0", Bye{User: 1, Addr: wire.Addr{Server: 5}, HasAddr: true}},
	{"BYE 0 1 0 2", Bye{User: 1, Addr: wire.User(2), HasAddr: true}},
	{"DEL 5 2", Delete{Addr: wire.Addr{Server: 5, Channel: 2}}},
	{"DEL 5 0", Delete{Addr: wire.Addr{Server: 5}}},
	{"RENAME lounge 5 2", Rename{Name: "lounge", Addr: wire.Addr{Server: 5, Channel: 2}}},
	{"RENAME salon 5", Rename{Name: "salon", Addr: wire.Addr{Server: 5}}},
	{"RENAME alicia 0 1", Rename{Name: "alicia", Addr: wire.User(1)}},
	{"PSW battery-staple", PasswordChanged{Password: "battery-staple"}},
	{"MSG 0 1 5 2 see you at 8", Message{From: 1, To: wire.Addr{Server: 5, Channel: 2}, Text: "see you at 8"}},
	{"MSG 0 1 0 2 hi bob", Message{From: 1, To: wire.User(2), Text: "hi bob"}},
	{"MSG 0 1 0 2  two  spaces\tand a tab ", Message{From: 1, To: wire.User(2), Text: " two  spaces\tand a tab "}},
	{"NEWFILE OK", Ack{Verb: "NEWFILE"}},
	{"FILE OK", Ack{Verb: "FILE"}},
	{"ENDFILE OK", Ack{Verb: "ENDFILE"}},
	{"NEWFILE 5 2 save.txt 97", FileStart{Addr: wire.Addr{Server: 5, Channel: 2}, Name: "save.txt", Size: 97}},
	{"NEWFILE 0 2 empty 0", FileStart{Addr: wire.User(2), Name: "empty", Size: 0}},
	{"FILE 5 2 photo.png iVBORw0KGgo=", FileChunk{Addr: wire.Addr{Server: 5, Channel: 2}, Name: "photo.png", Data: "iVBORw0KGgo="}},
	{"ENDFILE 5 2 photo.png 5000", FileEnd{Addr: wire.Addr{Server: 5, Channel: 2}, Name: "photo.png", Size: 5000}},
	{"FILESENT 0 1 photo.png", FileSent{From: 1, Name: "photo.png"}},
	{"FILESENT 0 1 0 2 photo.png", FileSent{From: 1, To: wire.User(2), Name: "photo.png"}},
	{"FILESENT 0 1 5 2 photo.png", FileSent{From: 1, To: wire.Addr{Server: 5, Channel: 2}, Name: "photo.png"}},
	{"JEU dice", Game{ID: "dice"}},
	{"JEU roulette bet 5 2 red 50", Game{ID: "roulette", Payload: "bet 5 2 red 50"}},
	{"ERR MSG you are not a member of that channel", ServerError{Verb: "MSG", Reason: "you are not a member of that channel"}},
	{"ERR LINE line too long", ServerError{Verb: "LINE", Reason: "line too long"}},
	{"PONG", Pong{}},
	{"PONG 42", Pong{Token: "42"}},
	{"PING", Ping{}},
	{"PING salond", Ping{Token: "salond"}},
	{"ROLL 2d6 4 3 = 7", Unknown{Verb: "ROLL", Rest: "2d6 4 3 = 7"}},
	{"HELLO", Unknown{Verb: "HELLO"}},
}

func TestParseLine(t *testing.T) { checkParse(t, parseTests, nil) }

// checkParse checks that each test's line parses to its value and reads
// back as the line, and that each of refused is an error.
func checkParse(t *testing.T, tests []parseTest, refused []string) {
	t.Helper()
	for _, tt := range tests {
		got, err := ParseLine(tt.line)
		if err != nil {
			t.Errorf("ParseLine(%q): %v", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLine(%q) = %#v, want %#v", tt.line, got, tt.want)
		}
		if s := got.String(); s != tt.line {
			t.Errorf("ParseLine(%q).String() = %q", tt.line, s)
		}
	}
	for _, line := range refused {
		if l, err := ParseLine(line); err == nil {
			t.Errorf("ParseLine(%q) = %#v, want an error", line, l)
		}
	}
}

// Lines the server may send in a non-canonical but valid form parse to the
// canonical value.
func TestParseLineTolerates(t *testing.T) {
	for line, want := range map[string]string{
		"RENAME salon 5 0": "RENAME salon 5",
		"ERR GET":          "ERR GET",
		"ERR GET ":         "ERR GET",
		"JEU dice ":        "JEU dice",
		"PONG ":            "PONG",
		"ROLL ":            "ROLL",
	} {
		l, err := ParseLine(line)
		if err != nil {
			t.Errorf("ParseLine(%q): %v", line, err)
			continue
		}
		if l.String() != want {
			t.Errorf("ParseLine(%q).String() = %q, want %q", line, l.String(), want)
		}
	}
}

var parseErrorTests = []string{
	"",
	" TAG 0 1",
	"TAG",
	"TAG 0",
	"TAG 0 0",
	"TAG 5 0",
	"TAG 0 1 name",
	"TAG 01 0 club",
	"TAG 5 0 club extra",
	"ADD ON 0 2",
	"ADD MAYBE 0 2 bob",
	"ADD ON 5 2 bob",
	"ADD ON 0 2 bob extra",
	"ADD ON  0 2 bob",
	"GRP",
	"GRP 0",
	"GRP 0 1 0",
	"GRP 0 1 5 2",
	"GRP 5 2 club",
	"GRP 5 2 club games 0",
	"GRP 5 2 club games 0 1 3 4",
	"SENT 0 4 0 2",
	"SENT 0 4 5 2 club",
	"INV",
	"INV 0",
	"INV 5 2",
	"INV 0 1 5 2",
	"INV 0 1 0 2 5 2",
	"INV 0 1 0 2 5 2 club",
	"INV 0 1 0 0",
	"JOIN 0 1",
	"JOIN 0 1 5 2",
	"JOIN 0 1 0 2 extra",
	"BYE ",
	"BYE 0",
	"BYE 5 2",
	"BYE 0 1 5",
	"BYE 0 1 0 0",
	"DEL 5",
	"DEL 0 2",
	"DEL 5 2 3",
	"RENAME",
	"RENAME x",
	"RENAME x 0",
	"RENAME x 0 0",
	"RENAME x 5 2 3",
	"RENAME x -1",
	"PSW",
	"PSW a b",
	"MSG 0 1 0 2",
	"MSG 5 2 0 1 hi",
	"MSG 0 1 0 0 hi",
	"MSG 0 x 0 2 hi",
	"NEWFILE 5 2 name",
	"NEWFILE 5 2 name -1",
	"NEWFILE 5 2 name 012",
	"NEWFILE 5 2 name 5 6",
	"FILE 5 2 name",
	"ENDFILE 0 0 name 5",
	"FILESENT 0 1",
	"FILESENT 0 1 0 2",
	"FILESENT 0 1 5 name",
	"FILESENT 5 2 0 1 name",
	"JEU",
	"JEU ",
	"JEU  payload",
	"ERR",
	"ERR ",
	"PONG a b",
	"PING a b",
	"TAG 99999999999999999999 0 big",
}

func TestParseLineErrors(t *testing.T) {
	for _, line := range parseErrorTests {
		if l, err := ParseLine(line); err == nil {
			t.Errorf("ParseLine(%q) = %#v, want an error", line, l)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseLine(%q): error %q spans lines", line, err)
		}
	}
}

// FuzzParseLine checks that no line makes ParseLine panic and that what it
// accepts formats to a canonical line that parses back to the same value.
func FuzzParseLine(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.line)
	}
	for _, line := range parseErrorTests {
		f.Add(line)
	}
	for _, tt := range callParseTests {
		f.Add(tt.line)
	}
	for _, line := range callParseErrors {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l, err := ParseLine(line)
		if err != nil {
			if l != nil {
				t.Fatalf("ParseLine(%q) returned %#v with error %v", line, l, err)
			}
			return
		}
		s := l.String()
		l2, err := ParseLine(s)
		if err != nil {
			t.Fatalf("ParseLine(%q) = %#v, whose String %q does not parse: %v", line, l, s, err)
		}
		if !reflect.DeepEqual(l, l2) {
			t.Fatalf("ParseLine(%q) = %#v, but its String %q parses to %#v", line, l, s, l2)
		}
		if s2 := l2.String(); s2 != s {
			t.Fatalf("String is not stable: %q then %q", s, s2)
		}
	})
}
