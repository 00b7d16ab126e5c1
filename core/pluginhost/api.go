// Package pluginhost runs plugins: it launches each configured plugin as a
// process over hashicorp/go-plugin, supervises it (restart with backoff,
// disable after repeated failures), calls it with deadlines, and serves the
// Host API it calls back through go-plugin's GRPCBroker. The hub routes
// lines and runs hooks through the current routing Table; what plugins ask
// of the server goes through the API the hub implements.
package pluginhost

import (
	"context"
	"errors"
)

// User is a user as plugins see it.
type User struct {
	Tag    int64
	Pseudo string
	Online bool
	Bot    bool
}

// Conversation is a channel (Server > 0) or a direct conversation with Peer
// (Server == 0).
type Conversation struct {
	Server, Channel int64
	Peer            int64
}

// Target is where a plugin sends a line: a user, or every member of a
// conversation when Conversation is set.
type Target struct {
	User         int64
	Conversation *Conversation
}

// KV is one entry of a plugin's key/value store.
type KV struct {
	Key   string
	Value []byte
}

// WalletOp is one wallet operation.
type WalletOp struct {
	Kind   WalletKind
	User   int64 // the account; the payer of a transfer
	To     int64 // the payee of a transfer
	Amount int64 // > 0 except for balance
	Reason string
	Once   string // if set, at most one operation of the plugin with this key is ever applied
}

// WalletKind says which operation a WalletOp is.
type WalletKind int

const (
	WalletBalance WalletKind = iota
	WalletCredit
	WalletDebitIfAtLeast
	WalletTransfer
)

// WalletResult is the outcome: OK is false when the account had too few
// chips (nothing changed then); Balance is the account's balance after.
type WalletResult struct {
	OK      bool
	Balance int64
}

// ErrRefused is what API methods return (wrapped, with the reason) for a
// request the server turns down: a line the plugin may not send, an unknown
// user, a bot that is not the plugin's, a flood.
var ErrRefused = errors.New("refused")

// API is what plugins may ask of the server; the hub implements it. Methods
// are called from the calling plugin's gRPC goroutines, with the call's
// deadline in ctx; plugin is the calling plugin's configured name.
type API interface {
	// Send delivers line to a user or to every member of a conversation.
	// The host has already checked that the line is valid protocol text
	// and that its verb belongs to the plugin.
	Send(ctx context.Context, plugin string, to Target, line string) error
	// PostMessage posts text as the bot in conv, as an ordinary message:
	// stored, hooked (by other plugins) and delivered.
	PostMessage(ctx context.Context, plugin, bot string, conv Conversation, text string) error
	Members(ctx context.Context, conv Conversation) ([]User, error)
	// LookupUser finds a user by tag, or by pseudo when tag is 0.
	LookupUser(ctx context.Context, tag int64, pseudo string) (User, error)

	KVGet(ctx context.Context, plugin, key string) (value []byte, found bool, err error)
	KVSet(ctx context.Context, plugin, key string, value []byte) error
	KVCompareAndSwap(ctx context.Context, plugin, key string, old []byte, oldFound bool, value []byte) (bool, error)
	KVDelete(ctx context.Context, plugin, key string) error
	KVList(ctx context.Context, plugin, prefix string) ([]KV, error)

	Wallet(ctx context.Context, plugin string, op WalletOp) (WalletResult, error)

	// Kick removes target from place (a channel; Channel 0: the whole
	// server) as the plugin's bot, under the rules of the bot's own KICK
	// line: the bot must moderate place. Ban bans target from server as
	// the bot, which must be a server moderator. Both are refused with
	// ErrRefused and the rule's reason.
	Kick(ctx context.Context, plugin, bot string, place Conversation, target int64, reason string) error
	Ban(ctx context.Context, plugin, bot string, server, target int64, reason string) error

	// RegisterBots makes sure an account exists for each bot pseudo of the
	// plugin and returns their tags. The host calls it after Configure and
	// before publishing the plugin in the Table; it fails if a pseudo
	// belongs to a person or to another plugin's bot.
	RegisterBots(ctx context.Context, plugin string, pseudos []string) (map[string]int64, error)
	// TableChanged tells the hub that the routing table changed (a plugin
	// started, stopped, was reloaded): bots go on or offline with it.
	TableChanged(t *Table)
}
