// Command coin is the plugin docs/plugins.md builds, kept here so that the
// tutorial's code is compiled, tested and run as a real plugin process by
// the sdk's tests.
//
//	JEU coin        -> JEU coin hello <greeting>
//	JEU coin flip   -> JEU coin heads   (or tails)
//	JEU coin stats  -> JEU coin flips 3
//	JEU coin toss   -> JEU coin error unknown move "toss"; try flip
package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/salon-chat/salon/sdk"
)

type coin struct {
	host     sdk.Host
	greeting string
}

func (c *coin) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	var conf struct {
		Greeting string `hcl:"greeting,optional"`
	}
	if err := cfg.Decode(&conf); err != nil {
		return sdk.Manifest{}, err
	}
	if conf.Greeting == "" {
		conf.Greeting = "Heads or tails?"
	}
	if len(conf.Greeting) > 200 {
		return sdk.Manifest{}, cfg.Errorf("greeting", "greeting is %d bytes long; 200 at most", len(conf.Greeting))
	}
	c.host, c.greeting = host, conf.Greeting
	host.Log().Info("coin ready", "greeting", c.greeting)
	return sdk.Manifest{Games: []string{"coin"}}, nil
}

func (c *coin) HandleGame(ctx context.Context, call sdk.GameCall) error {
	switch call.Payload {
	case "":
		return c.host.SendGame(ctx, call.From.Tag, "coin", "hello "+c.greeting)
	case "flip":
		side := "heads"
		if rand.IntN(2) == 1 {
			side = "tails"
		}
		if err := c.count(ctx, call.From.Tag); err != nil {
			return err
		}
		return c.host.SendGame(ctx, call.From.Tag, "coin", side)
	case "stats":
		n, err := c.flips(ctx, call.From.Tag)
		if err != nil {
			return err
		}
		return c.host.SendGame(ctx, call.From.Tag, "coin", "flips "+strconv.Itoa(n))
	}
	// A player's mistake is not a failure: answer it in the game's terms.
	return c.host.SendGame(ctx, call.From.Tag, "coin", fmt.Sprintf("error unknown move %q; try flip", call.Payload))
}

// count adds one to the user's flips. Two flips may run at once, so it
// swaps the new value in only if nobody changed it meanwhile.
func (c *coin) count(ctx context.Context, user int64) error {
	key := "flips/" + strconv.FormatInt(user, 10)
	for {
		old, found, err := c.host.KV().Get(ctx, key)
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(string(old))
		swapped, err := c.host.KV().CompareAndSwap(ctx, key, old, found, []byte(strconv.Itoa(n+1)))
		if err != nil || swapped {
			return err
		}
	}
}

func (c *coin) flips(ctx context.Context, user int64) (int, error) {
	v, _, err := c.host.KV().Get(ctx, "flips/"+strconv.FormatInt(user, 10))
	if err != nil {
		return 0, err
	}
	n, _ := strconv.Atoi(string(v))
	return n, nil
}

func main() {
	sdk.Serve(&coin{})
}
