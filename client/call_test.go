package client

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// callParseTests holds a CALL or RTC line of every shape the server sends,
// canonical (String gives it back).
var callParseTests = []parseTest{
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
	checkParse(t, callParseTests, callParseErrors)
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

// roster writes a call's participants as "bob:mic,cam" (with "/muted by
// alice"), by pseudo, for comparing.
func roster(s *State, a wire.Addr) []string {
	var out []string
	for _, p := range s.CallList(a) {
		e := s.Pseudo(p.User) + ":" + p.Media.String()
		if p.MutedBy != 0 {
			e += "/muted by " + s.Pseudo(p.MutedBy)
		}
		out = append(out, e)
	}
	return out
}

func notices(s *State, a wire.Addr) []string {
	var out []string
	if c := s.Convs[a]; c != nil {
		for _, it := range c.Items {
			if it.Kind == Notice {
				out = append(out, it.Text)
			}
		}
	}
	return out
}

// TestStateCalls applies live CALL lines (after the burst) with #games
// open and on screen: alice is 1, bob 2, carol 3. A direct call's lines
// name the conversation as the actor does: bob's "0 2 0 1" and alice's
// "0 1 0 2" are both about the conversation with bob.
func TestStateCalls(t *testing.T) {
	bob := wire.User(2)
	tests := []struct {
		name     string
		lines    []string
		conv     wire.Addr
		roster   []string
		ringing  bool
		notices  []string
		mentions int
	}{
		{"join", []string{"CALL 0 2 5 2 JOIN mic"}, games,
			[]string{"bob:mic"}, false, []string{"bob joined the call"}, 0},
		{"two join, one leaves", []string{"CALL 0 2 5 2 JOIN mic", "CALL 0 1 5 2 JOIN mic,cam", "CALL 0 2 5 2 LEAVE"}, games,
			[]string{"alice:mic,cam"}, false, []string{"bob joined the call", "you joined the call", "bob left the call"}, 0},
		{"the last leaves", []string{"CALL 0 2 5 2 JOIN mic", "CALL 0 2 5 2 LEAVE"}, games,
			nil, false, []string{"bob joined the call", "bob left the call"}, 0},
		{"media", []string{"CALL 0 2 5 2 JOIN mic", "CALL 0 2 5 2 MEDIA -", "CALL 0 2 5 2 MEDIA cam,screen", "CALL 0 2 5 2 MEDIA cam"}, games,
			[]string{"bob:cam"}, false,
			[]string{"bob joined the call", "bob is sharing their screen", "bob stopped sharing their screen"}, 0},
		{"mute", []string{"CALL 0 2 5 2 JOIN mic", "CALL 0 1 5 2 MUTE 0 2"}, games,
			[]string{"bob:mic/muted by alice"}, false, []string{"bob joined the call", "bob was muted by you"}, 0},
		{"unmute", []string{"CALL 0 1 5 2 JOIN mic", "CALL 0 2 5 2 MUTE 0 1", "CALL 0 2 5 2 UNMUTE 0 1"}, games,
			[]string{"alice:mic"}, false,
			[]string{"you joined the call", "you were muted by bob", "you were unmuted by bob"}, 0},
		{"kick, then its leave", []string{"CALL 0 2 5 2 JOIN mic", "CALL 0 1 5 2 KICK 0 2", "CALL 0 2 5 2 LEAVE"}, games,
			nil, false, []string{"bob joined the call", "bob was removed from the call by you"}, 0},
		{"a moderator's act on someone not in the call", []string{"CALL 0 1 5 2 MUTE 0 3", "CALL 0 1 5 2 KICK 0 3"}, games,
			nil, false, nil, 0},
		{"a channel not opened: the roster only", []string{"CALL 0 2 5 0 JOIN mic"}, general,
			[]string{"bob:mic"}, false, nil, 0},

		{"bob calls alice", []string{"CALL 0 2 0 1 JOIN mic"}, bob,
			[]string{"bob:mic"}, true, []string{"bob is calling you — answer in the web client"}, 1},
		{"alice answers elsewhere", []string{"CALL 0 2 0 1 JOIN mic", "CALL 0 1 0 2 JOIN mic"}, bob,
			[]string{"alice:mic", "bob:mic"}, false,
			[]string{"bob is calling you — answer in the web client", "you joined the call"}, 1},
		{"alice declines elsewhere", []string{"CALL 0 2 0 1 JOIN mic", "CALL 0 1 0 2 DECLINE"}, bob,
			[]string{"bob:mic"}, false,
			[]string{"bob is calling you — answer in the web client", "you declined the call"}, 1},
		{"bob gives up", []string{"CALL 0 2 0 1 JOIN mic", "CALL 0 2 0 1 LEAVE"}, bob,
			nil, false, []string{"bob is calling you — answer in the web client", "missed call from bob"}, 1},
		{"bob hangs up after talking", []string{"CALL 0 2 0 1 JOIN mic", "CALL 0 1 0 2 JOIN mic", "CALL 0 2 0 1 LEAVE"}, bob,
			[]string{"alice:mic"}, false,
			[]string{"bob is calling you — answer in the web client", "you joined the call", "bob left the call"}, 1},
		{"alice calls bob, who declines", []string{"CALL 0 1 0 2 JOIN mic", "CALL 0 2 0 1 DECLINE"}, bob,
			[]string{"alice:mic"}, false, []string{"you are calling bob", "bob declined the call"}, 0},
		{"alice calls bob, who answers", []string{"CALL 0 1 0 2 JOIN mic", "CALL 0 2 0 1 JOIN mic,cam"}, bob,
			[]string{"alice:mic", "bob:mic,cam"}, false, []string{"you are calling bob", "bob joined the call"}, 0},

		{"RTC lines change nothing", []string{"RTC 5 2 offer 0 1 dj0w", "RTC 0 2 ice 0 1 W10="}, games,
			nil, false, nil, 0},
		{"leaving the channel ends its call here", []string{"CALL 0 2 5 2 JOIN mic", "BYE 0 1 5 2"}, games,
			nil, false, nil, 0},
		{"leaving the server too", []string{"CALL 0 2 5 2 JOIN mic", "CALL 0 2 5 0 JOIN mic", "BYE 0 1 5 0"}, general,
			nil, false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestState(t)
			s.Apply(Ready{})
			s.Open(games)
			apply(t, s, tt.lines...)
			if got := roster(s, tt.conv); !reflect.DeepEqual(got, tt.roster) {
				t.Errorf("roster of %v = %q, want %q", tt.conv, got, tt.roster)
			}
			if (s.Call(tt.conv) == nil) != (len(tt.roster) == 0) {
				t.Errorf("Call(%v) = %+v with roster %q", tt.conv, s.Call(tt.conv), tt.roster)
			}
			if got := s.Ringing(tt.conv); got != tt.ringing {
				t.Errorf("Ringing = %v, want %v", got, tt.ringing)
			}
			if got := notices(s, tt.conv); !reflect.DeepEqual(got, tt.notices) {
				t.Errorf("notices = %q, want %q", got, tt.notices)
			}
			if c := s.Convs[tt.conv]; tt.conv.IsUser() && (c == nil || c.Mentions != tt.mentions || c.Unread < tt.mentions) {
				t.Errorf("conversation %v: %+v, want %d mentions", tt.conv, c, tt.mentions)
			}
			if c := s.Convs[games]; c != nil && c.Unread != 0 {
				t.Errorf("#games counts %d unread: calls are no messages", c.Unread)
			}
		})
	}
}

