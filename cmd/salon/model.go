package main

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// session is what the UI needs of a client.Client; tests put a fake in
// its place to see the lines each command sends.
type session interface {
	Addr() string
	Login(pseudo, password string, register bool)
	Send(line string) error
	Upload(to wire.Addr, path string) (int, string, error)
	Download(from wire.Addr, name, path string) error
	History(of wire.Addr) error
	Older(of wire.Addr, before int64) error
	Find(in wire.Addr, text string) error
	Preview(from wire.Addr, name string) error
	Password() string
	Reconnect()
	NextEvents(ctx context.Context) ([]client.Event, error)
	Close()
}

// eventsMsg carries a batch of client events into the event loop: one
// message per batch, so a login burst of thousands of lines is one update.
type eventsMsg []client.Event

// closedMsg says the client has logged out and the program may end.
type closedMsg struct{}

// connState is what the status line says about the connection.
type connState struct {
	online bool
	text   string // "connecting…", "reconnecting in 2s: ..."
	pseudo string
	everIn bool // logged in at least once: the chat screen is up
}

// transfer is an upload or download in progress, for the status line.
type transfer struct {
	up         bool
	name       string
	done, size int64
}

// whoWaiter is something to do once a pseudo's tag is known (WHO).
type whoWaiter struct {
	action string    // "who", "friend", "invite", "msg"
	place  wire.Addr // invite: where; msg: unused
	text   string    // msg: what to say
	from   wire.Addr // the conversation the command was typed in
	then   func(m *model, user int64)
}

// model is the whole program: the login form until a login succeeds, then
// the chat screen.
type model struct {
	conn   session
	cfg    config
	st     *client.State
	ctx    context.Context
	cancel context.CancelFunc

	width, height int
	login         loginForm
	link          connState

	input    textinput.Model
	sent     []string // input history, oldest first
	histPos  int      // len(sent) when not browsing it
	draft    string   // what was typed before browsing the history
	complete *completion

	scroll   int // lines scrolled up from the bottom of the active conversation
	unseen   int // messages that arrived below while scrolled up
	status   string
	statusOK bool // status is good news rather than an error

	ready bool // the login burst is over: what arrives now is news

	transfers map[string]*transfer
	who       map[string][]whoWaiter // by folded pseudo
	inviting  []wire.Addr            // where each INV sent and not yet answered was typed, oldest first
	games     *gameBook
	quitting  bool

	ext extState // Part two: selection, replies and edits, search

	priv privacy // private conversations: keys, pins, decrypted texts
}

func newModel(conn session, cfg config) *model {
	ctx, cancel := context.WithCancel(context.Background())
	m := &model{conn: conn, cfg: cfg, st: client.NewState(), ctx: ctx, cancel: cancel,
		width: 80, height: 24, transfers: map[string]*transfer{}, who: map[string][]whoWaiter{}, games: newGameBook()}
	m.login = newLoginForm(cfg)
	m.input = textinput.New()
	m.input.Prompt = "› "
	m.input.CharLimit = wire.MaxText
	m.input.SetVirtualCursor(false)
	m.input.Focus()
	m.link.text = "not connected"
	return m
}

func (m *model) Init() tea.Cmd {
	if m.cfg.Pseudo != "" && m.cfg.Password != "" {
		// Everything needed is in the configuration: log in at once.
		m.startLogin(m.cfg.Pseudo, m.cfg.Password, false)
	}
	return m.waitEvents()
}

