package sdk

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/salon-chat/salon/sdk/pluginpb"
)

// grpcHost is the Host a served plugin gets: the Host service that salond
// serves on the GRPCBroker, behind the sdk's types.
type grpcHost struct {
	c      pluginpb.HostClient
	log    hclog.Logger
	kv     grpcKV
	wallet grpcWallet
	man    atomic.Pointer[Manifest] // set once configured: lines kept for a handler's answer are checked against it
}

func (h *grpcHost) Log() hclog.Logger { return h.log }
func (h *grpcHost) KV() KV            { return &h.kv }
func (h *grpcHost) Wallet() Wallet    { return &h.wallet }

func (h *grpcHost) SendToUser(ctx context.Context, user int64, line string) error {
	return h.sendOrKeep(ctx, &pluginpb.SendRequest{User: user, Line: line})
}

func (h *grpcHost) SendToConversation(ctx context.Context, c Conversation, line string) error {
	if !c.Valid() {
		return fmt.Errorf("salon host: Send: %w: invalid conversation %+v", ErrRefused, c)
	}
	if c.IsDirect() {
		// A direct conversation, from the plugin's side, is its peer.
		return h.SendToUser(ctx, c.Peer, line)
	}
	return h.sendOrKeep(ctx, &pluginpb.SendRequest{Conversation: convToPB(c), Line: line})
}

func (h *grpcHost) SendGame(ctx context.Context, user int64, game, payload string) error {
	return h.SendToUser(ctx, user, GameLine(game, payload))
}

func (h *grpcHost) SendGameTo(ctx context.Context, c Conversation, game, payload string) error {
	return h.SendToConversation(ctx, c, GameLine(game, payload))
}

func (h *grpcHost) PostMessage(ctx context.Context, bot string, c Conversation, text string) error {
	_, err := h.c.PostMessage(ctx, &pluginpb.PostRequest{Bot: bot, Conversation: convToPB(c), Text: text})
	return hostErr("PostMessage", err)
}

func (h *grpcHost) Kick(ctx context.Context, bot string, place Conversation, user int64, reason string) error {
	if !place.Valid() || place.IsDirect() {
		return fmt.Errorf("salon host: Kick: %w: a kick is from a channel or a server, not %+v", ErrRefused, place)
	}
	_, err := h.c.Kick(ctx, &pluginpb.KickRequest{Bot: bot, Place: convToPB(place), User: user, Reason: reason})
	return hostErr("Kick", err)
}

func (h *grpcHost) Ban(ctx context.Context, bot string, server, user int64, reason string) error {
	_, err := h.c.Ban(ctx, &pluginpb.BanRequest{Bot: bot, Server: server, User: user, Reason: reason})
	return hostErr("Ban", err)
}

func (h *grpcHost) Members(ctx context.Context, c Conversation) ([]User, error) {
	r, err := h.c.Members(ctx, convToPB(c))
	if err != nil {
		return nil, hostErr("Members", err)
	}
	us := make([]User, 0, len(r.Users))
	for _, u := range r.Users {
		us = append(us, userFromPB(u))
	}
	return us, nil
}

func (h *grpcHost) User(ctx context.Context, tag int64) (User, error) {
	if tag <= 0 {
		return User{}, fmt.Errorf("salon host: LookupUser: %w: user %d", ErrNotFound, tag)
	}
	u, err := h.c.LookupUser(ctx, &pluginpb.LookupRequest{Tag: tag})
	if err != nil {
		return User{}, hostErr("LookupUser", err)
	}
	return userFromPB(u), nil
}

func (h *grpcHost) UserByPseudo(ctx context.Context, pseudo string) (User, error) {
	if pseudo == "" {
		return User{}, fmt.Errorf("salon host: LookupUser: %w: empty pseudo", ErrNotFound)
	}
	u, err := h.c.LookupUser(ctx, &pluginpb.LookupRequest{Pseudo: pseudo})
	if err != nil {
		return User{}, hostErr("LookupUser", err)
	}
	return userFromPB(u), nil
}

type grpcKV struct{ h *grpcHost }

func (k *grpcKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	r, err := k.h.c.KVGet(ctx, &pluginpb.KVKey{Key: key})
	if err != nil {
		return nil, false, hostErr("KVGet", err)
	}
	if !r.Found {
		return nil, false, nil
	}
	if r.Value == nil {
		return []byte{}, true, nil
	}
	return r.Value, true, nil
}

func (k *grpcKV) Set(ctx context.Context, key string, value []byte) error {
	_, err := k.h.c.KVSet(ctx, &pluginpb.KVEntry{Key: key, Value: value})
	return hostErr("KVSet", err)
}

func (k *grpcKV) Delete(ctx context.Context, key string) error {
	_, err := k.h.c.KVDelete(ctx, &pluginpb.KVKey{Key: key})
	return hostErr("KVDelete", err)
}

