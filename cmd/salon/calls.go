package main

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// Calls. The terminal carries no media and never joins a call: it shows
// who is in the call of each conversation (the sidebar's 🔊, the title,
// the member list, /call) and tells joins and leaves in the conversation.
// The state keeps the rosters and words the notices (client/call_state.go).

// ringTick redraws the screen once a ring has run out, so that the
// sidebar's bell goes away without waiting for a key.
type ringTick struct{}

func ringRedraw() tea.Cmd {
	return tea.Tick(45*time.Second+100*time.Millisecond, func(time.Time) tea.Msg { return ringTick{} })
}

// callEvent reacts to a CALL line, after the state took it in: a call
// that starts ringing is said in the status line too, wherever the user is.
func (m *model) callEvent(c client.Call) {
	a := m.st.CallConversation(c)
	if m.ready && c.Verb == "JOIN" && c.Actor != m.st.Me && m.st.Ringing(a) {
		m.setStatus(m.st.Pseudo(c.Actor)+" is calling you — answer in the web client", true)
	}
}

// callMark is what the sidebar and the title add to a conversation that
// has a call: a bell while it rings for the user, otherwise a speaker and
// how many are in it.
func (m *model) callMark(a wire.Addr) string {
	switch {
	case m.st.Ringing(a):
		return styles.invite.Render("🔔")
	case m.st.Call(a) != nil:
		return styles.online.Render(fmt.Sprintf("🔊 %d", len(m.st.Call(a).In)))
	}
	return ""
}

// callInfo is the title's part about the call, "" when there is none.
func (m *model) callInfo(a wire.Addr) string {
	switch {
	case m.st.Ringing(a):
		return " · 🔔 " + m.st.Pseudo(a.UserTag()) + " is calling you"
	case m.st.Call(a) != nil:
		return fmt.Sprintf(" · 🔊 %d in the call", len(m.st.Call(a).In))
	}
	return ""
}

// callFlags says what a participant sends, in short words: "mic cam
// screen"; "mic off" when they turned their microphone off, "muted" when
// a moderator silenced it.
func callFlags(p client.Participant) []string {
	var flags []string
	switch {
	case p.MutedBy != 0:
		flags = append(flags, "muted")
	case p.Media&client.Mic != 0:
		flags = append(flags, "mic")
	default:
		flags = append(flags, "mic off")
	}
	if p.Media&client.Cam != 0 {
		flags = append(flags, "cam")
	}
	if p.Media&client.Screen != 0 {
		flags = append(flags, "screen")
	}
	return flags
}

// drawCallMembers is the member list's part about the call, above the
// members: a heading, one line per participant and a blank line; nothing
// without a call.
func (m *model) drawCallMembers(width int) []string {
	list := m.st.CallList(m.st.Active)
	if len(list) == 0 {
		return nil
	}
	lines := []string{fit(styles.header.Render(fmt.Sprintf(" IN THE CALL %d", len(list))), width)}
	for _, p := range list {
		name := m.st.Pseudo(p.User)
		if p.User == m.st.Me {
			name = styles.bold.Render(name)
		}
		// The heading says what the list is: the room goes to the words.
		lines = append(lines, fit(" "+name+" "+styles.faint.Render(strings.Join(callFlags(p), " ")), width))
	}
	return append(lines, spaces(width))
}

// cmdCall lists who is in the call of the conversation on screen, one
// line each, in the conversation.
func (m *model) cmdCall(_ []string, _ string) tea.Cmd {
	a := m.st.Active
	if a == client.Home {
		m.fail(a, "open a channel or a direct conversation first: /call shows its call")
		return nil
	}
	name := m.st.ConversationName(a)
	list := m.st.CallList(a)
	if len(list) == 0 {
		m.note("no call in " + name)
		return nil
	}
	head := plural(len(list), "person", "people") + " in the call of " + name
	if m.st.Ringing(a) {
		head += ", ringing for you"
	}
	m.note(head + ":")
	for _, p := range list {
		flags := callFlags(p)
		if p.MutedBy != 0 {
			flags[0] = "muted by " + m.st.Pseudo(p.MutedBy)
		}
		m.note(m.st.Pseudo(p.User) + ": " + strings.Join(flags, ", "))
	}
	return nil
}
