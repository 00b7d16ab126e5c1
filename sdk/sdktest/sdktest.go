// Package sdktest runs a plugin against an in-memory host in unit tests: no
// process, no gRPC, no database. The fake host keeps users, members, a
// key/value store and wallets in memory, records what the plugin sends and
// posts, and refuses what salond refuses (a line the plugin may not send, a
// bot that is not its own, a wallet overdraft), so a test can drive a
// plugin in a few lines:
//
//	h := sdktest.New(t, &coin{}, `greeting = "hi"`)
//	h.AddUser(sdktest.User{Tag: 1, Pseudo: "alice"})
//	if err := h.Game(1, "coin", "flip"); err != nil {
//		t.Fatal(err)
//	}
//	got := h.TakeSent() // [{To: 1, Line: "JEU coin heads"}]
//
// A request the real host would refuse fails the test (the plugin also gets
// the error wrapping sdk.ErrRefused), unless the test calls ExpectRefusals.
// Like salond, the fake lets a bot post in a channel only if it is a member,
// and to a user directly only if they share a server: AddMember them, or
// deliver an EventInvited.
package sdktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/internal/rules"
)

// User is a user of the fake server.
type User = sdk.User

// Line is a line the plugin had the host send.
type Line struct {
	To           int64            // the user it was sent to, or 0
	Conversation sdk.Conversation // the conversation it was sent to, or zero
	Line         string
	Recipients   []int64 // who got it: To, or the conversation's members then
}

// Moderation is a kick or a ban the plugin made as one of its bots.
type Moderation struct {
	Ban    bool // a Ban (Place is then the server's general channel), or a Kick
	Bot    string
	Place  sdk.Conversation
	User   int64
	Reason string
}

// Post is a message the plugin posted as one of its bots.
type Post struct {
	Bot          string
	Conversation sdk.Conversation
	Text         string
}

// LedgerEntry is one change to a wallet.
type LedgerEntry struct {
	User    int64
	Delta   int64
	Balance int64 // afterwards
	Reason  string
}

// Filename is the file name config errors carry in tests; the body given to
// New starts at its line 1, column 1.
const Filename = "salon.hcl"

// Name is the plugin's name in tests (Config.Name).
const Name = "test"

// DefaultTimeout is the deadline of each call into the plugin.
const DefaultTimeout = 5 * time.Second

// botTags is where the fake host numbers bot accounts from.
const botTags = 1_000_000

// Harness is a plugin configured against the fake host.
type Harness struct {
	// Timeout is the deadline of each call into the plugin (DefaultTimeout
	// unless changed). A hook that misses it lets the message through; a
	// game, verb or event call that misses it returns
	// context.DeadlineExceeded.
	Timeout time.Duration

	t    testing.TB
	inst *sdk.Instance
	m    sdk.Manifest
	host *fakeHost

	mu             sync.Mutex
	users          map[int64]*User
	members        map[sdk.Conversation][]int64
	sent           []Line
	posts          []Post
	mods           map[sdk.Conversation][]int64 // moderators by place; channel 0: the server's
	moderations    []Moderation
	kv             map[string][]byte
	balances       map[int64]int64
	ledger         []LedgerEntry
	onceKeys       map[string]bool // wallet keys used (DebitOnce, CreditOnce)
	logs           []string
	refusals       []error
	expectRefusals bool
	done           bool
}

// New configures p with the HCL text body (the inside of its config block)
// and fails the test if the configuration is refused.
func New(t testing.TB, p sdk.Plugin, body string) *Harness {
	t.Helper()
	h, err := start(t, p, body)
	if err != nil {
		t.Fatalf("sdktest: configure: %v", err)
	}
	return h
}

// ConfigError configures p with body, expects the configuration to be
// refused, and returns the error text ("salon.hcl:line:col: message"
// lines). It fails the test if the configuration is accepted.
func ConfigError(t testing.TB, p sdk.Plugin, body string) string {
	t.Helper()
	_, err := start(t, p, body)
	if err == nil {
		t.Errorf("sdktest: configuration %q was accepted, want an error", body)
		return ""
	}
	return err.Error()
}

