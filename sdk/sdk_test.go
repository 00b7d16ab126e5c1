package sdk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestConversation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Conversation
	}{
		{"3 0", Channel(3, 0)},
		{"3 7", Channel(3, 7)},
		{"0 12", Direct(12)},
		{"9223372036854775807 1", Channel(9223372036854775807, 1)},
	} {
		got, err := ParseConversation(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseConversation(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if s := got.String(); s != tc.in {
			t.Errorf("%+v.String() = %q, want %q", got, s, tc.in)
		}
		if !got.Valid() {
			t.Errorf("%+v is not Valid", got)
		}
	}
	for _, bad := range []string{"", "0 0", "1", "1  2", " 1 2", "1 2 ", "01 2", "1 -2", "+1 2", "a b", "1 2 3", "9223372036854775808 1"} {
		if c, err := ParseConversation(bad); err == nil {
			t.Errorf("ParseConversation(%q) = %+v, want an error", bad, c)
		}
	}
	if !Direct(4).IsDirect() || Channel(4, 0).IsDirect() {
		t.Error("IsDirect is wrong")
	}
	for _, c := range []Conversation{{}, {Server: -1}, {Peer: -2}, {Server: 1, Peer: 2}, {Channel: 3}} {
		if c.Valid() {
			t.Errorf("%+v is Valid", c)
		}
	}
}

func TestVerdictHelpers(t *testing.T) {
	if v := AllowMessage(); v.Action != Allow {
		t.Errorf("AllowMessage() = %+v", v)
	}
	if v := RejectMessage("no"); v.Action != Reject || v.Reason != "no" {
		t.Errorf("RejectMessage = %+v", v)
	}
	if v := ReplaceText("x"); v.Action != Replace || v.Text != "x" {
		t.Errorf("ReplaceText = %+v", v)
	}
	if GameLine("coin", "") != "JEU coin" || GameLine("coin", "a b") != "JEU coin a b" {
		t.Error("GameLine is wrong")
	}
}

// stubHost records what it is asked to send and refuses nothing.
type stubHost struct {
	mu    sync.Mutex
	lines []string
	log   hclog.Logger
}

func (h *stubHost) SendToUser(_ context.Context, _ int64, line string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, line)
	return nil
}
func (h *stubHost) SendToConversation(ctx context.Context, _ Conversation, line string) error {
	return h.SendToUser(ctx, 0, line)
}
func (h *stubHost) SendGame(ctx context.Context, u int64, g, p string) error {
	return h.SendToUser(ctx, u, GameLine(g, p))
}
func (h *stubHost) SendGameTo(ctx context.Context, c Conversation, g, p string) error {
	return h.SendToConversation(ctx, c, GameLine(g, p))
}
func (h *stubHost) PostMessage(context.Context, string, Conversation, string) error { return nil }
func (h *stubHost) Kick(context.Context, string, Conversation, int64, string) error { return nil }
func (h *stubHost) Ban(context.Context, string, int64, int64, string) error         { return nil }
func (h *stubHost) Members(context.Context, Conversation) ([]User, error)           { return nil, nil }
func (h *stubHost) User(context.Context, int64) (User, error)                       { return User{}, ErrNotFound }
func (h *stubHost) UserByPseudo(context.Context, string) (User, error)              { return User{}, ErrNotFound }
func (h *stubHost) KV() KV                                                          { return nil }
func (h *stubHost) Wallet() Wallet                                                  { return nil }
func (h *stubHost) Log() hclog.Logger                                               { return h.log }

func newEcho(t *testing.T, body string) (*Instance, *echo, *stubHost) {
	t.Helper()
	p, h := &echo{}, &stubHost{log: hclog.NewNullLogger()}
	inst, err := NewInstance(p, h, Source{Name: "echo", Filename: "salon.hcl", Body: []byte(body), Start: hcl.Pos{Line: 10, Column: 11, Byte: 200}})
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	return inst, p, h
}

func TestConfigDecode(t *testing.T) {
	inst, p, _ := newEcho(t, "\n    prefix = \"> \"\n    times = 2\n  ")
	if p.cfg.Prefix != "> " || p.cfg.Times != 2 {
		t.Errorf("decoded %+v", p.cfg)
	}
	if inst.Name() != "echo" {
		t.Errorf("Name() = %q", inst.Name())
	}
	m := inst.Manifest()
	if len(m.Games) != 1 || m.Games[0] != "echo" || m.Bots[0] != "echobot" {
		t.Errorf("Manifest() = %+v", m)
	}
	m.Games[0] = "changed"
	if inst.Manifest().Games[0] != "echo" {
		t.Error("Manifest() shares its slices")
	}
}

