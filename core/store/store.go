// Package store keeps Salon's state in a SQL database through GORM. It is the
// only package that touches the database. Writes arrive as batches of
// changes committed in one transaction (the hub groups them); reads are the
// snapshot loaded at start and paged history queries.
package store

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Options tune the database.
type Options struct {
	// Sync is SQLite's synchronous setting: "full" survives power loss,
	// "normal" survives a crash of the process only.
	Sync string
}

// Store is an open database.
//
// It holds two pools on the one file. loop is a single connection, the
// hub's own: Commit, PurgeStep, Load and the point reads the hub's loop
// makes between batches (Message, HasReaction, ReactionCounts, Markers,
// CountAfter, Key) use it, so the loop never waits for a connection that a
// download holds. db is the shared pool of the reads that page through
// histories for download workers and plugins (Messages, MessagesUpTo,
// Page, Find, Reactions, the KV reads...): they may wait for one another,
// never for the loop.
type Store struct {
	db      *gorm.DB      // the shared pool: reads for downloads and plugins
	loop    *gorm.DB      // the hub's connection: writes and the loop's reads
	stopped chan struct{} // closed by Close: ends the memory trimmer
	stop    sync.Once
	trimmer sync.WaitGroup
}

// trimEvery is how often the C allocator's free memory goes back to the
// system (see malloc_linux.go).
const trimEvery = time.Minute

// readConns bounds the shared pool's connections (history and file
// downloads, searches, plugin key/value reads), which take a connection
// for one page at a time; the hub has one more of its own.
const readConns = 3

// FileName is the database file inside the data folder.
const FileName = "salon.db"

// Open opens (creating if needed) the SQLite database in dataDir and
// migrates its schema to the current version.
func Open(dataDir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create data folder: %w", err)
	}
	sync := "FULL"
	if opt.Sync == "normal" {
		sync = "NORMAL"
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", sync)
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.Join(dataDir, FileName) + "?" + q.Encode()
	s := &Store{stopped: make(chan struct{})}
	var err error
	if s.loop, err = openPool(dsn, 1); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dataDir, err)
	}
	if s.db, err = openPool(dsn, readConns); err != nil {
		closePool(s.loop)
		return nil, fmt.Errorf("store: open %s: %w", dataDir, err)
	}
	if err := s.checkFTS5(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	if withoutSearchIndex {
		if err := s.dropSearchTriggers(); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.trimmer.Add(1)
	go s.trimMemory()
	return s, nil
}

// openPool opens a pool of at most conns connections to dsn. A bounded
// pool, kept open: every SQLite connection has its own page cache, and
// opening one per concurrent download, then closing it, leaves the C heap
// fragmented and the process growing.
func openPool(dsn string, conns int) (*gorm.DB, error) {
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
	})
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	return db, nil
}

func closePool(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// checkFTS5 makes sure the linked SQLite has its full-text search, which
// mattn/go-sqlite3 compiles in only with a build tag: without it the
// migration would fail with "no such module: fts5", which does not say
// what to do.
func (s *Store) checkFTS5() error {
	var used bool
	if err := s.loop.Raw("SELECT sqlite_compileoption_used('ENABLE_FTS5')").Scan(&used).Error; err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !used {
		return errors.New("store: SQLite was built without its full-text search (FTS5): build with make, or go build -tags sqlite_fts5")
	}
	return nil
}

func (s *Store) trimMemory() {
	defer s.trimmer.Done()
	tick := time.NewTicker(trimEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-tick.C:
			releaseFreedMemory()
		}
	}
}

// Close closes the database.
func (s *Store) Close() error {
	s.stop.Do(func() { close(s.stopped) })
	s.trimmer.Wait()
	return errors.Join(closePool(s.loop), closePool(s.db))
}

// Change is one unit of work inside a commit.
type Change func(*Tx) error

// Commit runs the changes in one transaction: all are stored or none.
//
// On failure the error is a *CommitError that says which change failed:
// the changes before it did not, and may be committed again without it.
func (s *Store) Commit(changes []Change) error {
	tx := &Tx{failed: -1}
	err := s.loop.Transaction(func(db *gorm.DB) error {
		tx.db = db
		for i, c := range changes {
			tx.change = i
			if err := c(tx); err != nil {
				return err
			}
		}
		tx.change = len(changes)
		return tx.flush()
	})
	if err == nil {
		return nil
	}
	failed := tx.failed
	if failed < 0 {
		failed = tx.change
	}
	return &CommitError{Index: min(failed, len(changes)), Err: err}
}

