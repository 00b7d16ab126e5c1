package main

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/salon-chat/salon/core/wire"
)

// loginForm is the first screen: log in, or create an account (ctrl+r
// switches), with the pseudo and password checked as the server would
// before anything is sent.
type loginForm struct {
	fields   []textinput.Model // pseudo, password, confirmation
	focus    int
	register bool
	busy     bool // a login is in progress
	err      string
}

func newLoginForm(cfg config) loginForm {
	f := loginForm{}
	for i, label := range []string{"pseudo   ", "password ", "again    "} {
		in := textinput.New()
		in.Prompt = label + " "
		in.SetVirtualCursor(false)
		in.CharLimit = wire.MaxPassword
		if i > 0 {
			in.EchoMode = textinput.EchoPassword
			in.EchoCharacter = '•'
		}
		f.fields = append(f.fields, in)
	}
	f.fields[0].CharLimit = wire.MaxName
	f.fields[0].SetValue(cfg.Pseudo)
	if cfg.Pseudo != "" {
		f.focus = 1
	}
	f.fields[f.focus].Focus()
	return f
}

// visible returns how many fields the current mode shows.
func (f *loginForm) visible() int {
	if f.register {
		return 3
	}
	return 2
}

func (f *loginForm) setFocus(i int) {
	f.fields[f.focus].Blur()
	f.focus = (i + f.visible()) % f.visible()
	f.fields[f.focus].Focus()
}

func (f *loginForm) update(m *model, msg tea.Msg) tea.Cmd {
	key, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		f.fields[f.focus], cmd = f.fields[f.focus].Update(msg)
		return cmd
	}
	switch key.String() {
	case "ctrl+r", "f2":
		f.register = !f.register
		f.err = ""
		if f.focus >= f.visible() {
			f.setFocus(0)
		}
		return nil
	case "tab", "down":
		f.setFocus(f.focus + 1)
		return nil
	case "shift+tab", "up":
		f.setFocus(f.focus - 1)
		return nil
	case "enter":
		if f.focus < f.visible()-1 && f.fields[f.focus+1].Value() == "" {
			f.setFocus(f.focus + 1)
			return nil
		}
		f.submit(m)
		return nil
	case "esc":
		return m.quit()
	}
	var cmd tea.Cmd
	f.fields[f.focus], cmd = f.fields[f.focus].Update(msg)
	return cmd
}

func (f *loginForm) submit(m *model) {
	pseudo, password := strings.TrimSpace(f.fields[0].Value()), f.fields[1].Value()
	switch {
	case f.busy:
		return
	case !wire.ValidName(pseudo):
		f.err = "a pseudo is 1 to 32 characters without spaces"
		f.setFocus(0)
	case strings.ContainsAny(password, " \t") || !wire.ValidPassword(password):
		f.err = "a password is 8 to 128 bytes without spaces"
		f.setFocus(1)
	case f.register && f.fields[2].Value() != password:
		f.err = "the two passwords differ"
		f.setFocus(2)
	default:
		m.startLogin(pseudo, password, f.register)
	}
}

func (f *loginForm) view(m *model) string {
	title := styles.title.Render(" Salon ")
	mode := "Log in"
	other := "ctrl+r: create an account instead"
	if f.register {
		mode, other = "Create an account", "ctrl+r: log in to an existing account instead"
	}
	transport := "plain TCP"
	if m.cfg.TLS || m.cfg.InsecureSkipVerify {
		transport = "TLS"
	}
	// The box must fit the terminal, 80x24 included: it loses its
	// padding on a small screen, and every line is wrapped to what is
	// left inside it rather than widening it past the edge.
	box := styles.box
	if m.width < 90 || m.height < 26 {
		box = box.Padding(0, 1)
	}
	inner := max(20, min(72, m.width-box.GetHorizontalFrameSize()))
	lines := []string{
		title + "  " + styles.faint.Render(m.conn.Addr()+" · "+transport),
		"",
		styles.bold.Render(mode),
		"",
	}
	for i := 0; i < f.visible(); i++ {
		// A long value scrolls inside its field instead of widening it.
		f.fields[i].SetWidth(max(1, inner-ansi.StringWidth(f.fields[i].Prompt)-1))
		lines = append(lines, f.fields[i].View())
	}
	lines = append(lines, "")
	switch {
	case f.busy:
		lines = append(lines, styles.faint.Render(m.link.text))
	case f.err != "":
		lines = append(lines, styles.err.Render(f.err))
	default:
		lines = append(lines, "")
	}
	if f.busy && f.err != "" {
		lines = append(lines, styles.err.Render(f.err))
	}
	lines = append(lines, "",
		styles.faint.Render("enter: continue · tab: next field · esc: quit"),
		styles.faint.Render(other))
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, strings.Split(ansi.Wrap(l, inner, ""), "\n")...)
	}
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, box.Render(strings.Join(wrapped, "\n")))
}

// cursor returns where the focused field's cursor is on screen.
func (f *loginForm) cursor(m *model, view string) *tea.Cursor {
	c := f.fields[f.focus].Cursor()
	if c == nil {
		return nil
	}
	// Find the field's line in the placed view, by its prompt.
	prompt := f.fields[f.focus].Prompt
	for y, line := range strings.Split(view, "\n") {
		plain := stripANSI(line)
		if x := strings.Index(plain, prompt); x >= 0 {
			c.Position.X += lipgloss.Width(plain[:x])
			c.Position.Y = y
			return c
		}
	}
	return nil
}
