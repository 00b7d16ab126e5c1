package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// extState is what the chat screen keeps for Part two: the message
// selected to act on, a reply or an edit being written, the search pane,
// and what waits for an answer.
type extState struct {
	selecting bool
	sel       int64    // the selected message's id (0: none)
	compose   *compose // replying or editing: what enter sends
	search    bool     // the search pane is on screen
	found     int      // the selected result
	jumpTo    int64    // a message to reach by paging back, then select
	topInView bool     // the last drawing of the pane showed its top

	lastTyping map[wire.Addr]time.Time
	listFor    map[int64]string // LIST asked for server S: "" to show it, or a channel to join
	bansFor    map[int64]bool
}

// compose is a reply or an edit in the input line.
type compose struct {
	edit bool
	id   int64
	conv wire.Addr
}

// typingEvery is how often TYPING goes out while the user types: the
// server relays one per 3 s, so sending more often only costs lines.
const typingEvery = 3 * time.Second

// selectable returns the messages of the conversation on screen that can
// be acted on (text and files with ids), oldest first.
func (m *model) selectable() []client.Item {
	c := m.st.Convs[m.st.Active]
	if c == nil {
		return nil
	}
	var list []client.Item
	for _, it := range c.Items {
		if it.ID != 0 && !it.Deleted && (it.Kind == client.Said || it.Kind == client.Shared) {
			list = append(list, it)
		}
	}
	return list
}

// extKey handles the keys of selection mode, of the search pane, and the
// keys that start them; ok is false for keys left to the chat screen.
func (m *model) extKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	key := k.String()
	x := &m.ext
	switch {
	case x.search:
		m.searchKey(key)
		return nil, true
	case x.selecting:
		return m.selectKey(k), true
	}
	switch key {
	case "alt+s", "ctrl+s":
		m.startSelecting()
		return nil, true
	case "up":
		// Discord's habit: up on an empty line edits one's last message.
		if m.input.Value() == "" && m.histPos == len(m.sent) && x.compose == nil {
			if it, ok := m.lastOwn(); ok {
				m.startCompose(true, it)
				return nil, true
			}
		}
	case "esc":
		if x.compose != nil {
			x.compose = nil
			m.input.SetValue("")
			return nil, true
		}
	}
	return nil, false
}

func (m *model) startSelecting() {
	list := m.selectable()
	if !m.st.Tags || len(list) == 0 {
		m.setStatus("nothing to select here", false)
		return
	}
	m.ext.selecting, m.ext.sel = true, list[len(list)-1].ID
	m.setStatus("selecting: up/down move · r reply · e edit · d delete · + react · esc done", true)
}

func (m *model) selectKey(k tea.KeyPressMsg) tea.Cmd {
	x := &m.ext
	list := m.selectable()
	i := len(list) - 1
	for j, it := range list {
		if it.ID == x.sel {
			i = j
		}
	}
	if len(list) == 0 {
		x.selecting, x.sel = false, 0
		return nil
	}
	move := func(d int) {
		i = min(max(i+d, 0), len(list)-1)
		x.sel = list[i].ID
		m.showSelected()
	}
	switch k.String() {
	case "up", "k":
		move(-1)
	case "down", "j":
		move(1)
	case "pgup":
		move(-10)
	case "pgdown":
		move(10)
	case "home":
		move(-len(list))
	case "end":
		move(len(list))
	case "enter", "r":
		x.selecting = false
		m.startCompose(false, list[i])
	case "e":
		if list[i].Author != m.st.Me || list[i].Kind != client.Said {
			m.setStatus("you can only edit your own text messages", false)
			return nil
		}
		x.selecting = false
		m.startCompose(true, list[i])
	case "d", "delete":
		x.selecting = false
		m.input.SetValue("/delete")
		m.input.CursorEnd()
		m.setStatus("enter deletes the selected message · esc keeps it", true)
		return nil
	case "+":
		x.selecting = false
		m.input.SetValue("/react ")
		m.input.CursorEnd()
	case "/":
		x.selecting = false
		m.input.SetValue("/")
		m.input.CursorEnd()
	case "esc":
		x.selecting, x.sel = false, 0
		m.scroll, m.unseen = 0, 0
		m.setStatus("", true)
	}
	return nil
}

