package client

import (
	"reflect"
	"testing"

	"github.com/salon-chat/salon/core/wire"
)

// callParseTests holds a CALL or RTC line of every shape the server sends,
// canonical (String gives it back).
var callParseTests = []struct {
	line string
	want Line
}{
	{"CALL 0 2 5 2 JOIN mic", Call{Actor: 2, To: games, Verb: "JOIN", Media: Mic}},
	{"CALL 0 2 5 2 JOIN mic,cam", Call{Actor: 2, To: games, Verb: "JOIN", Media: Mic | Cam}},
	{"CALL 0 2 5 2 MEDIA mic,cam,screen", Call{Actor: 2, To: games, Verb: "MEDIA", Media: Mic | Cam | Screen}},
	{"CALL 0 2 5 2 MEDIA cam", Call{Actor: 2, To: games, Verb: "MEDIA", Media: Cam}},
	{"CALL 0 2 5 2 MEDIA -", Call{Actor: 2, To: games, Verb: "MEDIA"}},
	{"CALL 0 2 5 2 LEAVE", Call{Actor: 2, To: games, Verb: "LEAVE"}},
	{"CALL 0 2 0 1 JOIN mic", Call{Actor: 2, To: wire.User(1), Verb: "JOIN", Media: Mic}},
	{"CALL 0 1 0 2 DECLINE", Call{Actor: 1, To: wire.User(2), Verb: "DECLINE"}},
	{"CALL 0 1 5 2 MUTE 0 3", Call{Actor: 1, To: games, Verb: "MUTE", User: 3}},
	{"CALL 0 1 5 2 UNMUTE 0 3", Call{Actor: 1, To: games, Verb: "UNMUTE", User: 3}},
	{"CALL 0 1 5 0 KICK 0 3", Call{Actor: 1, To: general, Verb: "KICK", User: 3}},
	{"RTC 5 2 ice 0 1 W10=", Signal{Conv: games, Kind: "ice", Seq: 0, Last: true, Payload: "W10="}},
	{"RTC 0 2 offer 3 0 dj0w", Signal{Conv: wire.User(2), Kind: "offer", Seq: 3, Payload: "dj0w"}},
}

var callParseErrors = []string{
	"CALL 0 2 5 2",                // no verb
	"CALL 0 2 5 2 JOIN",           // no list
	"CALL 0 2 5 2 JOIN mic cam",   // a list has no spaces
	"CALL 0 2 5 2 JOIN mic,",      // an empty name
	"CALL 0 2 5 2 JOIN ,",         // likewise
	"CALL 0 2 5 2 LEAVE now",      // LEAVE has nothing after it
	"CALL 0 2 5 2 MUTE",           // nobody muted
	"CALL 0 1 5 2 MUTE 5 2",       // a place, not a user
	"CALL 0 1 5 2 KICK 0 3 why",   // no reason
	"CALL 5 2 5 2 JOIN mic",       // the actor is a user
	"CALL 0 2 0 0 JOIN mic",       // no conversation
	"CALL 0 2 5 2 RING",           // not a call verb
	"CALL 0 2 5 2  JOIN mic",      // two spaces
	"RTC 5 2 offer 0 1",           // no payload
	"RTC 5 2 offer x 1 dj0w",      // seq
	"RTC 5 2 offer 0 2 dj0w",      // last
	"RTC 5 2 offer 0 1 dj0w more", // payload with a space
}

func TestParseCall(t *testing.T) {
	for _, tt := range callParseTests {
		got, err := ParseLine(tt.line)
		if err != nil {
			t.Errorf("ParseLine(%q): %v", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLine(%q) = %#v, want %#v", tt.line, got, tt.want)
		}
		if s := got.String(); s != tt.line {
			t.Errorf("String() = %q, want %q", s, tt.line)
		}
	}
	for _, line := range callParseErrors {
		if l, err := ParseLine(line); err == nil {
			t.Errorf("ParseLine(%q) = %#v, want an error", line, l)
		}
	}
}

// A list is read in any order and written in the protocol's; names a
// later server may add are skipped, not refused.
func TestParseMedia(t *testing.T) {
	for in, want := range map[string]string{
		"-": "-", "mic": "mic", "screen,mic": "mic,screen", "cam,cam": "cam",
		"mic,hologram": "mic", "hologram": "-",
	} {
		m, ok := ParseMedia(in)
		if !ok || m.String() != want {
			t.Errorf("ParseMedia(%q) = %v (%v), want %q", in, m, ok, want)
		}
	}
	for _, in := range []string{"", ",", "mic,", ",cam"} {
		if m, ok := ParseMedia(in); ok {
			t.Errorf("ParseMedia(%q) = %v, want a refusal", in, m)
		}
	}
}
