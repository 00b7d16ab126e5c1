package sdk

import (
	"errors"

	"github.com/salon-chat/salon/internal/sdkv1/internal/rules"
)

// Refusal is how a game or verb handler turns a user's line down: bad
// arguments, nothing to do. salond answers the sender with one
// `ERR VERB reason` line (`ERR JEU reason` for a game), as it answers a
// core command it refuses. A refusal is an answer, not a failure: the
// plugin logs it only at debug level, and salond does not hold it against
// the plugin.
//
// A handler returns one with Refuse. It is found with errors.As, so a
// handler may wrap it (fmt.Errorf("roll: %w", sdk.Refuse(...))): the user
// is told Reason, not the wrapping text. Lines the handler sent before
// refusing are delivered first.
//
// A game should keep its players' mistakes inside its own payload grammar
// (`JEU game error ...`), which its clients know how to show; a refusal
// from a game handler is for lines the game cannot even read.
type Refusal struct {
	// Reason is told to the user: a short sentence, one line of at most
	// 200 bytes. The SDK makes any other fit: control characters become
	// spaces, surrounding spaces go, a longer reason is cut, and an empty
	// one becomes "request refused".
	Reason string
}

// Refuse returns a *Refusal with reason: the handler's answer that the
// user gets as `ERR VERB reason`.
func Refuse(reason string) error { return &Refusal{Reason: reason} }

func (r *Refusal) Error() string { return "refused: " + r.Reason }

// refusalOf reports whether err is (or wraps) a Refusal, and the reason
// salond will tell, made to fit.
func refusalOf(err error) (reason string, ok bool) {
	var r *Refusal
	if !errors.As(err, &r) {
		return "", false
	}
	if r == nil {
		// A nil *Refusal returned as an error is still the handler
		// saying no.
		return rules.Refused, true
	}
	return rules.Reason(r.Reason, rules.Refused), true
}
