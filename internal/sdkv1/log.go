package sdk

import (
	"encoding"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/go-hclog"
)

// textValues is the logger a served plugin logs with. Its entries travel to
// salond as hclog JSON, which go-plugin decodes into a map of plain values
// and logs again: a value that JSON writes as a number or an object comes
// out of salond's log as a float or a Go map, so that a time.Duration of
// 5s reads 5e+09. textValues writes every value that has a String method,
// but neither a JSON nor a text form of its own, as that string before it
// is encoded: what hclog's text format shows for it, and what salond's log
// then shows too. Once here, it holds for every plugin and every call site.
type textValues struct{ hclog.Logger }

// withTextValues wraps l; a logger wrapped already is returned as it is.
func withTextValues(l hclog.Logger) hclog.Logger {
	if _, ok := l.(*textValues); ok {
		return l
	}
	return &textValues{l}
}

func (l *textValues) Log(level hclog.Level, msg string, args ...any) {
	l.Logger.Log(level, msg, textArgs(args)...)
}

func (l *textValues) Trace(msg string, args ...any) { l.Logger.Trace(msg, textArgs(args)...) }
func (l *textValues) Debug(msg string, args ...any) { l.Logger.Debug(msg, textArgs(args)...) }
func (l *textValues) Info(msg string, args ...any)  { l.Logger.Info(msg, textArgs(args)...) }
func (l *textValues) Warn(msg string, args ...any)  { l.Logger.Warn(msg, textArgs(args)...) }
func (l *textValues) Error(msg string, args ...any) { l.Logger.Error(msg, textArgs(args)...) }

// With, Named and ResetNamed keep the wrapping: a logger made from this one
// (by a plugin, or by go-plugin) writes its values the same way.
func (l *textValues) With(args ...any) hclog.Logger {
	return &textValues{l.Logger.With(textArgs(args)...)}
}

func (l *textValues) Named(name string) hclog.Logger {
	return &textValues{l.Logger.Named(name)}
}

func (l *textValues) ResetNamed(name string) hclog.Logger {
	return &textValues{l.Logger.ResetNamed(name)}
}

// textArgs returns args (key, value, key, value...) with the values that
// JSON would not write as their String method does replaced by that
// string. The caller's slice is left alone.
func textArgs(args []any) []any {
	var out []any
	for i := 1; i < len(args); i += 2 {
		s, ok := asText(args[i])
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = s
	}
	if out == nil {
		return args
	}
	return out
}

func asText(v any) (string, bool) {
	switch v.(type) {
	case error, json.Marshaler, encoding.TextMarshaler:
		// hclog writes an error's text; the others say how they are
		// written.
		return "", false
	case fmt.Stringer:
		// fmt rather than String itself: it survives a nil pointer.
		return fmt.Sprint(v), true
	}
	return "", false
}
