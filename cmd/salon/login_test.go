package main

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The login form fits a terminal of 80x24, in both modes, with an error
// showing and a connection attempt under way: every field and every line
// of help is on screen, and no line is wider than the terminal.
func TestLoginFits80x24(t *testing.T) {
	long := "cannot reach 127.0.0.1:7777: dial tcp 127.0.0.1:7777: connect: connection refused (retrying in a moment)"
	tests := []struct {
		name     string
		register bool
		busy     bool
		err      string
		want     []string
	}{
		{name: "log in", want: []string{"Log in", "pseudo    pppppppp", "password", "enter: continue · tab: next field · esc: quit", "ctrl+r: create an account instead"}},
		{name: "create", register: true, want: []string{"Create an account", "pseudo", "password", "again", "ctrl+r: log in to an existing account instead"}},
		{name: "error", register: true, err: "the two passwords differ", want: []string{"again", "the two passwords differ", "esc: quit"}},
		{name: "long error", register: true, err: long, want: []string{"again", "cannot reach", "(retrying in a moment)", "esc: quit"}},
		{name: "busy with an error", register: true, busy: true, err: long, want: []string{"again", "connecting to", "esc: quit", "ctrl+r: log in"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel(newFake(), testConfig())
			m.width, m.height = 80, 24
			m.login.register, m.login.busy, m.login.err = tt.register, tt.busy, tt.err
			m.link.text = "connecting to 127.0.0.1:7777…"
			m.login.fields[0].SetValue(strings.Repeat("p", 32))
			lines := strings.Split(m.View().Content, "\n")
			if len(lines) > 24 {
				t.Errorf("%d lines", len(lines))
			}
			var plain []string
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > 80 {
					t.Errorf("line %d is %d columns: %q", i, w, ansi.Strip(l))
				}
				plain = append(plain, ansi.Strip(l))
			}
			screen := strings.Join(plain, "\n")
			for _, w := range tt.want {
				if !strings.Contains(screen, w) {
					t.Errorf("lacks %q:\n%s", w, screen)
				}
			}
			if strings.Contains(screen, "╭") == false || strings.Contains(screen, "╰") == false {
				t.Errorf("the box is cut:\n%s", screen)
			}
		})
	}
}