// A call rings for 45 seconds at most.
func TestStateRingStops(t *testing.T) {
	s := newTestState(t)
	s.Apply(Ready{})
	start := s.now()
	apply(t, s, "CALL 0 3 0 1 JOIN mic")
	s.now = func() time.Time { return start.Add(44 * time.Second) }
	if !s.Ringing(wire.User(3)) {
		t.Fatal("not ringing after 44 s")
	}
	s.now = func() time.Time { return start.Add(45 * time.Second) }
	if s.Ringing(wire.User(3)) {
		t.Fatal("still ringing after 45 s")
	}
	if s.Call(wire.User(3)) == nil {
		t.Fatal("the call itself went away")
	}
}

// The login burst states the calls, mutes and rings as they are, without
// a notice; a new login forgets them until its own burst restates them.
func TestStateCallBurst(t *testing.T) {
	s := newTestState(t, "CALL 0 2 5 2 JOIN mic,cam", "CALL 0 1 5 0 JOIN -", "CALL 0 1 5 2 MUTE 0 2", "CALL 0 3 0 1 JOIN mic")
	s.Apply(Ready{})
	if got := roster(s, games); !reflect.DeepEqual(got, []string{"bob:mic,cam/muted by alice"}) {
		t.Errorf("games: %q", got)
	}
	if got := roster(s, general); !reflect.DeepEqual(got, []string{"alice:-"}) {
		t.Errorf("general: %q", got)
	}
	carol := wire.User(3)
	if !s.Ringing(carol) || !slices.Contains(s.DirectList(), carol) {
		t.Errorf("carol's call: ringing %v, in the sidebar %v", s.Ringing(carol), s.DirectList())
	}
	for a, c := range s.Convs {
		if len(c.Items) != 0 || c.Unread != 0 {
			t.Errorf("%v: %+v: the burst is no news", a, c)
		}
	}
	s.Apply(LoggedIn{Me: 1, Pseudo: "alice"})
	apply(t, s, burst...)
	apply(t, s, "CALL 0 2 5 2 JOIN mic")
	s.Apply(Ready{})
	if len(s.Calls) != 1 || s.Ringing(carol) {
		t.Errorf("after a new login: calls %v, carol ringing %v", s.Calls, s.Ringing(carol))
	}
	if got := roster(s, games); !reflect.DeepEqual(got, []string{"bob:mic"}) {
		t.Errorf("games after a new login: %q", got)
	}
	// Live again.
	apply(t, s, "CALL 0 2 5 2 LEAVE")
	if s.Call(games) != nil {
		t.Errorf("games still has a call")
	}
}
