package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/sdktest"
)

// parlor is a small plugin that uses every part of the host: a counter
// game kept in the KV store, a betting game on the wallet, a PAY verb, a
// hook, events and a bot.
type parlor struct {
	host sdk.Host
	cfg  struct {
		Stake int64  `hcl:"stake"`
		Hello string `hcl:"hello,optional"`
	}
}

func (p *parlor) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	p.host = host
	if err := cfg.Decode(&p.cfg); err != nil {
		return sdk.Manifest{}, err
	}
	if p.cfg.Stake <= 0 {
		return sdk.Manifest{}, cfg.Errorf("stake", "stake must be positive")
	}
	return sdk.Manifest{
		Games:               []string{"count", "bet"},
		Verbs:               []string{"PAY"},
		HookChannelMessages: true,
		Events:              []string{sdk.EventOnline, sdk.EventInvited, sdk.EventMessage},
		Bots:                []string{"croupier"},
	}, nil
}

func (p *parlor) HandleGame(ctx context.Context, call sdk.GameCall) error {
	switch call.Game {
	case "count":
		n, err := p.increment(ctx, "count/"+strconv.FormatInt(call.From.Tag, 10))
		if err != nil {
			return err
		}
		return p.host.SendGame(ctx, call.From.Tag, "count", strconv.Itoa(n))
	case "bet":
		switch call.Payload {
		case "raw":
			// Not a line this plugin may send.
			return p.host.SendToUser(ctx, call.From.Tag, "MSG 0 1 psst")
		case "crash":
			var m map[string]int
			m["x"]++
		case "table":
			c, err := sdk.ParseConversation("5 0")
			if err != nil {
				return err
			}
			return p.host.SendGameTo(ctx, c, "bet", call.From.Pseudo+" sits down")
		}
		ok, balance, err := p.host.Wallet().DebitIfAtLeast(ctx, call.From.Tag, p.cfg.Stake, "bet")
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("you need %d chips, you have %d", p.cfg.Stake, balance)
		}
		return p.host.SendGame(ctx, call.From.Tag, "bet", "placed "+strconv.FormatInt(balance, 10))
	}
	return nil
}

// increment adds one to a counter in the KV store, safely against
// concurrent calls.
func (p *parlor) increment(ctx context.Context, key string) (int, error) {
	kv := p.host.KV()
	for {
		old, found, err := kv.Get(ctx, key)
		if err != nil {
			return 0, err
		}
		n, _ := strconv.Atoi(string(old))
		n++
		ok, err := kv.CompareAndSwap(ctx, key, old, found, []byte(strconv.Itoa(n)))
		if err != nil {
			return 0, err
		}
		if ok {
			return n, nil
		}
	}
}

func (p *parlor) HandleVerb(ctx context.Context, call sdk.VerbCall) error {
	to, amount, _ := strings.Cut(call.Args, " ")
	payee, err := p.host.UserByPseudo(ctx, to)
	if errors.Is(err, sdk.ErrNotFound) {
		return sdk.Refuse("who is " + to + "?")
	} else if err != nil {
		return err
	}
	n, err := strconv.ParseInt(amount, 10, 64)
	if err != nil {
		return fmt.Errorf("PAY %q: %w", amount, sdk.Refuse("how much?\nsay PAY pseudo chips"))
	}
	ok, err := p.host.Wallet().Transfer(ctx, call.From.Tag, payee.Tag, n, "PAY")
	if err != nil {
		return err
	}
	if !ok {
		return sdk.Refuse("not enough chips")
	}
	return p.host.SendToUser(ctx, payee.Tag, "PAY "+call.From.Pseudo+" "+amount)
}

func (p *parlor) HookMessage(ctx context.Context, m sdk.Message) sdk.Verdict {
	switch {
	case m.Text == "slow":
		<-ctx.Done()
		return sdk.RejectMessage("too late")
	case m.Text == "bad":
		return sdk.ReplaceText("two\nlines")
	case strings.HasPrefix(m.Text, "!"):
		return sdk.RejectMessage("commands go to the croupier")
	}
	return sdk.AllowMessage()
}

