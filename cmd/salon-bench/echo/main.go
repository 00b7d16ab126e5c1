// Command salon-bench-echo is the trivial plugin the load generator uses to
// time a JEU round trip: `JEU echo x` comes back as `JEU echo x` to the
// sender.
package main

import (
	"context"

	"github.com/salon-chat/salon/sdk"
)

type echo struct{ host sdk.Host }

func (e *echo) Configure(cfg sdk.Config, host sdk.Host) (sdk.Manifest, error) {
	e.host = host
	return sdk.Manifest{Games: []string{"echo"}}, nil
}

func (e *echo) HandleGame(ctx context.Context, call sdk.GameCall) error {
	return e.host.SendGame(ctx, call.From.Tag, "echo", call.Payload)
}

func main() { sdk.Serve(&echo{}) }
