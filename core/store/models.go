package store

// The tables. Tags are allocated by the hub and written here explicitly, so
// that a tag is never reused even when the newest row is deleted (the
// counters table remembers the next one).
//
// These are today's models, not the schema's history: a change to what one
// of them stores needs a new migration in migrate.go, with frozen structs
// of its own, and TestMigrationsBuildTheModels fails until it has one.

// User is an account. Bots are accounts that cannot log in with a password.
type User struct {
	ID        int64  `gorm:"primaryKey;autoIncrement:false"`
	Pseudo    string `gorm:"not null"`
	PseudoKey string `gorm:"not null;uniqueIndex"` // wire.FoldPseudo(Pseudo)
	PassHash  string `gorm:"not null"`
	Bot       bool   `gorm:"not null;default:false"`
	BotOwner  string `gorm:"not null;default:''"` // the plugin a bot belongs to
	CreatedAt int64  `gorm:"not null"`            // unix nanoseconds
	Away      string `gorm:"not null;default:''"` // the away note; empty: here
}

// Server is a community. NextChannel is the tag its next channel gets.
type Server struct {
	ID          int64  `gorm:"primaryKey;autoIncrement:false"`
	Name        string `gorm:"not null"`
	OwnerID     int64  `gorm:"not null;index"`
	NextChannel int64  `gorm:"not null"`
	CreatedAt   int64  `gorm:"not null"`
}

// Channel is a channel of a server; tag 0 is the general channel. A
// public channel may be joined by any member of its server.
type Channel struct {
	ServerID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Tag       int64  `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"not null"`
	CreatorID int64  `gorm:"not null"`
	Topic     string `gorm:"not null;default:''"`
	TopicBy   int64  `gorm:"not null;default:0"` // who set the topic
	Public    bool   `gorm:"not null;default:false"`
}

// Member says a user belongs to a channel; membership of channel 0 is
// membership of the server.
type Member struct {
	ServerID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ChannelTag int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false;index"`
}

// Friendship joins two users, the smaller tag first.
type Friendship struct {
	UserA int64 `gorm:"primaryKey;autoIncrement:false"`
	UserB int64 `gorm:"primaryKey;autoIncrement:false;index"`
}

// Invitation is a pending friend request (ServerID 0) or invitation to a
// channel. ID orders them as they were made.
type Invitation struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	FromID     int64 `gorm:"not null;index"`
	ToID       int64 `gorm:"not null;index"`
	ServerID   int64 `gorm:"not null;index"`
	ChannelTag int64 `gorm:"not null"`
}

// Message kinds.
const (
	KindText = 0
	KindFile = 1
)

// Message is one message of a conversation: a channel (ServerID > 0) or a
// direct conversation between PeerLow and PeerHigh (ServerID 0). ID gives the
// order in which the server stored them. The text messages are also in the
// full-text index (search.go), kept by triggers.
type Message struct {
	ID         int64  `gorm:"primaryKey;autoIncrement"`
	ServerID   int64  `gorm:"not null;index:idx_conversation,priority:1"`
	ChannelTag int64  `gorm:"not null;index:idx_conversation,priority:2"`
	PeerLow    int64  `gorm:"not null;index:idx_conversation,priority:3"`
	PeerHigh   int64  `gorm:"not null;index:idx_conversation,priority:4"`
	AuthorID   int64  `gorm:"not null"`
	Kind       int    `gorm:"not null"`
	Body       string `gorm:"not null"`
	SentAt     int64  `gorm:"not null"`           // unix nanoseconds
	ReplyTo    int64  `gorm:"not null;default:0"` // the message it answers, if any
	EditedAt   int64  `gorm:"not null;default:0"` // unix milliseconds of the last edit, as the wire shows it; 0: never
}

// Conversation returns the conversation the message belongs to.
func (m Message) Conversation() Conversation {
	return Conversation{ServerID: m.ServerID, ChannelTag: m.ChannelTag, PeerLow: m.PeerLow, PeerHigh: m.PeerHigh}
}

// Reaction is one user's emoji on a message.
type Reaction struct {
	MessageID int64  `gorm:"primaryKey;autoIncrement:false"`
	Emoji     string `gorm:"primaryKey"`
	UserID    int64  `gorm:"primaryKey;autoIncrement:false"`
	At        int64  `gorm:"not null"` // unix nanoseconds
}