func (p *parlor) HandleEvent(ctx context.Context, e sdk.Event) {
	switch e.Kind {
	case sdk.EventOnline:
		if p.cfg.Hello != "" {
			_, _ = p.host.Wallet().Credit(ctx, e.User.Tag, 1, "daily chip")
		}
	case sdk.EventInvited:
		_ = p.host.PostMessage(ctx, e.Bot, e.Conversation, "thanks for the invitation, "+e.User.Pseudo)
	case sdk.EventMessage:
		members, err := p.host.Members(ctx, e.Conversation)
		if err != nil {
			p.host.Log().Error("members", "error", err)
			return
		}
		_ = p.host.PostMessage(ctx, e.Bot, e.Conversation, fmt.Sprintf("%d at the table", len(members)))
	}
}

func newParlor(t *testing.T) *sdktest.Harness {
	h := sdktest.New(t, &parlor{}, "stake = 10\nhello = \"hi\"\n")
	h.AddUser(sdktest.User{Tag: 1, Pseudo: "alice", Online: true})
	h.AddUser(sdktest.User{Tag: 2, Pseudo: "bob"})
	return h
}

func TestConfig(t *testing.T) {
	if got := sdktest.ConfigError(t, &parlor{}, "stake = 0"); got != "salon.hcl:1:1: stake must be positive" {
		t.Errorf("ConfigError = %q", got)
	}
	if got := sdktest.ConfigError(t, &parlor{}, "hello = 1"); !strings.HasPrefix(got, "salon.hcl:1:1: Missing required argument") {
		t.Errorf("ConfigError = %q", got)
	}
	if got := sdktest.ConfigError(t, &parlor{}, "stake = 5\n\nodds = 2\n"); !strings.HasPrefix(got, "salon.hcl:3:1: Unsupported argument") {
		t.Errorf("ConfigError = %q", got)
	}
	m := newParlor(t).Manifest()
	if !slices.Equal(m.Games, []string{"count", "bet"}) || m.Bots[0] != "croupier" {
		t.Errorf("Manifest = %+v", m)
	}
}

func TestGameAndKV(t *testing.T) {
	h := newParlor(t)
	for range 3 {
		if err := h.Game(1, "count", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Game(2, "count", ""); err != nil {
		t.Fatal(err)
	}
	want := []sdktest.Line{
		{To: 1, Line: "JEU count 1", Recipients: []int64{1}},
		{To: 1, Line: "JEU count 2", Recipients: []int64{1}},
		{To: 1, Line: "JEU count 3", Recipients: []int64{1}},
		{To: 2, Line: "JEU count 1", Recipients: []int64{2}},
	}
	if got := h.TakeSent(); !equalLines(got, want) {
		t.Errorf("sent %+v", got)
	}
	if len(h.Sent()) != 0 {
		t.Error("TakeSent did not drain")
	}
	if kv := h.KV(); string(kv["count/1"]) != "3" || string(kv["count/2"]) != "1" {
		t.Errorf("KV = %q", kv)
	}
	// State left by an earlier run.
	h.SetKV("count/2", []byte("41"))
	_ = h.Game(2, "count", "")
	if got := h.LinesFor(2); !slices.Equal(got, []string{"JEU count 42"}) {
		t.Errorf("LinesFor(2) = %q", got)
	}
	if err := h.Game(1, "chess", "e4"); !errors.Is(err, sdk.ErrNotHandled) {
		t.Errorf("unknown game: %v", err)
	}
}

func TestKVConcurrent(t *testing.T) {
	h := newParlor(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := h.Game(1, "count", ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := string(h.KV()["count/1"]); got != "50" {
		t.Errorf("count = %s, want 50", got)
	}
}

func TestKVDirect(t *testing.T) {
	h := newParlor(t)
	ctx := context.Background()
	kv := h.Host().KV()
	_ = kv.Set(ctx, "a/2", []byte("two"))
	_ = kv.Set(ctx, "a/1", []byte("one"))
	_ = kv.Set(ctx, "b", []byte{})
	if v, found, err := kv.Get(ctx, "b"); err != nil || !found || v == nil || len(v) != 0 {
		t.Errorf("Get(b) = %q, %v, %v", v, found, err)
	}
	if _, found, _ := kv.Get(ctx, "c"); found {
		t.Error("Get(c) found")
	}
	es, _ := kv.List(ctx, "a/")
	if len(es) != 2 || es[0].Key != "a/1" || string(es[1].Value) != "two" {
		t.Errorf("List = %+v", es)
	}
	if ok, _ := kv.CompareAndSwap(ctx, "a/1", []byte("uno"), true, []byte("x")); ok {
		t.Error("swap with the wrong old value")
	}
	if ok, _ := kv.CompareAndSwap(ctx, "a/1", nil, false, []byte("x")); ok {
		t.Error("swap of a present key as absent")
	}
	if ok, _ := kv.CompareAndSwap(ctx, "a/1", []byte("one"), true, []byte("1")); !ok {
		t.Error("swap refused")
	}
	_ = kv.Delete(ctx, "a/2")
	if es, _ := kv.List(ctx, ""); len(es) != 2 || string(es[0].Value) != "1" {
		t.Errorf("List = %+v", es)
	}
	h.ExpectRefusals()
	if err := kv.Set(ctx, "", []byte("x")); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("empty key: %v", err)
	}
	if err := kv.Set(ctx, strings.Repeat("k", 257), []byte("x")); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("long key: %v", err)
	}
	if err := kv.Set(ctx, "big", make([]byte, 64<<10+1)); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("big value: %v", err)
	}
	if _, err := h.Host().Members(ctx, sdk.Direct(1)); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("members of a direct conversation: %v", err)
	}
}

