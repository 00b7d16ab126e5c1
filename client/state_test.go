package client

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/wire"
)

var (
	general = wire.Addr{Server: 5}
	games   = wire.Addr{Server: 5, Channel: 2}
)

// burst is the state every test starts from, as a login burst gives it:
// alice (1) is friends with bob (2); carol (3) is offline; server club (5)
// has general (all three) and games (alice and bob).
var burst = []string{
	"ADD ON 0 1 alice",
	"ADD ON 0 2 bob",
	"ADD OFF 0 3 carol",
	"GRP 0 1 0 2",
	"TAG 5 0 club",
	"GRP 5 0 club general 0 1 0 2 0 3",
	"TAG 5 2 games",
	"GRP 5 2 club games 0 1 0 2",
}

// newTestState applies a login as alice, the burst, then lines.
func newTestState(t *testing.T, lines ...string) *State {
	t.Helper()
	s := NewState()
	s.now = func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) }
	s.Apply(LoggedIn{Me: 1, Pseudo: "alice"})
	apply(t, s, burst...)
	apply(t, s, lines...)
	return s
}

func apply(t *testing.T, s *State, lines ...string) {
	t.Helper()
	for _, l := range lines {
		e, err := ParseLine(l)
		if err != nil {
			t.Fatalf("bad test line %q: %v", l, err)
		}
		s.Apply(e)
	}
}

func members(ch *Channel) []int64 {
	var m []int64
	for u := range ch.Members {
		m = append(m, u)
	}
	slices.Sort(m)
	return m
}

func last(s *State, a wire.Addr) Item {
	c := s.Convs[a]
	if c == nil || len(c.Items) == 0 {
		return Item{}
	}
	return c.Items[len(c.Items)-1]
}

func TestStateBurst(t *testing.T) {
	s := newTestState(t)
	if s.Me != 1 || s.Pseudo(1) != "alice" || !s.Users[2].Online || s.Users[3].Online {
		t.Errorf("users: %+v", s.Users)
	}
	if !s.Friends[2] || len(s.Friends) != 1 {
		t.Errorf("friends: %v", s.Friends)
	}
	if sv := s.Servers[5]; sv == nil || sv.Name != "club" || len(sv.Channels) != 2 {
		t.Fatalf("servers: %+v", s.Servers)
	}
	if got := members(s.Channel(general)); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("general: %v", got)
	}
	if ch := s.Channel(games); ch.Name != "games" || !slices.Equal(members(ch), []int64{1, 2}) {
		t.Errorf("games: %+v", ch)
	}
	if got := s.ConversationName(games); got != "club/#games" {
		t.Errorf("name: %q", got)
	}
	if got := s.ServerList(); len(got) != 1 || got[0].ChannelList()[0].Name != "general" {
		t.Errorf("server list: %+v", got)
	}
	if got := s.MemberList(games); len(got) != 2 || got[0].Pseudo != "alice" {
		t.Errorf("member list: %+v", got)
	}
	if got := s.MemberList(general); got[2].Pseudo != "carol" {
		t.Errorf("offline users come last: %+v", got)
	}
	if !s.Reachable(3) || s.Reachable(9) {
		t.Error("Reachable")
	}
	// A friend list too long for one line arrives in several.
	apply(t, s, "GRP 0 1 0 3")
	if !s.Friends[2] || !s.Friends[3] {
		t.Errorf("split friend list: %v", s.Friends)
	}
}

func TestStatePresence(t *testing.T) {
	s := newTestState(t, "BYE 0 2")
	if s.Users[2].Online {
		t.Error("BYE 0 2: bob still online")
	}
	apply(t, s, "ADD ON 0 2 bob", "ADD ON 0 4 dave")
	if !s.Users[2].Online || s.FindUser("DAVE").Tag != 4 {
		t.Errorf("ADD: %+v", s.Users)
	}
	apply(t, s, "RENAME bobby 0 2")
	if s.Pseudo(2) != "bobby" || !strings.Contains(last(s, Home).Text, "bob is now bobby") {
		t.Errorf("RENAME user: %q, %+v", s.Pseudo(2), last(s, Home))
	}
	if s.Pseudo(99) != "user99" {
		t.Errorf("unknown pseudo: %q", s.Pseudo(99))
	}
}

