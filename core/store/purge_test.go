package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// stored counts the rows of messages matching where, visible or not.
func stored(t testing.TB, s *Store, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.db.Model(&Message{}).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func pendingPurges(t *testing.T, s *Store) []purge {
	t.Helper()
	var ps []purge
	if err := s.db.Order("id").Find(&ps).Error; err != nil {
		t.Fatal(err)
	}
	return ps
}

// fill stores n messages in each of convs, in one commit, numbered by the
// database.
func fill(t testing.TB, s *Store, n int, convs ...Conversation) {
	t.Helper()
	var changes []Change
	for _, c := range convs {
		for i := range n {
			m := Message{ServerID: c.ServerID, ChannelTag: c.ChannelTag, PeerLow: c.PeerLow, PeerHigh: c.PeerHigh,
				AuthorID: 1, Body: fmt.Sprintf("message %d of %+v", i, c), SentAt: int64(i + 1)}
			changes = append(changes, func(tx *Tx) error { return tx.AddMessage(m) })
		}
	}
	if err := s.Commit(changes); err != nil {
		t.Fatal(err)
	}
}

// everything reads every message of convs through the store's API.
func everything(t *testing.T, s *Store, convs ...Conversation) map[Conversation][]Message {
	t.Helper()
	all := map[Conversation][]Message{}
	for _, c := range convs {
		ms, err := s.Messages(c, 0, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		all[c] = ms
	}
	return all
}

// twoServers makes users 1 and 2, server 1 with channels 0, 1 and 2, and
// server 2 with channels 0 and 1.
func twoServers(t *testing.T, s *Store) {
	t.Helper()
	commit(t, s,
		func(tx *Tx) error { return tx.CreateUser(User{ID: 1, Pseudo: "a", PseudoKey: "a"}) },
		func(tx *Tx) error { return tx.CreateUser(User{ID: 2, Pseudo: "b", PseudoKey: "b"}) },
		func(tx *Tx) error { return tx.CreateServer(1, "club", 1) },
		func(tx *Tx) error { return tx.CreateChannel(1, 1, "games", 1) },
		func(tx *Tx) error { return tx.CreateChannel(1, 2, "music", 1) },
		func(tx *Tx) error { return tx.AddMember(1, 0, 2) },
		func(tx *Tx) error { return tx.AddMember(1, 1, 2) },
		func(tx *Tx) error {
			return tx.AddInvitation(Invitation{ID: 1, FromID: 1, ToID: 2, ServerID: 1, ChannelTag: 2})
		},
		func(tx *Tx) error { return tx.CreateServer(2, "lair", 2) },
		func(tx *Tx) error { return tx.CreateChannel(2, 1, "games", 2) },
	)
}

// purgeAll runs steps of maxRows until nothing is pending, checking that
// no step removes more than maxRows messages; it returns how many steps.
func purgeAll(t *testing.T, s *Store, maxRows int) int {
	t.Helper()
	steps := 0
	for more := true; more; steps++ {
		before := stored(t, s, "1 = 1")
		var err error
		if more, err = s.PurgeStep(t.Context(), maxRows); err != nil {
			t.Fatal(err)
		}
		if removed := before - stored(t, s, "1 = 1"); removed > int64(maxRows) {
			t.Fatalf("a step of %d removed %d messages", maxRows, removed)
		}
		if steps > 1000 {
			t.Fatal("the purge never ends")
		}
	}
	return steps
}

// Deleting a server commits only its small rows: its messages stay in the
// table, but nothing reads them any more, and the IDs the hub gives next
// cannot meet them.
func TestDeleteServerLeavesItsMessagesInvisible(t *testing.T) {
	s := open(t, t.TempDir())
	twoServers(t, s)
	others := []Conversation{ChannelConversation(2, 0), ChannelConversation(2, 1), Direct(1, 2)}
	fill(t, s, 10, others...)
	deleted := []Conversation{ChannelConversation(1, 0), ChannelConversation(1, 1), ChannelConversation(1, 2)}
	fill(t, s, 30, deleted...) // the newest messages of all
	commit(t, s, func(tx *Tx) error {
		return tx.AddFile(File{ID: "blob", ServerID: 1, ChannelTag: 1, Name: "f", Size: 1, UploaderID: 1},
			Message{ServerID: 1, ChannelTag: 1, AuthorID: 1})
	})
	before := everything(t, s, others...)

	commit(t, s, func(tx *Tx) error { return tx.DeleteServer(1) })
	if n := stored(t, s, "server_id = 1"); n != 91 {
		t.Fatalf("the deleting commit left %d of the server's 91 messages, want all (their purge is for later)", n)
	}
	for _, c := range deleted {
		ms, err := s.Messages(c, 0, 100)
		if err != nil || len(ms) != 0 {
			t.Errorf("%+v: %d messages readable after deletion (%v)", c, len(ms), err)
		}
		if n, err := s.CountMessages(c); err != nil || n != 0 {
			t.Errorf("%+v: CountMessages %d after deletion (%v)", c, n, err)
		}
	}
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	var max int64
	if err := s.db.Model(&Message{}).Select("MAX(id)").Where("server_id = 1").Scan(&max).Error; err != nil {
		t.Fatal(err)
	}
	if snap.LastMessage != max {
		t.Errorf("LastMessage %d while the deleted server's messages go up to %d", snap.LastMessage, max)
	}
	if len(snap.Servers) != 1 || snap.Servers[0].ID != 2 || len(snap.Files) != 0 || len(snap.Invitations) != 0 ||
		slices.ContainsFunc(snap.Channels, func(c Channel) bool { return c.ServerID == 1 }) ||
		slices.ContainsFunc(snap.Members, func(m Member) bool { return m.ServerID == 1 }) {
		t.Errorf("the deleting commit left rows of server 1: %+v", snap)
	}
	// The next message the hub numbers is stored beside the pending ones.
	commit(t, s, func(tx *Tx) error {
		return tx.AddMessage(Message{ID: snap.LastMessage + 1, PeerLow: 1, PeerHigh: 2, AuthorID: 1, Body: "next"})
	})
	if got := everything(t, s, others...); fmt.Sprint(got[others[0]], got[others[1]]) != fmt.Sprint(before[others[0]], before[others[1]]) ||
		len(got[Direct(1, 2)]) != 11 {
		t.Errorf("the other conversations changed:\n got %v\nwant %v", got, before)
	}
}

// PurgeStep removes a deleted server's messages in steps of at most its
// size, across pending purges, and forgets each purge once it is done;
// every other message stays as it was.
func TestPurgeStepIsBounded(t *testing.T) {
	s := open(t, t.TempDir())
	twoServers(t, s)
	others := []Conversation{ChannelConversation(2, 0), ChannelConversation(2, 1), Direct(1, 2)}
	fill(t, s, 20, others...)
	fill(t, s, 10, ChannelConversation(1, 2))
	fill(t, s, 300, ChannelConversation(1, 0), ChannelConversation(1, 1))
	before := everything(t, s, others...)
	commit(t, s, func(tx *Tx) error { return tx.DeleteChannel(1, 2) })
	commit(t, s, func(tx *Tx) error { return tx.DeleteServer(1) })
	if ps := pendingPurges(t, s); len(ps) != 2 || ps[0] != (purge{1, 1, 2}) || ps[1] != (purge{2, 1, allChannels}) {
		t.Fatalf("pending purges %+v", ps)
	}

	// The first step finishes the channel's 10 and goes on with the server.
	more, err := s.PurgeStep(t.Context(), 64)
	if err != nil || !more {
		t.Fatalf("first step: more %v, %v", more, err)
	}
	if a, b := stored(t, s, "server_id = 1 AND channel_tag = 2"), stored(t, s, "server_id = 1"); a != 0 || b != 600-54 {
		t.Fatalf("after one step of 64: %d of the channel's messages left, %d of the server's", a, b)
	}
	if ps := pendingPurges(t, s); len(ps) != 1 || ps[0].ChannelTag != allChannels {
		t.Fatalf("after the channel's purge is done: pending %+v", ps)
	}
	// 546 left: 8 full steps, a ninth of 34 that ends it.
	if steps := purgeAll(t, s, 64); steps != 9 {
		t.Errorf("the rest took %d steps of 64, want 9", steps)
	}
	if n := stored(t, s, "server_id = 1"); n != 0 {
		t.Errorf("%d messages of the deleted server left", n)
	}
	if ps := pendingPurges(t, s); len(ps) != 0 {
		t.Errorf("purges left once done: %+v", ps)
	}
	if more, err := s.PurgeStep(t.Context(), 64); more || err != nil {
		t.Errorf("a step with nothing pending: more %v, %v", more, err)
	}
	if got := everything(t, s, others...); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("the other conversations changed:\n got %v\nwant %v", got, before)
	}
	// A purge that ends exactly at a step's size is forgotten by the next.
	commit(t, s, func(tx *Tx) error { return tx.DeleteChannel(2, 1) })
	if steps := purgeAll(t, s, 20); steps != 2 {
		t.Errorf("20 messages took %d steps of 20, want 2", steps)
	}
	if n := stored(t, s, "1 = 1"); n != 40 {
		t.Errorf("%d messages left, want the 40 of server 2's general channel and the direct conversation", n)
	}
}

// Deleting a channel purges that channel only: not the server's other
// channels, and not the channel of another server with the same tag.
func TestDeleteChannelPurgesOnlyThatChannel(t *testing.T) {
	s := open(t, t.TempDir())
	twoServers(t, s)
	kept := []Conversation{ChannelConversation(1, 0), ChannelConversation(1, 2), ChannelConversation(2, 0),
		ChannelConversation(2, 1), Direct(1, 2)}
	fill(t, s, 25, append(kept, ChannelConversation(1, 1))...)
	commit(t, s, func(tx *Tx) error {
		return tx.AddFile(File{ID: "blob", ServerID: 1, ChannelTag: 1, Name: "f", Size: 1, UploaderID: 1},
			Message{ServerID: 1, ChannelTag: 1, AuthorID: 1})
	})
	before := everything(t, s, kept...)

	commit(t, s, func(tx *Tx) error { return tx.DeleteChannel(1, 1) })
	if ms, _ := s.Messages(ChannelConversation(1, 1), 0, 100); len(ms) != 0 || stored(t, s, "server_id = 1 AND channel_tag = 1") != 26 {
		t.Fatalf("after the delete commit: %d readable, %d stored; want none readable, all 26 stored",
			len(ms), stored(t, s, "server_id = 1 AND channel_tag = 1"))
	}
	if got := everything(t, s, kept...); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Fatalf("other conversations hidden or changed by a pending purge:\n got %v\nwant %v", got, before)
	}
	purgeAll(t, s, 7)
	if n := stored(t, s, "server_id = 1 AND channel_tag = 1"); n != 0 {
		t.Errorf("%d messages of the deleted channel left", n)
	}
	if got := everything(t, s, kept...); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("the purge touched other conversations:\n got %v\nwant %v", got, before)
	}
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	var chans []string
	for _, c := range snap.Channels {
		chans = append(chans, fmt.Sprint(c.ServerID, c.Tag))
	}
	if fmt.Sprint(chans) != "[1 0 1 2 2 0 2 1]" || len(snap.Files) != 0 || len(snap.Invitations) != 1 ||
		slices.Contains(snap.Members, Member{1, 1, 2}) || !slices.Contains(snap.Members, Member{1, 0, 2}) {
		t.Errorf("after deleting channel 1 of server 1: channels %v, files %v, invitations %v, members %v",
			chans, snap.Files, snap.Invitations, snap.Members)
	}
}