// ReadMarker is how far a user has read a conversation: the ID of the
// newest message read. It only moves forward.
type ReadMarker struct {
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	ServerID   int64 `gorm:"primaryKey;autoIncrement:false;index:idx_read_marker_channel,priority:1"`
	ChannelTag int64 `gorm:"primaryKey;autoIncrement:false;index:idx_read_marker_channel,priority:2"`
	PeerLow    int64 `gorm:"primaryKey;autoIncrement:false"`
	PeerHigh   int64 `gorm:"primaryKey;autoIncrement:false"`
	MessageID  int64 `gorm:"not null"`
}

// Conversation returns the conversation the marker is in.
func (r ReadMarker) Conversation() Conversation {
	return Conversation{ServerID: r.ServerID, ChannelTag: r.ChannelTag, PeerLow: r.PeerLow, PeerHigh: r.PeerHigh}
}

// Moderator names a moderator of a channel, or of the whole server when
// ChannelTag is 0 (the general channel's moderators are the server's).
type Moderator struct {
	ServerID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ChannelTag int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
}

// Ban keeps a user out of a server.
type Ban struct {
	ServerID int64  `gorm:"primaryKey;autoIncrement:false"`
	UserID   int64  `gorm:"primaryKey;autoIncrement:false"`
	Reason   string `gorm:"not null"`
	ByID     int64  `gorm:"not null"`
	At       int64  `gorm:"not null"` // unix nanoseconds
}

// UserKey is the OpenPGP public key a user published, as it sent it.
type UserKey struct {
	UserID int64  `gorm:"primaryKey;autoIncrement:false"`
	Key    []byte `gorm:"not null"`
	At     int64  `gorm:"not null"` // unix nanoseconds
}

// TableName names the keys table.
func (UserKey) TableName() string { return "user_keys" }

// Counter remembers the next tag of a kind ("user", "server"), and the
// lowest ID the next message may take ("message"; see Load).
type Counter struct {
	Name string `gorm:"primaryKey"`
	Next int64  `gorm:"not null"`
}

// Conversation names a conversation in the messages table.
type Conversation struct {
	ServerID, ChannelTag int64 // a channel, when ServerID > 0
	PeerLow, PeerHigh    int64 // a direct conversation, when ServerID is 0
}

// Direct returns the conversation between users a and b.
func Direct(a, b int64) Conversation {
	if a > b {
		a, b = b, a
	}
	return Conversation{PeerLow: a, PeerHigh: b}
}

// ChannelConversation returns the conversation of channel c of server s.
func ChannelConversation(s, c int64) Conversation {
	return Conversation{ServerID: s, ChannelTag: c}
}

// File is an uploaded file of a conversation. Its bytes are the blob named
// ID in the files store; Name is unique within the conversation.
type File struct {
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

// Conversation returns the conversation the file belongs to.
func (f File) Conversation() Conversation {
	return Conversation{ServerID: f.ServerID, ChannelTag: f.ChannelTag, PeerLow: f.PeerLow, PeerHigh: f.PeerHigh}
}

// KVEntry is one key of a plugin's key/value store.
type KVEntry struct {
	Plugin string `gorm:"primaryKey"`
	Key    string `gorm:"primaryKey"`
	Value  []byte `gorm:"not null"`
}

// TableName keeps the table's name short and stable.
func (KVEntry) TableName() string { return "plugin_kv" }

// Wallet is a user's balance of chips, shared by every game.
type Wallet struct {
	UserID  int64 `gorm:"primaryKey;autoIncrement:false"`
	Balance int64 `gorm:"not null"`
}

// LedgerEntry records one change of a balance: every credit and debit, with
// its reason and the plugin that made it, written in the same transaction
// as the balance.
type LedgerEntry struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	UserID       int64  `gorm:"not null;index"`
	Delta        int64  `gorm:"not null"`
	Balance      int64  `gorm:"not null"` // after the change
	Plugin       string `gorm:"not null;index:idx_ledger_once,priority:1"`
	Reason       string `gorm:"not null"`
	Counterparty int64  `gorm:"not null"`                                             // the other account of a transfer, else 0
	At           int64  `gorm:"not null"`                                             // unix nanoseconds
	Once         string `gorm:"not null;default:'';index:idx_ledger_once,priority:2"` // the operation's at-most-once key
}

// TableName names the ledger table.
func (LedgerEntry) TableName() string { return "ledger" }

// purge is a deleted server (channel tag allChannels) or channel whose
// messages are still being removed, a few at a time, by Store.PurgeStep.
// Its messages are invisible meanwhile.
type purge struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	ServerID   int64 `gorm:"not null"`
	ChannelTag int64 `gorm:"not null"`
}

func (purge) TableName() string { return "purges" }

// allChannels as a purge's channel tag stands for every channel of the
// server; real tags are never negative.
const allChannels = -1
