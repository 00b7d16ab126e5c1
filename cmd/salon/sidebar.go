package main

import (
	"strconv"

	"github.com/charmbracelet/x/ansi"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// sideEntry is one line of the sidebar.
type sideEntry struct {
	addr   wire.Addr
	nav    bool   // a conversation: selectable
	text   string // styled, without counts
	indent int
	quiet  bool // no unread counts: they show on the same conversation above
}

// sidebar lists, in order: home, each server with its channels, the direct
// conversations, the friends (selecting one opens the conversation with
// them), and pending invitations.
func (m *model) sidebar() []sideEntry {
	st := m.st
	list := []sideEntry{{addr: client.Home, nav: true, text: "home"}}
	for _, sv := range st.ServerList() {
		list = append(list, sideEntry{text: styles.header.Render(sv.Name)})
		for _, ch := range sv.ChannelList() {
			list = append(list, sideEntry{addr: ch.Addr, nav: true, text: "# " + ch.Name + m.sideCall(ch.Addr), indent: 1})
		}
	}
	if direct := st.DirectList(); len(direct) > 0 {
		list = append(list, sideEntry{text: styles.header.Render("DIRECT")})
		for _, a := range direct {
			list = append(list, sideEntry{addr: a, nav: true, text: m.presenceDot(a.UserTag()) + " " + st.Pseudo(a.UserTag()) + m.sideCall(a), indent: 1})
		}
	}
	if friends := st.FriendList(); len(friends) > 0 {
		list = append(list, sideEntry{text: styles.header.Render("FRIENDS")})
		for _, u := range friends {
			list = append(list, sideEntry{addr: wire.User(u.Tag), nav: true, text: m.presenceDot(u.Tag) + " " + u.Pseudo, indent: 1, quiet: true})
		}
	}
	if len(st.Invites) > 0 {
		list = append(list, sideEntry{text: styles.header.Render("INVITES")})
		for _, inv := range st.Invites {
			var text string
			if inv.To == st.Me {
				text = styles.invite.Render("! " + st.Pseudo(inv.From) + " → " + inv.Name())
			} else {
				text = styles.faint.Render("… " + st.Pseudo(inv.To) + " ← " + inv.Name())
			}
			list = append(list, sideEntry{text: text, indent: 1})
		}
	}
	return list
}

// sideCall is a conversation's call mark, after its name.
func (m *model) sideCall(a wire.Addr) string {
	if mark := m.callMark(a); mark != "" {
		return " " + mark
	}
	return ""
}

func (m *model) presenceDot(tag int64) string {
	if u := m.st.Users[tag]; u != nil && u.Online {
		return styles.online.Render("●")
	}
	return styles.offline.Render("○")
}

// navigation returns the conversations of the sidebar in order, each once.
func (m *model) navigation() []wire.Addr {
	seen := map[wire.Addr]bool{}
	var list []wire.Addr
	for _, e := range m.sidebar() {
		if e.nav && !seen[e.addr] {
			seen[e.addr] = true
			list = append(list, e.addr)
		}
	}
	return list
}

// step moves to the next (+1) or previous (-1) conversation.
func (m *model) step(delta int) {
	nav := m.navigation()
	i := 0
	for j, a := range nav {
		if a == m.st.Active {
			i = j
		}
	}
	m.open(nav[((i+delta)%len(nav)+len(nav))%len(nav)])
}

// jump opens the n-th conversation (1-based), as alt+n does.
func (m *model) jump(n int) {
	if nav := m.navigation(); n >= 1 && n <= len(nav) {
		m.open(nav[n-1])
	}
}

// drawSidebar renders the sidebar in width x height cells, scrolled so
// that the active conversation shows.
func (m *model) drawSidebar(width, height int) []string {
	entries := m.sidebar()
	active := 0
	for i, e := range entries {
		if e.nav && e.addr == m.st.Active {
			active = i
			break
		}
	}
	first := 0
	if active >= height {
		first = active - height + 1
	}
	lines := make([]string, 0, height)
	for _, e := range entries[first:min(len(entries), first+height)] {
		lines = append(lines, m.drawEntry(e, width, e.nav && e.addr == m.st.Active))
	}
	for len(lines) < height {
		lines = append(lines, spaces(width))
	}
	return lines
}

func (m *model) drawEntry(e sideEntry, width int, active bool) string {
	text := spaces(1+2*e.indent) + e.text
	badge := ""
	if c := m.st.Convs[e.addr]; e.nav && !e.quiet && c != nil && !active {
		switch {
		case c.Mentions > 0:
			badge = styles.mentionMe.Render("@" + countBadge(c.Mentions))
		case c.Unread > 0:
			badge = styles.badge.Render(countBadge(c.Unread))
			text = styles.unread.Render(text)
		}
	}
	bw := ansi.StringWidth(badge)
	line := fit(text, width-bw-1) + badge + " "
	if active {
		return styles.selected.Render(ansi.Strip(line))
	}
	return line
}

// countBadge writes an unread or mention count for the sidebar. The
// server's UNREAD stops counting at 1000 (it means "1000 or more"), so
// from there on the badge says only that it is a lot, and stays narrow.
func countBadge(n int) string {
	if n >= 1000 {
		return "999+"
	}
	return strconv.Itoa(n)
}
