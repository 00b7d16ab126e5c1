package main

import (
	"sort"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// The commands of Part two. They are added to the list after /msg, so that
// /help shows them with the other conversation commands.
func init() {
	ext := []command{
		{"reply", "[TEXT]", "answer the selected message (alt+s selects; default: the newest)", (*model).cmdReply},
		{"edit", "[TEXT]", "change the selected message, or your last one (up on an empty line)", (*model).cmdEdit},
		{"react", "EMOJI", "react to the selected message (default: the newest)", (*model).cmdReact},
		{"unreact", "EMOJI", "take a reaction back", (*model).cmdUnreact},
		{"search", "TEXT", "search the conversation on screen (from home: everywhere)", (*model).cmdSearch},
		{"list", "", "the channels of the current server you may join", (*model).cmdList},
		{"join", "#CHANNEL", "join a public channel of the current server", (*model).cmdJoin},
		{"topic", "[TEXT]", "set the channel's topic (none: clear it)", (*model).cmdTopic},
		{"mod", "PSEUDO", "make someone a moderator of this channel (from general: of the server)", (*model).cmdMod},
		{"unmod", "PSEUDO", "take moderation back", (*model).cmdUnmod},
		{"kick", "PSEUDO [REASON]", "remove someone from this channel (from general: the server)", (*model).cmdKick},
		{"ban", "PSEUDO [REASON]", "remove someone from the server and refuse their return", (*model).cmdBan},
		{"unban", "PSEUDO", "lift a ban", (*model).cmdUnban},
		{"bans", "", "list the server's bans", (*model).cmdBans},
		{"open", "", "make this channel public", (*model).cmdOpen},
		{"close", "", "make this channel invitation-only again", (*model).cmdClose},
		{"away", "[NOTE]", "say you are away (none: back)", (*model).cmdAway},
		{"call", "", "who is in the call of this conversation (calls are joined from the web client)", (*model).cmdCall},
	}
	for i, c := range commands {
		if c.name == "delete" {
			commands[i].args = "[NAME]"
			commands[i].help = "delete the selected message; /delete NAME deletes the current channel (from general: the server), for everyone"
			commands[i].run = (*model).cmdDeleteMessage
		}
	}
	at := len(commands)
	for i, c := range commands {
		if c.name == "msg" {
			at = i + 1
		}
	}
	commands = append(commands[:at], append(ext, commands[at:]...)...)
}

// needTags refuses what an original-protocol server cannot do.
func (m *model) needTags() bool {
	if !m.st.Tags {
		m.fail(m.st.Active, "this server does not offer message ids (CAP tags)")
		return false
	}
	return true
}

// acted ends a selection once a command used it.
func (m *model) acted() {
	m.ext.selecting, m.ext.sel = false, 0
}

func (m *model) cmdReply(_ []string, rest string) tea.Cmd {
	if !m.needTags() {
		return nil
	}
	it, ok := m.target(false)
	if !ok {
		m.fail(m.st.Active, "no message to reply to here")
		return nil
	}
	if rest == "" {
		m.startCompose(false, it)
		return nil
	}
	m.acted()
	rest, ok = m.outgoing(m.st.Active, rest)
	if !ok {
		return nil
	}
	m.send("REPLY " + strconv.FormatInt(it.ID, 10) + " " + rest)
	return nil
}

func (m *model) cmdEdit(_ []string, rest string) tea.Cmd {
	if !m.needTags() {
		return nil
	}
	it, ok := m.target(true)
	if !ok || it.Author != m.st.Me || it.Kind != client.Said {
		m.fail(m.st.Active, "you can only edit your own text messages")
		return nil
	}
	if rest == "" {
		m.startCompose(true, it)
		return nil
	}
	m.acted()
	rest, ok = m.outgoing(m.st.Active, rest)
	if !ok {
		return nil
	}
	m.send("EDIT " + strconv.FormatInt(it.ID, 10) + " " + rest)
	return nil
}

// cmdDeleteMessage deletes the selected message; with a name, or without
// a selection, it is the channel's /delete.
func (m *model) cmdDeleteMessage(args []string, rest string) tea.Cmd {
	if len(args) == 0 && m.ext.sel != 0 {
		it, ok := m.target(false)
		if ok {
			m.acted()
			m.send("DELETE " + strconv.FormatInt(it.ID, 10))
			return nil
		}
	}
	if len(args) == 0 && m.st.Tags {
		m.note("to delete a message, select it first (alt+s, then d)")
	}
	return m.cmdDelete(args, rest)
}

func (m *model) react(verb string, args []string) {
	if len(args) != 1 || !wire.ValidEmoji(args[0]) {
		m.usage(strings.ToLower(verb))
		return
	}
	if !m.needTags() {
		return
	}
	it, ok := m.target(false)
	if !ok {
		m.fail(m.st.Active, "no message to react to here")
		return
	}
	m.acted()
	m.send(verb + " " + strconv.FormatInt(it.ID, 10) + " " + args[0])
}

func (m *model) cmdReact(args []string, _ string) tea.Cmd   { m.react("REACT", args); return nil }
func (m *model) cmdUnreact(args []string, _ string) tea.Cmd { m.react("UNREACT", args); return nil }

func (m *model) cmdSearch(_ []string, rest string) tea.Cmd {
	if rest == "" || len(rest) > wire.MaxQuery {
		return m.usage("search")
	}
	if !m.needTags() {
		return nil
	}
	in := m.st.Active
	if err := m.conn.Find(in, rest); err != nil {
		m.fail(in, "cannot search: "+err.Error())
		return nil
	}
	m.st.StartSearch(in, rest)
	// The server cannot match ciphertext: private messages are searched here.
	m.st.Search.Results = m.localMatches(in, rest)
	m.ext.search, m.ext.found = true, 0
	return nil
}

// server returns the server on screen, or reports that there is none.
func (m *model) server(what string) (int64, bool) {
	a, ok := m.place(what)
	return a.Server, ok
}

func (m *model) cmdList(_ []string, _ string) tea.Cmd {
	if s, ok := m.server("/list"); ok && m.needTags() {
		m.askList(s, "")
	}
	return nil
}

func (m *model) askList(s int64, join string) {
	if m.ext.listFor == nil {
		m.ext.listFor = map[int64]string{}
	}
	if m.send(wire.Head("LIST", s)) {
		m.ext.listFor[s] = join
	}
}

// listAnswered shows a LIST answer, or joins the channel it was asked for.
func (m *model) listAnswered(s int64) {
	join, asked := m.ext.listFor[s]
	delete(m.ext.listFor, s)
	sv := m.st.Servers[s]
	if !asked || sv == nil {
		return
	}
	if join != "" {
		m.joinListed(sv, join)
		return
	}
	m.note("channels of " + sv.Name + ":")
	for _, ci := range sv.Listed {
		kind := "public"
		if !ci.Public {
			kind = "private"
		}
		line := "  #" + ci.Name + " (" + kind + ", " + strconv.FormatInt(ci.Members, 10) + " members)"
		if ci.Topic != "" {
			line += " — " + ci.Topic
		}
		if m.st.Channel(ci.Place) != nil {
			line += " · joined"
		} else if ci.Public {
			line += " · /join #" + ci.Name
		}
		m.note(line)
	}
}

func (m *model) joinListed(sv *client.Server, name string) bool {
	for _, ci := range sv.Listed {
		if strings.EqualFold(ci.Name, name) {
			if m.st.Channel(ci.Place) != nil {
				m.open(ci.Place)
				return true
			}
			m.send(wire.Head("JOIN", ci.Place))
			return true
		}
	}
	m.fail(m.st.Active, "no channel #"+name+" in "+sv.Name+" (/list shows them)")
	return false
}

func (m *model) cmdJoin(args []string, _ string) tea.Cmd {
	if len(args) != 1 {
		return m.usage("join")
	}
	name := strings.TrimPrefix(args[0], "#")
	s, ok := m.server("/join")
	if !ok || !m.needTags() {
		return nil
	}
	// Always ask: the list says which channels are public now.
	m.askList(s, name)
	return nil
}

func (m *model) cmdTopic(_ []string, rest string) tea.Cmd {
	a, ok := m.place("/topic")
	if !ok {
		return nil
	}
	if len(rest) > wire.MaxTopic {
		m.fail(a, "a topic is at most 512 bytes")
		return nil
	}
	if rest == "" {
		m.send(wire.Head("TOPIC", a))
	} else {
		m.send(wire.Head("TOPIC", a, rest))
	}
	return nil
}

// onMember runs line(user) for the member named by args[0] in the place
// on screen, asking WHO first when the pseudo is unknown.
func (m *model) onMember(name string, args []string, line func(a wire.Addr, u int64) string) {
	if len(args) < 1 {
		m.usage(name)
		return
	}
	a, ok := m.place("/" + name)
	if !ok {
		return
	}
	m.withUser(strings.TrimPrefix(args[0], "@"), whoWaiter{action: "then", then: func(m *model, u int64) {
		m.send(line(a, u))
	}})
}

func restAfter(rest string, args []string) string {
	if len(args) == 0 {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(rest, args[0]))
}

func (m *model) cmdMod(args []string, _ string) tea.Cmd {
	m.onMember("mod", args, func(a wire.Addr, u int64) string { return wire.Head("MOD", a, wire.User(u)) })
	return nil
}

func (m *model) cmdUnmod(args []string, _ string) tea.Cmd {
	m.onMember("unmod", args, func(a wire.Addr, u int64) string { return wire.Head("UNMOD", a, wire.User(u)) })
	return nil
}

func withReason(line, reason string) string {
	if reason == "" {
		return line
	}
	return line + " " + reason
}

func (m *model) cmdKick(args []string, rest string) tea.Cmd {
	reason := restAfter(rest, args)
	m.onMember("kick", args, func(a wire.Addr, u int64) string {
		return withReason(wire.Head("KICK", a, wire.User(u)), reason)
	})
	return nil
}

func (m *model) cmdBan(args []string, rest string) tea.Cmd {
	reason := restAfter(rest, args)
	m.onMember("ban", args, func(a wire.Addr, u int64) string {
		return withReason(wire.Head("BAN", a.Server, 0, wire.User(u)), reason)
	})
	return nil
}

func (m *model) cmdUnban(args []string, _ string) tea.Cmd {
	m.onMember("unban", args, func(a wire.Addr, u int64) string { return wire.Head("UNBAN", a.Server, 0, wire.User(u)) })
	return nil
}

func (m *model) cmdBans(_ []string, _ string) tea.Cmd {
	s, ok := m.server("/bans")
	if !ok {
		return nil
	}
	if m.ext.bansFor == nil {
		m.ext.bansFor = map[int64]bool{}
	}
	if m.send(wire.Head("BANS", s)) {
		m.ext.bansFor[s] = true
	}
	return nil
}

func (m *model) bansAnswered(s int64) {
	if !m.ext.bansFor[s] {
		return
	}
	delete(m.ext.bansFor, s)
	sv := m.st.Servers[s]
	if sv == nil {
		return
	}
	if len(sv.Bans) == 0 {
		m.note("nobody is banned from " + sv.Name)
		return
	}
	var names []string
	for _, b := range sv.Bans {
		names = append(names, m.st.Pseudo(b.User)+reasonText(b.Reason))
	}
	sort.Strings(names)
	m.note("banned from " + sv.Name + ": " + strings.Join(names, " · "))
}

func (m *model) cmdOpen(_ []string, _ string) tea.Cmd {
	if a, ok := m.place("/open"); ok {
		m.send(wire.Head("OPEN", a))
	}
	return nil
}

func (m *model) cmdClose(_ []string, _ string) tea.Cmd {
	if a, ok := m.place("/close"); ok {
		m.send(wire.Head("CLOSE", a))
	}
	return nil
}

func (m *model) cmdAway(_ []string, rest string) tea.Cmd {
	if len(rest) > wire.MaxAway {
		m.fail(m.st.Active, "an away note is at most 256 bytes")
		return nil
	}
	if rest == "" {
		m.send("AWAY")
	} else {
		m.send("AWAY " + rest)
	}
	return nil
}
