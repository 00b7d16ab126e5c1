// Command testplugin is the plugin pluginhost's tests run. It is written
// against pluginpb and go-plugin directly, not the sdk, so that the host's
// tests depend on nothing but the wire contract. Its config block says what
// it serves and how it misbehaves; the payloads of its game say what to do.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/pluginpb"
)

type settings struct {
	Games       []string `hcl:"games,optional"`
	Verbs       []string `hcl:"verbs,optional"`
	Bots        []string `hcl:"bots,optional"`
	Events      []string `hcl:"events,optional"`
	HookChannel bool     `hcl:"hook_channel,optional"`
	HookDirect  bool     `hcl:"hook_direct,optional"`
	Level       *int     `hcl:"level,optional"`
	DieAfter    string   `hcl:"die_after,optional"` // exit this long after Configure
}

type server struct {
	pluginpb.UnimplementedPluginServer
	broker *plugin.GRPCBroker

	mu   sync.Mutex
	host pluginpb.HostClient
	set  settings
}

func (s *server) Configure(ctx context.Context, r *pluginpb.ConfigureRequest) (*pluginpb.ConfigureResponse, error) {
	start := hcl.Pos{Line: int(r.Line), Column: int(r.Column), Byte: int(r.ByteOffset)}
	f, diags := hclsyntax.ParseConfig(r.Body, r.Filename, start)
	var set settings
	if !diags.HasErrors() {
		diags = gohcl.DecodeBody(f.Body, nil, &set)
	}
	if diags.HasErrors() {
		var lines []string
		for _, d := range diags {
			lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", r.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
		}
		return &pluginpb.ConfigureResponse{Error: strings.Join(lines, "\n")}, nil
	}
	if set.Level != nil && (*set.Level < 1 || *set.Level > 5) {
		a := f.Body.(*hclsyntax.Body).Attributes["level"]
		return &pluginpb.ConfigureResponse{Error: fmt.Sprintf("%s:%d:%d: level must be 1 to 5, not %d",
			r.Filename, a.NameRange.Start.Line, a.NameRange.Start.Column, *set.Level)}, nil
	}
	conn, err := s.broker.Dial(r.HostBrokerId)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.host = pluginpb.NewHostClient(conn)
	s.set = set
	s.mu.Unlock()
	if set.DieAfter != "" {
		d, _ := time.ParseDuration(set.DieAfter)
		time.AfterFunc(d, func() { os.Exit(4) })
	}
	return &pluginpb.ConfigureResponse{
		Games: set.Games, Verbs: set.Verbs, Bots: set.Bots, Events: set.Events,
		HookChannelMessages: set.HookChannel, HookDirectMessages: set.HookDirect,
	}, nil
}

