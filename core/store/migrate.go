package store

import (
	"fmt"

	"gorm.io/gorm"
)

// A migration moves the schema from version-1 to version. Migrations are
// only ever appended: a database records the highest version applied and
// Open runs the ones after it, each in its own transaction.
//
// Every step is frozen: it builds its tables from private structs declared
// beside it, each with an explicit table name, and those structs are never
// edited once the step is released. The models in models.go are what the
// code reads and writes today; they are free to change, but a change to
// what they store needs a new step here (TestMigrationsBuildTheModels fails
// until it has one). An old step that read today's models would change
// meaning with every model change, and a database upgraded through it would
// differ from one created by it.
//
// The steps are structs given to GORM's migrator rather than SQL because the
// same steps must build the same schema on PostgreSQL (issue 18): the
// migrator writes each dialect's types, keys and defaults from one
// definition, where SQL would need a copy per database and the copies could
// drift. The steps call the migrator's explicit operations (CreateTable,
// AddColumn, CreateIndex) rather than AutoMigrate, which compares a struct
// with whatever it finds in the database and decides what to do there and
// then: what it does depends on the database it meets and on GORM's
// version, while an explicit step does exactly what it says, or fails.
type migration struct {
	version int
	what    string
	apply   func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "initial schema", func(tx *gorm.DB) error {
		return tx.Migrator().CreateTable(&v1User{}, &v1Server{}, &v1Channel{}, &v1Member{},
			&v1Friendship{}, &v1Invitation{}, &v1Message{}, &v1Counter{})
	}},
	{2, "uploaded files", func(tx *gorm.DB) error {
		return tx.Migrator().CreateTable(&v2File{})
	}},
	{3, "plugins: bot owners, key/value store, wallet and ledger", func(tx *gorm.DB) error {
		if err := tx.Migrator().AddColumn(&v3UserBotOwner{}, "BotOwner"); err != nil {
			return err
		}
		return tx.Migrator().CreateTable(&v3KVEntry{}, &v3Wallet{}, &v3LedgerEntry{})
	}},
	{4, "at-most-once wallet operations", func(tx *gorm.DB) error {
		if err := tx.Migrator().AddColumn(&v4LedgerOnce{}, "Once"); err != nil {
			return err
		}
		return tx.Migrator().CreateIndex(&v4LedgerOnce{}, "idx_ledger_once")
	}},
	{5, "pending purges of deleted conversations", func(tx *gorm.DB) error {
		return tx.Migrator().CreateTable(&v5Purge{})
	}},
	{6, "replies, edits, reactions, read markers, moderation, topics, away, keys and search", migrate6},
}

// Migration 1: the initial schema. Released; never edit.

type v1User struct {
	ID        int64  `gorm:"primaryKey;autoIncrement:false"`
	Pseudo    string `gorm:"not null"`
	PseudoKey string `gorm:"not null;uniqueIndex"`
	PassHash  string `gorm:"not null"`
	Bot       bool   `gorm:"not null;default:false"`
	CreatedAt int64  `gorm:"not null"`
}

func (v1User) TableName() string { return "users" }

type v1Server struct {
	ID          int64  `gorm:"primaryKey;autoIncrement:false"`
	Name        string `gorm:"not null"`
	OwnerID     int64  `gorm:"not null;index"`
	NextChannel int64  `gorm:"not null"`
	CreatedAt   int64  `gorm:"not null"`
}

func (v1Server) TableName() string { return "servers" }

type v1Channel struct {
	ServerID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Tag       int64  `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"not null"`
	CreatorID int64  `gorm:"not null"`
}

func (v1Channel) TableName() string { return "channels" }

type v1Member struct {
	ServerID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ChannelTag int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false;index"`
}

func (v1Member) TableName() string { return "members" }

type v1Friendship struct {
	UserA int64 `gorm:"primaryKey;autoIncrement:false"`
	UserB int64 `gorm:"primaryKey;autoIncrement:false;index"`
}

func (v1Friendship) TableName() string { return "friendships" }

type v1Invitation struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	FromID     int64 `gorm:"not null;index"`
	ToID       int64 `gorm:"not null;index"`
	ServerID   int64 `gorm:"not null;index"`
	ChannelTag int64 `gorm:"not null"`
}

func (v1Invitation) TableName() string { return "invitations" }

