package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/salon-chat/salon/core/pluginhost"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// The hub's side of plugins: routing JEU and claimed verbs to them, events,
// bots, and the API plugins call back (pluginhost.API). Every API call that
// reads or changes the state runs in the loop like a command, so what a
// plugin does is ordered, checked and stored like what a user does.

// Limits on what plugins store.
const (
	maxKVKey    = 256
	maxKVValue  = 64 << 10
	maxKVList   = 1000
	maxPostText = wire.MaxText
)

var errStopped = errors.New("server stopping")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", pluginhost.ErrRefused, fmt.Sprintf(format, args...))
}

// async runs f in a goroutine that shutdown waits for; a panic in it is
// logged, and ends only it.
func (h *Hub) async(f func()) {
	h.goroutines.Add(1)
	go func() {
		defer h.goroutines.Done()
		h.safely("in a background task", f)
	}()
}

// game routes JEU to the plugin serving the game (see callPlugin).
func (h *Hub) game(r *request, me *user) effect {
	s, c := r.s, r.cmd
	t := h.table.Load()
	if t != nil && t.RestartingGames[c.Name] {
		return h.fail(s, "JEU", c.Name+" is restarting: try again in a moment")
	}
	if t == nil || t.Games[c.Name] == nil {
		return h.fail(s, "JEU", "unknown game")
	}
	p, from := t.Games[c.Name], pluginUser(me)
	return h.callPlugin(r, func() []byte {
		return callFailure("JEU", p.HandleGame(h.ctx, from, c.Name, c.Text), c.Name+" is unavailable right now")
	})
}

// verb routes a verb the core does not know to the plugin that claimed it.
func (h *Hub) verb(r *request, me *user) effect {
	s, c := r.s, r.cmd
	t := h.table.Load()
	if t != nil && t.RestartingVerbs[c.Verb] {
		return h.fail(s, c.Verb, "restarting: try again in a moment")
	}
	if t == nil || t.Verbs[c.Verb] == nil {
		return h.fail(s, c.Verb, "unknown command")
	}
	p, from := t.Verbs[c.Verb], pluginUser(me)
	return h.callPlugin(r, func() []byte {
		return callFailure(c.Verb, p.HandleVerb(h.ctx, from, c.Verb, c.Text), "unavailable right now")
	})
}

// callFailure is the line that answers a failed plugin call, nil when err
// is nil: the plugin's own reason when it refused the line, unavailable
// otherwise (it crashed, hung or is restarting).
func callFailure(verb string, err error, unavailable string) []byte {
	if err == nil {
		return nil
	}
	if ref, ok := errors.AsType[*pluginhost.Refusal](err); ok {
		return wire.Err(verb, ref.Reason)
	}
	return wire.Err(verb, unavailable)
}

// notify sends an event to the plugins that asked for its kind.
func (h *Hub) notify(e pluginhost.Event) {
	if t := h.table.Load(); t != nil {
		for _, p := range t.Events[e.Kind] {
			p.Notify(e)
		}
	}
}

// botEvents returns what tells the plugins whose bots receive a message
// about it; byPlugin (the poster) is left out.
func (h *Hub) botEvents(author *user, to []int64, a wire.Addr, text, byPlugin string) func() {
	t := h.table.Load()
	if t == nil || len(t.Bots) == 0 {
		return func() {}
	}
	type target struct {
		p   *pluginhost.Plugin
		bot string
	}
	var targets []target
	for _, id := range to {
		if p := t.Bots[id]; p != nil && id != author.id && p.Name() != byPlugin {
			targets = append(targets, target{p, h.st.users[id].pseudo})
		}
	}
	if len(targets) == 0 {
		return func() {}
	}
	e := pluginhost.Event{Kind: "message", User: pluginUser(author), Conversation: pluginConversation(a), Text: text}
	if a.IsUser() {
		// Seen from the bot, a direct conversation is with the author.
		e.Conversation = pluginhost.Conversation{Peer: author.id}
	}
	return func() {
		for _, tg := range targets {
			ev := e
			ev.Bot = tg.bot
			tg.p.Notify(ev)
		}
	}
}

// TableChanged implements pluginhost.API: bots are online while their
// plugin runs.
func (h *Hub) TableChanged(t *pluginhost.Table) {
	h.table.Store(t)
	h.submit(&request{kind: reqPlugin, run: func() (effect, error) { return h.botPresence(t), nil }})
}