// CommitError is a failed commit. Index is the first change that may have
// failed (len(changes) when the commit itself failed): nothing of the
// commit is stored, and the changes before Index did not fail.
type CommitError struct {
	Index int
	Err   error
}

func (e *CommitError) Error() string { return fmt.Sprintf("change %d: %v", e.Index, e.Err) }
func (e *CommitError) Unwrap() error { return e.Err }

// Snapshot is the whole state but messages, as loaded at start.
type Snapshot struct {
	Users       []User
	Servers     []Server
	Channels    []Channel
	Members     []Member
	Friendships []Friendship
	Invitations []Invitation
	Files       []File
	Moderators  []Moderator
	Bans        []Ban
	Counters    map[string]int64
	// LastMessage is the highest message ID ever stored, counting those
	// waiting to be purged and those deleted since.
	LastMessage int64
	// LastMessages is the newest message of every conversation that has
	// one, but those being purged.
	LastMessages map[Conversation]int64
}

// Load reads everything the hub keeps in memory. It uses the hub's own
// connection.
func (s *Store) Load() (*Snapshot, error) {
	snap := &Snapshot{Counters: map[string]int64{}}
	var counters []Counter
	for _, q := range []struct {
		dest  any
		order string
	}{
		{&snap.Users, "id"},
		{&snap.Servers, "id"},
		{&snap.Channels, "server_id, tag"},
		{&snap.Members, "server_id, channel_tag, user_id"},
		{&snap.Friendships, "user_a, user_b"},
		{&snap.Invitations, "id"},
		{&snap.Files, "created_at"},
		{&snap.Moderators, "server_id, channel_tag, user_id"},
		{&snap.Bans, "server_id, user_id"},
		{&counters, "name"},
	} {
		if err := s.loop.Order(q.order).Find(q.dest).Error; err != nil {
			return nil, fmt.Errorf("store: load: %w", err)
		}
	}
	for _, c := range counters {
		snap.Counters[c.Name] = c.Next
	}
	// Messages waiting to be purged count: the hub numbers new messages
	// after this one, and their IDs must not meet rows still in the table.
	// Nor may they meet an ID a client saw, of a message since deleted or
	// purged: the message counter remembers those (see recordLastMessage).
	if err := s.loop.Model(&Message{}).Select("COALESCE(MAX(id), 0)").Scan(&snap.LastMessage).Error; err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	snap.LastMessage = max(snap.LastMessage, snap.Counters[messageCounter]-1)
	var err error
	if snap.LastMessages, err = s.lastMessages(); err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	return snap, nil
}

// newestOfEach finds the newest message of every conversation by walking
// the conversation index backwards, one seek a conversation: the first
// entry met in a conversation is its highest ID (the index ends with it),
// and the next seek starts below that conversation. A GROUP BY would read
// every entry of the index, a million for a million messages.
const newestOfEach = `WITH RECURSIVE newest(id, s, c, l, h) AS (
	SELECT id, server_id, channel_tag, peer_low, peer_high FROM messages WHERE id = (SELECT id FROM messages
		ORDER BY server_id DESC, channel_tag DESC, peer_low DESC, peer_high DESC, id DESC LIMIT 1)
	UNION ALL
	SELECT m.id, m.server_id, m.channel_tag, m.peer_low, m.peer_high FROM newest JOIN messages m ON m.id = (
		SELECT id FROM messages WHERE (server_id, channel_tag, peer_low, peer_high) < (newest.s, newest.c, newest.l, newest.h)
		ORDER BY server_id DESC, channel_tag DESC, peer_low DESC, peer_high DESC, id DESC LIMIT 1)
)
SELECT id, s AS server_id, c AS channel_tag, l AS peer_low, h AS peer_high FROM newest`

