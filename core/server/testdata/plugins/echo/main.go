// Command echo is a test plugin for salond's end-to-end tests: it serves
// the game "echo" (or the one its config names), and misbehaves on demand.
//
//	JEU echo                  -> JEU echo empty
//	JEU echo whoami           -> JEU echo you are <tag> <pseudo> online=<bool> bot=<bool>
//	JEU echo ping N           -> JEU echo pong N
//	JEU echo say <text>       -> JEU echo said <text>
//	JEU echo sleep D          -> JEU echo slept D, after sleeping for duration D
//	JEU echo all S C <text>   -> JEU echo <pseudo> says <text>, to every member of S C (SendGameTo)
//	JEU echo crash            -> the process exits
//	JEU echo hang             -> the handler never returns, whatever its deadline
//	JEU echo flood N K [P]    -> N lines "JEU echo flood i" (then P bytes of padding, if
//	                             given) to the sender from K goroutines,
//	                             then "JEU echo flood done sent=X failed=Y"
//	JEU echo garbage          -> tries to send lines it may not send, with the
//	                             handler's context and then with one of its own,
//	                             then "JEU echo garbage <result> ... / <result> ..."
//	                             (one result per attempt)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/salon-chat/salon/sdk"
)

type echo struct {
	host sdk.Host
	game string
}

func (e *echo) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		Game string `hcl:"game,optional"`
	}{Game: "echo"}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	e.host, e.game = host, c.Game
	return sdk.Manifest{Games: []string{c.Game}}, nil
}

func (e *echo) HandleGame(ctx context.Context, call sdk.GameCall) error {
	cmd, arg, _ := strings.Cut(call.Payload, " ")
	reply := func(payload string) error { return e.host.SendGame(ctx, call.From.Tag, e.game, payload) }
	switch cmd {
	case "":
		return reply("empty")
	case "whoami":
		return reply(fmt.Sprintf("you are %d %s online=%t bot=%t", call.From.Tag, call.From.Pseudo, call.From.Online, call.From.Bot))
	case "ping":
		return reply("pong " + arg)
	case "say":
		return reply("said " + arg)
	case "sleep":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return reply("error sleep D")
		}
		time.Sleep(d)
		return reply("slept " + arg)
	case "all":
		f := strings.SplitN(arg, " ", 3)
		if len(f) != 3 {
			return reply("error all S C text")
		}
		conv, err := sdk.ParseConversation(f[0] + " " + f[1])
		if err != nil {
			return reply("error " + err.Error())
		}
		return e.host.SendGameTo(ctx, conv, e.game, call.From.Pseudo+" says "+f[2])
	case "crash":
		os.Exit(3)
	case "hang":
		<-make(chan struct{})
	case "flood":
		var n, k, pad int
		if _, err := fmt.Sscanf(arg, "%d %d %d", &n, &k, &pad); err != nil {
			pad = 0
			if _, err := fmt.Sscanf(arg, "%d %d", &n, &k); err != nil {
				return reply("error flood N K [P]")
			}
		}
		if n <= 0 || k <= 0 || pad < 0 || pad > 3000 {
			return reply("error flood N K [P]")
		}
		go e.flood(call.From.Tag, n, k, strings.Repeat("x", pad))
		return nil
	case "garbage":
		// The SDK may treat lines sent with the handler's context apart
		// from others: try both.
		own, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return reply("garbage " + e.garbage(ctx, call.From.Tag) + " / " + e.garbage(own, call.From.Tag))
	}
	return reply("error unknown move " + strconv.Quote(call.Payload))
}

// flood sends n lines to user from k goroutines, outside any handler.
func (e *echo) flood(user int64, n, k int, pad string) {
	ctx := context.Background()
	var next, sent, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				line := "flood " + strconv.FormatInt(i, 10)
				if pad != "" {
					line += " " + pad
				}
				if err := e.host.SendGame(ctx, user, e.game, line); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	msg := fmt.Sprintf("flood done sent=%d failed=%d", sent.Load(), failed.Load())
	if s, ok := firstErr.Load().(string); ok {
		e.host.Log().Warn("flood: a send failed", "error", s)
	}
	// The report may meet the end of the plugin's allowance the flood used
	// up: it is tried again until it goes.
	for try := 0; ; try++ {
		err := e.host.SendGame(ctx, user, e.game, msg)
		if err == nil {
			return
		}
		if !errors.Is(err, sdk.ErrRefused) || try == 100 {
			e.host.Log().Error("flood: cannot report", "error", err)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// garbage tries lines salond must refuse, to the user and to the
// conversations it is in, and says what happened to each: "refused"
// (sdk.ErrRefused), "error" (another error) or "SENT".
func (e *echo) garbage(ctx context.Context, user int64) string {
	attempts := []struct {
		conv string // "" for the user
		line string
	}{
		{"", "MSG 1 0 forged by a plugin"},
		{"", "PONG forged"},
		{"", "JEU other not my game"},
		{"", "JEU " + e.game + "x close but not mine"},
		{"", "JEU " + e.game + " ok\r\nMSG 1 0 injected"},
		{"", "JEU " + e.game + " a\nb"},
		{"", "JEU " + e.game + " bell\a"},
		{"", ""},
		{"", "JEU " + e.game + " " + strings.Repeat("x", 5000)},
		{"", "ROLL 2d6 not my verb"},
		{"1 0", "MSG 0 1 1 0 forged to a channel"},
		{"1 0", "JEU " + e.game + " x\r\nBYE"},
	}
	var results []string
	for _, a := range attempts {
		var err error
		if a.conv == "" {
			err = e.host.SendToUser(ctx, user, a.line)
		} else {
			conv, _ := sdk.ParseConversation(a.conv)
			err = e.host.SendToConversation(ctx, conv, a.line)
		}
		switch {
		case err == nil:
			results = append(results, "SENT")
		case errors.Is(err, sdk.ErrRefused):
			results = append(results, "refused")
		default:
			results = append(results, "error")
			e.host.Log().Warn("garbage: unexpected error", "error", err)
		}
	}
	return strings.Join(results, " ")
}

func main() { sdk.Serve(&echo{}) }