// The body starts at salon.hcl line 10, column 11 (right after "config {").
func TestConfigErrors(t *testing.T) {
	src := func(body string) Source {
		return Source{Name: "echo", Filename: "salon.hcl", Body: []byte(body), Start: hcl.Pos{Line: 10, Column: 11, Byte: 200}}
	}
	for _, tc := range []struct {
		name, body, want string
	}{
		{"unknown setting", "\n    colour = 1\n", "salon.hcl:11:5: Unsupported argument; An argument named \"colour\" is not expected here."},
		{"wrong type", " times = \"lots\" ", "salon.hcl:10:21: Unsuitable value type; Unsuitable value: a number is required"},
		{"syntax", "\n  times = = 2\n", "salon.hcl:11:11: Invalid expression; Expected the start of an expression, but found an invalid expression token."},
		{"Errorf", "\n\n  times = 7\n", "salon.hcl:12:3: times must be 1 to 3, not 7"},
		{"variables", "\n  prefix = var.x\n", "salon.hcl:11:12: Variables not allowed; Variables may not be used here."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewInstance(&echo{}, &stubHost{log: hclog.NewNullLogger()}, src(tc.body))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *ConfigError", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("err =\n%s\nwant\n%s", err, tc.want)
			}
		})
	}

	// Several problems come in file order, one per line.
	_, err := NewInstance(&echo{}, nil, src("\n  b = 1\n  a = 2\n"))
	if got := strings.Split(err.Error(), "\n"); len(got) != 2 || !strings.HasPrefix(got[0], "salon.hcl:11:3:") || !strings.HasPrefix(got[1], "salon.hcl:12:3:") {
		t.Errorf("err =\n%s", err)
	}
}

type plain struct {
	m   Manifest
	err error
	cfg Config
}

func (p *plain) Configure(cfg Config, _ Host) (Manifest, error) { p.cfg = cfg; return p.m, p.err }

type gamer struct{ plain }

func (gamer) HandleGame(context.Context, GameCall) error { return nil }

type verber struct{ plain }

func (verber) HandleVerb(context.Context, VerbCall) error { return nil }

func TestConfigPlainErrorsArePositioned(t *testing.T) {
	p := &plain{err: errors.New("no luck\ntoday")}
	_, err := NewInstance(p, nil, Source{Name: "x", Filename: "a.hcl", Start: hcl.Pos{Line: 4, Column: 12, Byte: 40}})
	if err == nil || err.Error() != "a.hcl:4:12: no luck today" {
		t.Errorf("err = %v", err)
	}
	// Without a config block the position is unknown.
	_, err = NewInstance(p, nil, Source{Name: "x", Filename: "a.hcl"})
	if err == nil || err.Error() != "a.hcl: no luck today" {
		t.Errorf("err = %v", err)
	}
	if !p.cfg.Empty() || p.cfg.Name() != "x" {
		t.Errorf("Empty() = %v, Name() = %q", p.cfg.Empty(), p.cfg.Name())
	}
	if err := p.cfg.Decode(struct{}{}); err == nil {
		t.Error("Decode into a non-pointer succeeded")
	}
}

func TestConfigErrorfNested(t *testing.T) {
	p := &plain{}
	_, err := NewInstance(p, nil, Source{Name: "x", Filename: "a.hcl", Body: []byte("\n  limits {\n    max = 3\n  }\n"), Start: hcl.Pos{Line: 1, Column: 9}})
	if err != nil {
		t.Fatal(err)
	}
	if p.cfg.Empty() {
		t.Error("Empty() on a body with a block")
	}
	for attr, want := range map[string]string{
		"limits.max": "a.hcl:3:5: bad",
		"limits":     "a.hcl:2:3: bad",
		"missing":    "a.hcl:1:9: bad",
		"":           "a.hcl:1:9: bad",
	} {
		if got := p.cfg.Errorf(attr, "bad").Error(); got != want {
			t.Errorf("Errorf(%q) = %q, want %q", attr, got, want)
		}
	}
}