func (h *Hub) botPresence(t *pluginhost.Table) effect {
	var o outbox
	for _, u := range h.st.users {
		if !u.bot {
			continue
		}
		running := t.Bots[u.id] != nil
		switch {
		case running && u.logins == 0:
			u.logins = 1
			o.users(h.st.onlineOthers(h.st.canSee(u), u.id), wire.Add(true, u.id, u.pseudo))
		case !running && u.logins > 0:
			u.logins = 0
			o.users(h.st.onlineOthers(h.st.canSee(u), u.id), wire.Line("BYE", wire.User(u.id)))
		}
	}
	return effect{deliver: func() { o.deliver(h) }}
}

// call runs f in the loop on behalf of a plugin and waits until its change
// is committed and its lines delivered. A call either takes effect and
// reports it, or reports an error and does not: when ctx ends before the
// loop takes the call, the call is withdrawn; once the loop has taken it,
// call waits for its outcome (a commit's time) whatever ctx says.
func (h *Hub) call(ctx context.Context, f func() (effect, error)) error {
	done := make(chan error, 1)
	r := &request{kind: reqPlugin, run: f, done: done}
	if !h.submit(r) {
		return errStopped
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if r.claim.CompareAndSwap(callWaiting, callWithdrawn) {
			return ctx.Err()
		}
	case <-h.done:
		return errStopped
	}
	select {
	case err := <-done:
		return err
	case <-h.done:
		return errStopped
	}
}

// The states of a plugin's call, in request.claim.
const (
	callWaiting   = iota
	callTaken     // the loop runs it
	callWithdrawn // its caller gave up first
)

// Send implements pluginhost.API.
func (h *Hub) Send(ctx context.Context, plugin string, to pluginhost.Target, line string) error {
	bytes := []byte(line + "\r\n")
	return h.call(ctx, func() (effect, error) {
		var recipients []int64
		if to.Conversation == nil {
			if h.st.users[to.User] == nil {
				return effect{}, refused("no such user %d", to.User)
			}
			recipients = []int64{to.User}
		} else {
			a, ok := addrOf(*to.Conversation)
			if !ok {
				return effect{}, refused("invalid conversation")
			}
			if a.IsUser() {
				if h.st.users[a.UserTag()] == nil {
					return effect{}, refused("no such user %d", a.UserTag())
				}
				recipients = []int64{a.UserTag()}
			} else {
				_, ch := h.st.channelOf(a)
				if ch == nil {
					return effect{}, refused("no such channel %s", a)
				}
				recipients = ch.memberList()
			}
		}
		if err := h.pluginSpends(plugin, len(recipients)); err != nil {
			return effect{}, err
		}
		return effect{deliver: func() { h.sendFromPlugin(plugin, recipients, bytes) }}, nil
	})
}

// What a plugin sends is bounded twice, so that a game gone into a loop
// neither floods its players nor gets them disconnected: each plugin has
// an allowance of deliveries (a line to a channel of N members is N of
// them), past which its sends are refused (ErrRefused) and logged; and a
// plugin's line to a session whose queue is already half full is dropped
// (and counted in the log) rather than let the session overflow and be
// disconnected for lines it never asked for.

// pluginSpends takes n deliveries from plugin's allowance. Loop only.
func (h *Hub) pluginSpends(plugin string, n int) error {
	l := h.pluginRates[plugin]
	if l == nil {
		n := h.opts.PluginDeliveries
		l = rate.NewLimiter(rate.Limit(n), 2*n)
		h.pluginRates[plugin] = l
	}
	if l.AllowN(time.Now(), n) {
		return nil
	}
	h.pluginTrouble(plugin, "refused", "a plugin sends too fast: its lines are refused",
		"limit_per_second", h.opts.PluginDeliveries)
	return refused("sending too fast: at most %d deliveries a second", h.opts.PluginDeliveries)
}

// sendFromPlugin delivers a plugin's line, dropping it for sessions that
// are behind. Loop only.
func (h *Hub) sendFromPlugin(plugin string, uids []int64, line []byte) {
	for _, id := range uids {
		if u := h.st.users[id]; u != nil {
			for _, s := range u.sessions {
				if !s.pushSoft(line) {
					h.pluginTrouble(plugin, "dropped", "a plugin's lines are dropped for sessions that are behind")
				}
			}
		}
	}
}

// pluginTrouble counts an event of a plugin's and logs the count at most
// every ten seconds per plugin and kind. Loop only.
func (h *Hub) pluginTrouble(plugin, kind, msg string, args ...any) {
	k := plugin + " " + kind
	t := h.troubles[k]
	if t == nil {
		t = &trouble{}
		h.troubles[k] = t
	}
	t.count++
	if now := time.Now(); now.Sub(t.logged) >= 10*time.Second {
		h.log.Warn(msg, append([]any{"plugin", plugin, kind, t.count}, args...)...)
		t.logged, t.count = now, 0
	}
}

