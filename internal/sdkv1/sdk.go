// Package sdk is what a Salon plugin imports. A plugin is a separate process
// that salond starts and talks to over hashicorp/go-plugin (gRPC): it serves
// games (JEU lines), extra verbs, message hooks, events and bots, and calls
// back the server through a Host.
//
// A plugin author writes a type with a Configure method and whichever of
// the optional handler methods it needs, and calls Serve from main:
//
//	type coin struct{ host sdk.Host }
//
//	func (c *coin) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
//		c.host = host
//		return sdk.Manifest{Games: []string{"coin"}}, nil
//	}
//
//	func (c *coin) HandleGame(ctx context.Context, call sdk.GameCall) error {
//		return c.host.SendGame(ctx, call.From.Tag, "coin", "heads")
//	}
//
//	func main() { sdk.Serve(&coin{}) }
//
// Package sdktest runs a plugin against an in-memory host in unit tests.
// docs/plugins.md is the tutorial.
package sdk

import (
	"context"
	"errors"

	"github.com/hashicorp/go-hclog"
)

// Plugin is what every plugin implements. Configure is called once after
// the process starts (and again after every restart), before anything else:
// it checks the plugin's config block, keeps host for later, and says what
// the plugin serves. An error refuses the configuration; salond reports it
// to the operator with the file:line:col Config gives it.
type Plugin interface {
	Configure(cfg Config, host Host) (Manifest, error)
}

// The optional interfaces below are found by type assertion on the value
// given to Serve. Calls may arrive concurrently, from several users at once:
// a plugin that keeps state in memory guards it with a mutex. Every ctx
// carries the host's deadline for the call; pass it on to Host methods.

// GameHandler receives the `JEU game payload` lines users send for the
// games in Manifest.Games. Answer a player's mistakes with a line of the
// game (its payload grammar should have one for errors); return an error
// when the call failed: salond then answers the sender with an `ERR JEU`
// line, and the plugin logs the error. A handler that returns a Refusal
// (see Refuse) has its reason told as `ERR JEU reason`.
type GameHandler interface {
	HandleGame(ctx context.Context, call GameCall) error
}

// VerbHandler receives the lines whose verb is in Manifest.Verbs. A line
// the handler turns down (bad arguments, nothing to do) is answered with
// Refuse, which salond tells the sender as `ERR VERB reason`, like a core
// command's refusal. Other errors are failures, handled as GameHandler's
// are, with an `ERR VERB` line that says the verb is unavailable.
type VerbHandler interface {
	HandleVerb(ctx context.Context, call VerbCall) error
}

// MessageHook sees messages before they are stored (channel messages if
// Manifest.HookChannelMessages, direct ones if HookDirectMessages) and
// allows, rejects or rewrites them. A hook that misses its deadline or
// panics lets the message through.
type MessageHook interface {
	HookMessage(ctx context.Context, m Message) Verdict
}

// EventHandler receives the events whose kinds are in Manifest.Events,
// in order, best effort: the host drops events for a plugin that lags.
type EventHandler interface {
	HandleEvent(ctx context.Context, e Event)
}

// Manifest is what a plugin serves; Configure returns it.
type Manifest struct {
	// Games are the game ids the plugin serves: `JEU id ...` lines go to it.
	Games []string
	// Verbs are extra verbs (upper case A to Z, not one of the protocol's
	// own) whose lines go to the plugin, which may also send lines starting
	// with them.
	Verbs []string
	// HookChannelMessages and HookDirectMessages ask for MessageHook calls.
	HookChannelMessages bool
	HookDirectMessages  bool
	// Events are the event kinds (EventOnline, ...) the plugin wants.
	Events []string
	// Bots are the pseudos of the bot accounts the plugin speaks as. The
	// host creates the accounts the first time.
	Bots []string
}

