package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Wrapping breaks lines between words, moves an address that does not
// fit to the next line, and gives one longer than a line lines of its own.
func TestWrapParagraph(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("x", 30) // 50 cells
	tests := []struct {
		name  string
		text  string
		width int
		want  []string
	}{
		{"short", "hello there", 20, []string{"hello there"}},
		{"words", "one two three four", 9, []string{"one two", "three", "four"}},
		{"spaces kept inside", "a  b", 10, []string{"a  b"}},
		{"address moves whole", "see https://example.org/a/b now", 24, []string{"see", "https://example.org/a/b", "now"}},
		{"address with a full stop", "go to www.example.org.", 16, []string{"go to", "www.example.org."}},
		{"address longer than a line", "see " + long + " now", 20, []string{"see", long[:20], long[20:40], long[40:], "now"}},
		{"long word fills the line", "ab " + strings.Repeat("z", 12), 8, []string{"ab zzzzz", "zzzzzzz"}},
		{"long word alone", strings.Repeat("z", 12), 5, []string{"zzzzz", "zzzzz", "zz"}},
		{"empty", "", 5, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := wrapParagraph(tt.text, tt.width)
			var got []string
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > tt.width {
					t.Errorf("%q is %d cells wide", l, w)
				}
				got = append(got, ansi.Strip(l))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Every piece of an address is a link to the whole of it, and words that
// are not addresses are not links.
func TestWrapLinks(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("x", 30)
	lines := wrapParagraph("see "+long+").", 20)
	link := ansi.SetHyperlink(long)
	if strings.Contains(lines[0], link) {
		t.Errorf("a plain word is a link: %q", lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, link) || !strings.Contains(l, ansi.ResetHyperlink()) {
			t.Errorf("a piece of the address is not a link to all of it: %q", l)
		}
	}
}

// On screen, an address that would straddle two rows is on one.
func TestURLNotSplitOnScreen(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	url := "https://salon.example/docs/client.md#wrapping"
	h.lines("MSG 0 2 5 2 " + strings.Repeat("blah ", 9) + url + " ok")
	s := h.expectScreen("bob │ blah", "│ "+url)
	for _, row := range strings.Split(s, "\n") {
		if strings.Contains(row, "https") && !strings.Contains(row, url) {
			t.Errorf("the address is broken:\n%s", s)
		}
	}
}

// A style spanning wrapped lines is closed at the end of each and opened
// again at the start of the next.
func TestWrapKeepsStyles(t *testing.T) {
	s := styles.err.Render("error: a refusal long enough to take several lines of the pane")
	lines := wrapLines(s, 20)
	if len(lines) < 3 {
		t.Fatalf("%q", lines)
	}
	open := sgrPattern.FindString(s)
	for i, l := range lines {
		if !strings.HasPrefix(l, open) {
			t.Errorf("line %d does not open the style: %q", i, l)
		}
		if !strings.HasSuffix(strings.TrimRight(l, " "), "\x1b[m") {
			t.Errorf("line %d does not close the style: %q", i, l)
		}
	}
}