func (s *Store) lastMessages() (map[Conversation]int64, error) {
	var newest []Message
	if err := s.loop.Raw(newestOfEach).Scan(&newest).Error; err != nil {
		return nil, err
	}
	var ps []purge
	if err := s.loop.Find(&ps).Error; err != nil {
		return nil, err
	}
	last := make(map[Conversation]int64, len(newest))
	for _, m := range newest {
		c := m.Conversation()
		if !purging(ps, c) {
			last[c] = m.ID
		}
	}
	return last, nil
}

// Messages returns up to limit messages of a conversation with an ID above
// after, oldest first: callers page through a history without holding
// anything open between pages.
func (s *Store) Messages(c Conversation, after int64, limit int) ([]Message, error) {
	return s.MessagesUpTo(c, after, math.MaxInt64, limit)
}

// MessagesUpTo is Messages bounded to IDs at most upto, so that a history
// read in pages describes one moment even while messages keep arriving.
func (s *Store) MessagesUpTo(c Conversation, after, upto int64, limit int) ([]Message, error) {
	var ms []Message
	err := inConversation(s.db, c).Where("id > ? AND id <= ?", after, upto).
		Order("id").Limit(limit).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	return ms, nil
}

// CountMessages returns how many messages a conversation holds.
func (s *Store) CountMessages(c Conversation) (int64, error) {
	var n int64
	err := inConversation(s.db.Model(&Message{}), c).Count(&n).Error
	return n, err
}

// inConversation narrows a query of messages to those of c, unless c is a
// deleted channel (or of a deleted server) whose messages are waiting for
// PurgeStep. Tags are never reused, so the hub never asks for a deleted
// conversation afresh; but a history or a download that began before the
// deletion may still be paging through it, and must end there as it did
// when the messages went in the deleting commit. The purges table is
// nearly always empty: the check costs one lookup in it.
func inConversation(q *gorm.DB, c Conversation) *gorm.DB {
	q = q.Where("server_id = ? AND channel_tag = ? AND peer_low = ? AND peer_high = ?",
		c.ServerID, c.ChannelTag, c.PeerLow, c.PeerHigh)
	if c.ServerID == 0 {
		return q // a direct conversation is never deleted
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM purges WHERE purges.server_id = ? AND purges.channel_tag IN (?, ?))",
		c.ServerID, c.ChannelTag, allChannels)
}

// Tx is the write side, valid inside Commit only. Messages are buffered and
// inserted together, before any other change and at the end, so that a
// batch of messages costs one statement yet keeps its order relative to
// the other changes. Read markers are buffered with them (see
// SetReadMarker).
type Tx struct {
	db           *gorm.DB
	messages     []Message
	owners       []int // the change that buffered each message
	markers      []ReadMarker
	markerOwners []int             // the first change that buffered each marker
	markerIndex  map[markerKey]int // where each user's marker of a conversation is in markers
	change       int               // the change being run
	failed       int               // the change of the first row of a chunk that failed to be written, -1 if none
}

type markerKey struct {
	user int64
	conv Conversation
}

// Messages are what a busy server writes most. They go through GORM's
// connection and its cache of prepared statements, but not through its
// statement builder: building an INSERT by reflection for every batch was
// half of what a commit allocated, and the hub gives every message its ID,
// so there is nothing to read back (a message without one is numbered by
// the database, as tests' messages are). A batch is inserted in chunks of
// these sizes, largest first, so that a few statements, always the same,
// serve batches of any size and a large batch still takes few statements.
// Read markers, which move with every message sent, go the same way.
var insertChunks = [...]int{64, 16, 4, 1}

// chunk is the size of the next chunk of a batch of n rows.
func chunk(n int) int {
	for _, size := range insertChunks {
		if size <= n {
			return size
		}
	}
	return insertChunks[len(insertChunks)-1]
}

