package client

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/wire"
)

// extParseTests holds a line of every shape of Part two the server sends,
// canonical (String gives it back).
var extParseTests = []parseTest{
	{"@id=8812;time=1733230962417 MSG 0 15 3 0 salut les gens !", Message{Tags: wire.Tags{ID: 8812, Time: 1733230962417}, From: 15, To: wire.Addr{Server: 3}, Text: "salut les gens !"}},
	{"@id=8813;time=1733230970002;reply=8812 MSG 0 2 3 0 salut !", Message{Tags: wire.Tags{ID: 8813, Time: 1733230970002, Reply: 8812}, From: 2, To: wire.Addr{Server: 3}, Text: "salut !"}},
	{"@id=8820;time=1733231000000;edited=1733231050000 MSG 0 15 3 0 salut tout le monde !", Message{Tags: wire.Tags{ID: 8820, Time: 1733231000000, Edited: 1733231050000}, From: 15, To: wire.Addr{Server: 3}, Text: "salut tout le monde !"}},
	{"@id=9;time=1 FILESENT 0 1 5 2 photo.png", FileSent{Tags: wire.Tags{ID: 9, Time: 1}, From: 1, To: games, Name: "photo.png"}},
	{"CAP LS tags", Caps{Sub: "LS", Names: []string{"tags"}}},
	{"CAP ACK tags", Caps{Sub: "ACK", Names: []string{"tags"}}},
	{"EDIT 0 1 5 2 7 new text", Edit{Actor: 1, To: games, ID: 7, Text: "new text"}},
	{"DELETE 0 1 0 2 7", Removal{Actor: 1, To: wire.User(2), ID: 7}},
	{"REACT 0 2 5 2 7 👍", Reaction{Actor: 2, To: games, ID: 7, Emoji: "👍"}},
	{"UNREACT 0 2 5 2 7 👍", Reaction{Actor: 2, To: games, ID: 7, Emoji: "👍", Removed: true}},
	{"TYPING 0 2 5 2", Typing{Actor: 2, To: games}},
	{"AWAY 0 2 lunch, back at 2", Away{User: 2, Text: "lunch, back at 2"}},
	{"AWAY 0 2", Away{User: 2}},
	{"OWNER 5 0 0 1", Role{Verb: "OWNER", Place: wire.Addr{Server: 5}, User: 1}},
	{"MOD 5 2 0 2", Role{Verb: "MOD", Place: games, User: 2}},
	{"UNMOD 5 0 0 2", Role{Verb: "UNMOD", Place: wire.Addr{Server: 5}, User: 2}},
	{"TOPIC 0 1 5 2 tonight: poker", Topic{Actor: 1, Place: games, Text: "tonight: poker"}},
	{"TOPIC 0 1 5 2", Topic{Actor: 1, Place: games}},
	{"OPEN 5 2", Visibility{Place: games, Public: true}},
	{"CLOSE 5 2", Visibility{Place: games}},
	{"CHAN 5 2 public 3 games tonight: poker", ChannelInfo{Place: games, Public: true, Members: 3, Name: "games", Topic: "tonight: poker"}},
	{"CHAN 5 0 public 4 general", ChannelInfo{Place: wire.Addr{Server: 5}, Public: true, Members: 4, Name: "general"}},
	{"KICK 0 1 5 2 0 3 too loud", Kick{Actor: 1, Place: games, User: 3, Reason: "too loud"}},
	{"KICK 0 1 5 0 0 3", Kick{Actor: 1, Place: wire.Addr{Server: 5}, User: 3}},
	{"BAN 5 0 0 3 spam", Ban{Server: 5, User: 3, Reason: "spam"}},
	{"UNBAN 5 0 0 3", Ban{Server: 5, User: 3, Lifted: true}},
	{"UNREAD 0 2 3 17", Unread{Conv: wire.User(2), Count: 3, Newest: 17}},
	{"READ 5 2 17", Read{Conv: games, ID: 17}},
	{"LIST 5 2", End{Verb: "LIST", Addr: wire.Addr{Server: 5}, N: 2}},
	{"BANS 5 1", End{Verb: "BANS", Addr: wire.Addr{Server: 5}, N: 1}},
	{"HIST 0 2 50", End{Verb: "HIST", Addr: wire.User(2), N: 50}},
	{"FIND 3", End{Verb: "FIND", N: 3}},
}