// A purge is in the database: one left pending when the process stops is
// still pending after Open, its messages still hidden, and it goes on.
func TestPendingPurgesSurviveReopening(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	twoServers(t, s)
	fill(t, s, 100, ChannelConversation(1, 0), ChannelConversation(1, 1), ChannelConversation(2, 0))
	commit(t, s, func(tx *Tx) error { return tx.DeleteServer(1) })
	if more, err := s.PurgeStep(t.Context(), 50); err != nil || !more {
		t.Fatalf("first step: more %v, %v", more, err)
	}
	s.Close()

	s = open(t, dir)
	if ps := pendingPurges(t, s); len(ps) != 1 || ps[0].ServerID != 1 || ps[0].ChannelTag != allChannels {
		t.Fatalf("pending purges after reopening: %+v", ps)
	}
	if n := stored(t, s, "server_id = 1"); n != 150 {
		t.Fatalf("%d messages of the deleted server after reopening, want 150", n)
	}
	if n, err := s.CountMessages(ChannelConversation(1, 1)); err != nil || n != 0 {
		t.Fatalf("after reopening, %d messages of the deleted server readable (%v)", n, err)
	}
	if steps := purgeAll(t, s, 50); steps != 4 {
		t.Errorf("the remaining 150 took %d steps of 50, want 4", steps)
	}
	if n, m := stored(t, s, "server_id = 1"), stored(t, s, "server_id = 2"); n != 0 || m != 100 {
		t.Errorf("after the purge: %d messages of server 1, %d of server 2 (want 0, 100)", n, m)
	}
}

