// Command slowpay is a test plugin for salond's fault-injection tests: a
// game whose handler is slow, with wallet and key/value writes before and
// after the wait, so that salond can be killed while calls are in flight.
//
//	JEU slowpay pay ID MS  -> debits 10 from the sender (DebitOnce, key pay-ID),
//	                          sets paid/ID, waits MS milliseconds, credits 4
//	                          back (CreditOnce, key back-ID), sets done/ID.
//	                          After each step returns it says so at once:
//	                          "debited ID ok=<bool> balance=B", "noted ID",
//	                          "credited ID balance=B"; then the handler's
//	                          answer "done ID".
//	JEU slowpay balance    -> balance B
//	JEU slowpay get K      -> value K V | absent K
//
// A step's line is sent only after the host call returned, that is after
// salond committed it: a line the player received is a promise that the
// step survives a crash. The progress lines are sent with a context of the
// plugin's own, so that they go out at once instead of riding back with the
// handler's answer. Host errors answer "error ID <step> ...".
package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/salon-chat/salon/sdk"
)

const (
	price  = 10
	refund = 4
)

type slowpay struct{ host sdk.Host }

func (p *slowpay) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	p.host = host
	return sdk.Manifest{Games: []string{"slowpay"}}, nil
}

func (p *slowpay) HandleGame(ctx context.Context, call sdk.GameCall) error {
	f := strings.Fields(call.Payload)
	user := call.From.Tag
	say := func(payload string) error {
		own, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return p.host.SendGame(own, user, "slowpay", payload)
	}
	kv, w := p.host.KV(), p.host.Wallet()
	switch {
	case len(f) == 3 && f[0] == "pay":
		id := f[1]
		ms, err := strconv.Atoi(f[2])
		if err != nil || ms < 0 {
			return say("error " + id + " usage")
		}
		ok, bal, err := w.DebitOnce(ctx, "pay-"+id, user, price, "slowpay: pay "+id)
		if err != nil {
			return say("error " + id + " debit " + oneLine(err))
		}
		say(fmt.Sprintf("debited %s ok=%t balance=%d", id, ok, bal))
		if err := kv.Set(ctx, "paid/"+id, []byte(strconv.FormatInt(user, 10))); err != nil {
			return say("error " + id + " paid " + oneLine(err))
		}
		say("noted " + id)
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		bal, err = w.CreditOnce(ctx, "back-"+id, user, refund, "slowpay: back "+id)
		if err != nil {
			return say("error " + id + " credit " + oneLine(err))
		}
		say(fmt.Sprintf("credited %s balance=%d", id, bal))
		if err := kv.Set(ctx, "done/"+id, []byte(strconv.FormatInt(user, 10))); err != nil {
			return say("error " + id + " done " + oneLine(err))
		}
		return p.host.SendGame(ctx, user, "slowpay", "done "+id)
	case len(f) == 1 && f[0] == "balance":
		bal, err := w.Balance(ctx, user)
		if err != nil {
			return say("error balance " + oneLine(err))
		}
		return p.host.SendGame(ctx, user, "slowpay", fmt.Sprintf("balance %d", bal))
	case len(f) == 2 && f[0] == "get":
		v, found, err := kv.Get(ctx, f[1])
		switch {
		case err != nil:
			return say("error get " + oneLine(err))
		case !found:
			return p.host.SendGame(ctx, user, "slowpay", "absent "+f[1])
		}
		return p.host.SendGame(ctx, user, "slowpay", "value "+f[1]+" "+string(v))
	}
	return say("usage")
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func main() { sdk.Serve(&slowpay{}) }
