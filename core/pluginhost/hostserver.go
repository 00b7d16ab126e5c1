package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/core/wire"
	"github.com/salon-chat/salon/sdk/pluginpb"
)

// Limits on what a plugin may hand the Host API, beyond the protocol's own.
const (
	maxKey    = 256      // bytes of a KV key (and prefix); the hub enforces the same
	maxValue  = 64 << 10 // bytes of a KV value; the hub enforces the same
	maxReason = 200      // bytes of a wallet reason, and of a hook's rejection reason
)

// hostServer is the Host service one plugin process calls back through the
// broker. It checks what the plugin may do (lines of its own games and
// verbs, messages as its own bots), bounds how many calls it has in flight,
// and hands the rest to the API with the calling plugin's name.
//
// API errors become status codes: context deadline and cancellation as
// themselves, an error carrying a gRPC status as that status, ErrRefused as
// PermissionDenied (NotFound for Members and LookupUser: the user or
// conversation does not exist or is not for the plugin to see), anything
// else as Internal (logged here; the plugin learns no more).
type hostServer struct {
	pluginpb.UnimplementedHostServer
	name        string
	version     int // the plugin protocol version negotiated at the handshake
	api         API
	inFlight    *semaphore.Weighted // one unit per Host call in flight
	maxInFlight int                 // inFlight's size
	timeout     time.Duration
	log         hclog.Logger
	man         atomic.Pointer[manifest] // nil until the plugin is registered
}

// allow lets the plugin send lines of m's games and verbs and post as m's
// bots.
func (s *hostServer) allow(m *manifest) { s.man.Store(m) }