func TestStateMessages(t *testing.T) {
	s := newTestState(t)
	s.Open(games)
	apply(t, s,
		"MSG 0 2 5 2 hello @alice!",    // on screen: not unread
		"MSG 0 2 5 0 one",              // unread
		"MSG 0 2 5 0 hey @ALICE, look", // unread and a mention
		"MSG 0 1 5 0 mine",             // own: never unread
		"MSG 0 2 0 1 psst",             // direct: counts as a mention
		"MSG 0 1 0 3 hi carol",         // own direct message: conversation with carol
	)
	if it := last(s, games); it.Text != "hello @alice!" || !it.Mention || it.Author != 2 || it.Kind != Said {
		t.Errorf("games: %+v", it)
	}
	if c := s.Convs[games]; c.Unread != 0 {
		t.Errorf("the conversation on screen has unread %d", c.Unread)
	}
	if c := s.Convs[general]; c.Unread != 2 || c.Mentions != 1 {
		t.Errorf("general: unread %d mentions %d, want 2 1", c.Unread, c.Mentions)
	}
	if c := s.Convs[wire.User(2)]; c.Unread != 1 || c.Mentions != 1 || c.Items[0].Text != "psst" {
		t.Errorf("dm with bob: %+v", c)
	}
	if c := s.Convs[wire.User(3)]; c.Unread != 0 || c.Items[0].Text != "hi carol" {
		t.Errorf("dm with carol: %+v", c)
	}
	if got := s.DirectList(); !slices.Equal(got, []wire.Addr{wire.User(2), wire.User(3)}) {
		t.Errorf("direct list: %v", got)
	}
	s.Open(general)
	if c := s.Convs[general]; c.Unread != 0 || c.Mentions != 0 {
		t.Errorf("opening did not clear: %+v", c)
	}
}

func TestStateFiles(t *testing.T) {
	s := newTestState(t,
		"FILESENT 0 2 5 2 map.png",
		"FILESENT 0 2 notes.txt",      // to me directly
		"FILESENT 0 1 0 2 answer.txt", // my echo of a direct upload
	)
	if it := last(s, games); it.Kind != Shared || it.File != "map.png" || it.Author != 2 {
		t.Errorf("channel file: %+v", it)
	}
	dm := s.Convs[wire.User(2)]
	if len(dm.Items) != 2 || dm.Items[0].File != "notes.txt" || dm.Items[1].File != "answer.txt" || dm.Items[1].Author != 1 {
		t.Errorf("direct files: %+v", dm.Items)
	}
	if dm.Unread != 1 {
		t.Errorf("direct files unread %d, want 1 (own not counted)", dm.Unread)
	}
	s.Apply(Preview{Addr: games, Name: "map.png", Size: 1234, Format: "png", Width: 10, Height: 20})
	if it := last(s, games); it.Size != 1234 || it.Format != "png" || it.Width != 10 || it.Height != 20 {
		t.Errorf("preview: %+v", it)
	}
}