func start(t testing.TB, p sdk.Plugin, body string) (*Harness, error) {
	h := &Harness{
		Timeout:  DefaultTimeout,
		t:        t,
		users:    map[int64]*User{},
		members:  map[sdk.Conversation][]int64{},
		mods:     map[sdk.Conversation][]int64{},
		kv:       map[string][]byte{},
		balances: map[int64]int64{},
	}
	t.Cleanup(func() {
		h.mu.Lock()
		h.done = true
		h.mu.Unlock()
	})
	h.host = &fakeHost{h: h}
	h.host.log = hclog.New(&hclog.LoggerOptions{
		Name:   Name,
		Level:  hclog.Trace,
		Output: logWriter{h},
	})
	inst, err := sdk.NewInstance(p, h.host, sdk.Source{
		Name:     Name,
		Filename: Filename,
		Body:     []byte(body),
		Start:    hcl.Pos{Line: 1, Column: 1, Byte: 0},
	})
	if err != nil {
		return nil, err
	}
	// Under the lock: a plugin may already be sending from a goroutine it
	// started in Configure, and the fake host reads the manifest.
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inst, h.m = inst, inst.Manifest()
	for i, b := range h.m.Bots {
		tag := int64(botTags + i + 1)
		h.users[tag] = &User{Tag: tag, Pseudo: b, Online: true, Bot: true}
	}
	return h, nil
}

// Manifest is what the plugin declared.
func (h *Harness) Manifest() sdk.Manifest { return h.inst.Manifest() }

// Host is the fake host the plugin was given, for calling it directly.
func (h *Harness) Host() sdk.Host { return h.host }