func TestManifestChecks(t *testing.T) {
	for _, tc := range []struct {
		p    Plugin
		want string
	}{
		{&gamer{plain{m: Manifest{Games: []string{""}}}}, "game id"},
		{&gamer{plain{m: Manifest{Games: []string{"two words"}}}}, "game id"},
		{&gamer{plain{m: Manifest{Games: []string{"a", "a"}}}}, "twice"},
		{&verber{plain{m: Manifest{Verbs: []string{"MSG"}}}}, "belongs to the protocol"},
		{&verber{plain{m: Manifest{Verbs: []string{"FILESENT"}}}}, "belongs to the protocol"},
		{&verber{plain{m: Manifest{Verbs: []string{"Roll"}}}}, "upper case"},
		{&verber{plain{m: Manifest{Verbs: []string{"ROLL2"}}}}, "upper case"},
		{&plain{m: Manifest{Bots: []string{"Bob", "bob"}}}, "twice"},
		{&plain{m: Manifest{Bots: []string{"a bot"}}}, "bot pseudo"},
		{&plain{m: Manifest{Bots: []string{strings.Repeat("b", 33)}}}, "bot pseudo"},
		{&plain{m: Manifest{Events: []string{"typing"}}}, "unknown event"},
		{&plain{m: Manifest{Games: []string{"x"}}}, "no HandleGame"},
		{&plain{m: Manifest{Verbs: []string{"X"}}}, "no HandleVerb"},
		{&plain{m: Manifest{HookDirectMessages: true}}, "no HookMessage"},
		{&plain{m: Manifest{Events: []string{EventOnline}}}, "no HandleEvent"},
	} {
		_, err := NewInstance(tc.p, nil, Source{Name: "bad", Filename: "s.hcl", Start: hcl.Pos{Line: 3, Column: 5}})
		if err == nil || !strings.HasPrefix(err.Error(), "s.hcl:3:5: manifest: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want one about %q", tc.p, err, tc.want)
		}
	}
	if _, err := NewInstance(&verber{plain{m: Manifest{Verbs: []string{"ROLL", "DICE"}}}}, nil, Source{}); err != nil {
		t.Errorf("good verbs refused: %v", err)
	}
}

func TestConfigurePanic(t *testing.T) {
	p := &panicky{}
	_, err := NewInstance(p, nil, Source{Name: "p", Filename: "s.hcl", Start: hcl.Pos{Line: 2, Column: 3}})
	if err == nil || !strings.Contains(err.Error(), "s.hcl:2:3: plugin panicked in Configure: oops") {
		t.Errorf("err = %v", err)
	}
}

type panicky struct{}

func (panicky) Configure(Config, Host) (Manifest, error) { panic("oops") }

func TestInstanceCalls(t *testing.T) {
	inst, p, h := newEcho(t, "times = 2")
	ctx := context.Background()

	if err := inst.HandleGame(ctx, GameCall{From: User{Tag: 1}, Game: "echo", Payload: "hi"}); err != nil {
		t.Fatal(err)
	}
	if len(h.lines) != 2 || h.lines[0] != "JEU echo hi" {
		t.Errorf("sent %q", h.lines)
	}
	if err := inst.HandleGame(ctx, GameCall{Game: "echo"}); err == nil || err.Error() != "say something" {
		t.Errorf("empty payload: %v", err)
	}
	if err := inst.HandleGame(ctx, GameCall{Game: "chess", Payload: "e4"}); !errors.Is(err, ErrNotHandled) {
		t.Errorf("unknown game: %v", err)
	}
	if err := inst.HandleGame(ctx, GameCall{Game: "echo", Payload: "panic"}); !errors.Is(err, ErrPanicked) {
		t.Errorf("panic: %v", err)
	}
	if err := inst.HandleVerb(ctx, VerbCall{From: User{Pseudo: "al"}, Verb: "ECHO", Args: "1 0"}); err != nil {
		t.Errorf("verb: %v", err)
	}
	if err := inst.HandleVerb(ctx, VerbCall{Verb: "ECHO", Args: "nowhere"}); err == nil {
		t.Error("verb with a bad address succeeded")
	}
	var r *Refusal
	if err := inst.HandleVerb(ctx, VerbCall{From: User{Tag: 1}, Verb: "ECHO"}); !errors.As(err, &r) || r.Reason != "say where:\nS C or 0 U" {
		t.Errorf("verb without arguments: %v, want a wrapped Refusal", err)
	}
	if last := h.lines[len(h.lines)-1]; last != "ECHO where?" {
		t.Errorf("the line sent before the refusal: %q", last)
	}
	if err := inst.HandleVerb(ctx, VerbCall{Verb: "ROLL"}); !errors.Is(err, ErrNotHandled) {
		t.Errorf("unclaimed verb: %v", err)
	}

	for text, want := range map[string]Verdict{
		"hello":      AllowMessage(),
		"buy spam":   RejectMessage("no spam here"),
		"darn it":    ReplaceText("d*rn it"),
		"boom":       AllowMessage(), // a panicking hook lets messages through
		"spam\nspam": RejectMessage("no spam here"),
	} {
		if got := inst.HookMessage(ctx, Message{Conversation: Channel(1, 0), Text: text}); got != want {
			t.Errorf("HookMessage(%q) = %+v, want %+v", text, got, want)
		}
	}

	inst.HandleEvent(ctx, Event{Kind: EventJoined, User: User{Tag: 5}})
	if len(p.events) != 1 || p.events[0].User.Tag != 5 {
		t.Errorf("events %+v", p.events)
	}
}