func TestWallet(t *testing.T) {
	h := newParlor(t)
	h.SetBalance(1, 25)
	for _, want := range []string{"JEU bet placed 15", "JEU bet placed 5"} {
		if err := h.Game(1, "bet", ""); err != nil {
			t.Fatal(err)
		}
		if got := h.TakeSent(); len(got) != 1 || got[0].Line != want {
			t.Errorf("sent %+v, want %q", got, want)
		}
	}
	// Short: failed without change (a plain error, no refusal).
	if err := h.Game(1, "bet", ""); err == nil || err.Error() != "you need 10 chips, you have 5" {
		t.Errorf("short bet: %v", err)
	} else if reason, ok := sdktest.Refused(err); ok {
		t.Errorf("a plain error read as a refusal %q", reason)
	}
	if h.Balance(1) != 5 {
		t.Errorf("balance = %d", h.Balance(1))
	}

	// Transfers are all or nothing; the verb refuses what it cannot do.
	if err := h.Verb(1, "PAY", "bob 6"); err == nil {
		t.Error("overdraft transfer succeeded")
	} else if reason, ok := sdktest.Refused(err); !ok || reason != "not enough chips" {
		t.Errorf("overdraft: %v, want a refusal", err)
	}
	if h.Balance(1) != 5 || h.Balance(2) != 0 {
		t.Errorf("balances %d %d", h.Balance(1), h.Balance(2))
	}
	if err := h.Verb(1, "PAY", "Bob 5"); err != nil {
		t.Fatal(err)
	}
	if h.Balance(1) != 0 || h.Balance(2) != 5 {
		t.Errorf("balances %d %d", h.Balance(1), h.Balance(2))
	}
	if got := h.LinesFor(2); !slices.Equal(got, []string{"PAY alice 5"}) {
		t.Errorf("bob got %q", got)
	}
	if reason, ok := sdktest.Refused(h.Verb(1, "PAY", "carol 1")); !ok || reason != "who is carol?" {
		t.Errorf("unknown payee: %q, %v", reason, ok)
	}
	// Wrapped, with a reason made to fit on a line as salond gets it.
	if reason, ok := sdktest.Refused(h.Verb(1, "PAY", "bob many")); !ok || reason != "how much? say PAY pseudo chips" {
		t.Errorf("no amount: %q, %v", reason, ok)
	}
	if len(h.LinesFor(2)) != 1 {
		t.Errorf("refused payments sent lines: %q", h.LinesFor(2))
	}
	ledger := h.Ledger()
	if len(ledger) != 4 || ledger[3] != (sdktest.LedgerEntry{User: 2, Delta: 5, Balance: 5, Reason: "PAY"}) {
		t.Errorf("ledger %+v", ledger)
	}

	w := h.Host().Wallet()
	ctx := context.Background()
	h.ExpectRefusals()
	if _, err := w.Balance(ctx, 99); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := w.Credit(ctx, 1, 1, strings.Repeat("r", 201)); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("long reason: %v", err)
	}
	if _, err := w.Credit(ctx, 1, 0, "nothing"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("zero credit: %v", err)
	}
	if _, err := w.Transfer(ctx, 2, 2, 1, "self"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("self transfer: %v", err)
	}
}