type v1Message struct {
	ID         int64  `gorm:"primaryKey;autoIncrement"`
	ServerID   int64  `gorm:"not null;index:idx_conversation,priority:1"`
	ChannelTag int64  `gorm:"not null;index:idx_conversation,priority:2"`
	PeerLow    int64  `gorm:"not null;index:idx_conversation,priority:3"`
	PeerHigh   int64  `gorm:"not null;index:idx_conversation,priority:4"`
	AuthorID   int64  `gorm:"not null"`
	Kind       int    `gorm:"not null"`
	Body       string `gorm:"not null"`
	SentAt     int64  `gorm:"not null"`
}

func (v1Message) TableName() string { return "messages" }

type v1Counter struct {
	Name string `gorm:"primaryKey"`
	Next int64  `gorm:"not null"`
}

func (v1Counter) TableName() string { return "counters" }

// Migration 2: uploaded files. Released; never edit.

type v2File struct {
	ID         string `gorm:"primaryKey"`
	ServerID   int64  `gorm:"not null;uniqueIndex:idx_file_name,priority:1"`
	ChannelTag int64  `gorm:"not null;uniqueIndex:idx_file_name,priority:2"`
	PeerLow    int64  `gorm:"not null;uniqueIndex:idx_file_name,priority:3"`
	PeerHigh   int64  `gorm:"not null;uniqueIndex:idx_file_name,priority:4"`
	Name       string `gorm:"not null;uniqueIndex:idx_file_name,priority:5"`
	Size       int64  `gorm:"not null"`
	UploaderID int64  `gorm:"not null"`
	CreatedAt  int64  `gorm:"not null"`
}

func (v2File) TableName() string { return "files" }

// Migration 3: plugins. Released; never edit.

// v3UserBotOwner holds only the column the step adds to users.
type v3UserBotOwner struct {
	BotOwner string `gorm:"not null;default:''"`
}

func (v3UserBotOwner) TableName() string { return "users" }

type v3KVEntry struct {
	Plugin string `gorm:"primaryKey"`
	Key    string `gorm:"primaryKey"`
	Value  []byte `gorm:"not null"`
}

func (v3KVEntry) TableName() string { return "plugin_kv" }

type v3Wallet struct {
	UserID  int64 `gorm:"primaryKey;autoIncrement:false"`
	Balance int64 `gorm:"not null"`
}

func (v3Wallet) TableName() string { return "wallets" }

type v3LedgerEntry struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	UserID       int64  `gorm:"not null;index"`
	Delta        int64  `gorm:"not null"`
	Balance      int64  `gorm:"not null"`
	Plugin       string `gorm:"not null"`
	Reason       string `gorm:"not null"`
	Counterparty int64  `gorm:"not null"`
	At           int64  `gorm:"not null"`
}

func (v3LedgerEntry) TableName() string { return "ledger" }

// Migration 4: at-most-once wallet operations. Released; never edit.

// v4LedgerOnce holds the column the step adds to the ledger and the two
// columns of the index it creates there.
type v4LedgerOnce struct {
	Plugin string `gorm:"not null;index:idx_ledger_once,priority:1"`
	Once   string `gorm:"not null;default:'';index:idx_ledger_once,priority:2"`
}

func (v4LedgerOnce) TableName() string { return "ledger" }

// Migration 5: pending purges of deleted conversations. Released; never
// edit.

type v5Purge struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	ServerID   int64 `gorm:"not null"`
	ChannelTag int64 `gorm:"not null"`
}

func (v5Purge) TableName() string { return "purges" }

// Migration 6: the community extensions. Released with this step; never
// edit.

