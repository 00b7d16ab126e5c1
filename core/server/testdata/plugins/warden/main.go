// Command warden is a test plugin for salond's end-to-end tests: a bot
// ("warden") that kicks and bans through the host API when told to with
// its verb. It obeys anyone: the host, not the plugin, decides whether the
// bot may (it must moderate the place), which is what the tests check.
//
//	WARDEN kick S C U reason   the bot kicks U from S C (C 0: the server)
//	WARDEN ban S U reason      the bot bans U from S
//
// The host's refusal comes back as `ERR WARDEN <its error>`; success is
// silent, the KICK and BYE lines of the protocol saying it.
package main

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/salon-chat/salon/sdk"
)

type warden struct{ host sdk.Host }

func (w *warden) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	w.host = host
	return sdk.Manifest{Bots: []string{"warden"}, Verbs: []string{"WARDEN"}}, nil
}

func (w *warden) HandleVerb(ctx context.Context, call sdk.VerbCall) error {
	f := strings.SplitN(call.Args, " ", 5)
	num := func(i int) int64 {
		if i >= len(f) {
			return -1
		}
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	var err error
	switch {
	case f[0] == "kick" && len(f) >= 4:
		reason := ""
		if len(f) == 5 {
			reason = f[4]
		}
		err = w.host.Kick(ctx, "warden", sdk.Conversation{Server: num(1), Channel: num(2)}, num(3), reason)
	case f[0] == "ban" && len(f) >= 3:
		reason := strings.Join(f[3:], " ")
		err = w.host.Ban(ctx, "warden", num(1), num(2), reason)
	default:
		return sdk.Refuse("usage: WARDEN kick S C U reason | WARDEN ban S U reason")
	}
	if errors.Is(err, sdk.ErrRefused) {
		return sdk.Refuse(err.Error())
	}
	return err
}

func main() { sdk.Serve(&warden{}) }
