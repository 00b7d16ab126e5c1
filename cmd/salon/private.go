package main

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
	"github.com/salon-chat/salon/core/wire"
)

// Private conversations (docs/privacy.md): the key pair lives in the
// config folder as key.asc (armored, passphrase-encrypted, 0600), the keys
// pinned on first use in known_keys (0600). The passphrase is asked once
// per run, the first time the key is needed, and kept in memory only.

func init() {
	commands = append(commands[:len(commands)-2:len(commands)-2], append([]command{
		{"key", "[new | unlock | import FILE | export FILE]", "your private-message key: show its fingerprint, make one, or move it as a passphrase-protected file", (*model).cmdKey},
		{"private", "", "in a direct conversation: switch private (encrypted) messages on or off", (*model).cmdPrivate},
		{"safety", "", "the safety number to compare with the contact of this direct conversation", (*model).cmdSafety},
		{"trust", "", "accept the new key of the contact of this direct conversation", (*model).cmdTrust},
	}, commands[len(commands)-2:]...)...)
}

// privacy is the model's private-message state.
type privacy struct {
	key     *pgp.Key                    // nil until unlocked (or made) this run
	keys    map[int64]*pgp.Public       // the latest key the server gave for each user
	pins    pgp.KnownKeys               // nil until loaded
	changed map[int64]*pgp.Public       // a key that differs from the pin, until /trust
	on      map[int64]bool              // direct conversations switched private
	waiting map[int64]bool              // /private asked the server for this user's key
	plain   map[string]decoded          // decrypted texts, by their pgp: text
	ask     *passPrompt                 // the input line is asking a passphrase
	asked   bool                        // the unlock prompt was shown once this run
	self    bool                        // KEY 0 me was asked at login, to compare with key.asc
	files   map[string]*privateDownload // .pgp downloads under way, by downloadKey
}

// decoded is one pgp: text as this client reads it.
type decoded struct {
	text    string
	verdict pgp.Verdict
	err     error
}

// passPrompt takes the next input line as a passphrase (masked).
type passPrompt struct {
	label string
	then  func(m *model, pass string)
}

func (p *privacy) init() {
	if p.keys == nil {
		p.keys, p.changed, p.on, p.waiting, p.plain, p.files =
			map[int64]*pgp.Public{}, map[int64]*pgp.Public{}, map[int64]bool{}, map[int64]bool{}, map[string]decoded{},
			map[string]*privateDownload{}
	}
}

func (m *model) keyPath() string {
	if m.cfg.Dir == "" {
		return ""
	}
	return filepath.Join(m.cfg.Dir, "key.asc")
}

func (m *model) knownPath() string { return filepath.Join(m.cfg.Dir, "known_keys") }