func TestConversationSend(t *testing.T) {
	h := newParlor(t)
	h.AddMember(sdk.Channel(5, 2), 1, 2)
	h.AddMember(sdk.Channel(5, 0), 3)
	if err := h.Game(1, "bet", "table"); err != nil {
		t.Fatal(err)
	}
	got := h.TakeSent()
	if len(got) != 1 || got[0].Conversation != sdk.Channel(5, 0) || got[0].Line != "JEU bet alice sits down" ||
		!slices.Equal(got[0].Recipients, []int64{1, 2, 3}) {
		t.Errorf("sent %+v", got)
	}
}

func TestRefusals(t *testing.T) {
	// A line the plugin may not send fails the test ...
	rec := &recorder{T: t}
	h := sdktest.New(rec, &parlor{}, "stake = 1")
	if err := h.Game(1, "bet", "raw"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("raw line: %v", err)
	}
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], `"MSG"`) {
		t.Errorf("test failures %q", rec.errors)
	}

	// ... unless the test expects it.
	h = newParlor(t)
	h.ExpectRefusals()
	_ = h.Game(1, "bet", "raw")
	ctx := context.Background()
	for _, line := range []string{"", "JEU", "JEU dice 6", "JEUX count", "PAYS x", "JEU count\nMSG 0 1 x", "PAY " + strings.Repeat("x", 4096)} {
		if err := h.Host().SendToUser(ctx, 1, line); !errors.Is(err, sdk.ErrRefused) {
			t.Errorf("line %.20q: %v", line, err)
		}
	}
	for _, line := range []string{"JEU count", "JEU count 1 2", "PAY", "PAY x"} {
		if err := h.Host().SendToUser(ctx, 1, line); err != nil {
			t.Errorf("line %q refused: %v", line, err)
		}
	}
	if err := h.Host().SendToUser(ctx, 404, "PAY"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("unknown user: %v", err)
	}
	if err := h.Host().PostMessage(ctx, "alice", sdk.Direct(2), "hi"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("post as a person: %v", err)
	}
	if err := h.Host().PostMessage(ctx, "croupier", sdk.Channel(7, 0), "hi"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("post where the bot is not: %v", err)
	}
	if err := h.Host().PostMessage(ctx, "croupier", sdk.Direct(2), "hi"); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("direct post without a shared server: %v", err)
	}
	h.AddMember(sdk.Channel(9, 0), 2, h.Bot("croupier").Tag)
	if err := h.Host().PostMessage(ctx, "croupier", sdk.Direct(2), ""); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("empty post: %v", err)
	}
	if err := h.Host().PostMessage(ctx, "Croupier", sdk.Direct(2), "hi"); err != nil {
		t.Errorf("direct post: %v", err)
	}
	if n := len(h.Refusals()); n != 13 {
		t.Errorf("%d refusals", n)
	}
}