// A plugin with no optional methods: hooks allow, events are ignored, games
// are not handled.
func TestInstanceWithoutHandlers(t *testing.T) {
	inst, err := NewInstance(&plain{}, nil, Source{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if v := inst.HookMessage(ctx, Message{Text: "x"}); v != AllowMessage() {
		t.Errorf("HookMessage = %+v", v)
	}
	inst.HandleEvent(ctx, Event{Kind: EventOnline})
	if err := inst.HandleGame(ctx, GameCall{Game: "x"}); !errors.Is(err, ErrNotHandled) {
		t.Errorf("HandleGame = %v", err)
	}
}

type oddHook struct{ plain }

func (oddHook) HookMessage(_ context.Context, m Message) Verdict {
	if m.Text == "odd" {
		return Verdict{Action: 42}
	}
	if m.Text == "long" {
		return RejectMessage(strings.Repeat("é", 150) + "\x00")
	}
	return Verdict{Action: Reject}
}

func TestHookVerdictsAreNormalized(t *testing.T) {
	inst, err := NewInstance(&oddHook{plain{m: Manifest{HookChannelMessages: true}}}, nil, Source{})
	if err != nil {
		t.Fatal(err)
	}
	if v := inst.HookMessage(context.Background(), Message{Text: "odd"}); v != AllowMessage() {
		t.Errorf("unknown action gave %+v", v)
	}
	if v := inst.HookMessage(context.Background(), Message{Text: "x"}); v != RejectMessage("message rejected") {
		t.Errorf("reject without reason gave %+v", v)
	}
	if v := inst.HookMessage(context.Background(), Message{Text: "long"}); v != RejectMessage(strings.Repeat("é", 100)) {
		t.Errorf("long reason gave %+v", v)
	}
}

// What a handler refuses with reaches salond as a reason it accepts.
func TestRefusalReasons(t *testing.T) {
	var nilRefusal *Refusal
	for _, tc := range []struct {
		err  error
		want string
	}{
		{Refuse("nothing to roll: try 2d6+1"), "nothing to roll: try 2d6+1"},
		{fmt.Errorf("roll %q: %w", "x", Refuse("not a number")), "not a number"},
		{Refuse("two\nlines\x00"), "two lines"},
		{Refuse("  "), "request refused"},
		{Refuse(""), "request refused"},
		{Refuse(strings.Repeat("é", 150)), strings.Repeat("é", 100)},
		{Refuse("bad \xff byte"), "bad \uFFFD byte"},
		{nilRefusal, "request refused"},
	} {
		got, ok := refusalOf(tc.err)
		if !ok || got != tc.want {
			t.Errorf("refusalOf(%#v) = %q, %v; want %q", tc.err, got, ok, tc.want)
		}
	}
	for _, err := range []error{nil, errors.New("database down"), ErrNotHandled} {
		if got, ok := refusalOf(err); ok {
			t.Errorf("refusalOf(%v) = %q, want no refusal", err, got)
		}
	}
	if err := Refuse("no"); err.Error() != "refused: no" {
		t.Errorf("Error() = %q", err)
	}
}

func TestHandlerStatus(t *testing.T) {
	hostRefusal := hostErr("Send", status.Error(codes.PermissionDenied, "not your game"))
	for _, tc := range []struct {
		err  error
		want codes.Code
	}{
		{nil, codes.OK},
		{errors.New("bad move"), codes.InvalidArgument},
		{ErrNotHandled, codes.Unimplemented},
		{errors.Join(ErrPanicked), codes.Internal},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{context.Canceled, codes.Canceled},
		{hostRefusal, codes.Internal},
	} {
		if got := status.Code(handlerStatus(tc.err)); got != tc.want {
			t.Errorf("handlerStatus(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestHostErr(t *testing.T) {
	for _, tc := range []struct {
		code codes.Code
		want error
	}{
		{codes.NotFound, ErrNotFound},
		{codes.PermissionDenied, ErrRefused},
		{codes.InvalidArgument, ErrRefused},
		{codes.ResourceExhausted, ErrRefused},
		{codes.DeadlineExceeded, context.DeadlineExceeded},
		{codes.Canceled, context.Canceled},
	} {
		err := hostErr("X", status.Error(tc.code, "why"))
		if !errors.Is(err, tc.want) {
			t.Errorf("%v: %v is not %v", tc.code, err, tc.want)
		}
		if status.Code(err) != tc.code {
			t.Errorf("%v: status lost: %v", tc.code, status.Code(err))
		}
	}
	err := hostErr("KVGet", status.Error(codes.Unavailable, "database is down"))
	if errors.Is(err, ErrRefused) || err.Error() != "salon host: KVGet: Unavailable: database is down" {
		t.Errorf("unavailable: %v", err)
	}
	if hostErr("X", nil) != nil {
		t.Error("hostErr(nil) != nil")
	}
}