func (k *grpcKV) CompareAndSwap(ctx context.Context, key string, old []byte, oldFound bool, new []byte) (bool, error) {
	r, err := k.h.c.KVCompareAndSwap(ctx, &pluginpb.KVSwap{Key: key, Old: old, OldFound: oldFound, New: new})
	if err != nil {
		return false, hostErr("KVCompareAndSwap", err)
	}
	return r.Swapped, nil
}

func (k *grpcKV) List(ctx context.Context, prefix string) ([]KVEntry, error) {
	r, err := k.h.c.KVList(ctx, &pluginpb.KVKey{Key: prefix})
	if err != nil {
		return nil, hostErr("KVList", err)
	}
	es := make([]KVEntry, 0, len(r.Entries))
	for _, e := range r.Entries {
		v := e.Value
		if v == nil {
			v = []byte{}
		}
		es = append(es, KVEntry{Key: e.Key, Value: v})
	}
	return es, nil
}

type grpcWallet struct{ h *grpcHost }

func (w *grpcWallet) Balance(ctx context.Context, user int64) (int64, error) {
	r, err := w.h.c.WalletBalance(ctx, &pluginpb.WalletRequest{User: user})
	if err != nil {
		return 0, hostErr("WalletBalance", err)
	}
	return r.Balance, nil
}

func (w *grpcWallet) Credit(ctx context.Context, user, amount int64, reason string) (int64, error) {
	r, err := w.h.c.WalletCredit(ctx, &pluginpb.WalletRequest{User: user, Amount: amount, Reason: reason})
	if err != nil {
		return 0, hostErr("WalletCredit", err)
	}
	return r.Balance, nil
}

func (w *grpcWallet) DebitIfAtLeast(ctx context.Context, user, amount int64, reason string) (bool, int64, error) {
	r, err := w.h.c.WalletDebitIfAtLeast(ctx, &pluginpb.WalletRequest{User: user, Amount: amount, Reason: reason})
	if err != nil {
		return false, 0, hostErr("WalletDebitIfAtLeast", err)
	}
	return r.Ok, r.Balance, nil
}

func (w *grpcWallet) DebitOnce(ctx context.Context, key string, user, amount int64, reason string) (bool, int64, error) {
	r, err := w.h.c.WalletDebitIfAtLeast(ctx, &pluginpb.WalletRequest{User: user, Amount: amount, Reason: reason, Once: key})
	if err != nil {
		return false, 0, hostErr("WalletDebitIfAtLeast", err)
	}
	return r.GetOk(), r.GetBalance(), nil
}

func (w *grpcWallet) CreditOnce(ctx context.Context, key string, user, amount int64, reason string) (int64, error) {
	r, err := w.h.c.WalletCredit(ctx, &pluginpb.WalletRequest{User: user, Amount: amount, Reason: reason, Once: key})
	if err != nil {
		return 0, hostErr("WalletCredit", err)
	}
	return r.GetBalance(), nil
}

func (w *grpcWallet) Transfer(ctx context.Context, from, to, amount int64, reason string) (bool, error) {
	r, err := w.h.c.WalletTransfer(ctx, &pluginpb.WalletRequest{User: from, To: to, Amount: amount, Reason: reason})
	if err != nil {
		return false, hostErr("WalletTransfer", err)
	}
	return r.Ok, nil
}

// GameLine formats `JEU game payload` (`JEU game` when payload is empty).
func GameLine(game, payload string) string {
	if payload == "" {
		return "JEU " + game
	}
	return "JEU " + game + " " + payload
}

// hostError is a failed Host call: the host's status, and the sdk error it
// stands for (ErrRefused, ErrNotFound, a context error) so that plugins can
// test it with errors.Is.
type hostError struct {
	method string
	st     *status.Status
	kind   error
}

func (e *hostError) Error() string {
	if e.kind != nil && e.kind != ErrRefused && e.kind != ErrNotFound {
		return fmt.Sprintf("salon host: %s: %v", e.method, e.kind)
	}
	if e.kind != nil {
		return fmt.Sprintf("salon host: %s: %v: %s", e.method, e.kind, e.st.Message())
	}
	return fmt.Sprintf("salon host: %s: %s: %s", e.method, e.st.Code(), e.st.Message())
}

func (e *hostError) Unwrap() error              { return e.kind }
func (e *hostError) GRPCStatus() *status.Status { return e.st }

// hostErr maps a gRPC error from the host to a hostError. The codes are the
// contract with salond: NotFound for what does not exist; PermissionDenied,
// InvalidArgument, FailedPrecondition, ResourceExhausted, OutOfRange and
// AlreadyExists for refusals.
func hostErr(method string, err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("salon host: %s: %w", method, err)
	}
	e := &hostError{method: method, st: st}
	switch st.Code() {
	case codes.NotFound:
		e.kind = ErrNotFound
	case codes.PermissionDenied, codes.InvalidArgument, codes.FailedPrecondition,
		codes.ResourceExhausted, codes.OutOfRange, codes.AlreadyExists:
		e.kind = ErrRefused
	case codes.DeadlineExceeded:
		e.kind = context.DeadlineExceeded
	case codes.Canceled:
		e.kind = context.Canceled
	}
	return e
}
