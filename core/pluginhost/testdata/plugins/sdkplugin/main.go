// Command sdkplugin is a plugin written with the sdk, for pluginhost's
// tests of what the sdk and the host do together: a handler's sdk.Refuse
// reaching the host as a *Refusal, a logged duration reaching salond's log
// as a duration.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/salon-chat/salon/sdk"
)

type nope struct{ host sdk.Host }

func (n *nope) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	n.host = host
	host.Log().Info("nope ready", "delay", 5*time.Second)
	return sdk.Manifest{Games: []string{"nope"}, Verbs: []string{"NOPE"}}, nil
}

// HandleVerb refuses a NOPE without arguments and says the others back.
func (n *nope) HandleVerb(ctx context.Context, call sdk.VerbCall) error {
	if call.Args == "" {
		return sdk.Refuse("nothing to do: try NOPE something")
	}
	return n.host.SendToUser(ctx, call.From.Tag, "NOPE "+call.Args)
}

// HandleGame refuses every move, wrapped as a handler may wrap it.
func (n *nope) HandleGame(ctx context.Context, call sdk.GameCall) error {
	return fmt.Errorf("move %q: %w", call.Payload, sdk.Refuse("this game takes no moves"))
}

func main() { sdk.Serve(&nope{}) }
