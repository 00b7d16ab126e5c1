// Command salon-dice is a Salon plugin: a bot that answers "!roll 2d6+1" in
// the channels it is invited to (and in direct messages), and a verb
// "ROLL 2d6+1" that answers the roller alone ("ROLL 2d6+1 4 + 2 + 1 = 7"),
// or refuses what it cannot roll ("ERR ROLL nothing to roll: try 2d6+1").
package main

import (
	"context"
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/salon-chat/salon/sdk"
)

type dice struct {
	host sdk.Host
	bot  string
	intn func(n int) int
}

func (d *dice) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	c := struct {
		Bot string `hcl:"bot,optional"`
	}{Bot: "dice"}
	if err := cfg.Decode(&c); err != nil {
		return sdk.Manifest{}, err
	}
	if c.Bot == "" || strings.ContainsAny(c.Bot, " \t") || len(c.Bot) > 32 {
		return sdk.Manifest{}, cfg.Errorf("bot", "bot must be a pseudo: 1 to 32 bytes without spaces")
	}
	d.host, d.bot = host, c.Bot
	return sdk.Manifest{Verbs: []string{"ROLL"}, Bots: []string{c.Bot}, Events: []string{sdk.EventMessage}}, nil
}

// HandleVerb answers ROLL to the roller alone; an expression it cannot
// roll is refused, which the roller gets as `ERR ROLL reason`.
func (d *dice) HandleVerb(ctx context.Context, call sdk.VerbCall) error {
	expr := strings.TrimSpace(call.Args)
	terms, err := parseRoll(expr)
	if err != nil {
		return sdk.Refuse(err.Error())
	}
	_, detail := roll(terms, d.intn)
	return d.host.SendToUser(ctx, call.From.Tag, "ROLL "+expr+" "+detail)
}

// HandleEvent answers "!roll ..." said where the bot can hear it.
func (d *dice) HandleEvent(ctx context.Context, e sdk.Event) {
	if e.Kind != sdk.EventMessage {
		return
	}
	expr, ok := strings.CutPrefix(e.Text, "!roll")
	if !ok || (expr != "" && expr[0] != ' ') {
		return
	}
	expr = strings.TrimSpace(expr)
	var answer string
	if terms, err := parseRoll(expr); err != nil {
		answer = e.User.Pseudo + ": " + err.Error()
	} else {
		_, detail := roll(terms, d.intn)
		answer = e.User.Pseudo + " rolls " + expr + ": " + detail
	}
	if err := d.host.PostMessage(ctx, d.bot, e.Conversation, answer); err != nil {
		d.host.Log().Warn("cannot answer a roll", "error", err)
	}
}

// cryptoIntn is uniform in [0, n), from crypto/rand: players cannot predict
// the dice.
func cryptoIntn(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return int(v.Int64())
}

func main() { sdk.Serve(&dice{intn: cryptoIntn}) }