func TestStateInvitations(t *testing.T) {
	s := newTestState(t,
		"ADD OFF 0 4 dave",
		"SENT 0 4",                   // friend request, pending at login
		"SENT 0 3 5 7 club poker",    // channel invitation, pending
		"INV 0 1 0 4 5 2 club games", // sent by me
		"INV 0 3",                    // received live
		"INV 0 1 0 3 5 2 club games", // sent by me
		"SENT 0 4",                   // a repeat changes nothing
	)
	if len(s.Invites) != 5 {
		t.Fatalf("invites: %+v", s.Invites)
	}
	if inv := s.Invites[1]; inv.From != 3 || inv.To != 1 || inv.Place != (wire.Addr{Server: 5, Channel: 7}) || inv.Name() != "club/#poker" {
		t.Errorf("channel invitation: %+v", inv)
	}
	if inv := s.Invites[0]; inv.Name() != "friendship" || inv.To != 1 {
		t.Errorf("friend request: %+v", inv)
	}
	var notes []string
	for _, it := range s.Convs[Home].Items {
		notes = append(notes, it.Text)
	}
	want := []string{
		"dave wants to be your friend: /accept friend dave or /decline friend dave",
		"carol invites you to club/#poker: /accept invite carol club/#poker or /decline invite carol club/#poker",
		"you invited dave to club/#games",
		"carol wants to be your friend: /accept friend carol or /decline friend carol",
		"you invited carol to club/#games",
	}
	if !slices.Equal(notes, want) {
		t.Errorf("notes:\n%q\nwant\n%q", notes, want)
	}
	// A login burst restates them: noted once.
	s.Apply(LoggedIn{Me: 1})
	apply(t, s, "SENT 0 4")
	if n := len(s.Convs[Home].Items); n != 5 {
		t.Errorf("restated invitation noted again: %d notes", n)
	}

	// Accepting a friend request.
	s = newTestState(t, "ADD OFF 0 4 dave", "SENT 0 4", "JOIN 0 4 0 1")
	if !s.Friends[4] || len(s.Invites) != 0 {
		t.Errorf("after JOIN 0 4 0 1: friends %v invites %v", s.Friends, s.Invites)
	}
	// My request accepted.
	s = newTestState(t, "INV 0 1 0 3", "JOIN 0 1 0 3")
	if !s.Friends[3] || len(s.Invites) != 0 {
		t.Errorf("after JOIN 0 1 0 3: friends %v invites %v", s.Friends, s.Invites)
	}
	// Declined or withdrawn, or a friendship ended.
	s = newTestState(t, "INV 0 3", "BYE 0 1 0 3", "BYE 0 2 0 1")
	if len(s.Invites) != 0 || s.Friends[2] {
		t.Errorf("after BYE 0 u 0 v: friends %v invites %v", s.Friends, s.Invites)
	}
	// Accepting an invitation to a channel of a new server: joins the
	// server, then the channel.
	s = newTestState(t, "ADD ON 0 7 zoe", "INV 0 7 8 3 zoo cage", "JOIN 8 0 0 1", "TAG 8 0 zoo",
		"GRP 8 0 zoo general 0 1 0 7", "JOIN 8 3 0 1", "GRP 8 3 zoo cage 0 1 0 7")
	if ch := s.Channel(wire.Addr{Server: 8, Channel: 3}); ch == nil || ch.Name != "cage" || !slices.Equal(members(ch), []int64{1, 7}) {
		t.Errorf("joined channel: %+v", ch)
	}
	if len(s.Invites) != 0 {
		t.Errorf("invitation not used up: %+v", s.Invites)
	}
	// Someone I invited joins.
	s = newTestState(t, "INV 0 1 0 3 5 2 club games", "JOIN 5 2 0 3")
	if len(s.Invites) != 0 || !s.Channel(games).Members[3] {
		t.Errorf("after JOIN 5 2 0 3: %+v", s.Invites)
	}
}