// insertMessages holds the statement for each chunk size.
var insertMessages = rowsStatements(
	"INSERT INTO messages (id, server_id, channel_tag, peer_low, peer_high, author_id, kind, body, sent_at, reply_to) VALUES ",
	"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "")

// upsertMarkers holds the statement for each chunk size: a marker only
// moves forward.
var upsertMarkers = rowsStatements(
	"INSERT INTO read_markers (user_id, server_id, channel_tag, peer_low, peer_high, message_id) VALUES ",
	"(?, ?, ?, ?, ?, ?)",
	" ON CONFLICT (user_id, server_id, channel_tag, peer_low, peer_high) DO UPDATE SET message_id = MAX(message_id, excluded.message_id)")

func rowsStatements(head, row, tail string) map[int]string {
	m := map[int]string{}
	for _, n := range insertChunks {
		m[n] = head + strings.Repeat(row+", ", n-1) + row + tail
	}
	return m
}

// flush writes the buffered messages, then the buffered markers.
func (t *Tx) flush() error {
	if err := t.flushMessages(); err != nil {
		return err
	}
	return t.flushMarkers()
}

func (t *Tx) flushMessages() error {
	defer func() { t.messages, t.owners = t.messages[:0], t.owners[:0] }()
	var args []any
	for rest, owners := t.messages, t.owners; len(rest) > 0; {
		n := chunk(len(rest))
		args = args[:0]
		for _, m := range rest[:n] {
			var id any // NULL: the database numbers the message
			if m.ID != 0 {
				id = m.ID
			}
			args = append(args, id, m.ServerID, m.ChannelTag, m.PeerLow, m.PeerHigh, m.AuthorID, m.Kind, m.Body, m.SentAt, m.ReplyTo)
		}
		if err := t.execRaw(insertMessages[n], args); err != nil {
			t.failed = owners[0]
			return fmt.Errorf("store: insert messages: %w", err)
		}
		rest, owners = rest[n:], owners[n:]
	}
	return nil
}

func (t *Tx) flushMarkers() error {
	defer func() {
		t.markers, t.markerOwners = t.markers[:0], t.markerOwners[:0]
		clear(t.markerIndex)
	}()
	var args []any
	for rest, owners := t.markers, t.markerOwners; len(rest) > 0; {
		n := chunk(len(rest))
		args = args[:0]
		for _, r := range rest[:n] {
			args = append(args, r.UserID, r.ServerID, r.ChannelTag, r.PeerLow, r.PeerHigh, r.MessageID)
		}
		if err := t.execRaw(upsertMarkers[n], args); err != nil {
			t.failed = owners[0] // owners only grow along the buffer
			return fmt.Errorf("store: set read markers: %w", err)
		}
		rest, owners = rest[n:], owners[n:]
	}
	return nil
}

// execRaw runs a statement through GORM's connection and its prepared
// statements, past its builder.
func (t *Tx) execRaw(query string, args []any) error {
	_, err := t.db.Statement.ConnPool.ExecContext(t.db.Statement.Context, query, args...)
	return err
}

// exec runs a change after the buffered messages and markers are written.
func (t *Tx) exec(what string, f func(db *gorm.DB) error) error {
	if err := t.flush(); err != nil {
		return err
	}
	if err := f(t.db); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func (t *Tx) setCounter(db *gorm.DB, name string, next int64) error {
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"next"}),
	}).Create(&Counter{Name: name, Next: next}).Error
}

// messageCounter is the counter that keeps message IDs from coming back.
// The hub numbers messages from the highest ID in the table, and a client
// may still hold the ID of one deleted or purged since: deleting records
// the lowest ID the next message may take.
const messageCounter = "message"

// recordLastMessage raises the message counter past every message stored
// so far. It runs before a deletion, so that the deleted message counts.
func (t *Tx) recordLastMessage(db *gorm.DB) error {
	return db.Exec(`INSERT INTO counters (name, next) SELECT ?, COALESCE(MAX(id), 0) + 1 FROM messages WHERE true
		ON CONFLICT (name) DO UPDATE SET next = MAX(next, excluded.next)`, messageCounter).Error
}

func now() int64 { return time.Now().UnixNano() }

// CreateUser stores a new account and advances the user counter.
func (t *Tx) CreateUser(u User) error {
	return t.exec("create user", func(db *gorm.DB) error {
		if u.CreatedAt == 0 {
			u.CreatedAt = now()
		}
		if err := db.Create(&u).Error; err != nil {
			return err
		}
		return t.setCounter(db, "user", u.ID+1)
	})
}

// SetPassword replaces a user's password hash.
func (t *Tx) SetPassword(user int64, hash string) error {
	return t.exec("set password", func(db *gorm.DB) error {
		return mustChange(db.Model(&User{}).Where("id = ?", user).Update("pass_hash", hash))
	})
}

