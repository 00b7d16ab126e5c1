package sdk

import (
	"fmt"
	"strconv"
	"strings"
)

// User is a user as plugins see it. Tags never change; pseudos may.
type User struct {
	Tag    int64
	Pseudo string
	Online bool
	Bot    bool
}

// Conversation is a channel of a server (Server > 0; Channel 0 is the
// server's general channel) or a direct conversation with the user Peer
// (Server == 0).
type Conversation struct {
	Server, Channel, Peer int64
}

// Channel returns the conversation of channel c of server s (c = 0: the
// general channel).
func Channel(s, c int64) Conversation { return Conversation{Server: s, Channel: c} }

// Direct returns the direct conversation with user peer.
func Direct(peer int64) Conversation { return Conversation{Peer: peer} }

// IsDirect reports whether c is a direct conversation.
func (c Conversation) IsDirect() bool { return c.Server == 0 }

// Valid reports whether c names a conversation: a channel with Server > 0
// and Channel >= 0, or a direct conversation with Peer > 0.
func (c Conversation) Valid() bool {
	if c.Server == 0 {
		return c.Peer > 0 && c.Channel == 0
	}
	return c.Server > 0 && c.Channel >= 0 && c.Peer == 0
}

// String writes c as a protocol address: "S C" for a channel, "0 U" for a
// direct conversation with U.
func (c Conversation) String() string {
	if c.Server == 0 {
		return "0 " + strconv.FormatInt(c.Peer, 10)
	}
	return strconv.FormatInt(c.Server, 10) + " " + strconv.FormatInt(c.Channel, 10)
}

// ParseConversation reads a protocol address, "S C" or "0 U": two decimal
// tags without leading zeros separated by one space, as in a game payload.
func ParseConversation(s string) (Conversation, error) {
	a, b, ok := strings.Cut(s, " ")
	if !ok {
		return Conversation{}, fmt.Errorf("address %q: want two tags, \"S C\" or \"0 U\"", s)
	}
	st, ok1 := parseTag(a)
	ct, ok2 := parseTag(b)
	switch {
	case !ok1 || !ok2:
		return Conversation{}, fmt.Errorf("address %q: tags are decimal numbers without sign or leading zeros", s)
	case st == 0 && ct == 0:
		return Conversation{}, fmt.Errorf("address %q: no user 0", s)
	case st == 0:
		return Direct(ct), nil
	}
	return Channel(st, ct), nil
}

func parseTag(s string) (int64, bool) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// GameCall is a `JEU game payload` line a user sent.
type GameCall struct {
	From    User
	Game    string
	Payload string // everything after the game id; may be empty
}

// VerbCall is a line with one of the plugin's verbs.
type VerbCall struct {
	From User
	Verb string
	Args string // the rest of the line after the verb and its space; may be empty
}

// Message is a message about to be stored, as a hook sees it: the text of
// a MSG, of a REPLY, or the new text of an EDIT, told apart by Kind. For a
// direct message, Conversation.Peer is the recipient (for an edit of a
// direct message, the other party).
type Message struct {
	Author       User
	Conversation Conversation
	Text         string
	Kind         MessageKind
	// Ref is the id of the message answered (MessageReply) or edited
	// (MessageEdit), as in the `id` and `reply` message tags; 0 for a
	// MessageNew.
	Ref int64
}

// MessageKind says which command carries the text a hook judges.
type MessageKind int

const (
	MessageNew   MessageKind = iota // MSG: a new message
	MessageReply                    // REPLY: a new message that answers message Ref
	MessageEdit                     // EDIT: new text for message Ref, which is already stored
)

func (k MessageKind) String() string {
	switch k {
	case MessageNew:
		return "message"
	case MessageReply:
		return "reply"
	case MessageEdit:
		return "edit"
	}
	return "MessageKind(" + strconv.Itoa(int(k)) + ")"
}

// Action is what a hook decides for a message.
type Action int

const (
	Allow   Action = iota // the message goes on unchanged
	Reject                // the message is dropped (the edit undone); the author gets ERR MSG Reason (ERR REPLY, ERR EDIT)
	Replace               // the message goes on with Text instead
)

func (a Action) String() string {
	switch a {
	case Allow:
		return "allow"
	case Reject:
		return "reject"
	case Replace:
		return "replace"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Verdict is a hook's decision.
type Verdict struct {
	Action Action
	Reason string // Reject: told to the author (one line, cut to 200 bytes)
	Text   string // Replace: the new text (1 to 4000 bytes, one line)
}

// AllowMessage lets the message through unchanged.
func AllowMessage() Verdict { return Verdict{Action: Allow} }

// RejectMessage drops the message (or the edit: the message keeps its text);
// its author gets `ERR MSG reason` (`ERR REPLY`, `ERR EDIT`).
func RejectMessage(reason string) Verdict { return Verdict{Action: Reject, Reason: reason} }

// ReplaceText lets the message (or the edit) through with text instead of
// what was written.
func ReplaceText(text string) Verdict { return Verdict{Action: Replace, Text: text} }

// Event kinds.
const (
	EventOnline  = "online"  // User's first session opened
	EventOffline = "offline" // User's last session closed
	EventJoined  = "joined"  // User joined Conversation
	EventLeft    = "left"    // User left Conversation
	// EventMessage: User wrote Text in Conversation, a channel one of the
	// plugin's bots (Bot) belongs to, or directly to Bot. Never a message of
	// the plugin's own bots.
	EventMessage = "message"
	// EventInvited: User invited the plugin's bot Bot to Conversation. The
	// host accepts channel invitations for bots by itself.
	EventInvited = "invited"
)

// Event is something that happened on the server.
type Event struct {
	Kind         string
	User         User
	Conversation Conversation
	Text         string
	Bot          string
}