// recorder is a testing.TB that collects failures instead of failing.
type recorder struct {
	*testing.T
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestHooks(t *testing.T) {
	h := newParlor(t)
	h.Timeout = 50 * time.Millisecond
	for text, want := range map[string]sdk.Verdict{
		"hello": sdk.AllowMessage(),
		"!roll": sdk.RejectMessage("commands go to the croupier"),
		"slow":  sdk.AllowMessage(), // a hook that misses its deadline lets the message through
	} {
		if got := h.Hook(sdk.Message{Author: sdk.User{Tag: 1}, Conversation: sdk.Channel(5, 0), Text: text}); got != want {
			t.Errorf("Hook(%q) = %+v, want %+v", text, got, want)
		}
	}
	// Direct messages are not hooked: the plugin did not ask.
	if got := h.Hook(sdk.Message{Author: sdk.User{Tag: 1}, Conversation: sdk.Direct(2), Text: "!roll"}); got != sdk.AllowMessage() {
		t.Errorf("direct message hooked: %+v", got)
	}
	// A replacement that salond could not store fails the test.
	rec := &recorder{T: t}
	h = sdktest.New(rec, &parlor{}, "stake = 1")
	h.Hook(sdk.Message{Author: sdk.User{Tag: 1}, Conversation: sdk.Channel(5, 0), Text: "bad"})
	if len(rec.errors) != 1 {
		t.Errorf("failures %q", rec.errors)
	}
}

func TestEventsAndBots(t *testing.T) {
	h := newParlor(t)
	croupier := h.Bot("croupier")
	if !croupier.Bot || croupier.Tag == 0 {
		t.Fatalf("bot %+v", croupier)
	}

	// Online: the plugin gives a chip.
	if !h.Event(sdk.Event{Kind: sdk.EventOnline, User: sdk.User{Tag: 2}}) {
		t.Error("online not delivered")
	}
	if h.Balance(2) != 1 || !h.User(2).Online {
		t.Errorf("balance %d, %+v", h.Balance(2), h.User(2))
	}
	// Not asked for: not delivered, but applied.
	if h.Event(sdk.Event{Kind: sdk.EventJoined, User: sdk.User{Tag: 2}, Conversation: sdk.Channel(8, 1)}) {
		t.Error("joined delivered")
	}
	// Invited: the host makes the bot a member, and the bot can speak.
	h.Event(sdk.Event{Kind: sdk.EventInvited, User: sdk.User{Tag: 2}, Conversation: sdk.Channel(8, 1), Bot: "croupier"})
	if got := h.TakePosts(); len(got) != 1 || got[0] != (sdktest.Post{Bot: "croupier", Conversation: sdk.Channel(8, 1), Text: "thanks for the invitation, bob"}) {
		t.Errorf("posts %+v", got)
	}
	h.Event(sdk.Event{Kind: sdk.EventMessage, User: sdk.User{Tag: 2}, Conversation: sdk.Channel(8, 1), Text: "deal", Bot: "croupier"})
	if got := h.Posts(); len(got) != 1 || got[0].Text != "2 at the table" {
		t.Errorf("posts %+v", got)
	}
	h.Event(sdk.Event{Kind: sdk.EventLeft, User: sdk.User{Tag: 2}, Conversation: sdk.Channel(8, 0)})
	members, _ := h.Host().Members(context.Background(), sdk.Channel(8, 1))
	if len(members) != 1 || members[0].Pseudo != "croupier" {
		t.Errorf("members %+v", members)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	h := newParlor(t)
	if err := h.Game(1, "bet", "crash"); !errors.Is(err, sdk.ErrPanicked) {
		t.Errorf("err = %v", err)
	}
	logs := strings.Join(h.Logs(), "\n")
	if !strings.Contains(logs, "plugin panicked") || !strings.Contains(logs, "assignment to entry in nil map") {
		t.Errorf("logs:\n%s", logs)
	}
	// Still serving.
	if err := h.Game(1, "count", ""); err != nil {
		t.Error(err)
	}
}

func TestGameTimeout(t *testing.T) {
	h := sdktest.New(t, &sleeper{}, "")
	h.Timeout = 20 * time.Millisecond
	if err := h.Game(1, "nap", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

type sleeper struct{}

func (sleeper) Configure(sdk.Config, sdk.Host) (sdk.Manifest, error) {
	return sdk.Manifest{Games: []string{"nap"}}, nil
}

func (sleeper) HandleGame(ctx context.Context, _ sdk.GameCall) error {
	time.Sleep(200 * time.Millisecond) // ignores ctx, as a careless plugin would
	return nil
}

func equalLines(a, b []sdktest.Line) bool {
	return slices.EqualFunc(a, b, func(x, y sdktest.Line) bool {
		return x.To == y.To && x.Conversation == y.Conversation && x.Line == y.Line && slices.Equal(x.Recipients, y.Recipients)
	})
}

// The fake wallet applies a keyed operation once, as the real one does.
func TestWalletOnce(t *testing.T) {
	h := newParlor(t)
	h.SetBalance(1, 100)
	w, ctx := h.Host().Wallet(), context.Background()
	for range 2 {
		if ok, bal, err := w.DebitOnce(ctx, "bet-7", 1, 30, "stake"); !ok || bal != 70 || err != nil {
			t.Fatalf("DebitOnce = %v %d %v", ok, bal, err)
		}
	}
	for range 2 {
		if bal, err := w.CreditOnce(ctx, "settle-7", 1, 60, "payout"); bal != 130 || err != nil {
			t.Fatalf("CreditOnce = %d %v", bal, err)
		}
	}
	if ok, bal, _ := w.DebitOnce(ctx, "bet-8", 1, 500, "stake"); ok || bal != 130 {
		t.Fatalf("a short keyed debit went through: %v %d", ok, bal)
	}
	if ok, _, _ := w.DebitOnce(ctx, "bet-8", 1, 100, "stake"); !ok {
		t.Fatal("a failed keyed debit used up its key")
	}
}

// bouncer is a plugin with one bot and nothing else, for Kick and Ban.
type bouncer struct{}

func (bouncer) Configure(sdk.Config, sdk.Host) (sdk.Manifest, error) {
	return sdk.Manifest{Bots: []string{"bouncer"}}, nil
}

// TestKickBan: the fake host lets a bot kick and ban only where it
// moderates, as salond does, and applies what it allows.
func TestKickBan(t *testing.T) {
	h := sdktest.New(t, bouncer{}, "")
	ctx := context.Background()
	bot := h.Bot("bouncer").Tag
	games, club := sdk.Channel(1, 2), sdk.Channel(1, 0)
	h.AddMember(games, 5, 6, bot)
	h.ExpectRefusals()

	if err := h.Host().Kick(ctx, "bouncer", games, 5, "no"); !errors.Is(err, sdk.ErrRefused) {
		t.Fatalf("a kick by a bot that moderates nothing: %v, want ErrRefused", err)
	}
	h.MakeModerator(games, bot)
	if err := h.Host().Ban(ctx, "bouncer", 1, 6, "no"); !errors.Is(err, sdk.ErrRefused) {
		t.Fatalf("a ban by a channel moderator: %v, want ErrRefused", err)
	}
	if err := h.Host().Kick(ctx, "bouncer", club, 5, "no"); !errors.Is(err, sdk.ErrRefused) {
		t.Fatalf("a kick from the server by a channel moderator: %v, want ErrRefused", err)
	}
	if err := h.Host().Kick(ctx, "nobody", games, 5, "no"); !errors.Is(err, sdk.ErrRefused) {
		t.Fatalf("a kick as another plugin's bot: %v, want ErrRefused", err)
	}
	if err := h.Host().Kick(ctx, "bouncer", games, 5, "loud"); err != nil {
		t.Fatalf("a kick by a channel moderator from its channel: %v", err)
	}
	h.MakeModerator(club, bot)
	if err := h.Host().Ban(ctx, "bouncer", 1, 6, "spam"); err != nil {
		t.Fatalf("a ban by a server moderator: %v", err)
	}
	members, _ := h.Host().Members(ctx, club)
	if len(members) != 2 { // 5 (kicked from games only) and the bot
		t.Errorf("club members after the kick and the ban: %+v", members)
	}
	want := []sdktest.Moderation{
		{Bot: "bouncer", Place: games, User: 5, Reason: "loud"},
		{Ban: true, Bot: "bouncer", Place: club, User: 6, Reason: "spam"},
	}
	if got := h.Moderations(); !slices.Equal(got, want) {
		t.Errorf("Moderations() = %+v, want %+v", got, want)
	}
	if n := len(h.Refusals()); n != 4 {
		t.Errorf("%d refusals recorded, want 4: %v", n, h.Refusals())
	}
}