// target is the message a command acts on: the one selected, or else the
// newest one (own: the newest of the user's, for /edit and /delete).
func (m *model) target(own bool) (client.Item, bool) {
	list := m.selectable()
	if m.ext.sel != 0 {
		for _, it := range list {
			if it.ID == m.ext.sel {
				return it, true
			}
		}
	}
	for i := len(list) - 1; i >= 0; i-- {
		if !own || list[i].Author == m.st.Me {
			return list[i], true
		}
	}
	return client.Item{}, false
}

func (m *model) lastOwn() (client.Item, bool) {
	list := m.selectable()
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Author == m.st.Me && list[i].Kind == client.Said {
			return list[i], true
		}
	}
	return client.Item{}, false
}

// startCompose puts a reply to it, or an edit of it, in the input line.
func (m *model) startCompose(edit bool, it client.Item) {
	m.ext.compose = &compose{edit: edit, id: it.ID, conv: m.st.Active}
	m.ext.sel = 0
	m.scroll, m.unseen = 0, 0
	if edit {
		m.input.SetValue(it.Text)
		m.input.CursorEnd()
	} else {
		m.input.SetValue("")
	}
}

// sayOrCompose sends what was typed: a reply or an edit when one is being
// written, a message otherwise.
func (m *model) sayOrCompose(text string) {
	cp := m.ext.compose
	m.ext.compose = nil
	m.ext.sel = 0
	if cp == nil || cp.conv != m.st.Active {
		m.say(text)
		return
	}
	if len(text) > wire.MaxText {
		m.fail(cp.conv, "a message is at most 4000 bytes")
		return
	}
	verb := "REPLY"
	if cp.edit {
		verb = "EDIT"
	}
	text, ok := m.outgoing(cp.conv, text)
	if !ok {
		return
	}
	m.send(verb + " " + strconv.FormatInt(cp.id, 10) + " " + text)
}

// showSelected scrolls so that the selected message shows.
func (m *model) showSelected() {
	c := m.st.Convs[m.st.Active]
	if c == nil {
		return
	}
	w, h := m.paneSize()
	below, height := 0, 0
	for i := len(c.Items) - 1; i >= 0; i-- {
		n := len(m.drawItem(c.Items[i], w))
		if c.Items[i].ID == m.ext.sel {
			height = n
			break
		}
		below += n
	}
	h -= len(m.paneFooter(w)) + 1
	switch {
	case m.scroll > below:
		m.scroll = below
	case below+height > m.scroll+h:
		m.scroll = below + height - h
	}
}

// paneSize is the conversation pane's size, as chatScreen lays it out.
func (m *model) paneSize() (int, int) {
	w, h := max(m.width, 20), max(m.height, 5)
	side := min(m.cfg.SidebarWidth, w/3)
	center := w - side - 1
	if m.cfg.Members && w >= membersMinWidth && m.st.Active != client.Home {
		center -= membersWidth + 1
	}
	return center - 1, h - 4
}

// noteTyping tells the others the user is typing a message (not a
// command), at most once per typingEvery.
func (m *model) noteTyping() {
	if m.priv.ask != nil {
		return // a passphrase is not a message
	}
	a := m.st.Active
	v := m.input.Value()
	if cp := m.ext.compose; cp != nil && cp.edit {
		return // an edit is not news to announce
	}
	if !m.st.Tags || a == client.Home || v == "" || (strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//")) {
		return
	}
	if m.ext.lastTyping == nil {
		m.ext.lastTyping = map[wire.Addr]time.Time{}
	}
	now := time.Now()
	if last, ok := m.ext.lastTyping[a]; ok && now.Sub(last) < typingEvery {
		return
	}
	m.ext.lastTyping[a] = now
	m.conn.Send(wire.Head("TYPING", a))
}

