package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
	"github.com/salon-chat/salon/core/wire"
)

// nickWidth is the column pseudos are right-aligned in, weechat-style, so
// that texts start in one column and wrapped lines stay under them.
const nickWidth = 12

// drawPane renders the bottom of the active conversation, skipping
// m.scroll lines, in width x height cells. It wraps only the messages that
// show (plus those scrolled past): a long history costs nothing to draw.
func (m *model) drawPane(width, height int) []string {
	if m.ext.search {
		return m.drawSearch(width, height)
	}
	footer := m.paneFooter(width)
	return append(m.drawMessages(width, height-len(footer)), footer...)
}

// drawMessages draws the messages part of the pane.
func (m *model) drawMessages(width, height int) []string {
	m.ext.topInView = false
	c := m.st.Convs[m.st.Active]
	var items []client.Item
	if c != nil {
		items = c.Items
	}
	lines := make([]string, 0, height)
	skip := m.scroll
	i := len(items) - 1
	for ; i >= 0 && len(lines) < height; i-- {
		block := m.drawItem(items[i], width)
		// A day line when the date changes between two messages.
		if i == 0 || !sameDay(items[i-1].Time, items[i].Time) {
			block = append([]string{dayLine(items[i].Time, width)}, block...)
		}
		for j := len(block) - 1; j >= 0 && len(lines) < height; j-- {
			if skip > 0 {
				skip--
				continue
			}
			lines = append(lines, block[j])
		}
	}
	if i < 0 && len(lines) < height {
		m.ext.topInView = true
		// The top is in view. Scrolled past it, come back to the first
		// page (a line is kept to say what is above).
		if m.scroll > 0 && (skip > 0 || len(lines) < height-1) {
			m.scroll = max(0, m.scroll-skip-(height-1-len(lines)))
			return m.drawMessages(width, height)
		}
		switch {
		case c != nil && c.Loading:
			lines = append(lines, fit(styles.faint.Render("loading the history…"), width))
		case c != nil && m.st.Tags && c.Loaded && !c.Complete:
			lines = append(lines, fit(styles.faint.Render("loading older messages…"), width))
		case m.st.Active != client.Home && c != nil && c.Loaded:
			lines = append(lines, fit(styles.faint.Render("— beginning of the conversation —"), width))
		}
	}
	for l, r := 0, len(lines)-1; l < r; l, r = l+1, r-1 {
		lines[l], lines[r] = lines[r], lines[l]
	}
	for len(lines) < height {
		lines = append([]string{spaces(width)}, lines...)
	}
	if m.scroll > 0 && height > 0 {
		more := "more below: pgdown"
		if m.unseen > 0 {
			more = fmt.Sprintf("%d new below: pgdown", m.unseen)
		}
		lines[height-1] = fit(styles.selected.Render(" ↓ "+more+" "), width)
	}
	return lines
}

func sameDay(a, b time.Time) bool {
	a, b = a.Local(), b.Local()
	return a.YearDay() == b.YearDay() && a.Year() == b.Year()
}

func dayLine(t time.Time, width int) string {
	label := " " + t.Local().Format("Monday 2 January 2006") + " "
	side := max(0, (width-ansi.StringWidth(label))/2)
	return fit(styles.faint.Render(strings.Repeat("─", side)+label+strings.Repeat("─", side)), width)
}

// drawItem renders one item as one or more lines of exactly width cells.
func (m *model) drawItem(it client.Item, width int) []string {
	orig := it
	it = present(it)
	stamp := ""
	if m.cfg.Timestamps {
		stamp = styles.faint.Render(it.Time.Local().Format("15:04")) + " "
	}
	var nick, body string
	switch it.Kind {
	case client.Said:
		nick = pseudoStyle(it.Author).Render(m.st.Pseudo(it.Author))
		body = m.highlight(displayable(it.Text))
		if !orig.Deleted && strings.HasPrefix(orig.Text, pgp.Prefix) {
			// present's " (edited)" goes after the decrypted text.
			body = m.privateBody(orig)
			if !orig.Edited.IsZero() {
				body += " (edited)"
			}
		}
	case client.Shared:
		nick = pseudoStyle(it.Author).Render(m.st.Pseudo(it.Author))
		body = fileText(it)
	case client.Played:
		nick = styles.game.Render("⚂ " + it.Game)
		text := it.Text
		if it.Shown != "" {
			text = it.Shown
		}
		body = styles.game.Render(displayable(text))
		if it.Error {
			body = styles.err.Render("error: " + displayable(text))
		}
	case client.Notice:
		nick = styles.faint.Render("--")
		body = styles.notice.Render(it.Text)
		if it.Error {
			// A mark and a word as well as a colour: the difference must
			// survive a terminal without colours, or a reader who cannot
			// tell red apart.
			nick = styles.err.Render("!!")
			body = styles.err.Render("error: " + it.Text)
		}
	}
	prefix := stamp + fitLeft(nick, nickWidth) + styles.border.Render(" │ ")
	indent := ansi.StringWidth(prefix)
	textWidth := width - indent
	if textWidth < 10 {
		// Too narrow for columns: one flowing text.
		return wrapLines(prefix+body, width)
	}
	wrapped := wrapLines(body, textWidth)
	pad := spaces(indent - 2)
	out := make([]string, len(wrapped))
	for i, w := range wrapped {
		if i == 0 {
			out[i] = prefix + w
		} else {
			out[i] = pad + styles.border.Render("│ ") + w
		}
	}
	return m.decorate(orig, out, width)
}

// displayable removes what would let a text rearrange the screen around
// it: bidirectional overrides and isolates (control characters never reach
// here: the protocol forbids them).
func displayable(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
}

// wrapLines wraps styled text to width cells, breaking words only when
// one does not fit a line (never an address: see wrap.go), and pads every
// line to width.
func wrapLines(s string, width int) []string {
	s = strings.ReplaceAll(s, "\t", "    ")
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		lines = append(lines, wrapParagraph(para, width)...)
	}
	lines = closeStyles(lines)
	for i, l := range lines {
		lines[i] = fit(l, width)
	}
	return lines
}

// fileText describes a shared file: its name, and for an image what a
// preview found out.
func fileText(it client.Item) string {
	kind := "file"
	if isImage(it.File) {
		kind = "image"
	}
	text := styles.bold.Render("["+kind+"] ") + it.File
	var facts []string
	if it.Width > 0 {
		facts = append(facts, fmt.Sprintf("%s %d×%d", strings.ToUpper(it.Format), it.Width, it.Height))
	}
	if it.Size > 0 {
		facts = append(facts, humanSize(it.Size))
	}
	if len(facts) > 0 {
		text += " (" + strings.Join(facts, ", ") + ")"
	}
	return text + styles.faint.Render(" · /download "+it.File)
}

// highlight marks the mentions in a text: of this user loudly, of others
// quietly.
func (m *model) highlight(text string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	me := wire.FoldPseudo(m.st.Pseudo(m.st.Me))
	spans := client.MentionSpans(text, func(p string) bool { return m.st.FindUser(p) != nil })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.Start])
		style := styles.mention
		if wire.FoldPseudo(sp.Pseudo) == me {
			style = styles.mentionMe
		}
		b.WriteString(style.Render(text[sp.Start:sp.End]))
		last = sp.End
	}
	b.WriteString(text[last:])
	return b.String()
}