// AddUser adds or replaces a user. A user with no pseudo is called userN.
func (h *Harness) AddUser(u User) {
	h.t.Helper()
	if u.Tag <= 0 {
		h.t.Fatalf("sdktest: AddUser: tag %d: tags are > 0", u.Tag)
	}
	if u.Pseudo == "" {
		u.Pseudo = fmt.Sprintf("user%d", u.Tag)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range h.users {
		if o.Tag != u.Tag && rules.FoldPseudo(o.Pseudo) == rules.FoldPseudo(u.Pseudo) {
			h.t.Fatalf("sdktest: AddUser: pseudo %q is taken by user %d", u.Pseudo, o.Tag)
		}
	}
	h.users[u.Tag] = &u
}

// User returns a user of the fake server, adding it (as userN) if unknown.
func (h *Harness) User(tag int64) User {
	h.mu.Lock()
	defer h.mu.Unlock()
	return *h.userLocked(tag)
}

func (h *Harness) userLocked(tag int64) *User {
	u, ok := h.users[tag]
	if !ok {
		u = &User{Tag: tag, Pseudo: fmt.Sprintf("user%d", tag)}
		h.users[tag] = u
	}
	return u
}

// Bot returns the account of one of the plugin's bots.
func (h *Harness) Bot(pseudo string) User {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range h.users {
		if u.Bot && rules.FoldPseudo(u.Pseudo) == rules.FoldPseudo(pseudo) {
			return *u
		}
	}
	h.t.Fatalf("sdktest: %q is not one of the plugin's bots %q", pseudo, h.m.Bots)
	return User{}
}

// AddMember makes users members of a channel (and so of its server's
// general channel), adding unknown users as userN.
func (h *Harness) AddMember(c sdk.Conversation, tags ...int64) {
	h.t.Helper()
	if !c.Valid() || c.IsDirect() {
		h.t.Fatalf("sdktest: AddMember: %v is not a channel", c)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, tag := range tags {
		h.userLocked(tag)
		h.join(c, tag)
		h.join(sdk.Channel(c.Server, 0), tag)
	}
}

// RemoveMember takes users out of a channel (out of the whole server for a
// general channel).
func (h *Harness) RemoveMember(c sdk.Conversation, tags ...int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, tag := range tags {
		h.leave(c, tag)
	}
}

// shareServer reports whether two users are members of a common server;
// h.mu is held.
func (h *Harness) shareServer(a, b int64) bool {
	for c, ms := range h.members {
		if c.Channel == 0 && slices.Contains(ms, a) && slices.Contains(ms, b) {
			return true
		}
	}
	return false
}

func (h *Harness) join(c sdk.Conversation, tag int64) {
	if !slices.Contains(h.members[c], tag) {
		h.members[c] = append(h.members[c], tag)
	}
}

func (h *Harness) leave(c sdk.Conversation, tag int64) {
	if c.IsDirect() {
		return
	}
	if c.Channel == 0 {
		for k, ms := range h.members {
			if k.Server == c.Server {
				h.members[k] = slices.DeleteFunc(ms, func(m int64) bool { return m == tag })
			}
		}
		return
	}
	h.members[c] = slices.DeleteFunc(h.members[c], func(m int64) bool { return m == tag })
}

// MakeModerator makes users moderators of a channel, or of a whole server
// (place.Channel 0), as `MOD S C 0 U` does: a plugin's bot may Kick and Ban
// only where it moderates, here as on salond.
func (h *Harness) MakeModerator(place sdk.Conversation, tags ...int64) {
	h.t.Helper()
	if !place.Valid() || place.IsDirect() {
		h.t.Fatalf("sdktest: MakeModerator: %v is not a channel or a server", place)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, tag := range tags {
		h.userLocked(tag)
		if !slices.Contains(h.mods[place], tag) {
			h.mods[place] = append(h.mods[place], tag)
		}
	}
}

// Moderations returns the kicks and bans the plugin made so far.
func (h *Harness) Moderations() []Moderation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.moderations)
}

// Game delivers `JEU game payload` from user from, as the host does, and
// returns the plugin's error (see Refused for a refusal).
func (h *Harness) Game(from int64, game, payload string) error {
	u := h.User(from)
	var err error
	if cerr := h.call(func(ctx context.Context) {
		err = h.inst.HandleGame(ctx, sdk.GameCall{From: u, Game: game, Payload: payload})
	}); cerr != nil {
		return cerr
	}
	return err
}

// Verb delivers a line with one of the plugin's verbs from user from, and
// returns the plugin's error: a refusal, which Refused reads, or a failure.
func (h *Harness) Verb(from int64, verb, args string) error {
	u := h.User(from)
	var err error
	if cerr := h.call(func(ctx context.Context) {
		err = h.inst.HandleVerb(ctx, sdk.VerbCall{From: u, Verb: verb, Args: args})
	}); cerr != nil {
		return cerr
	}
	return err
}

// Refused reports whether err, from Verb or Game, is the plugin refusing
// the line with sdk.Refuse (wrapped or not), and the reason the user gets
// in `ERR VERB reason` (`ERR JEU reason`), made to fit as salond gets it:
//
//	err := h.Verb(1, "ROLL", "")
//	if reason, ok := sdktest.Refused(err); !ok || reason != "nothing to roll" {
//		t.Errorf("ROLL without dice: %v", err)
//	}
//
// Not to be confused with Refusals, the requests of the plugin that the
// fake host turned down.
func Refused(err error) (reason string, ok bool) {
	var r *sdk.Refusal
	if !errors.As(err, &r) {
		return "", false
	}
	if r == nil {
		return rules.Refused, true
	}
	return rules.Reason(r.Reason, rules.Refused), true
}

// Hook runs the plugin's message hook as the host would before storing m:
// only for the kinds of messages the plugin asked to hook, letting the
// message through if the hook misses its deadline. An author given only by
// tag is completed from the fake server's users.
func (h *Harness) Hook(m sdk.Message) sdk.Verdict {
	h.t.Helper()
	if m.Author.Pseudo == "" && m.Author.Tag > 0 {
		m.Author = h.User(m.Author.Tag)
	}
	if m.Conversation.IsDirect() && !h.m.HookDirectMessages ||
		!m.Conversation.IsDirect() && !h.m.HookChannelMessages {
		return sdk.AllowMessage()
	}
	var v sdk.Verdict
	if err := h.call(func(ctx context.Context) { v = h.inst.HookMessage(ctx, m) }); err != nil {
		return sdk.AllowMessage()
	}
	// salond lets the message through when a verdict is unusable; here
	// that is a bug the test should show.
	switch v.Action {
	case sdk.Replace:
		if err := rules.CheckText(v.Text); err != nil {
			h.t.Errorf("sdktest: hook replaced %q with unusable text %q (salond would let the original through): %v", m.Text, v.Text, err)
		}
	case sdk.Reject:
		if err := rules.CheckReason(v.Reason); err != nil || v.Reason == "" {
			h.t.Errorf("sdktest: hook rejected %q with unusable reason %q", m.Text, v.Reason)
		}
	}
	return v
}

// Event applies an event to the fake server (joined and left change the
// members, online and offline the user's status, invited makes the bot a
// member of the channel, as salond accepts invitations for bots) and
// delivers it to the plugin if it asked for its kind. It reports whether
// the plugin got it. A user given only by tag is completed.
func (h *Harness) Event(e sdk.Event) bool {
	h.t.Helper()
	h.mu.Lock()
	if e.User.Tag > 0 {
		u := h.userLocked(e.User.Tag)
		switch e.Kind {
		case sdk.EventOnline:
			u.Online = true
		case sdk.EventOffline:
			u.Online = false
		case sdk.EventJoined:
			if e.Conversation.Valid() && !e.Conversation.IsDirect() {
				h.join(e.Conversation, u.Tag)
				h.join(sdk.Channel(e.Conversation.Server, 0), u.Tag)
			}
		case sdk.EventLeft:
			h.leave(e.Conversation, u.Tag)
		}
		if e.User.Pseudo == "" {
			e.User = *u
		}
	}
	if e.Kind == sdk.EventInvited && e.Conversation.Valid() && !e.Conversation.IsDirect() {
		for _, u := range h.users {
			if u.Bot && rules.FoldPseudo(u.Pseudo) == rules.FoldPseudo(e.Bot) {
				h.join(e.Conversation, u.Tag)
				h.join(sdk.Channel(e.Conversation.Server, 0), u.Tag)
			}
		}
	}
	h.mu.Unlock()
	if !slices.Contains(h.m.Events, e.Kind) {
		return false
	}
	if err := h.call(func(ctx context.Context) { h.inst.HandleEvent(ctx, e) }); err != nil {
		h.t.Errorf("sdktest: HandleEvent(%s): %v", e.Kind, err)
	}
	return true
}

// call runs f with the call deadline, and stops waiting when it passes.
func (h *Harness) call(f func(ctx context.Context)) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ctx)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sent returns the lines the plugin sent so far.
func (h *Harness) Sent() []Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sent)
}