var extParseErrors = []string{
	"@id=1;time=2",                    // a prefix without a line
	"@id=1 MSG 0 1 5 2 x",             // no time
	"@time=1 MSG 0 1 5 2 x",           // no id
	"@id=0;time=1 MSG 0 1 5 2 x",      // id 0
	"@id=1;time=1;id=2 MSG 0 1 5 2 x", // twice
	"@id=1;time=1 @id=2;time=2 MSG 0 1 5 2 x",
	"@" + strings.Repeat("a", 600) + " MSG 0 1 5 2 x",
	"REACT 0 2 5 2 7",
	"REACT 0 2 5 2 0 x",
	"OWNER 5 2 0 1",
	"CHAN 5 2 secret 3 games",
	"BAN 5 2 0 3",
	"UNREAD 5 2 x 3",
	"HIST 5 2",
	"CAP NAK tags",
}

func TestParseExt(t *testing.T) {
	checkParse(t, extParseTests, extParseErrors)
	// Unknown tags, and tags on lines that do not carry them, are ignored.
	l, err := ParseLine("@id=4;time=5;color=red MSG 0 1 5 2 hi")
	if err != nil || l.(Message).Tags != (wire.Tags{ID: 4, Time: 5}) {
		t.Errorf("unknown tag: %#v, %v", l, err)
	}
	if l, err := ParseLine("@x=y PONG 1"); err != nil || l != (Pong{Token: "1"}) {
		t.Errorf("tags on PONG: %#v, %v", l, err)
	}
}

// The reader takes a tagged line of the largest size the server sends,
// and refuses one byte more.
func TestLineReaderTaggedLines(t *testing.T) {
	prefix := "@id=1;time=2;" + strings.Repeat("k", wire.MaxTagPrefix-len("@id=1;time=2;")-len("=v ")) + "=v "
	body := "MSG 0 1 5 2 " + strings.Repeat("x", wire.MaxLine-2-len("MSG 0 1 5 2 "))
	long := prefix + body
	in := long + "\r\n" + long + "y\r\n" + "PING\r\n" + body + "z\n"
	r := newLineReader(strings.NewReader(in))
	if l, err := r.ReadLine(); err != nil || l != long {
		t.Fatalf("longest tagged line: %d bytes, %v", len(l), err)
	}
	if _, err := r.ReadLine(); err != wire.ErrLineTooLong {
		t.Fatalf("one byte more: %v", err)
	}
	if l, err := r.ReadLine(); err != nil || l != "PING" {
		t.Fatalf("after a long line: %q, %v", l, err)
	}
	if _, err := r.ReadLine(); err != wire.ErrLineTooLong {
		t.Fatalf("untagged line over 4094 bytes: %v", err)
	}
	if m, err := ParseLine(long); err != nil || len(m.(Message).Text) != wire.MaxLine-2-len("MSG 0 1 5 2 ") {
		t.Fatalf("ParseLine(longest): %v", err)
	}
}

// FuzzParseTags feeds tag prefixes to ParseLine: no panic, and what it
// accepts formats back to a line that parses to the same value.
func FuzzParseTags(f *testing.F) {
	for _, tt := range extParseTests {
		f.Add(tt.line)
	}
	for _, line := range extParseErrors {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l, err := ParseLine(line)
		if err != nil {
			return
		}
		s := l.String()
		l2, err := ParseLine(s)
		if err != nil || !reflect.DeepEqual(l, l2) {
			t.Fatalf("ParseLine(%q) = %#v; its String %q parses to %#v, %v", line, l, s, l2, err)
		}
	})
}

// The committed seeds hold the tag prefixes above, so that a plain go test
// runs them even without the seed list.
func TestFuzzSeedsCommitted(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseTags")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no seeds in %s: %v", dir, err)
	}
}
