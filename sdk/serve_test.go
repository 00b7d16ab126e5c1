package sdk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/sdk/pluginpb"
)

// fakeHostServer is the Host service as salond would serve it, reduced to
// what the round trip needs.
type fakeHostServer struct {
	pluginpb.UnimplementedHostServer
	mu    sync.Mutex
	sends []*pluginpb.SendRequest
	posts []*pluginpb.PostRequest
	kv    map[string][]byte
}

func (f *fakeHostServer) Send(_ context.Context, r *pluginpb.SendRequest) (*pluginpb.Empty, error) {
	if !strings.HasPrefix(r.Line, "JEU echo ") && !strings.HasPrefix(r.Line, "JEU coin ") && !strings.HasPrefix(r.Line, "ECHO ") {
		return nil, status.Errorf(codes.PermissionDenied, "line %q is not the plugin's", r.Line)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends = append(f.sends, r)
	return &pluginpb.Empty{}, nil
}

func (f *fakeHostServer) PostMessage(_ context.Context, r *pluginpb.PostRequest) (*pluginpb.Empty, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = append(f.posts, r)
	return &pluginpb.Empty{}, nil
}

func (f *fakeHostServer) LookupUser(_ context.Context, r *pluginpb.LookupRequest) (*pluginpb.User, error) {
	if r.Tag == 1 || r.Pseudo == "alice" {
		return &pluginpb.User{Tag: 1, Pseudo: "alice", Online: true}, nil
	}
	return nil, status.Error(codes.NotFound, "no such user")
}

func (f *fakeHostServer) KVGet(_ context.Context, r *pluginpb.KVKey) (*pluginpb.KVValue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.kv[r.Key]
	return &pluginpb.KVValue{Value: v, Found: ok}, nil
}

func (f *fakeHostServer) KVCompareAndSwap(_ context.Context, r *pluginpb.KVSwap) (*pluginpb.KVSwapResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.kv[r.Key]
	if ok != r.OldFound || !bytes.Equal(v, r.Old) {
		return &pluginpb.KVSwapResult{}, nil
	}
	if f.kv == nil {
		f.kv = map[string][]byte{}
	}
	f.kv[r.Key] = r.New
	return &pluginpb.KVSwapResult{Swapped: true}, nil
}

func (f *fakeHostServer) snapshot() ([]*pluginpb.SendRequest, []*pluginpb.PostRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*pluginpb.SendRequest(nil), f.sends...), append([]*pluginpb.PostRequest(nil), f.posts...)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servePlugin runs p with go-plugin's Serve in test mode, attaches a
// go-plugin client to it as salond would, and returns the dispensed
// client and the plugin's JSON log.
func servePlugin(t *testing.T, p Plugin) (*PluginClient, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Output: logs, JSONFormat: true, Level: hclog.Debug})

	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go serve(p, logger, &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed})

	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(10 * time.Second):
		t.Fatal("plugin did not start")
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          plugin.PluginSet{PluginName: &GRPCPlugin{}},
		Reattach:         rc,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: io.Discard}),
	})
	t.Cleanup(func() {
		client.Kill()
		cancel()
		<-closed
	})
	proto, err := client.Client()
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	raw, err := proto.Dispense(PluginName)
	if err != nil {
		t.Fatalf("dispense: %v", err)
	}
	pc, ok := raw.(*PluginClient)
	if !ok {
		t.Fatalf("dispensed %T", raw)
	}
	return pc, logs
}

// serveHost serves host on the broker, the way salond does before
// Configure, and returns the broker id.
func serveHost(pc *PluginClient, host pluginpb.HostServer) uint32 {
	id := pc.Broker.NextId()
	go pc.Broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		pluginpb.RegisterHostServer(s, host)
		return s
	})
	return id
}

// configureRequest builds the request salond sends for the first plugin
// block of a configuration file: the config block's body text and where it
// starts, found from the block's braces.
func configureRequest(t *testing.T, filename, src string, brokerID uint32) *pluginpb.ConfigureRequest {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), filename, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	block := f.Body.(*hclsyntax.Body).Blocks[0]
	req := &pluginpb.ConfigureRequest{Filename: filename, Name: block.Labels[0], HostBrokerId: brokerID}
	for _, b := range block.Body.Blocks {
		if b.Type != "config" {
			continue
		}
		// A body's SrcRange runs from its "{" to its "}" included: the text
		// lies in between, and starts one byte and one column after "{".
		r := b.Body.SrcRange
		open := r.Start
		req.Body = []byte(src[r.Start.Byte+1 : r.End.Byte-1])
		req.Line, req.Column, req.ByteOffset = int64(open.Line), int64(open.Column+1), int64(open.Byte+1)
	}
	return req
}

const roundTripConfig = `listen = "127.0.0.1:7777"

plugin "echo" {
  command = "./echo"
  config {
    prefix = "> "
  }
}
`