// TakeSent returns the lines the plugin sent since the last TakeSent, and
// forgets them.
func (h *Harness) TakeSent() []Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sent
	h.sent = nil
	return s
}

// LinesFor returns the text of the lines (still in Sent) that user tag
// received, directly or as a member of a conversation.
func (h *Harness) LinesFor(tag int64) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, l := range h.sent {
		if slices.Contains(l.Recipients, tag) {
			out = append(out, l.Line)
		}
	}
	return out
}

// Posts returns the messages the plugin posted as its bots so far.
func (h *Harness) Posts() []Post {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.posts)
}

// TakePosts returns the posts since the last TakePosts, and forgets them.
func (h *Harness) TakePosts() []Post {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.posts
	h.posts = nil
	return p
}

// KV returns a copy of the plugin's key/value store.
func (h *Harness) KV() map[string][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := make(map[string][]byte, len(h.kv))
	for k, v := range h.kv {
		m[k] = slices.Clone(v)
	}
	return m
}

// SetKV sets a key of the plugin's store, as if left by an earlier run; a
// nil value deletes it.
func (h *Harness) SetKV(key string, value []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if value == nil {
		delete(h.kv, key)
		return
	}
	h.kv[key] = slices.Clone(value)
}

// SetBalance sets a user's chips (adding the user as userN if unknown).
func (h *Harness) SetBalance(tag, chips int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.userLocked(tag)
	h.balances[tag] = chips
}