// enter takes a slot among the calls in flight; the caller must call the
// returned function when done. A call over the limit is refused at once
// rather than queued: a plugin that floods the host learns it, and its
// calls never pile up in salond waiting for a slot.
func (s *hostServer) enter(ctx context.Context) (context.Context, func(), error) {
	if !s.inFlight.TryAcquire(1) {
		return nil, nil, status.Errorf(codes.ResourceExhausted, "plugin %q has %d Host calls in flight already", s.name, s.maxInFlight)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	return ctx, func() { cancel(); s.inFlight.Release(1) }, nil
}

func (s *hostServer) Send(ctx context.Context, r *pluginpb.SendRequest) (*pluginpb.Empty, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	line := r.GetLine()
	if line == "" || len(line) > wire.MaxLine-2 || !wire.ValidText(line) {
		return nil, status.Error(codes.InvalidArgument, "the line must be 1 to 4094 bytes of UTF-8 protocol text without CR, LF or other control characters")
	}
	if err := s.mayUse(line); err != nil {
		return nil, err
	}
	var to Target
	switch conv := r.GetConversation(); {
	case conv != nil && r.GetUser() == 0:
		c, ok := convOf(conv)
		if !ok {
			return nil, badConversation
		}
		to.Conversation = &c
	case conv == nil && r.GetUser() > 0:
		to.User = r.GetUser()
	default:
		return nil, status.Error(codes.InvalidArgument, "send to a user (tag > 0) or to a conversation, one of them")
	}
	return s.empty(s.api.Send(ctx, s.name, to, line))
}

// mayUse checks that line is one the plugin may send: JEU for one of its
// games, or one of its verbs.
func (s *hostServer) mayUse(line string) error {
	m := s.man.Load()
	if m == nil {
		return status.Error(codes.FailedPrecondition, "the plugin may send lines once it is configured")
	}
	verb, rest, _ := strings.Cut(line, " ")
	if verb == "JEU" {
		game, _, _ := strings.Cut(rest, " ")
		if slices.Contains(m.games, game) {
			return nil
		}
		return status.Errorf(codes.PermissionDenied, "JEU %q: not a game of plugin %q", game, s.name)
	}
	if slices.Contains(m.verbs, verb) {
		return nil
	}
	return status.Errorf(codes.PermissionDenied, "verb %q: not a verb of plugin %q", wire.ErrVerb(verb), s.name)
}

func (s *hostServer) PostMessage(ctx context.Context, r *pluginpb.PostRequest) (*pluginpb.Empty, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	m := s.man.Load()
	if m == nil {
		return nil, status.Error(codes.FailedPrecondition, "the plugin may post once it is configured")
	}
	if !slices.Contains(m.bots, r.GetBot()) {
		return nil, status.Errorf(codes.InvalidArgument, "%q is not a bot of plugin %q", truncate(r.GetBot(), wire.MaxName), s.name)
	}
	conv, ok := convOf(r.GetConversation())
	if !ok {
		return nil, badConversation
	}
	text := r.GetText()
	if text == "" || len(text) > wire.MaxText || !wire.ValidText(text) {
		return nil, status.Error(codes.InvalidArgument, "a message is 1 to 4000 bytes of UTF-8 text without control characters other than TAB")
	}
	return s.empty(s.api.PostMessage(ctx, s.name, r.GetBot(), conv, text))
}

func (s *hostServer) Members(ctx context.Context, r *pluginpb.Conversation) (*pluginpb.Users, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	conv, ok := convOf(r)
	if !ok {
		return nil, badConversation
	}
	users, err := s.api.Members(ctx, conv)
	if err != nil {
		return nil, s.statusOf(err, codes.NotFound)
	}
	out := &pluginpb.Users{Users: make([]*pluginpb.User, len(users))}
	for i, u := range users {
		out.Users[i] = userPB(u)
	}
	return out, nil
}

func (s *hostServer) LookupUser(ctx context.Context, r *pluginpb.LookupRequest) (*pluginpb.User, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	switch {
	case r.GetTag() < 0:
		return nil, status.Error(codes.InvalidArgument, "a tag is positive")
	case r.GetTag() == 0 && !wire.ValidName(r.GetPseudo()):
		return nil, status.Error(codes.InvalidArgument, "a pseudo is 1 to 32 printable bytes without spaces")
	}
	u, err := s.api.LookupUser(ctx, r.GetTag(), r.GetPseudo())
	if err != nil {
		return nil, s.statusOf(err, codes.NotFound)
	}
	return userPB(u), nil
}

func (s *hostServer) KVGet(ctx context.Context, r *pluginpb.KVKey) (*pluginpb.KVValue, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := checkKey(r.GetKey(), false); err != nil {
		return nil, err
	}
	v, found, err := s.api.KVGet(ctx, s.name, r.GetKey())
	if err != nil {
		return nil, s.statusOf(err, codes.PermissionDenied)
	}
	return &pluginpb.KVValue{Value: v, Found: found}, nil
}

func (s *hostServer) KVSet(ctx context.Context, r *pluginpb.KVEntry) (*pluginpb.Empty, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := checkKey(r.GetKey(), false); err != nil {
		return nil, err
	}
	if err := checkValue(r.GetValue()); err != nil {
		return nil, err
	}
	return s.empty(s.api.KVSet(ctx, s.name, r.GetKey(), r.GetValue()))
}

func (s *hostServer) KVCompareAndSwap(ctx context.Context, r *pluginpb.KVSwap) (*pluginpb.KVSwapResult, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := checkKey(r.GetKey(), false); err != nil {
		return nil, err
	}
	if err := checkValue(r.GetNew()); err != nil {
		return nil, err
	}
	ok, err := s.api.KVCompareAndSwap(ctx, s.name, r.GetKey(), r.GetOld(), r.GetOldFound(), r.GetNew())
	if err != nil {
		return nil, s.statusOf(err, codes.PermissionDenied)
	}
	return &pluginpb.KVSwapResult{Swapped: ok}, nil
}

func (s *hostServer) KVDelete(ctx context.Context, r *pluginpb.KVKey) (*pluginpb.Empty, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := checkKey(r.GetKey(), false); err != nil {
		return nil, err
	}
	return s.empty(s.api.KVDelete(ctx, s.name, r.GetKey()))
}

func (s *hostServer) KVList(ctx context.Context, r *pluginpb.KVKey) (*pluginpb.KVEntries, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := checkKey(r.GetKey(), true); err != nil {
		return nil, err
	}
	kvs, err := s.api.KVList(ctx, s.name, r.GetKey())
	if err != nil {
		return nil, s.statusOf(err, codes.PermissionDenied)
	}
	out := &pluginpb.KVEntries{Entries: make([]*pluginpb.KVEntry, len(kvs))}
	for i, kv := range kvs {
		out.Entries[i] = &pluginpb.KVEntry{Key: kv.Key, Value: kv.Value}
	}
	return out, nil
}

func (s *hostServer) WalletBalance(ctx context.Context, r *pluginpb.WalletRequest) (*pluginpb.WalletResult, error) {
	return s.wallet(ctx, WalletBalance, r)
}

func (s *hostServer) WalletCredit(ctx context.Context, r *pluginpb.WalletRequest) (*pluginpb.WalletResult, error) {
	return s.wallet(ctx, WalletCredit, r)
}

func (s *hostServer) WalletDebitIfAtLeast(ctx context.Context, r *pluginpb.WalletRequest) (*pluginpb.WalletResult, error) {
	return s.wallet(ctx, WalletDebitIfAtLeast, r)
}

func (s *hostServer) WalletTransfer(ctx context.Context, r *pluginpb.WalletRequest) (*pluginpb.WalletResult, error) {
	return s.wallet(ctx, WalletTransfer, r)
}

func (s *hostServer) wallet(ctx context.Context, kind WalletKind, r *pluginpb.WalletRequest) (*pluginpb.WalletResult, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	op := WalletOp{Kind: kind, User: r.GetUser(), Amount: r.GetAmount(), Reason: r.GetReason(), Once: r.GetOnce()}
	switch {
	case op.User <= 0:
		return nil, status.Error(codes.InvalidArgument, "the account is a user tag > 0")
	case kind != WalletBalance && op.Amount <= 0:
		return nil, status.Error(codes.InvalidArgument, "the amount is > 0")
	case len(op.Reason) > maxReason || !wire.ValidText(op.Reason):
		return nil, status.Errorf(codes.InvalidArgument, "the reason is at most %d bytes of line text", maxReason)
	}
	if kind == WalletTransfer {
		op.To = r.GetTo()
		if op.To <= 0 || op.To == op.User {
			return nil, status.Error(codes.InvalidArgument, "a transfer goes to another user (tag > 0)")
		}
	}
	res, err := s.api.Wallet(ctx, s.name, op)
	if err != nil {
		return nil, s.statusOf(err, codes.PermissionDenied)
	}
	return &pluginpb.WalletResult{Ok: res.OK, Balance: res.Balance}, nil
}

func (s *hostServer) Kick(ctx context.Context, r *pluginpb.KickRequest) (*pluginpb.Empty, error) {
	if err := s.mayModerate("Kick", r.GetBot(), r.GetUser(), r.GetReason()); err != nil {
		return nil, err
	}
	place, ok := convOf(r.GetPlace())
	if !ok || place.Server == 0 {
		return nil, status.Error(codes.InvalidArgument, "a kick is from a channel (server > 0, channel > 0) or a whole server (channel 0)")
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.empty(s.api.Kick(ctx, s.name, r.GetBot(), place, r.GetUser(), r.GetReason()))
}

func (s *hostServer) Ban(ctx context.Context, r *pluginpb.BanRequest) (*pluginpb.Empty, error) {
	if err := s.mayModerate("Ban", r.GetBot(), r.GetUser(), r.GetReason()); err != nil {
		return nil, err
	}
	if r.GetServer() <= 0 {
		return nil, status.Error(codes.InvalidArgument, "a ban is from a server (tag > 0)")
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.empty(s.api.Ban(ctx, s.name, r.GetBot(), r.GetServer(), r.GetUser(), r.GetReason()))
}

// mayModerate checks what Kick and Ban share: a version-2 plugin, acting
// as one of its own bots, on a user, with a reason a KICK line could carry.
// Whether the bot moderates the place is the hub's rule to apply.
func (s *hostServer) mayModerate(method, bot string, user int64, reason string) error {
	if s.version < 2 {
		// A version-1 SDK has no such call; a plugin that makes it anyway
		// is not one its version's contract describes.
		return status.Errorf(codes.FailedPrecondition, "%s needs plugin protocol version 2; plugin %q speaks version %d", method, s.name, s.version)
	}
	m := s.man.Load()
	if m == nil {
		return status.Errorf(codes.FailedPrecondition, "the plugin may call %s once it is configured", method)
	}
	if !slices.Contains(m.bots, bot) {
		return status.Errorf(codes.InvalidArgument, "%q is not a bot of plugin %q", truncate(bot, wire.MaxName), s.name)
	}
	if user <= 0 {
		return status.Error(codes.InvalidArgument, "the user's tag is positive")
	}
	if len(reason) > wire.MaxReason || !wire.ValidText(reason) {
		return status.Errorf(codes.InvalidArgument, "a reason is at most %d bytes of UTF-8 text without control characters other than TAB", wire.MaxReason)
	}
	return nil
}

var badConversation = status.Error(codes.InvalidArgument, "a conversation is a channel (server > 0, channel >= 0, no peer) or a direct conversation (server 0, channel 0, peer > 0)")

// convOf checks a conversation as sdk.Conversation.Valid does.
func convOf(c *pluginpb.Conversation) (Conversation, bool) {
	if c == nil {
		return Conversation{}, false
	}
	conv := Conversation{Server: c.GetServer(), Channel: c.GetChannel(), Peer: c.GetPeer()}
	if conv.Server == 0 {
		return conv, conv.Peer > 0 && conv.Channel == 0
	}
	return conv, conv.Server > 0 && conv.Channel >= 0 && conv.Peer == 0
}

func checkKey(k string, prefix bool) error {
	if (k == "" && !prefix) || len(k) > maxKey || !utf8.ValidString(k) {
		return status.Errorf(codes.InvalidArgument, "a key is 1 to %d bytes of UTF-8", maxKey)
	}
	return nil
}

func checkValue(v []byte) error {
	if len(v) > maxValue {
		return status.Errorf(codes.InvalidArgument, "a value is at most %d bytes", maxValue)
	}
	return nil
}

func (s *hostServer) empty(err error) (*pluginpb.Empty, error) {
	if err != nil {
		return nil, s.statusOf(err, codes.PermissionDenied)
	}
	return &pluginpb.Empty{}, nil
}

// statusOf maps an API error to a status; refused is the code for
// ErrRefused.
func (s *hostServer) statusOf(err error, refused codes.Code) error {
	var se interface{ GRPCStatus() *status.Status }
	switch {
	case errors.As(err, &se):
		return se.GRPCStatus().Err()
	case errors.Is(err, ErrRefused):
		return status.Error(refused, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	// The plugin learns no more of the server's own troubles than that.
	s.log.Warn("Host API call failed", "error", err)
	return status.Error(codes.Internal, "internal error")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// recoverCalls turns a panic in a Host API call into that call's error: a
// bug met by one plugin's request fails the request, not salond (gRPC does
// not recover the panics of its handlers).
func recoverCalls(log hclog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("a host call panicked; it fails, salond goes on", "method", info.FullMethod,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}
