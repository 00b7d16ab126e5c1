package sdk

import (
	"context"
	"errors"
	"log"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/hcl/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/internal/sdkv1/pluginpb"
)

// LogLevelEnv names the environment variable that sets the least severe
// level a plugin logs ("trace", "debug", "info", "warn", "error"); the
// default is debug, and salond filters again by its own level.
const LogLevelEnv = "SALON_PLUGIN_LOG_LEVEL"

// Serve runs p as a plugin process: it answers go-plugin's handshake on
// stdout and serves p over gRPC until salond ends the process. Logs are
// written to stderr as JSON, which go-plugin hands to salond structured;
// values with a String method (a time.Duration, say) are written as that
// string, since JSON would turn them into bare numbers or objects.
// Serve is the last thing main calls; it does not return when run by salond.
func Serve(p Plugin) {
	logger := newLogger()
	serve(p, logger, nil)
}

func newLogger() hclog.Logger {
	level := hclog.Debug
	if s := os.Getenv(LogLevelEnv); s != "" {
		if l := hclog.LevelFromString(s); l != hclog.NoLevel {
			level = l
		}
	}
	// The logger keeps the real stderr, which go-plugin reads line by line
	// and parses as hclog JSON; plugin.Serve redirects os.Stderr elsewhere.
	logger := hclog.New(&hclog.LoggerOptions{
		Level:      level,
		Output:     os.Stderr,
		JSONFormat: true,
	})
	// The standard log package, for plugin code and libraries that use it.
	log.SetFlags(0)
	log.SetOutput(logger.StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true}))
	return logger
}

func serve(p Plugin, logger hclog.Logger, test *plugin.ServeTestConfig) {
	logger = withTextValues(logger)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: p, Logger: logger}},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          logger,
		Test:            test,
	})
}

// GRPCPlugin is the go-plugin plugin of the Salon protocol, for both ends:
// the plugin process serves Impl with it (Serve does this), and salond can
// put a zero GRPCPlugin in its plugin map, under PluginName, to dispense a
// *PluginClient.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl   Plugin
	Logger hclog.Logger
}

// GRPCServer registers the Plugin service, served by Impl.
func (g *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	if g.Impl == nil {
		return errors.New("sdk: GRPCPlugin has no Impl to serve")
	}
	logger := g.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	pluginpb.RegisterPluginServer(s, &server{impl: g.Impl, broker: broker, log: logger})
	return nil
}

// GRPCClient returns a *PluginClient on conn.
func (g *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &PluginClient{PluginClient: pluginpb.NewPluginClient(conn), Broker: broker}, nil
}

// PluginClient is what the host side gets from go-plugin's Dispense: the
// Plugin service, and the broker on which to serve the Host service whose
// id goes in ConfigureRequest.host_broker_id.
type PluginClient struct {
	pluginpb.PluginClient
	Broker *plugin.GRPCBroker
}

// server is the plugin side of the Plugin service.
type server struct {
	pluginpb.UnimplementedPluginServer
	impl   Plugin
	broker *plugin.GRPCBroker
	log    hclog.Logger

	mu   sync.RWMutex
	inst *Instance
	conn *grpc.ClientConn
	host *grpcHost
}

func (s *server) Configure(ctx context.Context, req *pluginpb.ConfigureRequest) (*pluginpb.ConfigureResponse, error) {
	conn, err := s.broker.Dial(req.HostBrokerId)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "dial the host on broker id %d: %v", req.HostBrokerId, err)
	}
	host := &grpcHost{c: pluginpb.NewHostClient(conn), log: s.log}
	host.kv.h, host.wallet.h = host, host
	inst, err := NewInstance(s.impl, host, Source{
		Name:     req.Name,
		Filename: req.Filename,
		Body:     req.Body,
		Start:    hclPos(req.Line, req.Column, req.ByteOffset),
	})
	if err != nil {
		_ = conn.Close()
		s.log.Error("configuration refused", "error", err)
		return &pluginpb.ConfigureResponse{Error: err.Error()}, nil
	}

	m := inst.Manifest()
	host.man.Store(&m)
	s.mu.Lock()
	old := s.conn
	s.inst, s.conn, s.host = inst, conn, host
	s.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}

	return &pluginpb.ConfigureResponse{
		Games:               m.Games,
		Verbs:               m.Verbs,
		HookChannelMessages: m.HookChannelMessages,
		HookDirectMessages:  m.HookDirectMessages,
		Events:              m.Events,
		Bots:                m.Bots,
	}, nil
}

