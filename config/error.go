package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// diagError is what Parse returns for a bad file: HCL's own diagnostics and
// the validation errors alike, printed one per line as "file:line:col: message"
// in the order they appear in the file.
type diagError struct {
	lines []string
}

func newError(filename string, diags hcl.Diagnostics) error {
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
	// HCL reports unknown attributes in map order; sort so that the same
	// file always gives the same message.
	slices.SortStableFunc(errs, func(a, b *hcl.Diagnostic) int {
		return cmp.Compare(start(a).Byte, start(b).Byte)
	})
	e := &diagError{}
	for _, d := range errs {
		msg := d.Summary
		if d.Detail != "" {
			msg += "; " + d.Detail
		}
		msg = oneLine.Replace(msg)
		if d.Subject == nil {
			e.lines = append(e.lines, fmt.Sprintf("%s: %s", filename, msg))
			continue
		}
		// The file name is the caller's, not the diagnostic's: they are the
		// same, and this way every line is sure to start with it.
		e.lines = append(e.lines, fmt.Sprintf("%s:%d:%d: %s", filename, d.Subject.Start.Line, d.Subject.Start.Column, msg))
	}
	return e
}

var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func start(d *hcl.Diagnostic) hcl.Pos {
	if d.Subject == nil {
		return hcl.Pos{}
	}
	return d.Subject.Start
}

func (e *diagError) Error() string {
	return strings.Join(e.lines, "\n")
}

// position formats r's start the way errors do, to refer to another place in
// the file from within a message.
func position(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
