package main

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// chatKey handles a key on the chat screen: navigation and scrolling
// first, then the input line (with its history and completion).
func (m *model) chatKey(k tea.KeyPressMsg) tea.Cmd {
	key := k.String()
	if key != "tab" && key != "shift+tab" {
		m.complete = nil
	}
	if cmd, ok := m.extKey(k); ok {
		return cmd
	}
	switch key {
	case "enter":
		return m.submit()
	case "tab":
		m.completeInput(1)
		return nil
	case "shift+tab":
		m.completeInput(-1)
		return nil
	case "up":
		m.browseHistory(-1)
		return nil
	case "down":
		m.browseHistory(1)
		return nil
	case "pgup":
		m.scrollBy(m.pageLines())
		return nil
	case "pgdown":
		m.scrollBy(-m.pageLines())
		return nil
	case "shift+up":
		m.scrollBy(1)
		return nil
	case "shift+down":
		m.scrollBy(-1)
		return nil
	case "ctrl+end", "alt+end":
		m.scroll, m.unseen = 0, 0
		return nil
	case "ctrl+n", "alt+down":
		m.step(1)
		return nil
	case "ctrl+p", "alt+up":
		m.step(-1)
		return nil
	case "esc":
		m.setStatus("", true)
		return nil
	}
	if len(key) == 5 && strings.HasPrefix(key, "alt+") && key[4] >= '1' && key[4] <= '9' {
		m.jump(int(key[4] - '0'))
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	m.noteTyping()
	return cmd
}

// pageLines is how far pgup and pgdown go: most of the pane.
func (m *model) pageLines() int { return max(1, m.height-6) }

func (m *model) scrollBy(n int) {
	m.scroll = max(0, m.scroll+n)
	if m.scroll == 0 {
		m.unseen = 0
	}
}

// browseHistory walks the lines sent earlier, as a shell does; the line
// being typed is kept and comes back at the end.
func (m *model) browseHistory(delta int) {
	if len(m.sent) == 0 {
		return
	}
	if m.histPos == len(m.sent) {
		m.draft = m.input.Value()
	}
	m.histPos = min(max(m.histPos+delta, 0), len(m.sent))
	if m.histPos == len(m.sent) {
		m.input.SetValue(m.draft)
	} else {
		m.input.SetValue(m.sent[m.histPos])
	}
	m.input.CursorEnd()
}

// submit runs the input line: a command, or a message to the conversation
// on screen.
func (m *model) submit() tea.Cmd {
	text := m.input.Value()
	if m.priv.ask != nil {
		// A passphrase: never kept in the input history.
		return m.answerPrompt(text)
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if len(m.sent) == 0 || m.sent[len(m.sent)-1] != text {
		m.sent = append(m.sent, text)
		if len(m.sent) > 500 {
			m.sent = m.sent[1:]
		}
	}
	m.histPos = len(m.sent)
	m.draft = ""
	m.input.SetValue("")
	m.scroll, m.unseen = 0, 0
	m.setStatus("", true)
	// "//text" sends "/text", for messages that start with a slash.
	if strings.HasPrefix(text, "/") && !strings.HasPrefix(text, "//") {
		return m.command(text[1:])
	}
	text = strings.TrimPrefix(text, "/")
	m.sayOrCompose(text)
	return nil
}

// say sends a message to the conversation on screen. It shows once the
// server echoes it: the echo means it is stored.
func (m *model) say(text string) {
	a := m.st.Active
	if a == client.Home {
		m.fail(a, "this is not a conversation: open one with ctrl+n, alt+1..9, or /msg PSEUDO")
		return
	}
	if len(text) > wire.MaxText {
		m.fail(a, "a message is at most 4000 bytes")
		return
	}
	text, ok := m.outgoing(a, text)
	if !ok {
		return
	}
	m.send(wire.Head("MSG", a, text))
}

// openDirect opens the direct conversation with user, and says text in it
// if there is any.
func (m *model) openDirect(user int64, text string) {
	if user == m.st.Me {
		m.fail(m.st.Active, "that is you")
		return
	}
	m.open(wire.User(user))
	if text != "" {
		m.say(text)
	}
}
