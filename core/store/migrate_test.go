package store

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// models are today's tables, as AutoMigrate would make them: the schema the
// migrations build must be exactly theirs, with today's full-text index
// (searchSchema) beside them.
var models = []any{&schemaVersion{}, &User{}, &Server{}, &Channel{}, &Member{}, &Friendship{},
	&Invitation{}, &Message{}, &Counter{}, &File{}, &KVEntry{}, &Wallet{}, &LedgerEntry{}, &purge{},
	&Reaction{}, &ReadMarker{}, &Moderator{}, &Ban{}, &UserKey{}}

// rawDB opens the database of dir without migrating it, as another
// program (or an older salond) would.
func rawDB(t *testing.T, dir string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(sqlite.Open("file:"+filepath.Join(dir, FileName)+"?_foreign_keys=on"),
		&gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

func closeRaw(t *testing.T, db *gorm.DB) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.Close(); err != nil {
		t.Fatal(err)
	}
}

// fixture builds in a new folder the database a testdata dump describes.
func fixture(t *testing.T, name string) (dir string, db *gorm.DB) {
	t.Helper()
	sql, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	db = rawDB(t, dir)
	if err := db.Exec(string(sql)).Error; err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return dir, db
}

// schemaOf describes db's tables, their columns (type, NOT NULL, default,
// place in the primary key) and their indexes (unique, origin, columns in
// order), one line each, in an order that does not depend on how the
// schema was built: a column added by ALTER TABLE comes last in its table,
// where CREATE TABLE would have put it in the middle, and that difference
// changes nothing a query sees. Virtual tables and triggers, which are
// what their SQL says, are described by it (spaces folded).
func schemaOf(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var tables []struct{ Name, SQL string }
	if err := db.Raw("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").
		Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	var triggers []string
	if err := db.Raw("SELECT sql FROM sqlite_master WHERE type = 'trigger'").Scan(&triggers).Error; err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, sql := range triggers {
		lines = append(lines, "trigger "+strings.Join(strings.Fields(sql), " "))
	}
	for _, tb := range tables {
		line := "table " + tb.Name
		if strings.Contains(strings.ToUpper(tb.SQL), "AUTOINCREMENT") {
			line += " autoincrement"
		}
		if strings.HasPrefix(strings.ToUpper(tb.SQL), "CREATE VIRTUAL TABLE") {
			line += " " + strings.Join(strings.Fields(tb.SQL), " ")
		}
		lines = append(lines, line)
		var cols []struct {
			Name      string
			Type      string
			NotNull   bool
			DfltValue *string
			PK        int
		}
		if err := db.Raw("SELECT name, type, \"notnull\" AS not_null, dflt_value, pk FROM pragma_table_info(?)", tb.Name).
			Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			dflt := "none"
			if c.DfltValue != nil {
				dflt = *c.DfltValue
			}
			lines = append(lines, fmt.Sprintf("table %s column %s %s notnull=%t default=%s pk=%d",
				tb.Name, c.Name, c.Type, c.NotNull, dflt, c.PK))
		}
		var idxs []struct {
			Name    string
			Unique  bool
			Origin  string
			Partial bool
		}
		if err := db.Raw("SELECT name, \"unique\" AS \"unique\", origin, partial FROM pragma_index_list(?)", tb.Name).
			Scan(&idxs).Error; err != nil {
			t.Fatal(err)
		}
		for _, ix := range idxs {
			var cols []string
			if err := db.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", ix.Name).
				Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("table %s index %s unique=%t origin=%s partial=%t (%s)",
				tb.Name, ix.Name, ix.Unique, ix.Origin, ix.Partial, strings.Join(cols, ", ")))
		}
	}
	slices.Sort(lines)
	return lines
}

// sameSchema fails t with the lines that differ.
func sameSchema(t *testing.T, what string, got, want []string, hint string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "\n  + %s", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "\n  - %s", l)
		}
	}
	t.Errorf("%s (+ only got, - only wanted):%s\n%s", what, b.String(), hint)
}

// freshSchema is the schema Open builds in an empty folder.
func freshSchema(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	open(t, dir).Close()
	return schemaOf(t, rawDB(t, dir))
}

func versionsOf(t *testing.T, db *gorm.DB) []int {
	t.Helper()
	var vs []int
	if err := db.Model(&schemaVersion{}).Order("version").Pluck("version", &vs).Error; err != nil {
		t.Fatal(err)
	}
	return vs
}