// Host is the server as a plugin sees it. Every method may be called from
// any goroutine, with a context that bounds the call (the ctx of the
// handler being run, or one of the plugin's own outside handlers). Lines
// and posts are accepted once Configure has returned, not during it.
//
// Errors wrap ErrRefused when the host turns a request down (a line the
// plugin may not send, a bot that is not its own, a post where the bot is
// not a member, a wallet call for an unknown user, a key, value or reason
// over its limit, too many calls at once), ErrNotFound when User,
// UserByPseudo or Members find nothing (Members answers only for
// channels), and context.DeadlineExceeded or context.Canceled when ctx ends
// first. Other errors are the host's own failures.
type Host interface {
	// SendToUser sends line to every session of a user. The line must be
	// `JEU game payload` for one of the plugin's games, or start with one
	// of its verbs.
	SendToUser(ctx context.Context, user int64, line string) error
	// SendToConversation sends line to every member of a conversation (for
	// a direct conversation: to its peer).
	SendToConversation(ctx context.Context, c Conversation, line string) error
	// SendGame sends `JEU game payload` to a user.
	SendGame(ctx context.Context, user int64, game, payload string) error
	// SendGameTo sends `JEU game payload` to every member of a conversation.
	SendGameTo(ctx context.Context, c Conversation, game, payload string) error
	// PostMessage posts text in a conversation as one of the plugin's bots,
	// as an ordinary message: stored, seen by other plugins' hooks, shown
	// in the history.
	PostMessage(ctx context.Context, bot string, c Conversation, text string) error
	// Members lists the members of a conversation.
	Members(ctx context.Context, c Conversation) ([]User, error)
	// User and UserByPseudo look up a user (ErrNotFound if there is none).
	User(ctx context.Context, tag int64) (User, error)
	UserByPseudo(ctx context.Context, pseudo string) (User, error)
	// KV is the plugin's own key/value store, kept in the server's database.
	KV() KV
	// Wallet is the chips wallet every user has, shared by all plugins.
	Wallet() Wallet
	// Log is a structured logger whose entries salond writes in its own log,
	// under the plugin's name.
	Log() hclog.Logger
}

// KV is a plugin's key/value store. Keys are 1 to 256 bytes of UTF-8;
// values are bytes, at most 64 KiB. Each plugin sees only its own keys.
type KV interface {
	// Get returns a key's value; found is false when the key is absent.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	// CompareAndSwap sets key to new only if it currently holds old (when
	// oldFound) or is absent (when !oldFound), and reports whether it did.
	// It is how two concurrent calls update the same key safely: read,
	// compute, swap, and start over when the swap fails.
	CompareAndSwap(ctx context.Context, key string, old []byte, oldFound bool, new []byte) (bool, error)
	// List returns the entries whose key starts with prefix, in key order:
	// the first 1000 of them.
	List(ctx context.Context, prefix string) ([]KVEntry, error)
}

// KVEntry is one key and its value.
type KVEntry struct {
	Key   string
	Value []byte
}

// Wallet is the users' chips, shared by every plugin and kept in the
// server's database with a ledger. Amounts are positive; every change
// writes reason (at most 200 bytes, one line) in the ledger.
type Wallet interface {
	Balance(ctx context.Context, user int64) (int64, error)
	// Credit adds amount to user's balance and returns the new balance.
	Credit(ctx context.Context, user int64, amount int64, reason string) (int64, error)
	// DebitIfAtLeast takes amount from user if the balance is at least
	// amount; otherwise it changes nothing and ok is false. balance is the
	// balance afterwards either way.
	DebitIfAtLeast(ctx context.Context, user int64, amount int64, reason string) (ok bool, balance int64, err error)
	// Transfer moves amount from one user to another in one step, or does
	// nothing (ok false) if from has fewer than amount chips.
	Transfer(ctx context.Context, from, to int64, amount int64, reason string) (ok bool, err error)
	// DebitOnce and CreditOnce are DebitIfAtLeast and Credit applied at
	// most once per key (per plugin, forever): a call whose key was used
	// already changes nothing and reports success with the balance now.
	// A game keys a bet's stake and its settlement with the bet's id, so
	// that replaying them after a crash never charges or pays twice.
	DebitOnce(ctx context.Context, key string, user int64, amount int64, reason string) (ok bool, balance int64, err error)
	CreditOnce(ctx context.Context, key string, user int64, amount int64, reason string) (balance int64, err error)
}

var (
	// ErrRefused is wrapped by Host errors for requests the host turns down.
	ErrRefused = errors.New("refused by the host")
	// ErrNotFound is wrapped by Host errors for what does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotHandled is returned for a call the plugin does not serve: a game
	// or verb it did not declare, or a handler interface it lacks.
	ErrNotHandled = errors.New("not handled by this plugin")
	// ErrPanicked is wrapped by the error of a handler that panicked. The
	// panic is recovered and logged; the plugin keeps running.
	ErrPanicked = errors.New("plugin panicked")
)