func TestRoundTrip(t *testing.T) {
	pc, logs := servePlugin(t, &echo{})
	host := &fakeHostServer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Handlers before Configure are refused.
	if _, err := pc.HandleGame(ctx, &pluginpb.GameRequest{Game: "echo", Payload: "x"}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("HandleGame before Configure: %v", err)
	}

	resp, err := pc.Configure(ctx, configureRequest(t, "salon.hcl", roundTripConfig, serveHost(pc, host)))
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if resp.Error != "" || len(resp.Games) != 1 || resp.Games[0] != "echo" || resp.Verbs[0] != "ECHO" ||
		!resp.HookChannelMessages || resp.HookDirectMessages || len(resp.Events) != 2 || resp.Bots[0] != "echobot" {
		t.Fatalf("Configure = %+v", resp)
	}

	// A JEU line goes to the plugin, whose answer (sent with the handler's
	// context) rides back with the call's result.
	from := &pluginpb.User{Tag: 7, Pseudo: "bob", Online: true}
	r, err := pc.HandleGame(ctx, &pluginpb.GameRequest{From: from, Game: "echo", Payload: "hello there"})
	if err != nil {
		t.Fatalf("HandleGame: %v", err)
	}
	sends := r.GetSends()
	if len(sends) != 1 || sends[0].User != 7 || sends[0].Line != "JEU echo > hello there" || sends[0].Conversation != nil {
		t.Errorf("sends = %v", sends)
	}

	// The plugin's own error is for the user; a panic is internal and the
	// plugin keeps serving.
	_, err = pc.HandleGame(ctx, &pluginpb.GameRequest{From: from, Game: "echo"})
	if st, _ := status.FromError(err); st.Code() != codes.InvalidArgument || st.Message() != "say something" {
		t.Errorf("empty payload: %v", err)
	}
	if _, err := pc.HandleGame(ctx, &pluginpb.GameRequest{From: from, Game: "echo", Payload: "panic"}); status.Code(err) != codes.Internal {
		t.Errorf("panic: %v", err)
	}
	if !strings.Contains(logs.String(), `"@message":"plugin panicked"`) {
		t.Errorf("the panic was not logged as JSON:\n%s", logs)
	}
	if _, err := pc.HandleGame(ctx, &pluginpb.GameRequest{Game: "chess"}); status.Code(err) != codes.Unimplemented {
		t.Errorf("unknown game: %v", err)
	}

	// The host's deadline reaches the handler.
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = pc.HandleGame(short, &pluginpb.GameRequest{From: from, Game: "echo", Payload: "wait"})
	cancelShort()
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("wait: %v", err)
	}

	// A verb, sent to a channel.
	verb := func(args string) *pluginpb.SendRequest {
		t.Helper()
		r, err := pc.HandleVerb(ctx, &pluginpb.VerbRequest{From: from, Verb: "ECHO", Args: args})
		if err != nil || len(r.GetSends()) != 1 {
			t.Fatalf("HandleVerb(%q) = %v, %v", args, r, err)
		}
		return r.GetSends()[0]
	}
	if last := verb("3 4"); last.Line != "ECHO bob" || last.Conversation.GetServer() != 3 || last.Conversation.GetChannel() != 4 {
		t.Errorf("verb sent %v", last)
	}
	// To a direct conversation: a send to the peer.
	if last := verb("0 9"); last.User != 9 || last.Conversation != nil {
		t.Errorf("verb sent %v", last)
	}
	// A refusal is an answer, with its reason made to fit on a line and
	// the lines sent before it.
	r, err = pc.HandleVerb(ctx, &pluginpb.VerbRequest{From: from, Verb: "ECHO"})
	if err != nil || r.GetRefusal() != "say where: S C or 0 U" || len(r.GetSends()) != 1 || r.GetSends()[0].Line != "ECHO where?" {
		t.Errorf("HandleVerb without arguments = %v, %v; want a refusal", r, err)
	}
	if strings.Contains(logs.String(), "HandleVerb failed") || !strings.Contains(logs.String(), `"@message":"HandleVerb refused"`) {
		t.Errorf("a refusal is logged at debug level, not as a failure:\n%s", logs)
	}

	// Hooks.
	for text, want := range map[string]*pluginpb.HookResponse{
		"fine":      {Action: pluginpb.HookResponse_ALLOW},
		"more spam": {Action: pluginpb.HookResponse_REJECT, Reason: "no spam here"},
		"darn":      {Action: pluginpb.HookResponse_REPLACE, Text: "d*rn"},
		"boom":      {Action: pluginpb.HookResponse_ALLOW},
	} {
		got, err := pc.HookMessage(ctx, &pluginpb.HookRequest{Author: from, Conversation: &pluginpb.Conversation{Server: 1}, Text: text})
		if err != nil || got.Action != want.Action || got.Reason != want.Reason || got.Text != want.Text {
			t.Errorf("HookMessage(%q) = %v, %v; want %v", text, got, err, want)
		}
	}

	// A hook learns which command it judges, and the message concerned.
	for kind, want := range map[pluginpb.HookRequest_Kind]string{
		pluginpb.HookRequest_MESSAGE: "message 0",
		pluginpb.HookRequest_REPLY:   "reply 41",
		pluginpb.HookRequest_EDIT:    "edit 41",
		pluginpb.HookRequest_Kind(7): "message 41", // a kind from a later host: judged as a message
	} {
		var ref int64
		if kind != pluginpb.HookRequest_MESSAGE {
			ref = 41
		}
		got, err := pc.HookMessage(ctx, &pluginpb.HookRequest{Author: from, Conversation: &pluginpb.Conversation{Server: 1}, Text: "kind", Kind: kind, Message: ref})
		if err != nil || got.Action != pluginpb.HookResponse_REPLACE || got.Text != want {
			t.Errorf("HookMessage of kind %v = %v, %v; want the hook to see %q", kind, got, err, want)
		}
	}

	// Events: a message to the bot is answered through PostMessage.
	if _, err := pc.HandleEvent(ctx, &pluginpb.Event{Kind: EventMessage, User: from, Conversation: &pluginpb.Conversation{Peer: 7}, Text: "hi", Bot: "echobot"}); err != nil {
		t.Fatalf("HandleEvent: %v", err)
	}
	if _, posts := host.snapshot(); len(posts) != 1 || posts[0].Bot != "echobot" || posts[0].Text != "you said: hi" || posts[0].Conversation.GetPeer() != 7 {
		t.Errorf("posts = %v", posts)
	}
}