func TestStateChannels(t *testing.T) {
	s := newTestState(t)
	s.Open(games)
	apply(t, s, "JOIN 5 2 0 3")
	if !s.Channel(games).Members[3] || last(s, games).Text != "carol joined" {
		t.Errorf("JOIN: %+v %+v", members(s.Channel(games)), last(s, games))
	}
	apply(t, s, "BYE 0 3 5 2")
	if s.Channel(games).Members[3] || last(s, games).Text != "carol left" {
		t.Errorf("BYE from channel: %+v", last(s, games))
	}
	// Comings and goings are not noted in conversations not opened.
	if c := s.Convs[general]; c != nil {
		t.Errorf("general has items: %+v", c.Items)
	}
	apply(t, s, "BYE 0 2 5 0")
	if s.Channel(general).Members[2] || s.Channel(games).Members[2] {
		t.Error("leaving a server leaves its channels")
	}
	apply(t, s, "RENAME lounge 5 2", "RENAME salon 5")
	if s.Channel(games).Name != "lounge" || s.Servers[5].Name != "salon" || s.ConversationName(games) != "salon/#lounge" {
		t.Errorf("RENAME: %q", s.ConversationName(games))
	}
	apply(t, s, "TAG 5 4 dice", "GRP 5 4 salon dice 0 1")
	if ch := s.Channel(wire.Addr{Server: 5, Channel: 4}); ch == nil || ch.Name != "dice" {
		t.Errorf("new channel: %+v", ch)
	}
	apply(t, s, "DEL 5 2")
	if s.Channel(games) != nil || s.Convs[games] != nil || s.Active != Home {
		t.Errorf("DEL channel: active %v", s.Active)
	}
	if !strings.Contains(last(s, Home).Text, "salon/#lounge was deleted") {
		t.Errorf("DEL note: %+v", last(s, Home))
	}
	apply(t, s, "BYE 0 1 5 4")
	if s.Channel(wire.Addr{Server: 5, Channel: 4}) != nil {
		t.Error("leaving a channel forgets it")
	}
	apply(t, s, "INV 0 3 5 9 salon poker", "DEL 5 0")
	if s.Servers[5] != nil || len(s.Invites) != 0 || !strings.Contains(last(s, Home).Text, "salon was deleted") {
		t.Errorf("DEL server: %+v %+v", s.Servers, s.Invites)
	}
	s = newTestState(t, "BYE 0 1 5 0")
	if s.Servers[5] != nil {
		t.Error("leaving a server forgets it")
	}
}

func TestStateGames(t *testing.T) {
	s := newTestState(t)
	s.Open(general)
	apply(t, s, "JEU roulette result 5 2 red 32")
	if it := last(s, games); it.Kind != Played || it.Game != "roulette" || it.Text != "result 5 2 red 32" {
		t.Errorf("game line with its table: %+v", it)
	}
	if s.Convs[games].Unread != 1 {
		t.Error("a game line elsewhere is unread")
	}
	apply(t, s, "JEU dice help roll NdM")
	if it := last(s, general); it.Game != "dice" {
		t.Errorf("game line without a table goes on screen: %+v", it)
	}
	s.Played("dice", games)
	apply(t, s, "JEU dice 7")
	if it := last(s, games); it.Text != "7" {
		t.Errorf("game line goes where it was played: %+v", it)
	}
	// A payload naming a place the user is not in goes on screen.
	apply(t, s, "JEU roulette result 9 9 black 2")
	if it := last(s, general); it.Text != "result 9 9 black 2" {
		t.Errorf("unknown table: %+v", it)
	}
}

