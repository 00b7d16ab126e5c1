package main

import (
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The palette is the terminal's own 16 colours, so that salon looks right
// on light and dark themes alike.
var styles = struct {
	title, bold, faint, err, ok, mentionMe, mention, selected, unread, badge, header,
	notice, game, border, online, offline, invite, box lipgloss.Style
	pseudos []lipgloss.Style
}{
	title:     lipgloss.NewStyle().Bold(true).Reverse(true),
	bold:      lipgloss.NewStyle().Bold(true),
	faint:     lipgloss.NewStyle().Faint(true),
	err:       lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
	ok:        lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
	mentionMe: lipgloss.NewStyle().Background(lipgloss.Color("3")).Foreground(lipgloss.Color("0")).Bold(true),
	mention:   lipgloss.NewStyle().Underline(true).Bold(true),
	selected:  lipgloss.NewStyle().Reverse(true),
	unread:    lipgloss.NewStyle().Bold(true),
	badge:     lipgloss.NewStyle().Foreground(lipgloss.Color("6")).Bold(true),
	header:    lipgloss.NewStyle().Foreground(lipgloss.Color("4")).Bold(true),
	notice:    lipgloss.NewStyle().Faint(true).Italic(true),
	game:      lipgloss.NewStyle().Foreground(lipgloss.Color("5")),
	border:    lipgloss.NewStyle().Faint(true),
	online:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
	offline:   lipgloss.NewStyle().Faint(true),
	invite:    lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
	box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(1, 3),
	pseudos: []lipgloss.Style{
		lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("4")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("5")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("6")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("9")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("12")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("13")),
		lipgloss.NewStyle().Foreground(lipgloss.Color("14")),
	},
}

// pseudoStyle gives each user a stable colour, from its tag (which, unlike
// the pseudo, never changes).
func pseudoStyle(tag int64) lipgloss.Style {
	return styles.pseudos[int(tag%int64(len(styles.pseudos)))]
}

// fit cuts s (which may hold styles) to width cells, with an ellipsis, and
// pads it to exactly width.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	if pad := width - ansi.StringWidth(s); pad > 0 {
		s += spaces(pad)
	}
	return s
}

// fitLeft is fit, aligned right.
func fitLeft(s string, width int) string {
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	if pad := width - ansi.StringWidth(s); pad > 0 {
		s = spaces(pad) + s
	}
	return s
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

func stripANSI(s string) string { return ansi.Strip(s) }