// afterEvents keeps the server's read marker at what is on screen, and
// fetches older messages when the top of what is loaded shows.
func (m *model) afterEvents() {
	a := m.st.Active
	if m.link.online && m.scroll == 0 {
		if id := m.st.MarkRead(a); id != 0 {
			m.conn.Send(wire.Head("READ", a, id))
		}
	}
	m.maybeOlder()
}

// maybeOlder asks for the page before the oldest loaded message when the
// top of the conversation is in view (infinite scroll), or when a message
// to jump to is not loaded yet.
func (m *model) maybeOlder() {
	a := m.st.Active
	before, ok := m.st.OlderCursor(a)
	if !ok {
		return
	}
	if j := m.ext.jumpTo; j != 0 {
		if m.st.Item(a, j) != nil {
			m.ext.jumpTo = 0
			m.ext.selecting, m.ext.sel = true, j
			m.showSelected()
			return
		}
	} else {
		w, h := m.paneSize()
		m.drawPane(w, h)
		if !m.ext.topInView {
			return
		}
	}
	if m.conn.Older(a, before) == nil {
		m.st.Paging(a)
	}
}

// extEvent reacts to the events of Part two.
func (m *model) extEvent(e client.Event) {
	switch e := e.(type) {
	case client.Call:
		m.callEvent(e)
	case client.End:
		switch e.Verb {
		case "LIST":
			m.listAnswered(e.Addr.Server)
		case "BANS":
			m.bansAnswered(e.Addr.Server)
		case "FIND":
			if s := m.st.Search; s != nil {
				m.setStatus(fmt.Sprintf("%d found for “%s”", len(s.Results), s.Query), true)
			}
		case "HIST":
			if j := m.ext.jumpTo; j != 0 && m.st.Active == e.Addr && m.st.Item(e.Addr, j) != nil {
				m.ext.jumpTo = 0
				m.ext.selecting, m.ext.sel = true, j
				m.showSelected()
			}
		}
	case client.Topic:
		if m.ready {
			text := "cleared the topic"
			if e.Text != "" {
				text = "set the topic: " + e.Text
			}
			m.noteAt(e.Place, m.st.Pseudo(e.Actor)+" "+text)
		}
	case client.Role:
		if m.ready && e.Verb != "OWNER" {
			what := "is now a moderator"
			if e.Verb == "UNMOD" {
				what = "is no longer a moderator"
			}
			m.noteAt(e.Place, m.st.Pseudo(e.User)+" "+what)
		}
	case client.Visibility:
		if m.ready {
			what := "is now invitation-only"
			if e.Public {
				what = "is now public: any member of the server may /join it"
			}
			m.noteAt(e.Place, m.st.ConversationName(e.Place)+" "+what)
		}
	case client.Ban:
		if !m.ext.bansFor[e.Server] {
			if e.Lifted {
				m.note(m.st.Pseudo(e.User) + " may come back")
			} else {
				m.note(m.st.Pseudo(e.User) + " is banned" + reasonText(e.Reason))
			}
		}
	case client.Kick:
		if e.Actor == m.st.Me {
			m.setStatus("kicked "+m.st.Pseudo(e.User), true)
		}
	case client.Away:
		if e.User == m.st.Me && m.ready {
			if e.Text == "" {
				m.setStatus("you are back", true)
			} else {
				m.setStatus("you are away: "+e.Text, true)
			}
		}
	}
}

