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
type Store struct {
	db      *gorm.DB
	stopped chan struct{} // closed by Close: ends the memory trimmer
	stop    sync.Once
	trimmer sync.WaitGroup
}

// trimEvery is how often the C allocator's free memory goes back to the
// system (see malloc_linux.go).
const trimEvery = time.Minute

// maxConns bounds the database connections: one for the hub's commits and
// a few for reads (history and file downloads, plugin key/value reads),
// which take a connection for one page at a time.
const maxConns = 4

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
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dataDir, err)
	}
	// A bounded pool, kept open: every SQLite connection has its own page
	// cache, and opening one per concurrent download, then closing it,
	// leaves the C heap fragmented and the process growing.
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	s := &Store{db: db, stopped: make(chan struct{})}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	s.trimmer.Add(1)
	go s.trimMemory()
	return s, nil
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
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Change is one unit of work inside a commit.
type Change func(*Tx) error

// Commit runs the changes in one transaction: all are stored or none.
//
// On failure the error is a *CommitError that says which change failed:
// the changes before it did not, and may be committed again without it.
func (s *Store) Commit(changes []Change) error {
	tx := &Tx{failed: -1}
	err := s.db.Transaction(func(db *gorm.DB) error {
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
	Counters    map[string]int64
	LastMessage int64 // the highest message ID, counting those waiting to be purged
}

// Load reads everything the hub keeps in memory.
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
		{&counters, "name"},
	} {
		if err := s.db.Order(q.order).Find(q.dest).Error; err != nil {
			return nil, fmt.Errorf("store: load: %w", err)
		}
	}
	for _, c := range counters {
		snap.Counters[c.Name] = c.Next
	}
	// Messages waiting to be purged count: the hub numbers new messages
	// after this one, and their IDs must not meet rows still in the table.
	if err := s.db.Model(&Message{}).Select("COALESCE(MAX(id), 0)").Scan(&snap.LastMessage).Error; err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	return snap, nil
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
// the other changes.
type Tx struct {
	db       *gorm.DB
	messages []Message
	owners   []int // the change that buffered each message
	change   int   // the change being run
	failed   int   // the change of the first message of a chunk that failed to insert, -1 if none
}

// Messages are what a busy server writes most. They go through GORM's
// connection and its cache of prepared statements, but not through its
// statement builder: building an INSERT by reflection for every batch was
// half of what a commit allocated, and the hub gives every message its ID,
// so there is nothing to read back (a message without one is numbered by
// the database, as tests' messages are). A batch is inserted in chunks of
// these sizes, largest first, so that a few statements, always the same,
// serve batches of any size and a large batch still takes few statements.
var insertChunks = [...]int{64, 16, 4, 1}

// insertMessages holds the statement for each chunk size.
var insertMessages = func() map[int]string {
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
	m := map[int]string{}
	for _, n := range insertChunks {
		m[n] = "INSERT INTO messages (id, server_id, channel_tag, peer_low, peer_high, author_id, kind, body, sent_at) VALUES " +
			strings.Repeat(row+", ", n-1) + row
	}
	return m
}()

func (t *Tx) flush() error {
	defer func() { t.messages, t.owners = t.messages[:0], t.owners[:0] }()
	conn, ctx := t.db.Statement.ConnPool, t.db.Statement.Context
	var args []any
	for rest, owners := t.messages, t.owners; len(rest) > 0; {
		n := insertChunks[len(insertChunks)-1]
		for _, size := range insertChunks {
			if size <= len(rest) {
				n = size
				break
			}
		}
		args = args[:0]
		for _, m := range rest[:n] {
			var id any // NULL: the database numbers the message
			if m.ID != 0 {
				id = m.ID
			}
			args = append(args, id, m.ServerID, m.ChannelTag, m.PeerLow, m.PeerHigh, m.AuthorID, m.Kind, m.Body, m.SentAt)
		}
		if _, err := conn.ExecContext(ctx, insertMessages[n], args...); err != nil {
			t.failed = owners[0]
			return fmt.Errorf("store: insert messages: %w", err)
		}
		rest, owners = rest[n:], owners[n:]
	}
	return nil
}

// exec runs a change after the buffered messages are written.
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

// DeleteChannel removes a channel with its members, files and pending
// invitations. Its messages, which may be millions, would hold the commit
// (and every change queued behind it) for as long as it takes to delete
// them: the channel is recorded as a pending purge instead, which hides
// them at once, and PurgeStep removes them later, a few at a time.
func (t *Tx) DeleteChannel(server, tag int64) error {
	return t.exec("delete channel", func(db *gorm.DB) error {
		for _, m := range []any{&Member{}, &File{}, &Invitation{}} {
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

// DeleteServer removes a server and everything in it, leaving its messages
// to PurgeStep as DeleteChannel does.
func (t *Tx) DeleteServer(server int64) error {
	return t.exec("delete server", func(db *gorm.DB) error {
		for _, m := range []any{&Member{}, &File{}, &Invitation{}, &Channel{}} {
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

// RemoveMember removes user from one channel of server.
func (t *Tx) RemoveMember(server, tag, user int64) error {
	return t.exec("remove member", func(db *gorm.DB) error {
		return mustChange(db.Where("server_id = ? AND channel_tag = ? AND user_id = ?", server, tag, user).Delete(&Member{}))
	})
}

// LeaveServer removes user from server and all its channels.
func (t *Tx) LeaveServer(server, user int64) error {
	return t.exec("leave server", func(db *gorm.DB) error {
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

// AddMessage stores a message (buffered until the next other change or the
// end of the commit).
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