// The frozen steps build what the released programs built: migration 1 the
// schema of the first release, migrations 1 to 4 the schema of version 4's
// databases, both those created at version 4 and those upgraded to it, and
// migrations 1 to 5 that of the last release's.
func TestFrozenStepsBuildWhatReleasesBuilt(t *testing.T) {
	for _, c := range []struct {
		fixture string
		steps   int
	}{
		{"schema-v1.sql", 1},
		{"schema-v4.sql", 4},
		{"schema-v4-upgraded.sql", 4},
		{"schema-v5.sql", 5},
	} {
		_, released := fixture(t, c.fixture)
		db := rawDB(t, t.TempDir())
		if err := migrate(db, migrations[:c.steps]); err != nil {
			t.Fatal(err)
		}
		sameSchema(t, fmt.Sprintf("migrations 1 to %d against %s", c.steps, c.fixture),
			schemaOf(t, db), schemaOf(t, released),
			"a released migration step no longer builds what it built: restore it, and put the change in a new step")
		if got, want := versionsOf(t, db), versionsOf(t, released); !slices.Equal(got, want) {
			t.Errorf("%s: versions %v, want %v", c.fixture, got, want)
		}
	}
}

// The next developer who changes a model without a migration is told so:
// the migrations must build exactly the tables today's models describe.
func TestMigrationsBuildTheModels(t *testing.T) {
	db := rawDB(t, t.TempDir())
	if err := db.AutoMigrate(models...); err != nil {
		t.Fatal(err)
	}
	for _, q := range searchSchema {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	sameSchema(t, "the schema the migrations build against the one today's models describe",
		freshSchema(t), schemaOf(t, db),
		"a model (or searchSchema) changed what it stores: add a migration (a new step with frozen structs of its own) "+
			"that makes the same change, and list any new model in models (migrate_test.go)")
}

// A database made by the first release, with rows in every table, opens
// with today's program: every row is there, readable through the store,
// the tables added since work, and the schema is a fresh database's.
func TestUpgradeFromTheFirstSchema(t *testing.T) {
	dir := t.TempDir()
	db := rawDB(t, dir)
	if err := migrate(db, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	for _, row := range []any{
		&v1User{ID: 1, Pseudo: "Alice", PseudoKey: "alice", PassHash: "h1", CreatedAt: 11},
		&v1User{ID: 2, Pseudo: "Bob", PseudoKey: "bob", PassHash: "h2", CreatedAt: 12},
		&v1User{ID: 3, Pseudo: "Dealer", PseudoKey: "dealer", Bot: true, CreatedAt: 13},
		&v1Server{ID: 1, Name: "club", OwnerID: 1, NextChannel: 3, CreatedAt: 21},
		&v1Server{ID: 2, Name: "lair", OwnerID: 2, NextChannel: 1, CreatedAt: 22},
		&v1Channel{ServerID: 1, Tag: 0, Name: "general", CreatorID: 1},
		&v1Channel{ServerID: 1, Tag: 2, Name: "games", CreatorID: 2}, // tag 1 was deleted
		&v1Channel{ServerID: 2, Tag: 0, Name: "general", CreatorID: 2},
		&v1Member{ServerID: 1, ChannelTag: 0, UserID: 1},
		&v1Member{ServerID: 1, ChannelTag: 0, UserID: 2},
		&v1Member{ServerID: 1, ChannelTag: 2, UserID: 2},
		&v1Member{ServerID: 2, ChannelTag: 0, UserID: 2},
		&v1Friendship{UserA: 1, UserB: 2},
		&v1Invitation{ID: 4, FromID: 2, ToID: 3},
		&v1Invitation{ID: 5, FromID: 2, ToID: 1, ServerID: 2, ChannelTag: 0},
		&v1Message{ID: 1, ServerID: 1, AuthorID: 1, Body: "hello", SentAt: 101},
		&v1Message{ID: 2, PeerLow: 1, PeerHigh: 2, AuthorID: 2, Body: "psst", SentAt: 102},
		&v1Message{ID: 3, ServerID: 1, ChannelTag: 2, AuthorID: 2, Kind: KindText, Body: "gg", SentAt: 103},
		&v1Message{ID: 4, ServerID: 1, AuthorID: 2, Body: "hi", SentAt: 104},
		&v1Message{ID: 5, ServerID: 2, AuthorID: 2, Body: "my lair", SentAt: 105},
		&v1Counter{Name: "user", Next: 4},
		&v1Counter{Name: "server", Next: 3},
	} {
		if err := db.Create(row).Error; err != nil {
			t.Fatalf("%T: %v", row, err)
		}
	}
	closeRaw(t, db)

	s := open(t, dir)
	if got, want := versionsOf(t, s.db), []int{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%+v\n%+v\n%+v\n%+v\n%+v\n%+v\n%v\n%d %d", snap.Users, snap.Servers, snap.Channels,
		snap.Members, snap.Friendships, snap.Invitations, snap.Counters, len(snap.Files), snap.LastMessage)
	want := fmt.Sprintf("%+v\n%+v\n%+v\n%+v\n%+v\n%+v\n%v\n%d %d",
		[]User{{ID: 1, Pseudo: "Alice", PseudoKey: "alice", PassHash: "h1", CreatedAt: 11},
			{ID: 2, Pseudo: "Bob", PseudoKey: "bob", PassHash: "h2", CreatedAt: 12},
			{ID: 3, Pseudo: "Dealer", PseudoKey: "dealer", Bot: true, CreatedAt: 13}},
		[]Server{{ID: 1, Name: "club", OwnerID: 1, NextChannel: 3, CreatedAt: 21},
			{ID: 2, Name: "lair", OwnerID: 2, NextChannel: 1, CreatedAt: 22}},
		[]Channel{{ServerID: 1, Tag: 0, Name: "general", CreatorID: 1}, {ServerID: 1, Tag: 2, Name: "games", CreatorID: 2},
			{ServerID: 2, Tag: 0, Name: "general", CreatorID: 2}},
		[]Member{{1, 0, 1}, {1, 0, 2}, {1, 2, 2}, {2, 0, 2}},
		[]Friendship{{1, 2}},
		[]Invitation{{4, 2, 3, 0, 0}, {5, 2, 1, 2, 0}},
		map[string]int64{"server": 3, "user": 4},
		0, 5)
	if got != want {
		t.Fatalf("snapshot after the upgrade\n got %s\nwant %s", got, want)
	}
	if got, want := snap.LastMessages, map[Conversation]int64{ChannelConversation(1, 0): 4, ChannelConversation(1, 2): 3,
		ChannelConversation(2, 0): 5, Direct(1, 2): 2}; !maps.Equal(got, want) {
		t.Errorf("newest messages after the upgrade: %v, want %v", got, want)
	}
	// The messages stored before the full-text index are in it.
	every := []Conversation{ChannelConversation(1, 0), ChannelConversation(1, 2), ChannelConversation(2, 0), Direct(1, 2)}
	for text, want := range map[string]string{"HELLO": "[1]", "psst": "[2]", "lair": "[5]", "gg hi": "[]"} {
		if ms, err := s.Find(t.Context(), every, text, 10); err != nil || fmt.Sprint(ids(ms)) != want {
			t.Errorf("after the upgrade, %q finds %v (%v), want %s", text, ids(ms), err, want)
		}
	}
	for conv, want := range map[Conversation][]Message{
		ChannelConversation(1, 0): {{ID: 1, ServerID: 1, AuthorID: 1, Body: "hello", SentAt: 101},
			{ID: 4, ServerID: 1, AuthorID: 2, Body: "hi", SentAt: 104}},
		ChannelConversation(1, 2): {{ID: 3, ServerID: 1, ChannelTag: 2, AuthorID: 2, Body: "gg", SentAt: 103}},
		ChannelConversation(2, 0): {{ID: 5, ServerID: 2, AuthorID: 2, Body: "my lair", SentAt: 105}},
		Direct(2, 1):              {{ID: 2, PeerLow: 1, PeerHigh: 2, AuthorID: 2, Body: "psst", SentAt: 102}},
	} {
		ms, err := s.Messages(conv, 0, 10)
		if err != nil || fmt.Sprint(ms) != fmt.Sprint(want) {
			t.Errorf("%+v: messages %v (%v), want %v", conv, ms, err, want)
		}
	}
	sameSchema(t, "an upgraded first schema against a fresh one", schemaOf(t, s.db), freshSchema(t),
		"a migration step does not bring the first schema to today's")

	// What the later steps added works on the upgraded database: bot
	// owners, files, the plugins' store, the wallet and its at-most-once
	// keys, purges, and the community extensions.
	var swapped bool
	w := WalletChange{User: 2, Amount: 10, Debit: true, Plugin: "casino", Once: "bet-1", Initial: 100}
	replay := w
	commit(t, s,
		func(tx *Tx) error {
			return tx.CreateUser(User{ID: 4, Pseudo: "Croupier", PseudoKey: "croupier", Bot: true, BotOwner: "casino"})
		},
		func(tx *Tx) error {
			return tx.AddFile(File{ID: "blob1", ServerID: 1, Name: "map.png", Size: 7, UploaderID: 1},
				Message{ID: snap.LastMessage + 1, ServerID: 1, AuthorID: 1})
		},
		func(tx *Tx) error { return tx.KVSet("casino", "table/1", []byte("open")) },
		func(tx *Tx) error {
			return tx.KVCompareAndSwap("casino", "table/1", []byte("open"), true, []byte("closed"), &swapped)
		},
		func(tx *Tx) error { return tx.Wallet(&w) },
		func(tx *Tx) error { return tx.Wallet(&replay) },
		func(tx *Tx) error { return tx.DeleteServer(2) },
		func(tx *Tx) error {
			return tx.AddMessage(Message{ID: snap.LastMessage + 2, ServerID: 1, AuthorID: 2, Body: "welcome back", ReplyTo: 1})
		},
		func(tx *Tx) error { return tx.EditMessage(1, "hello again", 7) },
		func(tx *Tx) error { return tx.AddReaction(Reaction{MessageID: 1, Emoji: "👍", UserID: 2}) },
		func(tx *Tx) error { return tx.SetReadMarker(2, ChannelConversation(1, 0), 4) },
		func(tx *Tx) error { return tx.AddModerator(1, 2, 2) },
		func(tx *Tx) error { return tx.AddBan(Ban{ServerID: 1, UserID: 3, Reason: "cheat", ByID: 1}) },
		func(tx *Tx) error { return tx.SetTopic(1, 2, "poker tonight", 2) },
		func(tx *Tx) error { return tx.SetPublic(1, 2, true) },
		func(tx *Tx) error { return tx.SetAway(1, "lunch") },
		func(tx *Tx) error { return tx.SetKey(2, []byte{1, 2, 3}) },
	)
	if v, found, err := s.KVGet("casino", "table/1"); err != nil || !found || string(v) != "closed" || !swapped {
		t.Errorf("kv after the upgrade: %q %v %v (swapped %v)", v, found, err, swapped)
	}
	if bal, ok, err := s.Balance(2); err != nil || !ok || bal != 90 || !w.OK || replay.Balance != 90 {
		t.Errorf("balance after the upgrade: %d %v %v; debit %+v, replay %+v", bal, ok, err, w, replay)
	}
	if ledger, err := s.Ledger(2); err != nil || len(ledger) != 2 || ledger[1].Once != "bet-1" {
		t.Errorf("ledger after the upgrade: %+v, %v", ledger, err)
	}
	for more := true; more; {
		if more, err = s.PurgeStep(t.Context(), 100); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, dir)
	snap, err = s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if u := snap.Users[3]; u.BotOwner != "casino" || !u.Bot {
		t.Errorf("bot after reopening: %+v", u)
	}
	if len(snap.Files) != 1 || snap.Files[0].Name != "map.png" || len(snap.Servers) != 1 {
		t.Errorf("files %+v, servers %+v after reopening", snap.Files, snap.Servers)
	}
	if ms, err := s.Messages(ChannelConversation(1, 0), 4, 10); err != nil || len(ms) != 2 || ms[0].Kind != KindFile ||
		ms[1].ReplyTo != 1 {
		t.Errorf("the file's message and the reply: %+v, %v", ms, err)
	}
	var left int64
	if err := s.db.Model(&Message{}).Where("server_id = 2").Count(&left).Error; err != nil || left != 0 {
		t.Errorf("the deleted server's messages: %d left (%v)", left, err)
	}
	if snap.LastMessage != 7 || snap.Users[0].Away != "lunch" || fmt.Sprint(snap.Moderators) != "[{1 2 2}]" ||
		len(snap.Bans) != 1 || snap.Bans[0].Reason != "cheat" ||
		fmt.Sprintf("%+v", snap.Channels[1]) != "{ServerID:1 Tag:2 Name:games CreatorID:2 Topic:poker tonight TopicBy:2 Public:true}" {
		t.Errorf("after reopening: last message %d, users %+v, moderators %v, bans %+v, channels %+v",
			snap.LastMessage, snap.Users, snap.Moderators, snap.Bans, snap.Channels)
	}
	if ms, err := s.Find(t.Context(), every, "again", 10); err != nil || fmt.Sprint(ids(ms)) != "[1]" || ms[0].EditedAt != 7 {
		t.Errorf("the edited message: %+v, %v", ms, err)
	}
	if m, err := s.Markers(t.Context(), 2); err != nil || m[ChannelConversation(1, 0)] != 4 {
		t.Errorf("markers %v, %v", m, err)
	}
	if k, ok, err := s.Key(t.Context(), 2); err != nil || !ok || string(k) != "\x01\x02\x03" {
		t.Errorf("key %v %v %v", k, ok, err)
	}
	if rs, err := s.Reactions(t.Context(), []int64{1}); err != nil || len(rs) != 1 || rs[0].Emoji != "👍" {
		t.Errorf("reactions %+v, %v", rs, err)
	}
}

// ids lists the IDs of ms, in their order.
func ids(ms []Message) []int64 {
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// A database of the last release (version 5), or of the one before (version
// 4, whether created at 4 or upgraded to it), is recognised: only the later
// steps run, what was there is left as it was (but for the columns step 6
// adds to three tables), and its rows are read as before, the text messages
// found by a search.
func TestUpgradeFromTodaysSchema(t *testing.T) {
	for _, name := range []string{"schema-v4.sql", "schema-v4-upgraded.sql", "schema-v5.sql"} {
		dir, db := fixture(t, name)
		if err := db.Exec(`
INSERT INTO users (id, pseudo, pseudo_key, pass_hash, bot, bot_owner, created_at) VALUES
	(1, 'Alice', 'alice', 'h1', false, '', 11), (2, 'Dealer', 'dealer', '', true, 'casino', 12);
INSERT INTO servers VALUES (1, 'club', 1, 2, 21);
INSERT INTO channels VALUES (1, 0, 'general', 1), (1, 1, 'games', 1);
INSERT INTO members VALUES (1, 0, 1), (1, 1, 1);
INSERT INTO friendships VALUES (1, 2);
INSERT INTO invitations VALUES (3, 1, 2, 1, 1);
INSERT INTO messages (id, server_id, channel_tag, peer_low, peer_high, author_id, kind, body, sent_at) VALUES
	(1, 1, 0, 0, 0, 1, 0, 'hello', 101), (2, 1, 1, 0, 0, 1, 1, 'map.png', 102), (3, 0, 0, 1, 2, 2, 0, 'psst', 103);
INSERT INTO counters VALUES ('user', 3), ('server', 2);
INSERT INTO files VALUES ('blob1', 1, 1, 0, 0, 'map.png', 7, 1, 31);
INSERT INTO plugin_kv VALUES ('casino', 'table/1', X'6f70656e');
INSERT INTO wallets VALUES (1, 70);
INSERT INTO ledger (id, user_id, delta, balance, plugin, reason, counterparty, at, once) VALUES
	(1, 1, 100, 100, 'salond', 'opening balance', 0, 41, ''), (2, 1, -30, 70, 'casino', 'bet', 0, 42, 'bet-1');
`).Error; err != nil {
			t.Fatal(err)
		}
		before := objectsOf(t, db)
		closeRaw(t, db)

		s := open(t, dir)
		after := objectsOf(t, s.db)
		for obj, sql := range before {
			if obj == "table users" || obj == "table channels" || obj == "table messages" {
				continue // step 6 adds columns to them: sameSchema below holds them to a fresh database's
			}
			if after[obj] != sql {
				t.Errorf("%s: opening changed %s\nbefore %s\n after %s", name, obj, sql, after[obj])
			}
		}
		var versions []schemaVersion
		if err := s.db.Order("version").Find(&versions).Error; err != nil {
			t.Fatal(err)
		}
		if len(versions) != 6 || versions[3].What != "at-most-once wallet operations" || versions[4].Version != 5 ||
			versions[5].Version != 6 {
			t.Errorf("%s: versions %+v", name, versions)
		}
		sameSchema(t, name+" upgraded against a fresh database", schemaOf(t, s.db), freshSchema(t),
			"the later migrations do not bring this release's databases to the fresh schema")

		snap, err := s.Load()
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%+v %+v %+v %+v %+v %+v %+v %v %d %v", snap.Users, snap.Servers, snap.Channels, snap.Members,
			snap.Friendships, snap.Invitations, snap.Files, snap.Counters, snap.LastMessage, snap.LastMessages)
		want := fmt.Sprintf("%+v %+v %+v %+v %+v %+v %+v %v %d %v",
			[]User{{ID: 1, Pseudo: "Alice", PseudoKey: "alice", PassHash: "h1", CreatedAt: 11},
				{ID: 2, Pseudo: "Dealer", PseudoKey: "dealer", Bot: true, BotOwner: "casino", CreatedAt: 12}},
			[]Server{{ID: 1, Name: "club", OwnerID: 1, NextChannel: 2, CreatedAt: 21}},
			[]Channel{{ServerID: 1, Tag: 0, Name: "general", CreatorID: 1}, {ServerID: 1, Tag: 1, Name: "games", CreatorID: 1}},
			[]Member{{1, 0, 1}, {1, 1, 1}},
			[]Friendship{{1, 2}},
			[]Invitation{{3, 1, 2, 1, 1}},
			[]File{{ID: "blob1", ServerID: 1, ChannelTag: 1, Name: "map.png", Size: 7, UploaderID: 1, CreatedAt: 31}},
			map[string]int64{"server": 2, "user": 3}, 3,
			map[Conversation]int64{ChannelConversation(1, 0): 1, ChannelConversation(1, 1): 2, Direct(1, 2): 3})
		if got != want {
			t.Errorf("%s: snapshot\n got %s\nwant %s", name, got, want)
		}
		ms, err := s.Messages(ChannelConversation(1, 1), 0, 10)
		if err != nil || len(ms) != 1 || ms[0].Kind != KindFile || ms[0].Body != "map.png" || ms[0].SentAt != 102 {
			t.Errorf("%s: channel messages %+v, %v", name, ms, err)
		}
		if ms, err := s.Messages(Direct(1, 2), 0, 10); err != nil || len(ms) != 1 || ms[0].Body != "psst" {
			t.Errorf("%s: direct messages %+v, %v", name, ms, err)
		}
		every := []Conversation{ChannelConversation(1, 0), ChannelConversation(1, 1), Direct(1, 2)}
		for text, want := range map[string]string{"hello": "[1]", "psst": "[3]", "map png": "[]"} {
			if ms, err := s.Find(t.Context(), every, text, 10); err != nil || fmt.Sprint(ids(ms)) != want {
				t.Errorf("%s: %q finds %v (%v), want %s", name, text, ids(ms), err, want)
			}
		}
		if v, found, err := s.KVGet("casino", "table/1"); err != nil || !found || string(v) != "open" {
			t.Errorf("%s: kv %q %v %v", name, v, found, err)
		}
		// The old at-most-once key still holds: replaying its debit changes nothing.
		w := WalletChange{User: 1, Amount: 30, Debit: true, Plugin: "casino", Once: "bet-1", Initial: 100}
		commit(t, s, func(tx *Tx) error { return tx.Wallet(&w) })
		if ledger, err := s.Ledger(1); err != nil || !w.OK || w.Balance != 70 || len(ledger) != 2 || ledger[1].Once != "bet-1" {
			t.Errorf("%s: wallet %+v, ledger %+v, %v", name, w, ledger, err)
		}
		s.Close()
	}
}

// objectsOf maps every table, index and trigger of db ("table users") to
// its SQL.
func objectsOf(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	var objs []struct{ Type, Name, SQL string }
	if err := db.Raw("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").Scan(&objs).Error; err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, o := range objs {
		m[o.Type+" "+o.Name] = o.SQL
	}
	return m
}

func TestMigrationsRunOnce(t *testing.T) {
	dir := t.TempDir()
	open(t, dir).Close()
	s := open(t, dir)
	var versions []schemaVersion
	if err := s.db.Order("version").Find(&versions).Error; err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(migrations) || versions[len(versions)-1].Version != migrations[len(migrations)-1].version {
		t.Fatalf("schema versions %+v", versions)
	}
}
