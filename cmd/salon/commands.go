package main

import (
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// command is one slash command.
type command struct {
	name, args, help string
	run              func(m *model, args []string, rest string) tea.Cmd
}

// commands, in the order /help lists them. Their names are what tab
// completes after a slash.
var commands []command

func init() {
	commands = []command{
		{"new", "server NAME | channel NAME", "create a server, or a channel in the current server", (*model).cmdNew},
		{"invite", "PSEUDO", "invite someone to the current channel", (*model).cmdInvite},
		{"friend", "PSEUDO", "ask someone to be your friend", (*model).cmdFriend},
		{"unfriend", "PSEUDO", "end a friendship (or withdraw a request)", (*model).cmdUnfriend},
		{"accept", "friend PSEUDO | invite PSEUDO [PLACE]", "accept a friend request, or an invitation to a server or channel", (*model).cmdAccept},
		{"decline", "friend PSEUDO | invite PSEUDO [PLACE]", "decline a friend request, or an invitation to a server or channel", (*model).cmdDecline},
		{"msg", "PSEUDO [TEXT]", "open the direct conversation with someone", (*model).cmdMsg},
		{"leave", "", "leave the current channel (from general: the server); close a direct conversation", (*model).cmdLeave},
		{"delete", "NAME", "delete the current channel (from general: the server), for everyone", (*model).cmdDelete},
		{"rename", "NAME", "rename the current channel (from general: the server)", (*model).cmdRename},
		{"nick", "PSEUDO", "change your pseudo", (*model).cmdNick},
		{"password", "[OLD] NEW", "change your password", (*model).cmdPassword},
		{"who", "PSEUDO", "look someone up", (*model).cmdWho},
		{"upload", "PATH", "share a file in the current conversation", (*model).cmdUpload},
		{"download", "NAME [PATH]", "save a file shared in the current conversation", (*model).cmdDownload},
		{"jeu", "GAME ARGS", "talk to a game; roulette, blackjack and holdem play at the conversation on screen (a lone . stands for it in other games)", (*model).cmdJeu},
		{"reconnect", "", "drop the connection and connect again now", (*model).cmdReconnect},
		{"help", "", "list the commands and keys", (*model).cmdHelp},
		{"quit", "", "log out and leave", (*model).cmdQuit},
	}
}

// command runs a line typed after "/".
func (m *model) command(line string) tea.Cmd {
	name, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	args := strings.Fields(rest)
	for _, c := range commands {
		if c.name == strings.ToLower(name) {
			return c.run(m, args, rest)
		}
	}
	m.fail(m.st.Active, "unknown command /"+name+" (/help lists them)")
	return nil
}

// usage reports a command typed wrongly.
func (m *model) usage(name string) tea.Cmd {
	for _, c := range commands {
		if c.name == name {
			m.fail(m.st.Active, "usage: /"+name+" "+c.args)
		}
	}
	return nil
}

// withUser runs do with the tag of pseudo, asking the server (WHO) first
// if this client has not met them.
func (m *model) withUser(pseudo string, w whoWaiter) {
	if u := m.st.FindUser(pseudo); u != nil {
		m.runWaiter(client.Presence{Online: u.Online, User: u.Tag, Pseudo: u.Pseudo}, w)
		return
	}
	if !wire.ValidName(pseudo) {
		m.fail(m.st.Active, "no such user: "+pseudo)
		return
	}
	key := wire.FoldPseudo(pseudo)
	m.who[key] = append(m.who[key], w)
	m.send("WHO " + pseudo)
}

func (m *model) cmdNew(args []string, _ string) tea.Cmd {
	if len(args) != 2 || !wire.ValidName(args[1]) {
		return m.usage("new")
	}
	switch args[0] {
	case "server":
		m.send(wire.Head("NEW SERV", args[1]))
	case "channel":
		a := m.st.Active
		if a == client.Home || a.IsUser() {
			m.fail(a, "open a channel of the server first")
			return nil
		}
		m.send(wire.Head("NEW CHAN", a.Server, args[1]))
	default:
		return m.usage("new")
	}
	return nil
}

// place returns the channel on screen, or reports that there is none.
func (m *model) place(what string) (wire.Addr, bool) {
	a := m.st.Active
	if a == client.Home || a.IsUser() {
		m.fail(a, what+" works in a channel: open one first")
		return a, false
	}
	return a, true
}

func (m *model) cmdInvite(args []string, _ string) tea.Cmd {
	if len(args) != 1 {
		return m.usage("invite")
	}
	if a, ok := m.place("/invite"); ok {
		m.withUser(strings.TrimPrefix(args[0], "@"), whoWaiter{action: "invite", place: a, from: a})
	}
	return nil
}

func (m *model) cmdFriend(args []string, _ string) tea.Cmd {
	if len(args) != 1 {
		return m.usage("friend")
	}
	m.withUser(strings.TrimPrefix(args[0], "@"), whoWaiter{action: "friend", from: m.st.Active})
	return nil
}

func (m *model) cmdUnfriend(args []string, _ string) tea.Cmd {
	if len(args) != 1 {
		return m.usage("unfriend")
	}
	u := m.st.FindUser(strings.TrimPrefix(args[0], "@"))
	if u == nil {
		m.fail(m.st.Active, "no such user: "+args[0])
		return nil
	}
	m.send(wire.Head("BYE", wire.User(u.Tag)))
	return nil
}

func (m *model) cmdAccept(args []string, _ string) tea.Cmd {
	inv, ok := m.invitation("accept", args)
	if !ok {
		return nil
	}
	if inv.Place.IsUser() {
		m.send(wire.Head("JOIN", wire.User(inv.From)))
	} else {
		m.send(wire.Head("JOIN", inv.Place))
	}
	return nil
}

func (m *model) cmdDecline(args []string, _ string) tea.Cmd {
	inv, ok := m.invitation("decline", args)
	if !ok {
		return nil
	}
	if inv.Place.IsUser() {
		m.send(wire.Head("BYE", wire.User(inv.From)))
		return nil
	}
	// The protocol has no verb to decline an invitation to a channel: it
	// stays pending on the server, and is only hidden here.
	m.st.Invites = removeInvitation(m.st.Invites, inv)
	m.note("declined the invitation to " + inv.Name() + " (hidden until your next login)")
	return nil
}

func removeInvitation(list []client.Invitation, inv client.Invitation) []client.Invitation {
	out := list[:0]
	for _, i := range list {
		if i != inv {
			out = append(out, i)
		}
	}
	return out
}

func (m *model) cmdMsg(args []string, rest string) tea.Cmd {
	if len(args) == 0 {
		return m.usage("msg")
	}
	pseudo := strings.TrimPrefix(args[0], "@")
	text := strings.TrimSpace(strings.TrimPrefix(rest, args[0]))
	m.withUser(pseudo, whoWaiter{action: "msg", text: text})
	return nil
}

func (m *model) cmdLeave(_ []string, _ string) tea.Cmd {
	a := m.st.Active
	switch {
	case a == client.Home:
		m.fail(a, "/leave works in a channel or a direct conversation")
	case a.IsUser():
		delete(m.st.Convs, a)
		m.open(client.Home)
	default:
		m.send(wire.Head("BYE", a))
	}
	return nil
}

// cmdDelete asks for the name as confirmation: deleting removes the
// channel (or server), its history and its files for everyone.
func (m *model) cmdDelete(args []string, _ string) tea.Cmd {
	a, ok := m.place("/delete")
	if !ok {
		return nil
	}
	name := m.placeName(a)
	if len(args) != 1 || args[0] != name {
		what := "the channel #" + name
		if a.IsServer() {
			what = "the server " + name + " with all its channels"
		}
		m.note(fmt.Sprintf("this deletes %s, its history and its files, for everyone: type /delete %s to confirm", what, name))
		return nil
	}
	m.send(wire.Head("DEL", a))
	return nil
}

// placeName is what /delete and /rename act on: the channel, or the
// server when the general channel is on screen.
func (m *model) placeName(a wire.Addr) string {
	if a.IsServer() {
		if sv := m.st.Servers[a.Server]; sv != nil {
			return sv.Name
		}
	}
	if ch := m.st.Channel(a); ch != nil {
		return ch.Name
	}
	return a.String()
}

func (m *model) cmdRename(args []string, _ string) tea.Cmd {
	if len(args) != 1 || !wire.ValidName(args[0]) {
		return m.usage("rename")
	}
	a, ok := m.place("/rename")
	if !ok {
		return nil
	}
	if a.IsServer() {
		m.send(wire.Head("RENAME", args[0], a.Server))
	} else {
		m.send(wire.Head("RENAME", args[0], a))
	}
	return nil
}

func (m *model) cmdNick(args []string, _ string) tea.Cmd {
	if len(args) != 1 || !wire.ValidName(args[0]) {
		return m.usage("nick")
	}
	m.send(wire.Head("PSD", args[0], m.conn.Password()))
	return nil
}

func (m *model) cmdPassword(args []string, _ string) tea.Cmd {
	var old, new string
	switch len(args) {
	case 1:
		old, new = m.conn.Password(), args[0]
	case 2:
		old, new = args[0], args[1]
	default:
		return m.usage("password")
	}
	if !wire.ValidPassword(new) {
		m.fail(m.st.Active, "a password is 8 to 128 bytes without spaces")
		return nil
	}
	m.send(wire.Head("PSW", old, new))
	return nil
}

func (m *model) cmdWho(args []string, _ string) tea.Cmd {
	if len(args) != 1 || !wire.ValidName(strings.TrimPrefix(args[0], "@")) {
		return m.usage("who")
	}
	// Always ask: the answer says whether they are online now.
	pseudo := strings.TrimPrefix(args[0], "@")
	key := wire.FoldPseudo(pseudo)
	m.who[key] = append(m.who[key], whoWaiter{action: "who"})
	m.send("WHO " + pseudo)
	return nil
}

// conversation returns the conversation on screen if files can go there.
func (m *model) conversation(what string) (wire.Addr, bool) {
	a := m.st.Active
	if a == client.Home {
		m.fail(a, what+" works in a conversation: open one first")
		return a, false
	}
	return a, true
}

func (m *model) cmdUpload(_ []string, rest string) tea.Cmd {
	if rest == "" {
		return m.usage("upload")
	}
	a, ok := m.conversation("/upload")
	if !ok {
		return nil
	}
	path := expandHome(rest)
	if a.IsUser() && m.priv.on[a.UserTag()] {
		m.uploadPrivate(a, path)
		return nil
	}
	id, name, err := m.conn.Upload(a, path)
	if err != nil {
		m.fail(a, "cannot upload: "+err.Error())
		return nil
	}
	size := int64(0)
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	m.transfers[uploadKey(id)] = &transfer{up: true, name: name, size: size}
	m.note(fmt.Sprintf("uploading %s (%s)…", name, humanSize(size)))
	return nil
}

func (m *model) cmdDownload(args []string, _ string) tea.Cmd {
	if len(args) < 1 || len(args) > 2 {
		return m.usage("download")
	}
	a, ok := m.conversation("/download")
	if !ok {
		return nil
	}
	dest := expandHome(m.cfg.Downloads)
	if len(args) == 2 {
		dest = expandHome(args[1])
	}
	if isPrivateFile(a, args[0]) {
		m.downloadPrivate(a, args[0], dest)
		return nil
	}
	if err := m.conn.Download(a, args[0], dest); err != nil {
		m.fail(a, "cannot download: "+err.Error())
		return nil
	}
	m.transfers[downloadKey(a, args[0])] = &transfer{name: args[0]}
	return nil
}

// cmdJeu sends a game command. Games name the table's conversation in
// their payload (docs/games): for the bundled games the client puts the
// conversation on screen there ("/jeu roulette bet red 50", games.go);
// for the others a lone "." is replaced by it: "/jeu dice roll . 2d6".
func (m *model) cmdJeu(args []string, _ string) tea.Cmd {
	if len(args) < 1 {
		return m.usage("jeu")
	}
	a := m.st.Active
	payload, need := withTable(args[0], args[1:], a)
	if need {
		m.fail(a, "/jeu "+args[0]+" "+payload[0]+" plays at the table of a conversation: open one first")
		return nil
	}
	for i, f := range payload {
		if f == "." {
			if a == client.Home {
				m.fail(a, "“.” stands for the conversation on screen: open one first")
				return nil
			}
			payload[i] = a.String()
		}
	}
	line := "JEU " + args[0]
	if len(payload) > 0 {
		line += " " + strings.Join(payload, " ")
	}
	if m.send(line) {
		m.st.Played(args[0], a)
	}
	return nil
}

func (m *model) cmdReconnect(_ []string, _ string) tea.Cmd {
	m.conn.Reconnect()
	return nil
}

func (m *model) cmdHelp(_ []string, _ string) tea.Cmd {
	m.note("commands:")
	for _, c := range commands {
		m.note(strings.TrimSpace("  /"+c.name+" "+c.args) + " — " + c.help)
	}
	m.note("keys: enter send · tab complete (commands, pseudos, files) · up/down input history · " +
		"pgup/pgdown scroll · ctrl+n/ctrl+p or alt+up/alt+down next/previous conversation · alt+1..9 jump · ctrl+c quit")
	m.note("a message starting with / is sent with //; @pseudo mentions someone")
	return nil
}

func (m *model) cmdQuit(_ []string, _ string) tea.Cmd { return m.quit() }