// Balance returns a user's chips.
func (h *Harness) Balance(tag int64) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.balances[tag]
}

// Ledger returns every wallet change the plugin made, in order.
func (h *Harness) Ledger() []LedgerEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ledger)
}

// Logs returns what the plugin logged, one entry a line.
func (h *Harness) Logs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.logs)
}

// ExpectRefusals stops refused requests from failing the test, for tests
// of how a plugin copes with them. (These are the host's refusals of what
// the plugin asks; a plugin refusing a user's line is read with Refused.)
func (h *Harness) ExpectRefusals() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expectRefusals = true
}

// Refusals returns the errors of the requests of the plugin that the fake
// host refused.
func (h *Harness) Refusals() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.refusals)
}

// refuse records a refusal; h.mu is held.
func (h *Harness) refuse(format string, args ...any) error {
	err := fmt.Errorf("sdktest host: %w: %s", sdk.ErrRefused, fmt.Sprintf(format, args...))
	h.refusals = append(h.refusals, err)
	if !h.expectRefusals && !h.done {
		h.t.Errorf("%v (salond would refuse this; call ExpectRefusals if the test means it)", err)
	}
	return err
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("sdktest host: %w: %s", sdk.ErrNotFound, fmt.Sprintf(format, args...))
}

type logWriter struct{ h *Harness }

func (w logWriter) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\n")
	w.h.mu.Lock()
	w.h.logs = append(w.h.logs, line)
	done := w.h.done
	w.h.mu.Unlock()
	if !done {
		w.h.t.Log(line)
	}
	return len(p), nil
}

// fakeHost is the sdk.Host the plugin gets.
type fakeHost struct {
	h   *Harness
	log hclog.Logger
}

func (f *fakeHost) Log() hclog.Logger  { return f.log }
func (f *fakeHost) KV() sdk.KV         { return fakeKV{f.h} }
func (f *fakeHost) Wallet() sdk.Wallet { return fakeWallet{f.h} }

func (f *fakeHost) SendToUser(ctx context.Context, user int64, line string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h := f.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := rules.CheckLine(line, h.m.Games, h.m.Verbs); err != nil {
		return h.refuse("Send: %v", err)
	}
	if _, ok := h.users[user]; !ok {
		return h.refuse("Send: no user %d", user)
	}
	h.sent = append(h.sent, Line{To: user, Line: line, Recipients: []int64{user}})
	return nil
}