func TestStateHistory(t *testing.T) {
	s := newTestState(t, "MSG 0 2 5 2 before opening")
	if !s.Open(games) {
		t.Fatal("first Open should fetch")
	}
	if s.Open(games) {
		t.Fatal("Open while loading should not fetch again")
	}
	// Arrived after GET was sent: "b" was also stored before GET was
	// handled, "c" after.
	apply(t, s, "MSG 0 2 5 2 b", "JOIN 5 2 0 3", "MSG 0 1 5 2 c")
	when := time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)
	s.Apply(HistoryLoaded{Addr: games, Entries: []history.Entry{
		{Author: 2, Time: when, Text: "before opening"},
		{Author: 3, Time: when, File: "x.png"},
		{Author: 2, Time: when, Text: "@alice a"},
		{Author: 2, Time: when, Text: "b"},
	}})
	var got []string
	for _, it := range s.Convs[games].Items {
		got = append(got, it.Text+it.File)
	}
	if want := []string{"before opening", "x.png", "@alice a", "b", "carol joined", "c"}; !slices.Equal(got, want) {
		t.Errorf("merged: %q, want %q", got, want)
	}
	c := s.Convs[games]
	if !c.Loaded || c.Loading || !c.Items[2].Mention || !c.Items[0].Time.Equal(when) {
		t.Errorf("conversation: %+v", c)
	}
	if s.Open(games) {
		t.Error("a loaded conversation is not fetched again")
	}
	// A reconnection makes it stale; a failed fetch can be retried.
	s.Apply(LoggedIn{Me: 1, Reconnected: true})
	apply(t, s, burst...)
	if !s.Open(games) {
		t.Error("after a reconnection the history is fetched again")
	}
	s.Apply(DownloadFailed{Addr: games, Name: "save.txt", Reason: "connection lost"})
	if !s.Open(games) {
		t.Error("after a failed fetch, opening fetches again")
	}
	s.HistoryFailed(games)
	if s.Convs[games].Loading {
		t.Error("HistoryFailed")
	}
	// Previews survive a reload.
	s.Apply(Preview{Addr: games, Name: "x.png", Size: 99, Format: "png", Width: 1, Height: 1})
	s.Open(games)
	s.Apply(HistoryLoaded{Addr: games, Entries: []history.Entry{{Author: 3, Time: when, File: "x.png"}}})
	if it := s.Convs[games].Items[0]; it.Size != 99 {
		t.Errorf("preview lost on reload: %+v", it)
	}
}

func TestStateIgnoresTheRest(t *testing.T) {
	s := newTestState(t)
	for _, e := range []Event{Connecting{}, Ready{}, Disconnected{Err: errors.New("x")}, Closed{}, LoginFailed{},
		Pong{}, Ping{}, Ack{Verb: "FILE"}, ServerError{Verb: "MSG"}, Unknown{Verb: "ROLL"}, PasswordChanged{Password: "p"},
		UploadProgress{}, UploadDone{}, UploadFailed{}, DownloadProgress{}, DownloadDone{}, Bye{},
		FileStart{}, FileChunk{}, FileEnd{}} {
		s.Apply(e)
	}
	if len(s.Servers) != 1 || len(s.Users) != 3 || len(s.Convs) != 0 {
		t.Errorf("state changed: %+v", s)
	}
}

func TestMentions(t *testing.T) {
	known := map[string]bool{"bob": true, "bob.": true, "élodie": true, "a-b": true}
	isKnown := func(p string) bool { return known[wire.FoldPseudo(p)] }
	tests := []struct {
		text string
		want []string
	}{
		{"hi @bob", []string{"bob"}},
		{"@bob, hi", []string{"bob"}},
		{"@Bob!", []string{"Bob"}},
		{"@bob. and @bob.", []string{"bob.", "bob."}},
		{"@bobby", nil},
		{"mail me at x@bob", nil},
		{"@Élodie: salut", []string{"Élodie"}},
		{"@a-b and @a", []string{"a-b"}},
		{"@", nil},
		{"@@bob", []string{"bob"}},
		{"(@bob)", []string{"bob"}},
	}
	for _, tt := range tests {
		var got []string
		for _, sp := range MentionSpans(tt.text, isKnown) {
			got = append(got, sp.Pseudo)
			if tt.text[sp.Start] != '@' || tt.text[sp.Start+1:sp.End] != sp.Pseudo {
				t.Errorf("%q: span %+v", tt.text, sp)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("MentionSpans(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if !Mentions("hey @ALICE", "alice") || Mentions("hey alice", "alice") || Mentions("@alice", "") {
		t.Error("Mentions")
	}
}
