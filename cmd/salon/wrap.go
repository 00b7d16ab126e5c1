package main

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Wrapping keeps web addresses whole. A terminal finds an address on
// screen by reading it as one run of characters; one broken across two
// rows, under the nick column, is two pieces it cannot open. So an
// address that does not fit what is left of a line starts the next one.
//
// An address longer than a whole line cannot be shown unbroken in a pane
// with borders: it gets lines of its own, and every piece of it is an
// OSC 8 hyperlink to the whole address, so that terminals which know OSC 8
// open the right page from any piece (the others print the text as is).
// The addresses that fit are links too.

// urlPattern finds an address in a word (without its styles).
var urlPattern = regexp.MustCompile(`(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s]+`)

// linkTarget returns the address a word holds, without the punctuation a
// sentence puts after it, or "".
func linkTarget(word string) string {
	u := urlPattern.FindString(ansi.Strip(word))
	u = strings.TrimRight(u, ".,;:!?)]}'\"»")
	if strings.HasPrefix(strings.ToLower(u), "www.") {
		u = "http://" + u
	}
	return u
}

func hyperlink(text, target string) string {
	return ansi.SetHyperlink(target) + text + ansi.ResetHyperlink()
}

// wrapParagraph wraps a line of styled text without newlines to width
// cells. Words are separated by spaces; a word longer than a line is
// broken (an address is given lines of its own first).
func wrapParagraph(s string, width int) []string {
	var lines []string
	cur, curW := "", 0
	flush := func() {
		lines = append(lines, cur)
		cur, curW = "", 0
	}
	for i, word := range strings.Split(s, " ") {
		w := ansi.StringWidth(word)
		target := linkTarget(word)
		shown := word
		if target != "" {
			shown = hyperlink(word, target)
		}
		sep := 0
		if i > 0 && curW > 0 {
			sep = 1
		}
		if curW+sep+w <= width {
			if sep == 1 {
				cur += " "
			}
			if curW+sep+w > 0 || i == 0 {
				cur += shown
			}
			curW += sep + w
			continue
		}
		switch {
		case target != "" || w <= width:
			if curW > 0 {
				flush()
			}
			if w <= width {
				cur, curW = shown, w
				continue
			}
			// An address longer than a line: lines of its own.
			for off := 0; off < w; off += width {
				cur = hyperlink(ansi.Cut(word, off, min(off+width, w)), target)
				flush()
			}
		default:
			// A long word fills what is left of the line, then lines of
			// its own, as a plain hard wrap would.
			off := 0
			if room := width - curW - sep; curW > 0 && room > 0 {
				cur += " " + ansi.Cut(word, 0, room)
				off = room
			}
			if curW > 0 || off > 0 {
				flush()
			}
			for ; w-off > width; off += width {
				cur = ansi.Cut(word, off, off+width)
				flush()
			}
			cur, curW = ansi.Cut(word, off, w), w-off
		}
	}
	if curW > 0 || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// sgrPattern finds the style sequences (SGR) of a text.
var sgrPattern = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// closeStyles makes each wrapped line carry its own styles: a style
// opened on one line and closed on a later one is closed at the end of
// the first and opened again at the start of the next. Left open, it
// would run on into whatever the screen draws after the line (the next
// row's sidebar), and the lines after the first would lose it.
func closeStyles(lines []string) []string {
	open := ""
	for i, l := range lines {
		line := open + l
		for _, seq := range sgrPattern.FindAllString(l, -1) {
			if seq == "\x1b[m" || seq == "\x1b[0m" {
				open = ""
			} else {
				open += seq
			}
		}
		if open != "" {
			line += "\x1b[m"
		}
		lines[i] = line
	}
	return lines
}