// storedKey reads key.asc ("" if there is none).
func (m *model) storedKey() string {
	p := m.keyPath()
	if p == "" {
		return ""
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

// pinsLoaded loads known_keys the first time it is needed.
func (m *model) pinsLoaded() pgp.KnownKeys {
	if m.priv.pins == nil {
		m.priv.pins = pgp.KnownKeys{}
		if m.cfg.Dir != "" {
			k, err := pgp.LoadKnownKeys(m.knownPath())
			if err != nil {
				m.fail(m.st.Active, "cannot read known_keys: "+err.Error())
			} else {
				m.priv.pins = k
			}
		}
	}
	return m.priv.pins
}

func (m *model) savePins() {
	if m.cfg.Dir == "" {
		return
	}
	if err := m.priv.pins.Save(m.knownPath()); err != nil {
		m.fail(m.st.Active, "cannot save known_keys: "+err.Error())
	}
}

func (m *model) pin(user int64) pgp.Pin { return pgp.Pin{Server: m.conn.Addr(), User: user} }

// askPassphrase turns the input line into a masked passphrase prompt.
func (m *model) askPassphrase(label string, then func(m *model, pass string)) {
	m.priv.ask = &passPrompt{label: label, then: then}
	m.input.EchoMode = textinput.EchoPassword
	m.input.Prompt = label + ": "
	m.input.SetValue("")
	m.setStatus(label+" (enter to confirm; an empty line cancels)", true)
}

// answerPrompt takes the line typed at a passphrase prompt.
func (m *model) answerPrompt(pass string) tea.Cmd {
	p := m.priv.ask
	m.priv.ask = nil
	m.input.EchoMode = textinput.EchoNormal
	m.input.Prompt = "› "
	m.input.SetValue("")
	m.setStatus("", true)
	if pass == "" {
		m.note("cancelled")
		return nil
	}
	p.then(m, pass)
	return nil
}

// unlock opens key.asc with the passphrase (asked), then runs then.
func (m *model) unlock(then func(m *model)) {
	if m.priv.key != nil {
		then(m)
		return
	}
	text := m.storedKey()
	if text == "" {
		m.fail(m.st.Active, "you have no key yet: /key new makes one, /key import FILE brings one")
		return
	}
	m.askPassphrase("passphrase of your key", func(m *model, pass string) {
		k, err := pgp.ImportArmored(text, pass)
		if err != nil {
			m.fail(m.st.Active, "cannot open your key: "+err.Error())
			return
		}
		m.priv.key = k
		clear(m.priv.plain)
		m.setStatus("key unlocked", true)
		then(m)
	})
}

func (m *model) cmdKey(args []string, _ string) tea.Cmd {
	m.priv.init()
	if m.cfg.Dir == "" {
		m.fail(m.st.Active, "no config folder to keep a key in")
		return nil
	}
	switch {
	case len(args) == 0:
		text := m.storedKey()
		if text == "" {
			m.note("you have no key: /key new makes one")
			return nil
		}
		fp, err := pgp.PeekArmored(text)
		if err != nil {
			m.fail(m.st.Active, "key.asc: "+err.Error())
			return nil
		}
		m.note("your key's fingerprint: " + pgp.FingerprintHex(fp) + " (" + m.keyPath() + ")")
	case args[0] == "unlock" && len(args) == 1:
		m.unlock(func(m *model) {})
	case args[0] == "new" && len(args) == 1:
		if m.storedKey() != "" {
			m.note("you already have a key; a new one replaces it (messages to the old one will no longer read here)")
		}
		m.askPassphrase("passphrase for the new key", func(m *model, first string) {
			m.askPassphrase("the same passphrase again", func(m *model, again string) {
				if again != first {
					m.fail(m.st.Active, "the two passphrases differ: no key made")
					return
				}
				k, err := pgp.Generate(m.link.pseudo)
				if err != nil {
					m.fail(m.st.Active, err.Error())
					return
				}
				m.installKey(k, first, "")
			})
		})
	case args[0] == "import" && len(args) == 2:
		b, err := os.ReadFile(expandHome(args[1]))
		if err != nil {
			m.fail(m.st.Active, "cannot read the key: "+err.Error())
			return nil
		}
		m.askPassphrase("passphrase of the imported key", func(m *model, pass string) {
			k, err := pgp.ImportArmored(string(b), pass)
			if err != nil {
				m.fail(m.st.Active, "cannot import the key: "+err.Error())
				return
			}
			m.installKey(k, pass, string(b))
		})
	case args[0] == "export" && len(args) == 2:
		text := m.storedKey()
		if text == "" {
			m.fail(m.st.Active, "you have no key to export")
			return nil
		}
		path := expandHome(args[1])
		if err := pgp.WritePrivate(path, []byte(text)); err != nil {
			m.fail(m.st.Active, "cannot export: "+err.Error())
			return nil
		}
		m.note("your key (encrypted with its passphrase) is in " + path)
	default:
		return m.usage("key")
	}
	return nil
}

// installKey saves k as key.asc (armored as given, or exported with pass)
// and publishes its public half.
func (m *model) installKey(k *pgp.Key, pass, armored string) {
	if armored == "" {
		var err error
		if armored, err = k.ExportArmored(pass); err != nil {
			m.fail(m.st.Active, err.Error())
			return
		}
	}
	if err := pgp.WritePrivate(m.keyPath(), []byte(armored)); err != nil {
		m.fail(m.st.Active, "cannot save the key: "+err.Error())
		return
	}
	m.priv.key = k
	clear(m.priv.plain)
	m.send("KEY " + encodeKey(k.Public()))
	m.note("your key: " + pgp.FingerprintHex(k.Fingerprint()) + ", saved in " + m.keyPath() + " and published")
}

// direct returns the contact of the direct conversation on screen.
func (m *model) direct(cmd string) (int64, bool) {
	a := m.st.Active
	if !a.IsUser() || a == client.Home {
		m.fail(a, cmd+" works in a direct conversation")
		return 0, false
	}
	return a.UserTag(), true
}

func (m *model) cmdPrivate(_ []string, _ string) tea.Cmd {
	m.priv.init()
	u, ok := m.direct("/private")
	if !ok {
		return nil
	}
	if m.priv.on[u] {
		delete(m.priv.on, u)
		m.note("private messages off: what you write here now is readable by the server")
		return nil
	}
	if m.storedKey() == "" {
		m.fail(m.st.Active, "you have no key yet: /key new makes one")
		return nil
	}
	m.priv.waiting[u] = true
	m.send("KEY " + wire.User(u).String())
	return nil
}

// privateReady finishes /private once the contact's key is known.
func (m *model) privateReady(u int64) {
	delete(m.priv.waiting, u)
	m.unlock(func(m *model) {
		m.priv.on[u] = true
		m.noteAt(wire.User(u), "🔒 private messages on with "+m.st.Pseudo(u)+": only the two of you can read what you write here. Compare /safety with them to be sure of their key.")
	})
}

func (m *model) cmdSafety(_ []string, _ string) tea.Cmd {
	m.priv.init()
	u, ok := m.direct("/safety")
	if !ok {
		return nil
	}
	theirs, ok := m.pinsLoaded()[m.pin(u)]
	if !ok {
		m.fail(m.st.Active, "no key known for "+m.st.Pseudo(u)+" yet (/private fetches it)")
		return nil
	}
	mine, err := pgp.PeekArmored(m.storedKey())
	if err != nil {
		m.fail(m.st.Active, "you have no key yet: /key new makes one")
		return nil
	}
	m.note("safety number with " + m.st.Pseudo(u) + ": " + pgp.SafetyNumber(mine, theirs))
	m.note("compare it with theirs in person or another way: equal numbers mean each has the other's true key")
	return nil
}

func (m *model) cmdTrust(_ []string, _ string) tea.Cmd {
	m.priv.init()
	u, ok := m.direct("/trust")
	if !ok {
		return nil
	}
	k := m.priv.changed[u]
	if k == nil {
		m.note(m.st.Pseudo(u) + "'s key has not changed: nothing to accept")
		return nil
	}
	m.pinsLoaded()[m.pin(u)] = k.Fingerprint()
	m.savePins()
	delete(m.priv.changed, u)
	m.priv.keys[u] = k
	clear(m.priv.plain)
	m.note("accepted " + m.st.Pseudo(u) + "'s new key " + pgp.FingerprintHex(k.Fingerprint()))
	return nil
}

// gotKey handles KEY 0 U base64: an answer or a new key published.
func (m *model) gotKey(e client.PublicKey) {
	m.priv.init()
	k, err := pgp.ParsePublic(e.Key)
	if err != nil {
		if m.priv.waiting[e.User] {
			delete(m.priv.waiting, e.User)
			m.fail(m.st.Active, m.st.Pseudo(e.User)+"'s key cannot be used: "+err.Error())
		}
		return
	}
	if e.User == m.st.Me {
		// Our own (key.asc is the reference): republished if it differs.
		if m.priv.self {
			m.priv.self = false
			if fp, err := pgp.PeekArmored(m.storedKey()); err == nil && fp != k.Fingerprint() {
				m.publishStored()
			}
		}
		return
	}
	switch m.pinsLoaded().Check(m.pin(e.User), k.Fingerprint()) {
	case pgp.PinNew:
		m.savePins()
		m.priv.keys[e.User] = k
	case pgp.PinSame:
		m.priv.keys[e.User] = k
		delete(m.priv.changed, e.User)
	case pgp.PinChanged:
		if old := m.priv.changed[e.User]; old == nil || old.Fingerprint() != k.Fingerprint() {
			m.keyChanged(e.User, k)
		}
	}
	clear(m.priv.plain)
	if m.priv.waiting[e.User] {
		m.privateReady(e.User)
	}
}

// keyChanged warns that u's key is not the pinned one.
func (m *model) keyChanged(u int64, k *pgp.Public) {
	m.priv.changed[u] = k
	text := "⚠ " + m.st.Pseudo(u) + "'s key changed (new fingerprint " + pgp.FingerprintHex(k.Fingerprint()) +
		"). Their messages signed with it show as not verified, and you cannot write privately to them until you accept it: compare /safety with them, then /trust."
	m.st.Fail(wire.User(u), text)
	m.setStatus(m.st.Pseudo(u)+"'s key changed: /safety, then /trust", false)
}

// keyRefused handles ERR KEY while /private waits for a key.
func (m *model) keyRefused(e client.ServerError) bool {
	if e.Verb != "KEY" {
		return false
	}
	if m.priv.self {
		m.priv.self = false
		if e.Reason == "no key" {
			m.publishStored()
		}
		return true
	}
	if len(m.priv.waiting) == 0 {
		return false
	}
	for u := range m.priv.waiting {
		delete(m.priv.waiting, u)
		if e.Reason == "no key" {
			m.fail(m.st.Active, m.st.Pseudo(u)+" has no key yet, so private messages cannot be sent to them (they can make one with /key new)")
		} else {
			m.fail(m.st.Active, "cannot get "+m.st.Pseudo(u)+"'s key: "+e.Reason)
		}
	}
	return true
}

// outgoing turns the text of a MSG, REPLY or EDIT in conversation a into
// what goes on the wire: itself, or its pgp: form when a is private. ok
// false: nothing may be sent (the reason is shown).
func (m *model) outgoing(a wire.Addr, text string) (string, bool) {
	if !a.IsUser() || !m.priv.on[a.UserTag()] {
		return text, true
	}
	u := a.UserTag()
	if m.priv.changed[u] != nil {
		m.fail(a, m.st.Pseudo(u)+"'s key changed: compare /safety, then /trust, before writing privately (nothing sent)")
		return "", false
	}
	them := m.priv.keys[u]
	if them == nil || m.priv.key == nil {
		m.fail(a, "private messages are not ready (type /private again); nothing sent")
		return "", false
	}
	out, err := pgp.Encrypt([]byte(text), them, m.priv.key)
	if errors.Is(err, pgp.ErrTooLong) {
		m.fail(a, "too long for a private message (about 2,500 bytes of text at most); nothing sent")
		return "", false
	}
	if err != nil {
		m.fail(a, "cannot encrypt: "+err.Error())
		return "", false
	}
	return out, true
}

// read decrypts a pgp: text by author (cached).
func (m *model) read(author int64, text string) decoded {
	m.priv.init()
	if d, ok := m.priv.plain[text]; ok {
		return d
	}
	if m.priv.key == nil {
		return decoded{err: errLocked}
	}
	var from *pgp.Public
	if author == m.st.Me {
		from = m.priv.key.PublicKey()
	} else if k := m.priv.keys[author]; k != nil && m.pinsLoaded()[m.pin(author)] == k.Fingerprint() {
		from = k
	}
	p, err := pgp.Decrypt(text, m.priv.key, from)
	d := decoded{text: string(p.Text), verdict: p.Verdict, err: err}
	m.priv.plain[text] = d
	return d
}

var errLocked = errors.New("locked")

// privateBody is what the pane shows for a pgp: text.
func (m *model) privateBody(it client.Item) string {
	d := m.read(it.Author, it.Text)
	switch {
	case errors.Is(d.err, errLocked) && m.storedKey() != "":
		return styles.faint.Render("🔒 private message: your key is locked (/key unlock)")
	case errors.Is(d.err, errLocked), errors.Is(d.err, pgp.ErrNotForMe):
		return styles.err.Render("🔒 encrypted for a key you do not have")
	case d.err != nil:
		return styles.err.Render("🔒 damaged, cannot be read")
	case d.verdict == pgp.Verified:
		return "🔒 " + m.highlight(displayable(d.text)) + styles.faint.Render("  · signed by "+m.st.Pseudo(it.Author))
	}
	return styles.err.Render("⚠ could not be verified: ") + m.highlight(displayable(d.text))
}

// sawPrivate reacts to a pgp: message: the sender's key is fetched if
// unknown, and the passphrase asked once per run if the key is locked.
func (m *model) sawPrivate(e client.Message) {
	if !strings.HasPrefix(e.Text, pgp.Prefix) {
		return
	}
	m.priv.init()
	if e.From != m.st.Me && m.priv.keys[e.From] == nil && m.priv.changed[e.From] == nil && !m.priv.waiting[e.From] {
		m.send("KEY " + wire.User(e.From).String())
	}
	if m.priv.key == nil && m.priv.ask == nil && !m.priv.asked && m.storedKey() != "" && m.ready {
		m.priv.asked = true
		m.unlock(func(m *model) {})
	}
}

// localMatches are the decrypted private messages matching a search, as
// the server's FIND cannot see into them.
func (m *model) localMatches(in wire.Addr, query string) []client.Result {
	q := strings.ToLower(query)
	var out []client.Result
	for a, c := range m.st.Convs {
		if !a.IsUser() || a == client.Home || (in != client.Home && in != a) {
			continue
		}
		for _, it := range c.Items {
			if it.Kind != client.Said || !strings.HasPrefix(it.Text, pgp.Prefix) {
				continue
			}
			if d := m.read(it.Author, it.Text); d.err == nil && strings.Contains(strings.ToLower(d.text), q) {
				it.Text = d.text
				out = append(out, client.Result{Conv: a, Item: it})
			}
		}
	}
	return out
}

func encodeKey(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// checkOwnKey asks, at each login, for the server's copy of this user's
// key, so that key.asc's is published if the server's differs.
func (m *model) checkOwnKey() {
	if m.storedKey() == "" {
		return
	}
	m.priv.init()
	m.priv.self = true
	m.send("KEY " + wire.User(m.st.Me).String())
}

// publishStored publishes key.asc's public key.
func (m *model) publishStored() {
	pub, err := pgp.ArmoredPublic(m.storedKey())
	if err != nil {
		m.fail(client.Home, "key.asc: "+err.Error())
		return
	}
	m.send("KEY " + encodeKey(pub))
}

// plainText is an item's text for one-line previews (quotes, the reply
// being composed): a private message's decrypted text, or a mark.
func (m *model) plainText(it client.Item) string {
	if it.Kind != client.Said || !strings.HasPrefix(it.Text, pgp.Prefix) {
		return it.Text
	}
	if d := m.read(it.Author, it.Text); d.err == nil {
		return "🔒 " + d.text
	}
	return "🔒 private message"
}