// The hub relies on tags never coming back: a deleted server's or
// channel's tag is never given again, even when it was the newest, so no
// new conversation ever lands among messages waiting to be purged.
func TestDeletedTagsAreNotReused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	twoServers(t, s)
	commit(t, s, func(tx *Tx) error { return tx.DeleteChannel(1, 2) }) // server 1's newest channel
	commit(t, s, func(tx *Tx) error { return tx.DeleteServer(2) })     // the newest server
	s.Close()

	s = open(t, dir)
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Counters["server"] != 3 {
		t.Errorf("the next server tag is %d after deleting server 2, want 3", snap.Counters["server"])
	}
	if len(snap.Servers) != 1 || snap.Servers[0].NextChannel != 3 {
		t.Errorf("server 1's next channel after deleting channel 2: %+v, want 3", snap.Servers)
	}
}

func TestPurgeStepRefusesBadCalls(t *testing.T) {
	s := open(t, t.TempDir())
	twoServers(t, s)
	fill(t, s, 5, ChannelConversation(2, 0))
	commit(t, s, func(tx *Tx) error { return tx.DeleteServer(2) })
	if _, err := s.PurgeStep(t.Context(), 0); err == nil {
		t.Error("a step of 0 rows was accepted")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.PurgeStep(ctx, 100); err == nil {
		t.Error("a step with a cancelled context went through")
	}
	if n := stored(t, s, "server_id = 2"); n != 5 {
		t.Errorf("refused steps removed messages: %d left of 5", n)
	}
}

// BenchmarkPurgeStep measures one step of each size with synchronous=FULL
// (what salond runs with by default), in a table that also holds 200,000
// messages of other conversations: what one step holds the writer for.
func BenchmarkPurgeStep(b *testing.B) {
	for _, rows := range []int{1, 500, 1000, 5000, 20000} {
		b.Run(fmt.Sprint(rows), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{Sync: "full"})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := range 20 {
				fill(b, s, 10000, Direct(int64(i+1), int64(i+2)))
			}
			var steps time.Duration
			server := int64(0)
			for b.Loop() {
				b.StopTimer()
				server++
				if err := s.Commit([]Change{func(tx *Tx) error { return tx.CreateServer(server, "s", 1) }}); err != nil {
					b.Fatal(err)
				}
				fill(b, s, rows, ChannelConversation(server, 0))
				if err := s.Commit([]Change{func(tx *Tx) error { return tx.DeleteServer(server) }}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if _, err := s.PurgeStep(context.Background(), rows); err != nil {
					b.Fatal(err)
				}
				steps += time.Since(start)
			}
			b.StopTimer()
			if n := stored(b, s, "server_id > 0"); n != 0 {
				b.Fatalf("%d messages left after every step", n)
			}
			b.ReportMetric(float64(steps.Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
		})
	}
}
