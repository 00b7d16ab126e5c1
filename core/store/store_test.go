package store

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{Sync: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func commit(t *testing.T, s *Store, changes ...Change) {
	t.Helper()
	if err := s.Commit(changes); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripThroughReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	commit(t, s,
		func(tx *Tx) error {
			return tx.CreateUser(User{ID: 1, Pseudo: "Alice", PseudoKey: "alice", PassHash: "h1"})
		},
		func(tx *Tx) error { return tx.CreateUser(User{ID: 2, Pseudo: "bob", PseudoKey: "bob", PassHash: "h2"}) },
		func(tx *Tx) error { return tx.CreateServer(1, "club", 1) },
		func(tx *Tx) error { return tx.CreateChannel(1, 1, "games", 1) },
		func(tx *Tx) error { return tx.AddMember(1, 0, 2) },
		func(tx *Tx) error { return tx.AddFriendship(2, 1) },
		func(tx *Tx) error {
			return tx.AddInvitation(Invitation{ID: 7, FromID: 1, ToID: 2, ServerID: 1, ChannelTag: 1})
		},
		func(tx *Tx) error { return tx.AddMessage(Message{ServerID: 1, AuthorID: 1, Body: "first"}) },
		func(tx *Tx) error { return tx.AddMessage(Message{ServerID: 1, AuthorID: 2, Body: "second"}) },
		func(tx *Tx) error { return tx.RenameServer(1, "salon") },
	)
	s.Close()

	s = open(t, dir)
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(snap.Users, snap.Servers[0].Name, snap.Servers[0].NextChannel, snap.Channels, snap.Members,
		snap.Friendships, snap.Invitations, snap.Counters)
	want := fmt.Sprint(
		[]User{{ID: 1, Pseudo: "Alice", PseudoKey: "alice", PassHash: "h1", CreatedAt: snap.Users[0].CreatedAt},
			{ID: 2, Pseudo: "bob", PseudoKey: "bob", PassHash: "h2", CreatedAt: snap.Users[1].CreatedAt}},
		"salon", int64(2),
		[]Channel{{ServerID: 1, Tag: 0, Name: "general", CreatorID: 1}, {ServerID: 1, Tag: 1, Name: "games", CreatorID: 1}},
		[]Member{{1, 0, 1}, {1, 0, 2}, {1, 1, 1}},
		[]Friendship{{1, 2}},
		[]Invitation{{7, 1, 2, 1, 1}},
		map[string]int64{"server": 2, "user": 3})
	if got != want {
		t.Fatalf("snapshot\n got %s\nwant %s", got, want)
	}
	ms, err := s.Messages(ChannelConversation(1, 0), 0, 10)
	if err != nil || len(ms) != 2 || ms[0].Body != "first" || ms[1].Body != "second" || ms[0].ID >= ms[1].ID {
		t.Fatalf("messages %+v, %v", ms, err)
	}
}

// A failing change sinks its whole batch: nothing of it is stored.
func TestCommitIsAllOrNothing(t *testing.T) {
	s := open(t, t.TempDir())
	boom := errors.New("boom")
	err := s.Commit([]Change{
		func(tx *Tx) error { return tx.CreateUser(User{ID: 1, Pseudo: "a", PseudoKey: "a"}) },
		func(tx *Tx) error { return tx.AddMessage(Message{PeerLow: 1, PeerHigh: 2, AuthorID: 1, Body: "x"}) },
		func(tx *Tx) error { return boom },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("commit error %v, want boom", err)
	}
	snap, _ := s.Load()
	n, _ := s.CountMessages(Direct(2, 1))
	if len(snap.Users) != 0 || n != 0 {
		t.Fatalf("a failed batch left %d users and %d messages", len(snap.Users), n)
	}
	// A change that must touch a row and touches none fails the batch too.
	if err := s.Commit([]Change{func(tx *Tx) error { return tx.RenameServer(99, "x") }}); err == nil {
		t.Fatal("renaming a missing server succeeded")
	}
	// Duplicate pseudo keys are refused by the database itself.
	commit(t, s, func(tx *Tx) error { return tx.CreateUser(User{ID: 1, Pseudo: "a", PseudoKey: "a"}) })
	if err := s.Commit([]Change{func(tx *Tx) error { return tx.CreateUser(User{ID: 2, Pseudo: "A", PseudoKey: "a"}) }}); err == nil {
		t.Fatal("a second user with the same pseudo key was stored")
	}
}

// Messages buffered in a batch keep their order relative to other changes:
// a message followed by the deletion of its channel goes with it.
func TestMessagesKeepTheirPlaceInTheBatch(t *testing.T) {
	s := open(t, t.TempDir())
	commit(t, s,
		func(tx *Tx) error { return tx.CreateUser(User{ID: 1, Pseudo: "a", PseudoKey: "a"}) },
		func(tx *Tx) error { return tx.CreateServer(1, "s", 1) },
		func(tx *Tx) error { return tx.CreateChannel(1, 1, "c", 1) },
		func(tx *Tx) error {
			return tx.AddMessage(Message{ServerID: 1, ChannelTag: 1, AuthorID: 1, Body: "gone"})
		},
		func(tx *Tx) error { return tx.DeleteChannel(1, 1) },
		func(tx *Tx) error {
			return tx.AddMessage(Message{ServerID: 1, ChannelTag: 0, AuthorID: 1, Body: "kept"})
		},
	)
	if n, _ := s.CountMessages(ChannelConversation(1, 1)); n != 0 {
		t.Fatalf("%d messages survived their channel's deletion", n)
	}
	if n, _ := s.CountMessages(ChannelConversation(1, 0)); n != 1 {
		t.Fatalf("general has %d messages, want 1", n)
	}
	commit(t, s, func(tx *Tx) error { return tx.DeleteServer(1) })
	snap, _ := s.Load()
	if len(snap.Servers)+len(snap.Channels)+len(snap.Members) != 0 {
		t.Fatalf("server deletion left %v %v %v", snap.Servers, snap.Channels, snap.Members)
	}
	if n, _ := s.CountMessages(ChannelConversation(1, 0)); n != 0 {
		t.Fatal("server deletion left messages")
	}
	purgeAll(t, s, 100)
	if n := stored(t, s, "1 = 1"); n != 0 {
		t.Fatalf("%d messages left once purged", n)
	}
}

// Messages are inserted in chunks of fixed sizes: every field of every
// message arrives, in order, whatever the batch's size.
func TestMessagesStoredWhateverTheBatchSize(t *testing.T) {
	s := open(t, t.TempDir())
	id := int64(1000)
	for _, n := range []int{1, 3, 4, 5, 16, 21, 63, 64, 65, 150} {
		peer := int64(n) // one conversation per batch
		var want []Message
		var changes []Change
		for i := range n {
			id++
			m := Message{ID: id, PeerLow: peer, PeerHigh: peer + 1, AuthorID: peer, Kind: i % 2,
				Body: fmt.Sprintf("%d of %d", i, n), SentAt: int64(1e18) + id}
			want = append(want, m)
			changes = append(changes, func(tx *Tx) error { return tx.AddMessage(m) })
		}
		commit(t, s, changes...)
		got, err := s.Messages(Direct(peer, peer+1), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("a batch of %d came back as\n%v\nwant\n%v", n, got, want)
		}
	}
}

func TestMessagesPaging(t *testing.T) {
	s := open(t, t.TempDir())
	var changes []Change
	for i := range 250 {
		changes = append(changes, func(tx *Tx) error {
			return tx.AddMessage(Message{PeerLow: 1, PeerHigh: 2, AuthorID: 1, Body: fmt.Sprint(i)})
		})
	}
	commit(t, s, changes...)
	var all []string
	var after int64
	for {
		page, err := s.MessagesUpTo(Direct(1, 2), after, 240, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			all = append(all, m.Body)
		}
		after = page[len(page)-1].ID
	}
	if len(all) != 240 || all[0] != "0" || all[239] != "239" {
		t.Fatalf("paged %d messages, first %q", len(all), all[0])
	}
}

func TestWallet(t *testing.T) {
	s := open(t, t.TempDir())
	do := func(w WalletChange) WalletChange {
		t.Helper()
		w.Plugin, w.Initial = "casino", 100
		commit(t, s, func(tx *Tx) error { return tx.Wallet(&w) })
		return w
	}
	if w := do(WalletChange{User: 1}); !w.OK || w.Balance != 100 {
		t.Fatalf("opening balance %+v", w)
	}
	if w := do(WalletChange{User: 1, Amount: 150, Debit: true}); w.OK || w.Balance != 100 {
		t.Fatalf("a debit over the balance went through: %+v", w)
	}
	if w := do(WalletChange{User: 1, Amount: 30, Debit: true, Once: "bet-1"}); !w.OK || w.Balance != 70 {
		t.Fatalf("debit %+v", w)
	}
	if w := do(WalletChange{User: 1, Amount: 30, Debit: true, Once: "bet-1"}); !w.OK || w.Balance != 70 {
		t.Fatalf("a replayed debit was applied again: %+v", w)
	}
	if w := do(WalletChange{User: 1, To: 2, Amount: 50, Transfer: true}); !w.OK || w.Balance != 20 {
		t.Fatalf("transfer %+v", w)
	}
	if w := do(WalletChange{User: 2}); w.Balance != 150 {
		t.Fatalf("payee balance %d, want 150", w.Balance)
	}
	if w := do(WalletChange{User: 1, To: 2, Amount: 21, Transfer: true}); w.OK || w.Balance != 20 {
		t.Fatalf("a transfer over the balance went through: %+v", w)
	}
	if w := do(WalletChange{User: 2, Amount: math.MaxInt64}); w.OK || w.Balance != 150 {
		t.Fatalf("an overflowing credit went through: %+v", w)
	}
	// Every change is in the ledger, with the balance after it.
	ledger, err := s.Ledger(1)
	if err != nil {
		t.Fatal(err)
	}
	var deltas []int64
	for _, e := range ledger {
		deltas = append(deltas, e.Delta)
	}
	if fmt.Sprint(deltas) != "[100 -30 -50]" || ledger[2].Balance != 20 || ledger[2].Counterparty != 2 {
		t.Fatalf("ledger %+v", ledger)
	}
}

func TestKV(t *testing.T) {
	s := open(t, t.TempDir())
	var swapped bool
	commit(t, s,
		func(tx *Tx) error { return tx.KVSet("p", "a/1", []byte("x")) },
		func(tx *Tx) error { return tx.KVSet("p", "a/2", []byte("y")) },
		func(tx *Tx) error { return tx.KVSet("p", "b", []byte("z")) },
		func(tx *Tx) error { return tx.KVSet("q", "a/3", []byte("other plugin")) },
		func(tx *Tx) error { return tx.KVCompareAndSwap("p", "a/1", []byte("x"), true, []byte("x2"), &swapped) },
	)
	if !swapped {
		t.Fatal("compare-and-swap with the right old value failed")
	}
	commit(t, s, func(tx *Tx) error { return tx.KVCompareAndSwap("p", "b", nil, false, []byte("no"), &swapped) })
	if swapped {
		t.Fatal("compare-and-swap on a present key expected absent went through")
	}
	list, _ := s.KVList("p", "a/", 10)
	if len(list) != 2 || string(list[0].Value) != "x2" || list[1].Key != "a/2" {
		t.Fatalf("list %+v", list)
	}
	commit(t, s, func(tx *Tx) error { return tx.KVDelete("p", "a/2") })
	if _, found, _ := s.KVGet("p", "a/2"); found {
		t.Fatal("deleted key still there")
	}
	if v, found, _ := s.KVGet("q", "a/3"); !found || string(v) != "other plugin" {
		t.Fatal("plugins' stores are not separate")
	}
}

// SQLite's allocator figures are what the soak and an operator read at
// /debug/sqlite: they must follow what the database holds.
func TestMemoryUsed(t *testing.T) {
	s := open(t, t.TempDir())
	before, _ := MemoryUsed()
	var changes []Change
	for i := range 2000 {
		changes = append(changes, func(tx *Tx) error {
			return tx.AddMessage(Message{ServerID: 1, AuthorID: 1, Body: fmt.Sprintf("message %d with some text to fill pages", i)})
		})
	}
	commit(t, s, func(tx *Tx) error { return tx.CreateServer(1, "club", 1) })
	commit(t, s, changes...)
	if ms, err := s.Messages(ChannelConversation(1, 0), 0, 5000); err != nil || len(ms) != 2000 {
		t.Fatalf("%d messages, %v", len(ms), err)
	}
	now, peak := MemoryUsed()
	if now <= before || peak < now {
		t.Fatalf("SQLite holds %d bytes (peak %d), %d before the database was used", now, peak, before)
	}
	releaseFreedMemory() // must not disturb SQLite
	if ms, err := s.Messages(ChannelConversation(1, 0), 1990, 100); err != nil || len(ms) != 10 {
		t.Fatalf("after trimming: %d messages, %v", len(ms), err)
	}
}

// SQLite used from many threads at once must still allocate from one glibc
// arena (see malloc_linux.go): several arenas each keep what SQLite frees.
func TestOneMallocArena(t *testing.T) {
	s := open(t, t.TempDir())
	commit(t, s, func(tx *Tx) error { return tx.CreateServer(1, "club", 1) })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // eight threads calling into SQLite
			defer runtime.UnlockOSThread()
			for j := range 50 {
				body := fmt.Sprintf("goroutine %d message %d", i, j)
				if err := s.Commit([]Change{func(tx *Tx) error {
					return tx.AddMessage(Message{ServerID: 1, AuthorID: 1, Body: body})
				}}); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Messages(ChannelConversation(1, 0), 0, 100); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := 1
	if runtime.GOOS != "linux" {
		want = -1 // not counted there
	}
	if n := MallocArenas(); n != want {
		t.Fatalf("the C allocator has %d arenas, want %d", n, want)
	}
}

// A failed commit says which change failed, whether the change itself
// failed or the messages it buffered did, so that the changes before it can
// be committed again without it.
func TestCommitErrorNamesTheFailedChange(t *testing.T) {
	s := open(t, t.TempDir())
	msg := func(id int64) Change {
		return func(tx *Tx) error {
			return tx.AddMessage(Message{ID: id, PeerLow: 1, PeerHigh: 2, AuthorID: 1, Body: "m"})
		}
	}
	missing := func(tx *Tx) error { return tx.DeleteInvitation(99) }
	commit(t, s, msg(1))
	for _, tc := range []struct {
		name    string
		changes []Change
		want    int
	}{
		{"a change", []Change{msg(10), msg(11), missing, msg(12)}, 2},
		{"a buffered message", []Change{msg(20), msg(1), msg(21)}, 1}, // id 1 exists
		{"the last message", []Change{msg(30), msg(1)}, 1},
	} {
		err := s.Commit(tc.changes)
		var ce *CommitError
		if !errors.As(err, &ce) || ce.Index != tc.want {
			t.Errorf("%s: Commit = %v, want a CommitError at change %d", tc.name, err, tc.want)
		}
		if err := s.Commit(tc.changes[:ce.Index]); err != nil {
			t.Errorf("%s: the changes before the failed one: %v", tc.name, err)
		}
	}
	if n, _ := s.CountMessages(Direct(1, 2)); n != 5 {
		t.Errorf("%d messages stored, want 5 (1, 10, 11, 20, 30)", n)
	}
}

func TestCountAfterStopsAtMost(t *testing.T) {
	s := open(t, t.TempDir())
	c := ChannelConversation(3, 0)
	var changes []Change
	for i := range 30 {
		changes = append(changes, func(tx *Tx) error {
			return tx.AddMessage(Message{ID: int64(101 + i), ServerID: 3, AuthorID: 1, Body: fmt.Sprint(i)})
		})
	}
	// Another conversation's messages are not counted.
	changes = append(changes, func(tx *Tx) error {
		return tx.AddMessage(Message{ID: 200, ServerID: 3, ChannelTag: 1, AuthorID: 1, Body: "elsewhere"})
	})
	commit(t, s, changes...)
	for _, tc := range []struct {
		after, most, want int64
	}{
		{0, 1000, 30},   // under the bound: exact
		{0, 30, 30},     // at it
		{0, 10, 10},     // over it: stops there
		{120, 10, 10},   // after 120: 121..130
		{125, 10, 5},    // after 125: 5 left
		{130, 10, 0},    // none left
		{110, 1000, 20}, // 111..130
	} {
		n, err := s.CountAfter(t.Context(), c, tc.after, tc.most)
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.want {
			t.Errorf("CountAfter(after %d, most %d) = %d, want %d", tc.after, tc.most, n, tc.want)
		}
	}
}
