package main

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/salon-chat/salon/client"
)

// Layout: the sidebar on the left, the conversation in the middle (title,
// messages, input), the member list on the right when there is room, and
// a status line across the bottom.
const (
	membersWidth    = 20
	membersMinWidth = 100 // below this terminal width the member list hides
)

func (m *model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = m.windowTitle()
	if !m.link.everIn {
		content := m.login.view(m)
		v.SetContent(content)
		v.Cursor = m.login.cursor(m, content)
		return v
	}
	lines, cursor := m.chatScreen()
	v.SetContent(strings.Join(lines, "\n"))
	v.Cursor = cursor
	return v
}

func (m *model) windowTitle() string {
	unread := 0
	for _, c := range m.st.Convs {
		unread += c.Mentions
	}
	title := "salon"
	if m.link.everIn {
		title += " — " + m.st.ConversationName(m.st.Active)
	}
	if unread > 0 {
		title += fmt.Sprintf(" (%d)", unread)
	}
	return title
}

// chatScreen draws every line of the chat screen, and says where the
// input's cursor is.
func (m *model) chatScreen() ([]string, *tea.Cursor) {
	w, h := max(m.width, 20), max(m.height, 5)
	side := min(m.cfg.SidebarWidth, w/3)
	members := 0
	if m.cfg.Members && w >= membersMinWidth && m.st.Active != client.Home {
		members = membersWidth
	}
	center := w - side - 1
	if members > 0 {
		center -= members + 1
	}
	body := h - 1 // the status line
	paneH := body - 3

	sidebar := m.drawSidebar(side, body)
	col := make([]string, 0, body)
	col = append(col, m.drawTitle(center))
	for _, l := range m.drawPane(center-1, paneH) {
		col = append(col, " "+l) // a margin after the sidebar's border
	}
	col = append(col, styles.border.Render(strings.Repeat("─", center)))
	m.input.SetWidth(max(1, center-4))
	col = append(col, fit(" "+m.input.View(), center))
	var right []string
	if members > 0 {
		right = m.drawMembers(members, body)
	}
	bar := styles.border.Render("│")
	lines := make([]string, 0, h)
	for i := 0; i < body; i++ {
		line := sidebar[i] + bar + col[i]
		if members > 0 {
			line += bar + right[i]
		}
		lines = append(lines, line)
	}
	lines = append(lines, m.drawStatus(w))

	var cursor *tea.Cursor
	if c := m.input.Cursor(); c != nil {
		c.Position.X += side + 2 // the sidebar, its border, the margin
		c.Position.Y = body - 1
		cursor = c
	}
	return lines, cursor
}

func (m *model) drawTitle(width int) string {
	st := m.st
	a := st.Active
	name := st.ConversationName(a)
	var info string
	switch {
	case a == client.Home:
		info = m.link.pseudo + " on " + m.conn.Addr()
	case a.IsUser():
		u := st.Users[a.UserTag()]
		state := "offline"
		if u != nil && u.Online {
			state = "online"
		}
		if st.Friends[a.UserTag()] {
			state += " · friend"
		}
		info = state
	default:
		list := st.MemberList(a)
		online := 0
		for _, u := range list {
			if u.Online {
				online++
			}
		}
		info = plural(len(list), "member", "members") + fmt.Sprintf(", %d online", online)
		if ch := st.Channel(a); ch != nil && ch.Topic != "" {
			info = displayable(ch.Topic) + " · " + info
		}
	}
	info += m.awayInfo(a) + m.callInfo(a)
	return fit(styles.title.Render(" "+name+" ")+" "+styles.faint.Render(info), width)
}

func (m *model) drawMembers(width, height int) []string {
	list := m.st.MemberList(m.st.Active)
	lines := make([]string, 0, height)
	// The call first: a long member list would push it out of sight.
	lines = append(lines, m.drawCallMembers(width)...)
	lines = append(lines, fit(styles.header.Render(fmt.Sprintf(" MEMBERS %d", len(list))), width))
	for _, u := range list {
		if len(lines) >= height {
			break
		}
		name := u.Pseudo
		if u.Tag == m.st.Me {
			name = styles.bold.Render(name)
		}
		name = m.rankMark(u.Tag) + name + m.awayMark(u)
		lines = append(lines, fit(" "+m.presenceDot(u.Tag)+" "+name, width))
	}
	return padLines(lines, width, height)
}

// drawStatus draws the bottom line: the connection, transfers in
// progress, and the latest news.
func (m *model) drawStatus(width int) string {
	var parts []string
	if m.link.online {
		parts = append(parts, styles.online.Render("●")+" "+m.link.pseudo+"@"+m.conn.Addr())
	} else {
		parts = append(parts, styles.err.Render("○ "+m.link.text))
	}
	keys := make([]string, 0, len(m.transfers))
	for k := range m.transfers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t := m.transfers[k]
		arrow := "↓"
		if t.up {
			arrow = "↑"
		}
		pct := int64(100)
		if t.size > 0 {
			pct = t.done * 100 / t.size
		}
		parts = append(parts, styles.badge.Render(fmt.Sprintf("%s %s %d%% of %s", arrow, t.name, pct, humanSize(t.size))))
	}
	if m.status != "" {
		if m.statusOK {
			parts = append(parts, styles.ok.Render(m.status))
		} else {
			parts = append(parts, styles.err.Render(m.status))
		}
	}
	return fit(" "+strings.Join(parts, styles.faint.Render(" · ")), width)
}

// inspectMsg runs a function on the model inside the event loop: tests
// read the screen and the model this way, race-free, and after every
// message sent before it.
type inspectMsg func(*model)

// screenText returns the screen as plain text, without trailing spaces.
func (m *model) screenText() string {
	v := m.View()
	lines := strings.Split(v.Content, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(ansi.Strip(l), " ")
	}
	return strings.Join(lines, "\n")
}