func migrate6(tx *gorm.DB) error {
	for _, c := range []struct {
		model any
		field string
	}{
		{&v6MessageReply{}, "ReplyTo"}, {&v6MessageReply{}, "EditedAt"},
		{&v6ChannelTopic{}, "Topic"}, {&v6ChannelTopic{}, "TopicBy"}, {&v6ChannelTopic{}, "Public"},
		{&v6UserAway{}, "Away"},
	} {
		if err := tx.Migrator().AddColumn(c.model, c.field); err != nil {
			return err
		}
	}
	if err := tx.Migrator().CreateTable(&v6Reaction{}, &v6ReadMarker{}, &v6Moderator{}, &v6Ban{}, &v6UserKey{}); err != nil {
		return err
	}
	// The full-text index is SQLite's own (FTS5): the migrator has no
	// operation for a virtual table or a trigger, so it is SQL. PostgreSQL
	// (issue 18) will need a body of its own for this part of the step.
	for _, q := range v6Search {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// v6MessageReply holds the columns the step adds to messages.
type v6MessageReply struct {
	ReplyTo  int64 `gorm:"not null;default:0"`
	EditedAt int64 `gorm:"not null;default:0"`
}

func (v6MessageReply) TableName() string { return "messages" }

// v6ChannelTopic holds the columns the step adds to channels.
type v6ChannelTopic struct {
	Topic   string `gorm:"not null;default:''"`
	TopicBy int64  `gorm:"not null;default:0"`
	Public  bool   `gorm:"not null;default:false"`
}

func (v6ChannelTopic) TableName() string { return "channels" }

// v6UserAway holds the column the step adds to users.
type v6UserAway struct {
	Away string `gorm:"not null;default:''"`
}

func (v6UserAway) TableName() string { return "users" }

type v6Reaction struct {
	MessageID int64  `gorm:"primaryKey;autoIncrement:false"`
	Emoji     string `gorm:"primaryKey"`
	UserID    int64  `gorm:"primaryKey;autoIncrement:false"`
	At        int64  `gorm:"not null"`
}

func (v6Reaction) TableName() string { return "reactions" }

type v6ReadMarker struct {
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	ServerID   int64 `gorm:"primaryKey;autoIncrement:false;index:idx_read_marker_channel,priority:1"`
	ChannelTag int64 `gorm:"primaryKey;autoIncrement:false;index:idx_read_marker_channel,priority:2"`
	PeerLow    int64 `gorm:"primaryKey;autoIncrement:false"`
	PeerHigh   int64 `gorm:"primaryKey;autoIncrement:false"`
	MessageID  int64 `gorm:"not null"`
}

func (v6ReadMarker) TableName() string { return "read_markers" }

type v6Moderator struct {
	ServerID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ChannelTag int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (v6Moderator) TableName() string { return "moderators" }

type v6Ban struct {
	ServerID int64  `gorm:"primaryKey;autoIncrement:false"`
	UserID   int64  `gorm:"primaryKey;autoIncrement:false"`
	Reason   string `gorm:"not null"`
	ByID     int64  `gorm:"not null"`
	At       int64  `gorm:"not null"`
}

func (v6Ban) TableName() string { return "bans" }

type v6UserKey struct {
	UserID int64  `gorm:"primaryKey;autoIncrement:false"`
	Key    []byte `gorm:"not null"`
	At     int64  `gorm:"not null"`
}

func (v6UserKey) TableName() string { return "user_keys" }

// v6Search builds the full-text index of text messages, fills it with
// those already stored, and keeps it by triggers (see search.go for why
// this shape).
var v6Search = []string{
	`CREATE VIRTUAL TABLE messages_fts USING fts5(body, conv, content = '', contentless_delete = 1,
		tokenize = "unicode61 remove_diacritics 2")`,
	`INSERT INTO messages_fts (rowid, body, conv)
		SELECT id, body, CASE WHEN server_id > 0 THEN 'c' || server_id || 'x' || channel_tag
			ELSE 'd' || peer_low || 'x' || peer_high END
		FROM messages WHERE kind = 0`,
	`CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind = 0 BEGIN
		INSERT INTO messages_fts (rowid, body, conv) VALUES (new.id, new.body,
			CASE WHEN new.server_id > 0 THEN 'c' || new.server_id || 'x' || new.channel_tag
				ELSE 'd' || new.peer_low || 'x' || new.peer_high END);
	END`,
	`CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind = 0 BEGIN
		DELETE FROM messages_fts WHERE rowid = old.id;
	END`,
	`CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages WHEN old.kind = 0 AND new.kind = 0 BEGIN
		DELETE FROM messages_fts WHERE rowid = old.id;
		INSERT INTO messages_fts (rowid, body, conv) VALUES (new.id, new.body,
			CASE WHEN new.server_id > 0 THEN 'c' || new.server_id || 'x' || new.channel_tag
				ELSE 'd' || new.peer_low || 'x' || new.peer_high END);
	END`,
}

// schemaVersion records the migrations applied. It is frozen like the
// steps: every database since the first has this table as it is.
type schemaVersion struct {
	Version int `gorm:"primaryKey;autoIncrement:false"`
	What    string
}

func (schemaVersion) TableName() string { return "schema_versions" }

func (s *Store) migrate() error {
	return migrate(s.loop, migrations)
}

// migrate applies the steps of ms that db has not seen yet.
func migrate(db *gorm.DB, ms []migration) error {
	if !db.Migrator().HasTable(&schemaVersion{}) {
		if err := db.Migrator().CreateTable(&schemaVersion{}); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
	}
	var current int
	if err := db.Model(&schemaVersion{}).Select("COALESCE(MAX(version), 0)").Scan(&current).Error; err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := m.apply(tx); err != nil {
				return err
			}
			return tx.Create(&schemaVersion{Version: m.version, What: m.what}).Error
		})
		if err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.what, err)
		}
	}
	return nil
}