// SetPseudo renames a user.
func (t *Tx) SetPseudo(user int64, pseudo, key string) error {
	return t.exec("set pseudo", func(db *gorm.DB) error {
		return mustChange(db.Model(&User{}).Where("id = ?", user).
			Updates(map[string]any{"pseudo": pseudo, "pseudo_key": key}))
	})
}

// SetPseudos gives accounts new pseudos and keys at once. Keys are unique,
// and the new key of one account may be the old key of another: every key
// is first moved aside, to one no fold can give, so the index never sees
// two accounts with one key.
func (t *Tx) SetPseudos(users []User) error {
	return t.exec("set pseudos", func(db *gorm.DB) error {
		for _, u := range users {
			aside := fmt.Sprintf("\x00%d", u.ID)
			if err := mustChange(db.Model(&User{}).Where("id = ?", u.ID).Update("pseudo_key", aside)); err != nil {
				return err
			}
		}
		for _, u := range users {
			if err := mustChange(db.Model(&User{}).Where("id = ?", u.ID).
				Updates(map[string]any{"pseudo": u.Pseudo, "pseudo_key": u.PseudoKey})); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateServer stores a server with its general channel, owned by (and
// holding) owner, and advances the server counter.
func (t *Tx) CreateServer(id int64, name string, owner int64) error {
	return t.exec("create server", func(db *gorm.DB) error {
		srv := Server{ID: id, Name: name, OwnerID: owner, NextChannel: 1, CreatedAt: now()}
		if err := db.Create(&srv).Error; err != nil {
			return err
		}
		if err := db.Create(&Channel{ServerID: id, Tag: 0, Name: "general", CreatorID: owner}).Error; err != nil {
			return err
		}
		if err := db.Create(&Member{ServerID: id, ChannelTag: 0, UserID: owner}).Error; err != nil {
			return err
		}
		return t.setCounter(db, "server", id+1)
	})
}

// CreateChannel stores channel tag of server, holding its creator.
func (t *Tx) CreateChannel(server, tag int64, name string, creator int64) error {
	return t.exec("create channel", func(db *gorm.DB) error {
		if err := db.Create(&Channel{ServerID: server, Tag: tag, Name: name, CreatorID: creator}).Error; err != nil {
			return err
		}
		if err := db.Create(&Member{ServerID: server, ChannelTag: tag, UserID: creator}).Error; err != nil {
			return err
		}
		return mustChange(db.Model(&Server{}).Where("id = ?", server).Update("next_channel", tag+1))
	})
}

// DeleteChannel removes a channel with its members, moderators, read
// markers, files and pending invitations. Its messages, which may be
// millions, would hold the commit (and every change queued behind it) for
// as long as it takes to delete them: the channel is recorded as a pending
// purge instead, which hides them at once, and PurgeStep removes them
// later, a few at a time, with their reactions.
func (t *Tx) DeleteChannel(server, tag int64) error {
	return t.exec("delete channel", func(db *gorm.DB) error {
		if err := t.recordLastMessage(db); err != nil {
			return err
		}
		for _, m := range []any{&Member{}, &Moderator{}, &ReadMarker{}, &File{}, &Invitation{}} {
			if err := db.Where("server_id = ? AND channel_tag = ?", server, tag).Delete(m).Error; err != nil {
				return err
			}
		}
		if err := mustChange(db.Where("server_id = ? AND tag = ?", server, tag).Delete(&Channel{})); err != nil {
			return err
		}
		return db.Create(&purge{ServerID: server, ChannelTag: tag}).Error
	})
}

// DeleteServer removes a server and everything in it (bans included),
// leaving its messages to PurgeStep as DeleteChannel does.
func (t *Tx) DeleteServer(server int64) error {
	return t.exec("delete server", func(db *gorm.DB) error {
		if err := t.recordLastMessage(db); err != nil {
			return err
		}
		for _, m := range []any{&Member{}, &Moderator{}, &Ban{}, &ReadMarker{}, &File{}, &Invitation{}, &Channel{}} {
			if err := db.Where("server_id = ?", server).Delete(m).Error; err != nil {
				return err
			}
		}
		if err := mustChange(db.Where("id = ?", server).Delete(&Server{})); err != nil {
			return err
		}
		return db.Create(&purge{ServerID: server, ChannelTag: allChannels}).Error
	})
}

// RenameServer renames a server.
func (t *Tx) RenameServer(server int64, name string) error {
	return t.exec("rename server", func(db *gorm.DB) error {
		return mustChange(db.Model(&Server{}).Where("id = ?", server).Update("name", name))
	})
}

// RenameChannel renames a channel.
func (t *Tx) RenameChannel(server, tag int64, name string) error {
	return t.exec("rename channel", func(db *gorm.DB) error {
		return mustChange(db.Model(&Channel{}).Where("server_id = ? AND tag = ?", server, tag).Update("name", name))
	})
}

// AddMember adds user to channel tag of server (0: the server itself).
func (t *Tx) AddMember(server, tag, user int64) error {
	return t.exec("add member", func(db *gorm.DB) error {
		return db.Create(&Member{ServerID: server, ChannelTag: tag, UserID: user}).Error
	})
}

// RemoveMember removes user from one channel of server, and from its
// moderators: a member who comes back is not a moderator again.
func (t *Tx) RemoveMember(server, tag, user int64) error {
	return t.exec("remove member", func(db *gorm.DB) error {
		if err := db.Where("server_id = ? AND channel_tag = ? AND user_id = ?", server, tag, user).Delete(&Moderator{}).Error; err != nil {
			return err
		}
		return mustChange(db.Where("server_id = ? AND channel_tag = ? AND user_id = ?", server, tag, user).Delete(&Member{}))
	})
}

// LeaveServer removes user from server and all its channels, and from
// their moderators.
func (t *Tx) LeaveServer(server, user int64) error {
	return t.exec("leave server", func(db *gorm.DB) error {
		if err := db.Where("server_id = ? AND user_id = ?", server, user).Delete(&Moderator{}).Error; err != nil {
			return err
		}
		return mustChange(db.Where("server_id = ? AND user_id = ?", server, user).Delete(&Member{}))
	})
}

// AddFriendship makes a and b friends.
func (t *Tx) AddFriendship(a, b int64) error {
	if a > b {
		a, b = b, a
	}
	return t.exec("add friendship", func(db *gorm.DB) error {
		return db.Create(&Friendship{UserA: a, UserB: b}).Error
	})
}

// RemoveFriendship ends the friendship of a and b.
func (t *Tx) RemoveFriendship(a, b int64) error {
	if a > b {
		a, b = b, a
	}
	return t.exec("remove friendship", func(db *gorm.DB) error {
		return mustChange(db.Where("user_a = ? AND user_b = ?", a, b).Delete(&Friendship{}))
	})
}

// AddInvitation stores a pending invitation.
func (t *Tx) AddInvitation(inv Invitation) error {
	return t.exec("add invitation", func(db *gorm.DB) error {
		return db.Create(&inv).Error
	})
}

// DeleteInvitation removes a pending invitation by its ID.
func (t *Tx) DeleteInvitation(id int64) error {
	return t.exec("delete invitation", func(db *gorm.DB) error {
		return mustChange(db.Where("id = ?", id).Delete(&Invitation{}))
	})
}

// AddMessage stores a message, with its reply (buffered until the next
// other change or the end of the commit). EditedAt is not stored: a new
// message has not been edited.
func (t *Tx) AddMessage(m Message) error {
	if m.SentAt == 0 {
		m.SentAt = now()
	}
	t.messages = append(t.messages, m)
	t.owners = append(t.owners, t.change)
	return nil
}

// AddFile stores an uploaded file and its message, in this order within the
// transaction: the file message takes its place in the history.
func (t *Tx) AddFile(f File, m Message) error {
	if err := t.exec("add file", func(db *gorm.DB) error {
		if f.CreatedAt == 0 {
			f.CreatedAt = now()
		}
		return db.Create(&f).Error
	}); err != nil {
		return err
	}
	m.Kind, m.Body = KindFile, f.Name
	return t.AddMessage(m)
}

// errNoRow is returned when a change that must touch a row touched none:
// the hub and the database disagree, and the batch must not go through.
var errNoRow = errors.New("no such row")

func mustChange(res *gorm.DB) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errNoRow
	}
	return nil
}