type trouble struct {
	count  int
	logged time.Time
}

// PostMessage implements pluginhost.API: the bot's message goes through the
// other plugins' hooks (run here, in the plugin's own call) and then is
// stored and delivered like any other.
func (h *Hub) PostMessage(ctx context.Context, plugin, bot string, conv pluginhost.Conversation, text string) error {
	a, ok := addrOf(conv)
	if !ok {
		return refused("invalid conversation")
	}
	if !validMessage(text) {
		return refused("a message is 1 to %d bytes of text", maxPostText)
	}
	botID, err := h.botTag(plugin, bot)
	if err != nil {
		return err
	}
	if hooks := h.hooksFor(a, plugin); len(hooks) > 0 {
		author := pluginhost.User{Tag: botID, Pseudo: bot, Online: true, Bot: true}
		v := runHooks(h, hooks, pluginhost.Message{Author: author, Conversation: conv, Text: text})
		switch v.Action {
		case pluginhost.Reject:
			return refused("%s", v.Reason)
		case pluginhost.Replace:
			text = v.Text
		}
	}
	return h.call(ctx, func() (effect, error) {
		u := h.st.users[botID]
		if u == nil {
			return effect{}, refused("no bot %s", bot)
		}
		to, why := h.checkPost(u, a)
		if why != "" {
			return effect{}, refused("%s", why)
		}
		if err := h.pluginSpends(plugin, len(to)); err != nil {
			return effect{}, err
		}
		e, _ := h.post(u, a, text, plugin, 0)
		return e, nil
	})
}

// botTag finds the tag of one of plugin's bots.
func (h *Hub) botTag(plugin, bot string) (int64, error) {
	var id int64
	err := h.call(context.Background(), func() (effect, error) {
		u := h.st.byPseudo[wire.FoldPseudo(bot)]
		if u == nil || !u.bot || u.botOwner != plugin {
			return effect{}, refused("%s is not a bot of %s", bot, plugin)
		}
		id = u.id
		return effect{}, nil
	})
	return id, err
}

// Members implements pluginhost.API.
func (h *Hub) Members(ctx context.Context, conv pluginhost.Conversation) ([]pluginhost.User, error) {
	var out []pluginhost.User
	err := h.call(ctx, func() (effect, error) {
		a, ok := addrOf(conv)
		if !ok || a.IsUser() {
			return effect{}, refused("members are asked of a channel")
		}
		_, ch := h.st.channelOf(a)
		if ch == nil {
			return effect{}, refused("no such channel %s", a)
		}
		for _, id := range ch.memberList() {
			out = append(out, pluginUser(h.st.users[id]))
		}
		return effect{}, nil
	})
	return out, err
}

// LookupUser implements pluginhost.API.
func (h *Hub) LookupUser(ctx context.Context, tag int64, pseudo string) (pluginhost.User, error) {
	var out pluginhost.User
	err := h.call(ctx, func() (effect, error) {
		u := h.st.users[tag]
		if tag == 0 {
			u = h.st.byPseudo[wire.FoldPseudo(pseudo)]
		}
		if u == nil {
			return effect{}, refused("no such user")
		}
		out = pluginUser(u)
		return effect{}, nil
	})
	return out, err
}

func checkKey(key string) error {
	if key == "" || len(key) > maxKVKey || !utf8.ValidString(key) {
		return refused("a key is 1 to %d bytes of UTF-8", maxKVKey)
	}
	return nil
}

// KVGet implements pluginhost.API. Reads go straight to the database: a
// write is acknowledged only once committed, so a read after it sees it.
func (h *Hub) KVGet(ctx context.Context, plugin, key string) ([]byte, bool, error) {
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	return h.store.KVGet(plugin, key)
}

// KVList implements pluginhost.API.
func (h *Hub) KVList(ctx context.Context, plugin, prefix string) ([]pluginhost.KV, error) {
	if len(prefix) > maxKVKey {
		return nil, refused("prefix too long")
	}
	es, err := h.store.KVList(plugin, prefix, maxKVList)
	out := make([]pluginhost.KV, len(es))
	for i, e := range es {
		out[i] = pluginhost.KV{Key: e.Key, Value: e.Value}
	}
	return out, err
}

// KVSet implements pluginhost.API.
func (h *Hub) KVSet(ctx context.Context, plugin, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if len(value) > maxKVValue {
		return refused("a value is at most %d bytes", maxKVValue)
	}
	return h.call(ctx, func() (effect, error) {
		return effect{change: func(tx *store.Tx) error { return tx.KVSet(plugin, key, value) }}, nil
	})
}