func reasonText(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

// noteAt notes something in a place's conversation once opened.
func (m *model) noteAt(a wire.Addr, text string) {
	if c := m.st.Convs[a]; c != nil && (c.Loaded || c.Loading) {
		m.st.Note(a, text)
	}
}

// present is how a message reads on screen: deletions and edits said.
func present(it client.Item) client.Item {
	switch {
	case it.Deleted:
		it.Kind, it.Text = client.Said, "⌫ message deleted"
	case !it.Edited.IsZero() && it.Kind == client.Said:
		it.Text += " (edited)"
	}
	return it
}

// decorate adds to an item's lines the message it answers (above), its
// reactions (below), and the selection's highlight.
func (m *model) decorate(it client.Item, lines []string, width int) []string {
	pad := spaces(min(width, m.textColumn()))
	if it.Reply != 0 && !it.Deleted {
		quote := "↱ a message not loaded"
		if r := m.st.Item(m.st.Active, it.Reply); r != nil {
			text := m.plainText(*r)
			if r.Kind == client.Shared {
				text = "[file] " + r.File
			}
			if r.Deleted {
				text = "(deleted)"
			}
			quote = "↱ " + m.st.Pseudo(r.Author) + ": " + strings.Join(strings.Fields(text), " ")
		}
		line := pad + styles.faint.Render(ansi.Truncate(quote, max(1, width-len(pad)), "…"))
		lines = append([]string{fit(line, width)}, lines...)
	}
	if len(it.Reactions) > 0 && !it.Deleted {
		var parts []string
		for _, r := range it.Reactions {
			part := fmt.Sprintf("%s %d", r.Emoji, len(r.Users))
			for _, u := range r.Users {
				if u == m.st.Me {
					part = styles.badge.Render(part)
				}
			}
			parts = append(parts, part)
		}
		lines = append(lines, wrapLines(pad+strings.Join(parts, "  "), width)...)
	}
	if m.ext.sel != 0 && it.ID == m.ext.sel {
		for i, l := range lines {
			lines[i] = styles.selected.Render(ansi.Strip(l))
		}
	}
	return lines
}

// textColumn is where message texts start (drawItem's prefix).
func (m *model) textColumn() int {
	n := nickWidth + 3
	if m.cfg.Timestamps {
		n += 6
	}
	return n
}

// paneFooter is what shows under the messages: who is typing, and the
// reply or edit being written.
func (m *model) paneFooter(width int) []string {
	var lines []string
	if users := m.st.TypingIn(m.st.Active); len(users) > 0 {
		var names []string
		for _, u := range users {
			names = append(names, u.Pseudo)
		}
		verb := " is typing…"
		if len(names) > 1 {
			verb = " are typing…"
		}
		lines = append(lines, fit(styles.faint.Render(strings.Join(names, ", ")+verb), width))
	}
	if cp := m.ext.compose; cp != nil && cp.conv == m.st.Active {
		what := "replying to a message"
		if it := m.st.Item(cp.conv, cp.id); it != nil {
			what = "replying to " + m.st.Pseudo(it.Author) + ": " + strings.Join(strings.Fields(m.plainText(*it)+it.File), " ")
			if cp.edit {
				what = "editing your message"
			}
		}
		lines = append(lines, fit(styles.selected.Render(ansi.Truncate(" "+what+" · esc cancels ", width, "…")), width))
	}
	return lines
}

// typingTick redraws when an "is typing" may have expired.
type typingTick struct{}

func typingRedraw() tea.Cmd {
	return tea.Tick(6*time.Second+100*time.Millisecond, func(time.Time) tea.Msg { return typingTick{} })
}

// rankMark is IRC's sign before a member's name: ~ the owner, @ a
// moderator.
func (m *model) rankMark(u int64) string {
	switch m.st.Rank(m.st.Active, u) {
	case "owner":
		return styles.mentionMe.Render("~")
	case "mod":
		return styles.badge.Render("@")
	}
	return ""
}

func (m *model) awayMark(u *client.User) string {
	if u.Away == "" {
		return ""
	}
	return styles.faint.Render(" (away)")
}

// awayInfo tells, in a direct conversation's title, the other party's away
// note.
func (m *model) awayInfo(a wire.Addr) string {
	if !a.IsUser() || a == client.Home {
		return ""
	}
	if u := m.st.Users[a.UserTag()]; u != nil && u.Away != "" {
		return " · away: " + displayable(u.Away)
	}
	return ""
}