func (s *server) instance() (*Instance, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.inst == nil {
		return nil, status.Error(codes.FailedPrecondition, "plugin not configured")
	}
	return s.inst, nil
}

func (s *server) HandleGame(ctx context.Context, req *pluginpb.GameRequest) (*pluginpb.Replies, error) {
	return s.handle(ctx, func(ctx context.Context, inst *Instance) error {
		return inst.HandleGame(ctx, GameCall{From: userFromPB(req.From), Game: req.Game, Payload: req.Payload})
	})
}

func (s *server) HandleVerb(ctx context.Context, req *pluginpb.VerbRequest) (*pluginpb.Replies, error) {
	return s.handle(ctx, func(ctx context.Context, inst *Instance) error {
		return inst.HandleVerb(ctx, VerbCall{From: userFromPB(req.From), Verb: req.Verb, Args: req.Args})
	})
}

// handle runs a game or verb handler, collecting the lines it sends with
// its context to return them with its answer (see replies.go).
func (s *server) handle(ctx context.Context, run func(context.Context, *Instance) error) (*pluginpb.Replies, error) {
	inst, err := s.instance()
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	host := s.host
	s.mu.RUnlock()
	rctx, r := withReplies(ctx)
	err = run(rctx, inst)
	sends := r.take()
	if reason, ok := refusalOf(err); ok {
		// An answer, which carries the lines sent before it.
		return &pluginpb.Replies{Sends: sends, Refusal: reason}, nil
	}
	if err != nil {
		// An error answer cannot carry lines: send them on their own.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		host.flush(fctx, sends)
		return nil, handlerStatus(err)
	}
	return &pluginpb.Replies{Sends: sends}, nil
}

func (s *server) HookMessage(ctx context.Context, req *pluginpb.HookRequest) (*pluginpb.HookResponse, error) {
	inst, err := s.instance()
	if err != nil {
		return nil, err
	}
	v := inst.HookMessage(ctx, Message{
		Author:       userFromPB(req.Author),
		Conversation: convFromPB(req.Conversation),
		Text:         req.Text,
	})
	return &pluginpb.HookResponse{
		Action: pluginpb.HookResponse_Action(v.Action),
		Reason: v.Reason,
		Text:   v.Text,
	}, nil
}

func (s *server) HandleEvent(ctx context.Context, req *pluginpb.Event) (*pluginpb.Empty, error) {
	inst, err := s.instance()
	if err != nil {
		return nil, err
	}
	inst.HandleEvent(ctx, Event{
		Kind:         req.Kind,
		User:         userFromPB(req.User),
		Conversation: convFromPB(req.Conversation),
		Text:         req.Text,
		Bot:          req.Bot,
	})
	return &pluginpb.Empty{}, nil
}

// handlerStatus turns a handler's error into the status the host sees (a
// Refusal is no error: it travels in Replies.refusal):
//
//	InvalidArgument   the handler's own error
//	Unimplemented     ErrNotHandled
//	Internal          a panic, or a failed Host call the handler passed on
//	DeadlineExceeded, Canceled   the call's context ended
func handlerStatus(err error) error {
	var he *hostError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotHandled):
		return status.Error(codes.Unimplemented, oneLine(err.Error()))
	case errors.Is(err, ErrPanicked):
		return status.Error(codes.Internal, oneLine(err.Error()))
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, oneLine(err.Error()))
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, oneLine(err.Error()))
	case errors.As(err, &he):
		return status.Error(codes.Internal, oneLine(err.Error()))
	}
	return status.Error(codes.InvalidArgument, oneLine(err.Error()))
}

// hclPos is where a config body starts, from ConfigureRequest's fields.
func hclPos(line, column, byteOffset int64) hcl.Pos {
	return hcl.Pos{Line: int(line), Column: int(column), Byte: int(byteOffset)}
}

func userFromPB(u *pluginpb.User) User {
	if u == nil {
		return User{}
	}
	return User{Tag: u.Tag, Pseudo: u.Pseudo, Online: u.Online, Bot: u.Bot}
}

func convFromPB(c *pluginpb.Conversation) Conversation {
	if c == nil {
		return Conversation{}
	}
	return Conversation{Server: c.Server, Channel: c.Channel, Peer: c.Peer}
}

func convToPB(c Conversation) *pluginpb.Conversation {
	return &pluginpb.Conversation{Server: c.Server, Channel: c.Channel, Peer: c.Peer}
}