// The errors of a refused configuration carry the operator's file, line
// and column, counted in the whole file.
func TestRoundTripConfigError(t *testing.T) {
	pc, _ := servePlugin(t, &echo{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const src = `plugin "echo" {
  command = "./echo"
  config {
    prefix = "> "
    times  = 9
    colour = "red"
  }
}
`
	resp, err := pc.Configure(ctx, configureRequest(t, "/etc/salon.hcl", src, serveHost(pc, &fakeHostServer{})))
	if err != nil {
		t.Fatal(err)
	}
	const want = `/etc/salon.hcl:6:5: Unsupported argument; An argument named "colour" is not expected here.`
	if resp.Error != want {
		t.Errorf("error = %q, want %q", resp.Error, want)
	}

	resp, err = pc.Configure(ctx, configureRequest(t, "/etc/salon.hcl", strings.Replace(src, "    colour = \"red\"\n", "", 1), serveHost(pc, &fakeHostServer{})))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != "/etc/salon.hcl:5:5: times must be 1 to 3, not 9" {
		t.Errorf("error = %q", resp.Error)
	}

	// Without a config block: an empty body, and defaults.
	resp, err = pc.Configure(ctx, configureRequest(t, "/etc/salon.hcl", "plugin \"echo\" {\n  command = \"./echo\"\n}\n", serveHost(pc, &fakeHostServer{})))
	if err != nil || resp.Error != "" {
		t.Errorf("no config block: %v, %q", err, resp.GetError())
	}
}

// Host calls map the host's refusals to the sdk's errors.
func TestRoundTripHostErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := &hostGrabber{}
	pc, _ := servePlugin(t, p)
	if resp, err := pc.Configure(ctx, &pluginpb.ConfigureRequest{Name: "g", HostBrokerId: serveHost(pc, &fakeHostServer{})}); err != nil || resp.Error != "" {
		t.Fatalf("Configure: %v %v", err, resp)
	}
	u, err := p.host.UserByPseudo(ctx, "alice")
	if err != nil || u.Tag != 1 || !u.Online {
		t.Errorf("UserByPseudo = %+v, %v", u, err)
	}
	if _, err := p.host.User(ctx, 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("User(2) = %v", err)
	}
	if err := p.host.SendToUser(ctx, 1, "MSG 0 1 hi"); !errors.Is(err, ErrRefused) {
		t.Errorf("Send of a core verb = %v", err)
	}
	if _, err := p.host.Wallet().Balance(ctx, 1); status.Code(err) != codes.Unimplemented || errors.Is(err, ErrRefused) {
		t.Errorf("WalletBalance on a host without it = %v", err)
	}
	kv := p.host.KV()
	if ok, err := kv.CompareAndSwap(ctx, "k", nil, false, []byte("v")); !ok || err != nil {
		t.Errorf("swap = %v, %v", ok, err)
	}
	if v, found, err := kv.Get(ctx, "k"); string(v) != "v" || !found || err != nil {
		t.Errorf("Get = %q, %v, %v", v, found, err)
	}
	if v, found, err := kv.Get(ctx, "nope"); v != nil || found || err != nil {
		t.Errorf("Get(nope) = %q, %v, %v", v, found, err)
	}
}

type hostGrabber struct{ host Host }

func (g *hostGrabber) Configure(_ Config, h Host) (Manifest, error) {
	g.host = h
	return Manifest{}, nil
}
