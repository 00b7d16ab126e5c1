package sdk

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Config is the plugin's `config { ... }` block from salond's configuration
// file. Its errors point at the operator's file, line and column.
type Config interface {
	// Decode decodes the block into target, a pointer to a struct with
	// `hcl` tags as gohcl reads them:
	//
	//	var c struct {
	//		Greeting string `hcl:"greeting,optional"`
	//		Sides    int    `hcl:"sides"`
	//	}
	//	if err := cfg.Decode(&c); err != nil { return sdk.Manifest{}, err }
	//
	// Unknown settings, missing required ones and values of the wrong type
	// are errors, each as "file:line:col: message" on a line of its own.
	Decode(target any) error
	// Empty reports whether the block sets nothing (or is absent).
	Empty() bool
	// Name is the plugin's name in the configuration (the block's label).
	Name() string
	// Errorf makes an error about a setting that decoded but is not
	// acceptable, positioned at the setting named attr ("limits.max" for an
	// attribute of a nested block); at the block itself if attr is "" or
	// not written.
	Errorf(attr, format string, args ...any) error
}

// Source is where a plugin's configuration comes from: the text of its
// config block body (without the braces) and where that text starts in the
// operator's file. Start.Line 0 means the position is unknown (no config
// block): errors then name only the file.
type Source struct {
	Name     string
	Filename string
	Body     []byte
	Start    hcl.Pos
}

// ConfigError is a configuration error: one "file:line:col: message" line
// per problem, in file order.
type ConfigError struct {
	Lines []string
}

func (e *ConfigError) Error() string { return strings.Join(e.Lines, "\n") }

// config is the Config of a parsed Source.
type config struct {
	src  Source
	file string // the file name errors start with
	body *hclsyntax.Body
}

// parseConfig parses src; a syntax error is a *ConfigError.
func parseConfig(src Source) (*config, error) {
	c := &config{src: src, file: src.Filename}
	if c.file == "" {
		c.file = "plugin " + src.Name
	}
	start := src.Start
	if start.Line <= 0 {
		start = hcl.Pos{Line: 1, Column: 1}
	}
	if start.Column <= 0 {
		start.Column = 1
	}
	f, diags := hclsyntax.ParseConfig(src.Body, src.Filename, start)
	if diags.HasErrors() {
		return nil, c.diagError(diags)
	}
	c.body = f.Body.(*hclsyntax.Body)
	return c, nil
}

func (c *config) Name() string { return c.src.Name }

func (c *config) Empty() bool {
	return len(c.body.Attributes) == 0 && len(c.body.Blocks) == 0
}

func (c *config) Decode(target any) error {
	if v := reflect.ValueOf(target); v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("sdk: Config.Decode needs a non-nil pointer, not %T", target)
	}
	if diags := gohcl.DecodeBody(c.body, nil, target); diags.HasErrors() {
		return c.diagError(diags)
	}
	return nil
}

func (c *config) Errorf(attr, format string, args ...any) error {
	pos, ok := c.find(attr)
	return &ConfigError{Lines: []string{c.at(pos, ok, fmt.Sprintf(format, args...))}}
}

// find locates a dotted attribute path in the body.
func (c *config) find(attr string) (hcl.Pos, bool) {
	body := c.body
	parts := strings.Split(attr, ".")
	for i, name := range parts {
		if name == "" {
			break
		}
		if a, ok := body.Attributes[name]; ok && i == len(parts)-1 {
			return a.NameRange.Start, true
		}
		var next *hclsyntax.Block
		for _, b := range body.Blocks {
			if b.Type == name {
				next = b
				break
			}
		}
		if next == nil {
			break
		}
		if i == len(parts)-1 {
			return next.TypeRange.Start, true
		}
		body = next.Body
	}
	return c.src.Start, c.src.Start.Line > 0
}

// wrap turns any error from the plugin's Configure into a ConfigError:
// positioned ones are kept, others are placed at the block.
func (c *config) wrap(err error) *ConfigError {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce
	}
	return &ConfigError{Lines: []string{c.at(c.src.Start, c.src.Start.Line > 0, oneLine(err.Error()))}}
}

func (c *config) at(pos hcl.Pos, known bool, msg string) string {
	if !known {
		return fmt.Sprintf("%s: %s", c.file, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", c.file, pos.Line, pos.Column, msg)
}

// diagError formats HCL diagnostics the way salond formats its own: errors
// only, in file order, one per line.
func (c *config) diagError(diags hcl.Diagnostics) *ConfigError {
	errs := slices.DeleteFunc(slices.Clone(diags), func(d *hcl.Diagnostic) bool {
		return d.Severity != hcl.DiagError
	})
	// gohcl follows "Variables not allowed" with a second complaint that the
	// (therefore unknown) value cannot be decoded; the first says it all.
	if len(errs) > 1 {
		errs = slices.DeleteFunc(errs, func(d *hcl.Diagnostic) bool {
			return d.Detail == "Unsuitable value: value must be known"
		})
	}
	slices.SortStableFunc(errs, func(a, b *hcl.Diagnostic) int {
		return cmp.Compare(diagStart(a).Byte, diagStart(b).Byte)
	})
	e := &ConfigError{}
	for _, d := range errs {
		msg := d.Summary
		if d.Detail != "" {
			msg += "; " + d.Detail
		}
		msg = oneLine(msg)
		if d.Subject == nil {
			e.Lines = append(e.Lines, c.at(hcl.Pos{}, false, msg))
			continue
		}
		e.Lines = append(e.Lines, c.at(d.Subject.Start, c.src.Start.Line > 0, msg))
	}
	return e
}

func diagStart(d *hcl.Diagnostic) hcl.Pos {
	if d.Subject == nil {
		return hcl.Pos{}
	}
	return d.Subject.Start
}

var newlines = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func oneLine(s string) string { return newlines.Replace(s) }