func (s *server) HandleGame(ctx context.Context, r *pluginpb.GameRequest) (*pluginpb.Replies, error) {
	s.mu.Lock()
	host := s.host
	s.mu.Unlock()
	cmd, arg, _ := strings.Cut(r.Payload, " ")
	var err error
	switch cmd {
	case "echo":
		_, err = host.Send(ctx, &pluginpb.SendRequest{User: r.From.GetTag(), Line: "JEU " + r.Game + " " + arg})
	case "send":
		_, err = host.Send(ctx, &pluginpb.SendRequest{User: r.From.GetTag(), Line: arg})
	case "sendconv": // S C line
		f := strings.SplitN(arg, " ", 3)
		sv, _ := strconv.ParseInt(f[0], 10, 64)
		ch, _ := strconv.ParseInt(f[1], 10, 64)
		_, err = host.Send(ctx, &pluginpb.SendRequest{Conversation: &pluginpb.Conversation{Server: sv, Channel: ch}, Line: f[2]})
	case "post": // bot S C text
		f := strings.SplitN(arg, " ", 4)
		sv, _ := strconv.ParseInt(f[1], 10, 64)
		ch, _ := strconv.ParseInt(f[2], 10, 64)
		_, err = host.PostMessage(ctx, &pluginpb.PostRequest{Bot: f[0], Conversation: &pluginpb.Conversation{Server: sv, Channel: ch}, Text: f[3]})
	case "kick": // bot S C U reason
		f := strings.SplitN(arg, " ", 5)
		sv, _ := strconv.ParseInt(f[1], 10, 64)
		ch, _ := strconv.ParseInt(f[2], 10, 64)
		u, _ := strconv.ParseInt(f[3], 10, 64)
		_, err = host.Kick(ctx, &pluginpb.KickRequest{Bot: f[0], Place: &pluginpb.Conversation{Server: sv, Channel: ch}, User: u, Reason: f[4]})
	case "ban": // bot S U reason
		f := strings.SplitN(arg, " ", 4)
		sv, _ := strconv.ParseInt(f[1], 10, 64)
		u, _ := strconv.ParseInt(f[2], 10, 64)
		_, err = host.Ban(ctx, &pluginpb.BanRequest{Bot: f[0], Server: sv, User: u, Reason: f[3]})
	case "crash":
		os.Exit(3)
	case "hang":
		select {}
	case "sleep":
		d, _ := time.ParseDuration(arg)
		time.Sleep(d)
	case "flood": // n concurrent Host calls
		n, _ := strconv.Atoi(arg)
		var mu sync.Mutex
		counts := map[codes.Code]int{}
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := host.KVGet(context.Background(), &pluginpb.KVKey{Key: "k" + strconv.Itoa(i)})
				mu.Lock()
				counts[status.Code(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		return nil, status.Errorf(codes.Aborted, "flood ok=%d exhausted=%d other=%d",
			counts[codes.OK], counts[codes.ResourceExhausted], n-counts[codes.OK]-counts[codes.ResourceExhausted])
	case "fail":
		return nil, status.Error(codes.InvalidArgument, arg)
	case "refuse": // a line with the answer, then the refusal
		return &pluginpb.Replies{
			Sends:   []*pluginpb.SendRequest{{User: r.From.GetTag(), Line: "JEU " + r.Game + " before refusing"}},
			Refusal: arg,
		}, nil
	}
	if err != nil {
		return nil, err
	}
	return &pluginpb.Replies{}, nil
}

func (s *server) HandleVerb(ctx context.Context, r *pluginpb.VerbRequest) (*pluginpb.Replies, error) {
	if reason, ok := strings.CutPrefix(r.Args, "refuse "); ok {
		return &pluginpb.Replies{Refusal: reason}, nil
	}
	s.mu.Lock()
	host := s.host
	s.mu.Unlock()
	if _, err := host.Send(ctx, &pluginpb.SendRequest{User: r.From.GetTag(), Line: r.Verb + " " + r.Args}); err != nil {
		return nil, err
	}
	return &pluginpb.Replies{}, nil
}

func (s *server) HookMessage(ctx context.Context, r *pluginpb.HookRequest) (*pluginpb.HookResponse, error) {
	cmd, arg, _ := strings.Cut(r.Text, " ")
	switch cmd {
	case "reject":
		return &pluginpb.HookResponse{Action: pluginpb.HookResponse_REJECT, Reason: arg}, nil
	case "replace":
		return &pluginpb.HookResponse{Action: pluginpb.HookResponse_REPLACE, Text: arg}, nil
	case "kind": // what the host said of the command
		return &pluginpb.HookResponse{Action: pluginpb.HookResponse_REPLACE, Text: fmt.Sprintf("kind=%d ref=%d", r.Kind, r.Message)}, nil
	case "slow":
		time.Sleep(2 * time.Second)
	case "error":
		return nil, status.Error(codes.Internal, "hook broke")
	}
	return &pluginpb.HookResponse{Action: pluginpb.HookResponse_ALLOW}, nil
}

func (s *server) HandleEvent(ctx context.Context, e *pluginpb.Event) (*pluginpb.Empty, error) {
	s.mu.Lock()
	host := s.host
	s.mu.Unlock()
	v := fmt.Sprintf("%s %d %s %s", e.Kind, e.User.GetTag(), e.Text, e.Bot)
	if _, err := host.KVSet(ctx, &pluginpb.KVEntry{Key: "event", Value: []byte(v)}); err != nil {
		return nil, err
	}
	return &pluginpb.Empty{}, nil
}

type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (grpcPlugin) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterPluginServer(s, &server{broker: b})
	return nil
}

func (grpcPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, fmt.Errorf("plugin side only")
}

func main() {
	hs := sdk.Handshake
	for _, a := range os.Args[1:] {
		// Offer only version 1 of the protocol, as a plugin built before
		// version 2 does, to see the host serve it as version 1.
		if a == "-protocol1" {
			hs.ProtocolVersion = 1
		}
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         map[string]plugin.Plugin{sdk.PluginName: grpcPlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