// waitEvents waits for the client's next events. Exactly one is pending
// at any time, so batches arrive in order.
func (m *model) waitEvents() tea.Cmd {
	conn, ctx := m.conn, m.ctx
	return func() tea.Msg {
		evs, err := conn.NextEvents(ctx)
		if err != nil {
			return nil
		}
		return eventsMsg(evs)
	}
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case eventsMsg:
		typing, call := false, false
		for _, e := range msg {
			m.handleEvent(e)
			_, t := e.(client.Typing)
			typing = typing || t
			_, c := e.(client.Call)
			call = call || c
		}
		if m.quitting {
			return m, nil
		}
		m.afterEvents()
		cmds := []tea.Cmd{m.waitEvents()}
		if typing {
			cmds = append(cmds, typingRedraw())
		}
		if call {
			cmds = append(cmds, ringRedraw())
		}
		if len(cmds) == 1 {
			return m, cmds[0]
		}
		return m, tea.Batch(cmds...)
	case typingTick, ringTick:
		return m, nil
	case closedMsg:
		m.cancel()
		return m, tea.Quit
	case inspectMsg:
		msg(m)
		return m, nil
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return m, m.quit()
		}
		if !m.link.everIn {
			return m, m.login.update(m, msg)
		}
		cmd := m.chatKey(msg)
		m.maybeOlder()
		return m, cmd
	case tea.PasteMsg:
		if !m.link.everIn {
			return m, m.login.update(m, msg)
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

// quit logs out (Close waits for the server's BYE, so off the event loop)
// and ends the program.
func (m *model) quit() tea.Cmd {
	if m.quitting {
		return nil
	}
	m.quitting = true
	conn := m.conn
	return func() tea.Msg {
		conn.Close()
		return closedMsg{}
	}
}

func (m *model) startLogin(pseudo, password string, register bool) {
	m.link.pseudo = pseudo
	m.login.busy = true
	m.login.err = ""
	m.link.text = "connecting to " + m.conn.Addr() + "…"
	m.conn.Login(pseudo, password, register)
}

// handleEvent applies one client event to the state and reacts to it.
func (m *model) handleEvent(e client.Event) {
	m.trackScroll(e)
	m.st.Apply(e)
	switch e := e.(type) {
	case client.Connecting:
		m.link.online = false
		if e.Attempt > 1 || m.link.everIn {
			m.link.text = fmt.Sprintf("reconnecting to %s (attempt %d)…", e.Addr, e.Attempt)
		} else {
			m.link.text = "connecting to " + e.Addr + "…"
		}
	case client.LoggedIn:
		m.ready = false
		m.inviting = nil // lost with the connection: no answer will come
		m.link.online = true
		m.link.pseudo = e.Pseudo
		m.link.text = ""
		m.login.busy = false
		if e.Reconnected {
			m.setStatus("reconnected", true)
			m.st.Note(client.Home, "reconnected to "+m.conn.Addr())
		} else if !m.link.everIn {
			verb := "logged in"
			if e.Registered {
				verb = "account created"
			}
			m.st.Note(client.Home, fmt.Sprintf("%s: welcome, %s. Type /help for the commands; /new server NAME starts a community, /friend PSEUDO adds a friend.", verb, e.Pseudo))
		}
		m.link.everIn = true
	case client.Tag:
		// A server or channel this user just created: go there.
		if m.ready && !e.Addr.IsUser() {
			m.open(e.Addr)
		}
	case client.Join:
		// An invitation this user just accepted: go there.
		if m.ready && !e.Addr.IsUser() && e.User == m.st.Me {
			m.open(e.Addr)
		}
	case client.Ready:
		m.ready = true
		m.checkOwnKey()
		// The burst restated the world: the conversation on screen needs
		// its history again (messages may have been missed).
		m.open(m.st.Active)
	case client.Disconnected:
		wasOnline := m.link.online
		m.link.online = false
		reason := "connection lost"
		if e.Err != nil {
			reason = e.Err.Error()
		}
		m.link.text = fmt.Sprintf("disconnected (%s): retrying in %s", reason, e.RetryIn.Round(100*time.Millisecond))
		switch {
		case wasOnline:
			// Said once, not at every failed attempt.
			m.st.Note(client.Home, "disconnected: "+reason)
		case !m.link.everIn:
			m.login.busy = false // the form may be changed while the client retries
			m.login.err = "cannot reach " + m.conn.Addr() + ": " + reason + " (retrying)"
		}
		m.clearTransfers()
	case client.LoginFailed:
		m.link.online = false
		m.link.text = "not connected"
		m.login.busy = false
		m.login.err = e.Reason
		if m.link.everIn {
			// The password changed elsewhere, say: back to the form.
			m.link.everIn = false
			m.login.err = "logged out: " + e.Reason
		}
	case client.Closed:
		m.link.online = false
	case client.Presence:
		m.whoAnswered(e)
	case client.PublicKey:
		m.gotKey(e)
	case client.Invite:
		if e.To == 0 {
			inv := client.Invitation{From: e.From, Place: e.Place, ServerName: e.ServerName, ChannelName: e.ChannelName}
			args := m.inviteArgs(inv)
			if e.IsFriendRequest() {
				m.setStatus(m.st.Pseudo(e.From)+" wants to be your friend: /accept "+args, true)
			} else {
				m.setStatus(m.st.Pseudo(e.From)+" invites you to "+inv.Name()+": /accept "+args, true)
			}
		} else if e.From == m.st.Me && len(m.inviting) > 0 {
			m.inviting = m.inviting[1:]
		}
	case client.Message, client.FileSent:
		if msg, ok := e.(client.Message); ok {
			m.sawPrivate(msg)
		}
		if f, ok := e.(client.FileSent); ok && m.cfg.ImagePreviews && isImage(f.Name) {
			if a, ok := m.st.ConversationOf(f); ok {
				m.conn.Preview(a, f.Name)
			}
		}
	case client.Game:
		m.showGame(e)
	case client.HistoryLoaded:
		m.previewRecent(e.Addr)
	case client.PasswordChanged:
		m.setStatus("password changed", true)
	case client.Rename:
		if e.Addr == wire.User(m.st.Me) {
			m.link.pseudo = e.Name
			m.setStatus("you are now "+e.Name, true)
		}
	case client.Delete, client.Bye:
		if m.st.Convs[m.st.Active] == nil {
			m.open(client.Home)
		}
	case client.ServerError:
		m.serverError(e)
	default:
		m.extEvent(e)
	case client.Unknown:
		m.st.Note(m.st.Active, e.String())
	case client.UploadProgress:
		m.transfers[uploadKey(e.ID)] = &transfer{up: true, name: e.Name, done: e.Acked, size: e.Size}
	case client.UploadDone:
		delete(m.transfers, uploadKey(e.ID))
		m.setStatus(fmt.Sprintf("uploaded %s (%s)", e.Name, humanSize(e.Size)), true)
	case client.UploadFailed:
		delete(m.transfers, uploadKey(e.ID))
		m.fail(e.To, "upload of "+e.Name+" failed: "+e.Reason)
	case client.DownloadProgress:
		m.transfers[downloadKey(e.Addr, e.Name)] = &transfer{name: e.Name, done: e.Received, size: e.Size}
	case client.DownloadDone:
		if m.privateDone(e) {
			return
		}
		delete(m.transfers, downloadKey(e.Addr, e.Name))
		m.st.Note(e.Addr, fmt.Sprintf("saved %s to %s (%s)", e.Name, e.Path, humanSize(e.Size)))
		m.setStatus("saved "+e.Path, true)
	case client.DownloadFailed:
		if m.privateDone(e) {
			return
		}
		delete(m.transfers, downloadKey(e.Addr, e.Name))
		switch {
		case e.Name == "save.txt" && e.Reason == "connection lost":
			// Fetched again once reconnected.
		case e.Name == "save.txt":
			m.fail(e.Addr, "cannot load the history: "+e.Reason)
		default:
			m.fail(e.Addr, "download of "+e.Name+" failed: "+e.Reason)
		}
	}
}

// trackScroll keeps the view still when a message arrives below while the
// user reads older ones.
func (m *model) trackScroll(e client.Event) {
	if m.scroll == 0 {
		return
	}
	switch e.(type) {
	case client.Message, client.FileSent, client.Game:
		if a, ok := m.st.ConversationOf(e); ok && a == m.st.Active {
			m.unseen++
		}
	}
}

func uploadKey(id int) string { return fmt.Sprintf("up %d", id) }

func downloadKey(a wire.Addr, name string) string { return "down " + a.String() + " " + name }

func (m *model) clearTransfers() {
	for k := range m.transfers {
		delete(m.transfers, k)
	}
}

// serverError shows a refusal where the user is looking.
func (m *model) serverError(e client.ServerError) {
	if m.keyRefused(e) {
		return
	}
	switch e.Verb {
	case "PONG":
		return // an older server that does not expect PONG
	case "WHO":
		// "no such user": whatever waited for that pseudo will not happen.
		for k := range m.who {
			delete(m.who, k)
		}
	case "INV":
		// Told where /friend or /invite was typed: the server answers a
		// connection's commands in order, so this refuses the oldest.
		if len(m.inviting) > 0 {
			where := m.inviting[0]
			m.inviting = m.inviting[1:]
			if m.st.Convs[where] != nil {
				m.fail(where, "inv: "+e.Reason)
				return
			}
		}
	}
	m.fail(m.st.Active, strings.ToLower(e.Verb)+": "+e.Reason)
}

// fail reports an error in the status line and in a conversation.
func (m *model) fail(a wire.Addr, text string) {
	m.setStatus(text, false)
	m.st.Fail(a, text)
}

func (m *model) setStatus(text string, ok bool) {
	m.status, m.statusOK = text, ok
}

// note tells the user something in the conversation on screen.
func (m *model) note(text string) { m.st.Note(m.st.Active, text) }

// open puts conversation a on screen, fetching its history the first time.
func (m *model) open(a wire.Addr) {
	if a != m.st.Active {
		m.scroll, m.unseen = 0, 0
	}
	if a != m.st.Active {
		m.ext.selecting, m.ext.sel, m.ext.jumpTo, m.ext.search = false, 0, 0, false
	}
	if m.st.Open(a) {
		if err := m.conn.History(a); err != nil {
			m.st.HistoryFailed(a)
		}
	}
	m.afterEvents()
}

// previewRecent describes the last few images of a conversation that are
// not described yet: enough for what is on screen, without fetching every
// image of a long history.
func (m *model) previewRecent(a wire.Addr) {
	c := m.st.Convs[a]
	if c == nil || !m.cfg.ImagePreviews {
		return
	}
	asked := map[string]bool{}
	for i := len(c.Items) - 1; i >= 0 && len(asked) < 3; i-- {
		it := c.Items[i]
		if it.Kind == client.Shared && it.Size == 0 && isImage(it.File) && !asked[it.File] {
			asked[it.File] = true
			m.conn.Preview(a, it.File)
		}
	}
}

// whoAnswered runs what waited for a pseudo's tag.
func (m *model) whoAnswered(p client.Presence) {
	key := wire.FoldPseudo(p.Pseudo)
	waiters := m.who[key]
	if len(waiters) == 0 {
		return
	}
	delete(m.who, key)
	for _, w := range waiters {
		m.runWaiter(p, w)
	}
}

// runWaiter does what waited for p's tag.
func (m *model) runWaiter(p client.Presence, w whoWaiter) {
	switch w.action {
	case "who":
		state := "offline"
		if p.Online {
			state = "online"
		}
		rel := ""
		if m.st.Friends[p.User] {
			rel = ", a friend"
		}
		m.note(fmt.Sprintf("%s is %s%s (tag %d)", p.Pseudo, state, rel, p.User))
	case "friend":
		m.invite(p.User, client.Home, w.from)
	case "invite":
		m.invite(p.User, w.place, w.from)
	case "msg":
		m.openDirect(p.User, w.text)
	default:
		if w.then != nil {
			w.then(m, p.User)
		}
	}
}

// send sends a line, reporting a failure (logged out) to the user.
func (m *model) send(line string) bool {
	if err := m.conn.Send(line); err != nil {
		m.fail(m.st.Active, "not sent: "+err.Error())
		return false
	}
	return true
}

// isImage tells image files by their extension, as a user would.
func isImage(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg", ".avif", ".heic":
		return true
	}
	return false
}

func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1024*1024*1024))
}
