package pluginhost

import "context"

// Table is the routing table at one moment: which running plugin serves
// which game, verb, hook, event and bot. It is never modified once
// published; the host publishes a new one whenever a plugin starts, stops or
// is reloaded, so the hub can read it without locks.
type Table struct {
	Games        map[string]*Plugin   // JEU game id -> plugin
	Verbs        map[string]*Plugin   // claimed verb -> plugin
	ChannelHooks []*Plugin            // hooks on channel messages, in configuration order
	DirectHooks  []*Plugin            // hooks on direct messages, in configuration order
	Events       map[string][]*Plugin // event kind -> plugins that asked for it
	Bots         map[int64]*Plugin    // bot account tag -> its plugin

	// The games and verbs of plugins that are restarting: a line for one
	// of them gets an ERR saying so, not "unknown".
	RestartingGames map[string]bool
	RestartingVerbs map[string]bool
}

// Action is a hook's decision on a message.
type Action int

const (
	Allow Action = iota
	Reject
	Replace
)

// Verdict is what a message hook decided.
type Verdict struct {
	Action Action
	Reason string // Reject: told to the sender
	Text   string // Replace: the new text
}

// MessageKind says which command carries a hooked text.
type MessageKind int

const (
	KindMessage MessageKind = iota // MSG
	KindReply                      // REPLY: Message.Ref is the message answered
	KindEdit                       // EDIT: Message.Ref is the message edited
)

// Message is what a message hook judges: the text of a MSG, of a REPLY, or
// the new text of an EDIT, about to be stored.
type Message struct {
	Author       User
	Conversation Conversation // Peer: the other party of a direct conversation
	Text         string
	Kind         MessageKind
	Ref          int64 // the message replied to or edited; 0 for KindMessage
}

// Event is a notification to plugins: Kind is one of "online", "offline",
// "joined", "left", "message", "invited" (see plugin.proto).
type Event struct {
	Kind         string
	User         User
	Conversation Conversation
	Text         string
	Bot          string
}

// The calls the hub makes on a running plugin. Each applies the host's
// deadline for its kind of call; none blocks longer than that. HandleGame
// and HandleVerb return a *Refusal when the plugin turned the line down.
//
//	func (p *Plugin) Name() string
//	func (p *Plugin) HandleGame(ctx context.Context, from User, game, payload string) error
//	func (p *Plugin) HandleVerb(ctx context.Context, from User, verb, args string) error
//	func (p *Plugin) HookMessage(ctx context.Context, m Message) (Verdict, error)
//	func (p *Plugin) Notify(e Event) // never blocks: queued, dropped (and logged) if the plugin lags
var _ interface {
	Name() string
	HandleGame(ctx context.Context, from User, game, payload string) error
	HandleVerb(ctx context.Context, from User, verb, args string) error
	HookMessage(ctx context.Context, m Message) (Verdict, error)
	Notify(e Event)
} = (*Plugin)(nil)
