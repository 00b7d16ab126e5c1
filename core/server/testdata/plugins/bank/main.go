// Command bank is a test plugin for salond's end-to-end tests: its game
// (bank, or the one its config names) exercises the key/value store and the
// wallet and answers the sender with the result.
//
//	set K V          -> set K          get K      -> value K V | absent K
//	cas K OLD NEW    -> cas K true|false  (OLD "-": the key must be absent)
//	del K            -> del K          list [P]   -> list K=V K=V ...
//	balance U        -> balance U N
//	credit U N       -> credit U N balance=B
//	debit U N        -> debit U N ok=true|false balance=B
//	transfer F T N   -> transfer F T N ok=true|false
//
// U, F and T are user tags, or "me". Host errors answer "error ...".
package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/salon-chat/salon/sdk"
)

type bank struct {
	host sdk.Host
	game string
}

func (b *bank) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		Game string `hcl:"game,optional"`
	}{Game: "bank"}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	b.host, b.game = host, c.Game
	return sdk.Manifest{Games: []string{c.Game}}, nil
}

func (b *bank) HandleGame(ctx context.Context, call sdk.GameCall) error {
	answer, err := b.do(ctx, call)
	if err != nil {
		kind := "failed"
		if errors.Is(err, sdk.ErrRefused) {
			kind = "refused"
		}
		answer = "error " + kind + " " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	return b.host.SendGame(ctx, call.From.Tag, b.game, answer)
}

func (b *bank) do(ctx context.Context, call sdk.GameCall) (string, error) {
	f := strings.Fields(call.Payload)
	if len(f) == 0 {
		return "usage", nil
	}
	tag := func(s string) int64 {
		if s == "me" {
			return call.From.Tag
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	kv, w := b.host.KV(), b.host.Wallet()
	switch {
	case f[0] == "set" && len(f) == 3:
		return "set " + f[1], kv.Set(ctx, f[1], []byte(f[2]))
	case f[0] == "get" && len(f) == 2:
		v, found, err := kv.Get(ctx, f[1])
		if !found {
			return "absent " + f[1], err
		}
		return "value " + f[1] + " " + string(v), err
	case f[0] == "cas" && len(f) == 4:
		var old []byte
		if f[2] != "-" {
			old = []byte(f[2])
		}
		ok, err := kv.CompareAndSwap(ctx, f[1], old, f[2] != "-", []byte(f[3]))
		return fmt.Sprintf("cas %s %t", f[1], ok), err
	case f[0] == "del" && len(f) == 2:
		return "del " + f[1], kv.Delete(ctx, f[1])
	case f[0] == "list" && len(f) <= 2:
		prefix := ""
		if len(f) == 2 {
			prefix = f[1]
		}
		es, err := kv.List(ctx, prefix)
		out := "list"
		for _, e := range es {
			out += " " + e.Key + "=" + string(e.Value)
		}
		return out, err
	case f[0] == "balance" && len(f) == 2:
		n, err := w.Balance(ctx, tag(f[1]))
		return fmt.Sprintf("balance %s %d", f[1], n), err
	case f[0] == "credit" && len(f) == 3:
		n, err := w.Credit(ctx, tag(f[1]), num(f[2]), "bank: credit")
		return fmt.Sprintf("credit %s %s balance=%d", f[1], f[2], n), err
	case f[0] == "debit" && len(f) == 3:
		ok, n, err := w.DebitIfAtLeast(ctx, tag(f[1]), num(f[2]), "bank: debit")
		return fmt.Sprintf("debit %s %s ok=%t balance=%d", f[1], f[2], ok, n), err
	case f[0] == "transfer" && len(f) == 4:
		ok, err := w.Transfer(ctx, tag(f[1]), tag(f[2]), num(f[3]), "bank: transfer")
		return fmt.Sprintf("transfer %s %s %s ok=%t", f[1], f[2], f[3], ok), err
	}
	return "usage", nil
}

func main() { sdk.Serve(&bank{}) }