func (f *fakeHost) SendToConversation(ctx context.Context, c sdk.Conversation, line string) error {
	if c.Valid() && c.IsDirect() {
		return f.SendToUser(ctx, c.Peer, line)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	h := f.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := rules.CheckLine(line, h.m.Games, h.m.Verbs); err != nil {
		return h.refuse("Send: %v", err)
	}
	ms, ok := h.members[c]
	if !c.Valid() || !ok {
		return h.refuse("Send: no conversation %v", c)
	}
	h.sent = append(h.sent, Line{Conversation: c, Line: line, Recipients: slices.Clone(ms)})
	return nil
}

func (f *fakeHost) SendGame(ctx context.Context, user int64, game, payload string) error {
	return f.SendToUser(ctx, user, sdk.GameLine(game, payload))
}

func (f *fakeHost) SendGameTo(ctx context.Context, c sdk.Conversation, game, payload string) error {
	return f.SendToConversation(ctx, c, sdk.GameLine(game, payload))
}

func (f *fakeHost) PostMessage(ctx context.Context, bot string, c sdk.Conversation, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h := f.h
	h.mu.Lock()
	defer h.mu.Unlock()
	var b *User
	for _, u := range h.users {
		if u.Bot && rules.FoldPseudo(u.Pseudo) == rules.FoldPseudo(bot) {
			b = u
		}
	}
	switch {
	case b == nil:
		return h.refuse("PostMessage: %q is not one of this plugin's bots %q", bot, h.m.Bots)
	case !c.Valid():
		return h.refuse("PostMessage: invalid conversation %+v", c)
	}
	if err := rules.CheckText(text); err != nil {
		return h.refuse("PostMessage: %v", err)
	}
	if c.IsDirect() {
		// Bots have no friends: a direct message needs a shared server.
		if _, ok := h.users[c.Peer]; !ok {
			return h.refuse("PostMessage: no user %d", c.Peer)
		}
		if !h.shareServer(b.Tag, c.Peer) {
			return h.refuse("PostMessage: bot %s shares no server with user %d", b.Pseudo, c.Peer)
		}
	} else if !slices.Contains(h.members[c], b.Tag) {
		return h.refuse("PostMessage: bot %s is not a member of %v", b.Pseudo, c)
	}
	h.posts = append(h.posts, Post{Bot: b.Pseudo, Conversation: c, Text: text})
	return nil
}

func (f *fakeHost) Kick(ctx context.Context, bot string, place sdk.Conversation, user int64, reason string) error {
	return f.moderate(ctx, Moderation{Bot: bot, Place: place, User: user, Reason: reason})
}

func (f *fakeHost) Ban(ctx context.Context, bot string, server, user int64, reason string) error {
	return f.moderate(ctx, Moderation{Ban: true, Bot: bot, Place: sdk.Channel(server, 0), User: user, Reason: reason})
}

// moderate applies the rules salond applies to a bot's kick or ban: a bot
// of the plugin, a moderator of the place (a server moderator for a ban;
// one of the server or of the channel for a kick from a channel), a member
// to kick, never the bot itself.
func (f *fakeHost) moderate(ctx context.Context, m Moderation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h := f.h
	h.mu.Lock()
	defer h.mu.Unlock()
	op := "Kick"
	if m.Ban {
		op = "Ban"
	}
	var b *User
	for _, u := range h.users {
		if u.Bot && rules.FoldPseudo(u.Pseudo) == rules.FoldPseudo(m.Bot) {
			b = u
		}
	}
	server := sdk.Channel(m.Place.Server, 0)
	switch {
	case b == nil:
		return h.refuse("%s: %q is not one of this plugin's bots %q", op, m.Bot, h.m.Bots)
	case !m.Place.Valid() || m.Place.IsDirect():
		return h.refuse("%s: %v is not a channel or a server", op, m.Place)
	case len(m.Reason) > 256 || !rules.Text(m.Reason):
		return h.refuse("%s: a reason is at most 256 bytes of line text", op)
	case m.User == b.Tag:
		return h.refuse("%s: bot %s cannot remove itself", op, b.Pseudo)
	case !slices.Contains(h.mods[server], b.Tag) && (m.Ban || !slices.Contains(h.mods[m.Place], b.Tag)):
		return h.refuse("%s: bot %s is not a moderator of %v", op, b.Pseudo, m.Place)
	case !m.Ban && !slices.Contains(h.members[m.Place], m.User):
		return h.refuse("%s: user %d is not a member of %v", op, m.User, m.Place)
	}
	h.leave(m.Place, m.User)
	h.moderations = append(h.moderations, m)
	return nil
}

func (f *fakeHost) Members(ctx context.Context, c sdk.Conversation) ([]User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := f.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.IsDirect() {
		return nil, notFound("members are asked of a channel, not of %v", c)
	}
	ms, ok := h.members[c]
	if !c.Valid() || !ok {
		return nil, notFound("no conversation %v", c)
	}
	us := make([]User, 0, len(ms))
	for _, m := range ms {
		us = append(us, *h.users[m])
	}
	return us, nil
}

func (f *fakeHost) User(ctx context.Context, tag int64) (User, error) {
	if err := ctx.Err(); err != nil {
		return User{}, err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	u, ok := f.h.users[tag]
	if !ok {
		return User{}, notFound("no user %d", tag)
	}
	return *u, nil
}

func (f *fakeHost) UserByPseudo(ctx context.Context, pseudo string) (User, error) {
	if err := ctx.Err(); err != nil {
		return User{}, err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	for _, u := range f.h.users {
		if rules.FoldPseudo(u.Pseudo) == rules.FoldPseudo(pseudo) {
			return *u, nil
		}
	}
	return User{}, notFound("no user %q", pseudo)
}

type fakeKV struct{ h *Harness }

// checkKey refuses keys salond would refuse; h.mu is held.
func (k fakeKV) checkKey(op, key string) error {
	if key == "" || len(key) > rules.MaxKey || !utf8.ValidString(key) {
		return k.h.refuse("%s: a key is 1 to %d bytes of UTF-8, not %q", op, rules.MaxKey, rules.Truncate(key, 40))
	}
	return nil
}

// checkValue refuses values salond would refuse; h.mu is held.
func (k fakeKV) checkValue(op string, v []byte) error {
	if len(v) > rules.MaxValue {
		return k.h.refuse("%s: a value is at most %d bytes, not %d", op, rules.MaxValue, len(v))
	}
	return nil
}

func (k fakeKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	k.h.mu.Lock()
	defer k.h.mu.Unlock()
	if err := k.checkKey("KVGet", key); err != nil {
		return nil, false, err
	}
	v, ok := k.h.kv[key]
	return slices.Clone(v), ok, nil
}

func (k fakeKV) Set(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k.h.mu.Lock()
	defer k.h.mu.Unlock()
	if err := k.checkKey("KVSet", key); err != nil {
		return err
	}
	if err := k.checkValue("KVSet", value); err != nil {
		return err
	}
	k.h.kv[key] = append([]byte{}, value...)
	return nil
}

func (k fakeKV) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k.h.mu.Lock()
	defer k.h.mu.Unlock()
	if err := k.checkKey("KVDelete", key); err != nil {
		return err
	}
	delete(k.h.kv, key)
	return nil
}

func (k fakeKV) CompareAndSwap(ctx context.Context, key string, old []byte, oldFound bool, new []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	k.h.mu.Lock()
	defer k.h.mu.Unlock()
	if err := k.checkKey("KVCompareAndSwap", key); err != nil {
		return false, err
	}
	if err := k.checkValue("KVCompareAndSwap", new); err != nil {
		return false, err
	}
	cur, found := k.h.kv[key]
	if found != oldFound || found && !bytes.Equal(cur, old) {
		return false, nil
	}
	k.h.kv[key] = append([]byte{}, new...)
	return true, nil
}

func (k fakeKV) List(ctx context.Context, prefix string) ([]sdk.KVEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k.h.mu.Lock()
	defer k.h.mu.Unlock()
	if len(prefix) > rules.MaxKey || !utf8.ValidString(prefix) {
		return nil, k.h.refuse("KVList: a prefix is at most %d bytes of UTF-8", rules.MaxKey)
	}
	var es []sdk.KVEntry
	for key, v := range k.h.kv {
		if strings.HasPrefix(key, prefix) {
			es = append(es, sdk.KVEntry{Key: key, Value: slices.Clone(v)})
		}
	}
	slices.SortFunc(es, func(a, b sdk.KVEntry) int { return strings.Compare(a.Key, b.Key) })
	if len(es) > rules.MaxList {
		es = es[:rules.MaxList] // salond returns the first MaxList keys
	}
	return es, nil
}

type fakeWallet struct{ h *Harness }

// check validates a wallet call; h.mu is held.
func (w fakeWallet) check(op string, amount int64, reason string, users ...int64) error {
	for _, u := range users {
		if _, ok := w.h.users[u]; !ok {
			return w.h.refuse("%s: no user %d", op, u)
		}
	}
	if amount <= 0 {
		return w.h.refuse("%s: amount %d is not positive", op, amount)
	}
	if err := rules.CheckReason(reason); err != nil {
		return w.h.refuse("%s: %v", op, err)
	}
	return nil
}

func (w fakeWallet) Balance(ctx context.Context, user int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if _, ok := w.h.users[user]; !ok {
		return 0, w.h.refuse("WalletBalance: no user %d", user)
	}
	return w.h.balances[user], nil
}

func (w fakeWallet) Credit(ctx context.Context, user, amount int64, reason string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if err := w.check("WalletCredit", amount, reason, user); err != nil {
		return 0, err
	}
	if w.h.balances[user] > math.MaxInt64-amount {
		return 0, w.h.refuse("WalletCredit: balance of user %d would overflow", user)
	}
	w.h.apply(user, amount, reason)
	return w.h.balances[user], nil
}

func (w fakeWallet) DebitIfAtLeast(ctx context.Context, user, amount int64, reason string) (bool, int64, error) {
	if err := ctx.Err(); err != nil {
		return false, 0, err
	}
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if err := w.check("WalletDebitIfAtLeast", amount, reason, user); err != nil {
		return false, 0, err
	}
	if w.h.balances[user] < amount {
		return false, w.h.balances[user], nil
	}
	w.h.apply(user, -amount, reason)
	return true, w.h.balances[user], nil
}

func (w fakeWallet) DebitOnce(ctx context.Context, key string, user, amount int64, reason string) (bool, int64, error) {
	if done, bal, err := w.once(ctx, key, user); done || err != nil {
		return err == nil, bal, err
	}
	ok, bal, err := w.DebitIfAtLeast(ctx, user, amount, reason)
	if ok {
		w.markOnce(key)
	}
	return ok, bal, err
}

func (w fakeWallet) CreditOnce(ctx context.Context, key string, user, amount int64, reason string) (int64, error) {
	if done, bal, err := w.once(ctx, key, user); done || err != nil {
		return bal, err
	}
	bal, err := w.Credit(ctx, user, amount, reason)
	if err == nil {
		w.markOnce(key)
	}
	return bal, err
}

// once reports whether key was used already (with user's balance), as the
// real host does from its ledger.
func (w fakeWallet) once(ctx context.Context, key string, user int64) (bool, int64, error) {
	if err := ctx.Err(); err != nil {
		return false, 0, err
	}
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if key == "" || len(key) > 256 {
		return false, 0, w.h.refuse("wallet: a once key is 1 to 256 bytes")
	}
	return w.h.onceKeys[key], w.h.balances[user], nil
}

func (w fakeWallet) markOnce(key string) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if w.h.onceKeys == nil {
		w.h.onceKeys = map[string]bool{}
	}
	w.h.onceKeys[key] = true
}

func (w fakeWallet) Transfer(ctx context.Context, from, to, amount int64, reason string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if err := w.check("WalletTransfer", amount, reason, from, to); err != nil {
		return false, err
	}
	if from == to {
		return false, w.h.refuse("WalletTransfer: from and to are both user %d", from)
	}
	if w.h.balances[from] < amount {
		return false, nil
	}
	if w.h.balances[to] > math.MaxInt64-amount {
		return false, w.h.refuse("WalletTransfer: balance of user %d would overflow", to)
	}
	w.h.apply(from, -amount, reason)
	w.h.apply(to, amount, reason)
	return true, nil
}

// apply changes a balance and writes the ledger; h.mu is held.
func (h *Harness) apply(user, delta int64, reason string) {
	h.balances[user] += delta
	h.ledger = append(h.ledger, LedgerEntry{User: user, Delta: delta, Balance: h.balances[user], Reason: reason})
}