// KVDelete implements pluginhost.API.
func (h *Hub) KVDelete(ctx context.Context, plugin, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return h.call(ctx, func() (effect, error) {
		return effect{change: func(tx *store.Tx) error { return tx.KVDelete(plugin, key) }}, nil
	})
}

// KVCompareAndSwap implements pluginhost.API.
func (h *Hub) KVCompareAndSwap(ctx context.Context, plugin, key string, old []byte, oldFound bool, value []byte) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	if len(value) > maxKVValue {
		return false, refused("a value is at most %d bytes", maxKVValue)
	}
	var swapped bool
	err := h.call(ctx, func() (effect, error) {
		return effect{change: func(tx *store.Tx) error {
			return tx.KVCompareAndSwap(plugin, key, old, oldFound, value, &swapped)
		}}, nil
	})
	return swapped, err
}

// Wallet implements pluginhost.API.
func (h *Hub) Wallet(ctx context.Context, plugin string, op pluginhost.WalletOp) (pluginhost.WalletResult, error) {
	w := &store.WalletChange{User: op.User, To: op.To, Amount: op.Amount, Plugin: plugin,
		Reason: op.Reason, Once: op.Once, Initial: h.opts.InitialChips}
	switch op.Kind {
	case pluginhost.WalletBalance:
		w.Amount = 0
	case pluginhost.WalletCredit:
	case pluginhost.WalletDebitIfAtLeast:
		w.Debit = true
	case pluginhost.WalletTransfer:
		w.Transfer = true
	default:
		return pluginhost.WalletResult{}, refused("unknown wallet operation")
	}
	if op.Kind != pluginhost.WalletBalance && op.Amount <= 0 {
		return pluginhost.WalletResult{}, refused("an amount is positive")
	}
	if len(op.Reason) > 200 || !utf8.ValidString(op.Reason) || len(op.Once) > maxKVKey || !utf8.ValidString(op.Once) {
		return pluginhost.WalletResult{}, refused("a reason is at most 200 bytes of UTF-8, a once key %d", maxKVKey)
	}
	err := h.call(ctx, func() (effect, error) {
		if h.st.users[op.User] == nil || (w.Transfer && (h.st.users[op.To] == nil || op.To == op.User)) {
			return effect{}, refused("no such account")
		}
		return effect{change: func(tx *store.Tx) error { return tx.Wallet(w) }}, nil
	})
	return pluginhost.WalletResult{OK: w.OK, Balance: w.Balance}, err
}

// RegisterBots implements pluginhost.API.
func (h *Hub) RegisterBots(ctx context.Context, plugin string, pseudos []string) (map[string]int64, error) {
	tags := map[string]int64{}
	err := h.call(ctx, func() (effect, error) {
		var rows []store.User
		for _, p := range pseudos {
			if !wire.ValidName(p) {
				return effect{}, refused("invalid bot pseudo %q", p)
			}
			if u := h.st.byPseudo[wire.FoldPseudo(p)]; u != nil {
				if !u.bot || u.botOwner != plugin {
					return effect{}, refused("the pseudo %s is taken", p)
				}
				tags[p] = u.id
				continue
			}
			u := &user{id: h.st.nextUser, pseudo: p, bot: true, botOwner: plugin}
			h.st.nextUser++
			h.st.addUser(u)
			tags[p] = u.id
			rows = append(rows, store.User{ID: u.id, Pseudo: p, PseudoKey: wire.FoldPseudo(p), Bot: true, BotOwner: plugin})
		}
		return effect{change: func(tx *store.Tx) error {
			for _, r := range rows {
				if err := tx.CreateUser(r); err != nil {
					return err
				}
			}
			return nil
		}}, nil
	})
	return tags, err
}

// inviteBot: a bot accepts every invitation to a channel at once; its
// plugin hears of it with an "invited" event.
func (h *Hub) inviteBot(me, bot *user, place wire.Addr) effect {
	var o outbox
	o.user(me.id, wire.Add(bot.online(), bot.id, bot.pseudo))
	o.user(me.id, h.invitationLine("INV", &invitation{from: me.id, to: bot.id, place: place}, true))
	adds := h.admit(&o, bot, place)
	uid := bot.id
	e := pluginhost.Event{Kind: "invited", User: pluginUser(me), Conversation: pluginConversation(place), Bot: bot.pseudo}
	t := h.table.Load()
	return effect{
		change: func(tx *store.Tx) error {
			for _, p := range adds {
				if err := tx.AddMember(p.Server, p.Channel, uid); err != nil {
					return err
				}
			}
			return nil
		},
		deliver: func() {
			o.deliver(h)
			if t != nil && t.Bots[uid] != nil {
				t.Bots[uid].Notify(e)
			}
		},
	}
}

var _ pluginhost.API = (*Hub)(nil)
