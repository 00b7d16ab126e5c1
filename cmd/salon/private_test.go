package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
)

// privateHarness is loggedIn with a config folder for key.asc and
// known_keys.
func privateHarness(t *testing.T) (*harness, string) {
	t.Helper()
	cfg := testConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "salon")
	h := newHarness(t, cfg)
	h.events(client.Caps{Sub: "ACK", Names: []string{"tags"}}, client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines(world...)
	h.events(client.Ready{})
	h.screen()
	h.fake.takeLines()
	h.fake.takeCalls()
	return h, cfg.Dir
}

func keyLine(user string, k *pgp.Key) string {
	return "KEY 0 " + user + " " + base64.StdEncoding.EncodeToString(k.Public())
}

// newKey runs /key new with passphrase pass and returns alice's key.
func newKey(t *testing.T, h *harness, dir, pass string) *pgp.Key {
	t.Helper()
	h.typeLine("/key new")
	h.typeLine(pass)
	h.typeLine(pass)
	sent := h.sent()
	if len(sent) != 1 || !strings.HasPrefix(sent[0], "KEY ") {
		t.Fatalf("sent %q", sent)
	}
	b, err := os.ReadFile(filepath.Join(dir, "key.asc"))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "key.asc")); st.Mode().Perm() != 0o600 {
		t.Fatalf("key.asc mode %v", st.Mode())
	}
	k, err := pgp.ImportArmored(string(b), pass)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sent[0], "KEY "))
	if p, err := pgp.ParsePublic(pub); err != nil || p.Fingerprint() != k.Fingerprint() {
		t.Fatalf("published %v", err)
	}
	return k
}

func TestKeyCommands(t *testing.T) {
	h, dir := privateHarness(t)
	h.typeLine("/key")
	h.expectScreen("you have no key: /key new makes one")

	// Two passphrases that differ make nothing; the input is masked.
	h.typeLine("/key new")
	h.typeLine("first-secret")
	h.typeLine("other-secret")
	h.expectScreen("the two passphrases differ")
	h.expectNotScreen("first-secret", "other-secret")
	if _, err := os.Stat(filepath.Join(dir, "key.asc")); err == nil {
		t.Fatal("a key was saved")
	}
	k := newKey(t, h, dir, "good-secret")
	h.expectNotScreen("good-secret")
	h.typeLine("/key")
	h.expectScreen("your key's fingerprint: " + pgp.FingerprintHex(k.Fingerprint())[:24])
	// The passphrase is not in the input history.
	h.inspect(func(m *model) {
		for _, s := range m.sent {
			if strings.Contains(s, "secret") {
				t.Errorf("passphrase in the history: %q", s)
			}
		}
	})

	// Export writes key.asc as it is; import reads it back.
	out := filepath.Join(t.TempDir(), "alice.asc")
	h.typeLine("/key export " + out)
	h.screen()
	a, _ := os.ReadFile(filepath.Join(dir, "key.asc"))
	b, err := os.ReadFile(out)
	if err != nil || string(a) != string(b) {
		t.Fatalf("export: %v", err)
	}
	h.typeLine("/key import " + out)
	h.typeLine("wrong")
	h.expectScreen("wrong passphrase")
	h.typeLine("/key import " + out)
	h.typeLine("good-secret")
	if sent := h.sent(); len(sent) != 1 || !strings.HasPrefix(sent[0], "KEY ") {
		t.Fatalf("import did not publish: %q", sent)
	}
}

func TestPrivateConversation(t *testing.T) {
	h, dir := privateHarness(t)
	alice := newKey(t, h, dir, "pw")
	bob, err := pgp.Generate("bob")
	if err != nil {
		t.Fatal(err)
	}
	h.open("@bob")

	// bob has no key yet: refused, readably.
	h.typeLine("/private")
	if sent := h.sent(); len(sent) != 1 || sent[0] != "KEY 0 2" {
		t.Fatalf("sent %q", sent)
	}
	h.lines("ERR KEY no key")
	h.expectScreen("bob has no key yet")

	// With his key, private is on; what alice writes is encrypted.
	h.typeLine("/private")
	h.sent()
	h.lines(keyLine("2", bob))
	h.expectScreen("private messages on with bob")
	h.typeLine("meet at noon")
	sent := noTyping(h.sent())
	if len(sent) != 1 || !strings.HasPrefix(sent[0], "MSG 0 2 pgp:") || strings.Contains(sent[0], "noon") {
		t.Fatalf("sent %q", sent)
	}
	text := strings.TrimPrefix(sent[0], "MSG 0 2 ")
	p, err := pgp.Decrypt(text, bob, alice.PublicKey())
	if err != nil || string(p.Text) != "meet at noon" || p.Verdict != pgp.Verified {
		t.Fatalf("bob reads %+v %v", p, err)
	}
	// Her echo shows decrypted, with the lock.
	h.lines("MSG 0 1 0 2 " + text)
	h.expectScreen("🔒 meet at noon", "signed by alice")

	// bob answers, signed.
	reply, _ := pgp.Encrypt([]byte("see you there"), alice.PublicKey(), bob)
	h.lines("MSG 0 2 0 1 " + reply)
	h.expectScreen("🔒 see you there", "signed by bob")
	h.expectNotScreen("pgp:")

	// A tampered message is damaged; a stranger's key reads unverified.
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(reply, "pgp:"))
	raw[len(raw)-3] ^= 1
	h.lines("MSG 0 2 0 1 pgp:" + base64.StdEncoding.EncodeToString(raw))
	h.expectScreen("damaged, cannot be read")

	// The safety number is the one both clients compute.
	h.typeLine("/safety")
	h.expectNote(pgp.SafetyNumber(alice.Fingerprint(), bob.Fingerprint()))

	// Local search finds the decrypted messages.
	h.typeLine("/search there")
	h.inspect(func(m *model) {
		if m.st.Search == nil || len(m.st.Search.Results) != 1 || m.st.Search.Results[0].Item.Text != "see you there" {
			t.Errorf("search: %+v", m.st.Search)
		}
	})
	h.press("esc")

	// bob's key changes: a warning, unverified messages, no private
	// writing until /trust.
	bob2, _ := pgp.Generate("bob")
	h.lines(keyLine("2", bob2))
	h.expectScreen("bob's key changed")
	other, _ := pgp.Encrypt([]byte("new phone"), alice.PublicKey(), bob2)
	h.lines("MSG 0 2 0 1 " + other)
	h.expectScreen("could not be verified", "new phone")
	h.typeLine("still there?")
	if sent := noTyping(h.sent()); len(sent) != 0 {
		t.Fatalf("sent to a changed key: %q", sent)
	}
	h.expectScreen("nothing sent")
	h.typeLine("/trust")
	h.expectScreen("accepted bob's new key")
	h.expectScreen("🔒 new phone")
	pins, err := pgp.LoadKnownKeys(filepath.Join(dir, "known_keys"))
	if err != nil || pins[pgp.Pin{Server: "127.0.0.1:7777", User: 2}] != bob2.Fingerprint() {
		t.Fatalf("known_keys: %v %v", pins, err)
	}
	h.typeLine("ok")
	if sent := noTyping(h.sent()); len(sent) != 1 || !strings.HasPrefix(sent[0], "MSG 0 2 pgp:") {
		t.Fatalf("sent %q", sent)
	}
	// Off again: clear text.
	h.typeLine("/private")
	h.typeLine("plain")
	if sent := noTyping(h.sent()); len(sent) != 1 || sent[0] != "MSG 0 2 plain" {
		t.Fatalf("sent %q", sent)
	}
}

// The passphrase is asked once per run, when a private message first
// needs the key.
func TestPassphraseAskedWhenNeeded(t *testing.T) {
	h, dir := privateHarness(t)
	alice := newKey(t, h, dir, "pw")
	bob, _ := pgp.Generate("bob")
	// A new run: the key is on disk, locked.
	h2, _ := privateHarnessIn(t, dir)
	// At login the server's copy is checked, and republished if it differs.
	if sent := h2.sent(); len(sent) != 0 {
		t.Fatalf("sent at login %q", sent)
	}
	h2.lines("ERR KEY no key")
	if sent := h2.sent(); len(sent) != 1 || sent[0] != keyLine("1", alice)[:4]+strings.TrimPrefix(keyLine("1", alice), "KEY 0 1 ") {
		t.Fatalf("republished %q", sent)
	}
	h2.open("@bob")
	msg, _ := pgp.Encrypt([]byte("psst"), alice.PublicKey(), bob)
	h2.lines("MSG 0 2 0 1 " + msg)
	h2.expectScreen("your key is locked")
	h2.typeLine("pw")
	h2.expectScreen("could not be verified: psst") // bob's key is not known yet
	// The client asked for the sender's key; with it, the message verifies.
	var asked bool
	for _, l := range h2.sent() {
		asked = asked || l == "KEY 0 2"
	}
	if !asked {
		t.Fatal("bob's key was not fetched")
	}
	h2.lines(keyLine("2", bob))
	h2.expectScreen("🔒 psst", "signed by bob")
	_ = h
}

func privateHarnessIn(t *testing.T, dir string) (*harness, string) {
	t.Helper()
	cfg := testConfig()
	cfg.Dir = dir
	h := newHarness(t, cfg)
	h.events(client.LoggedIn{Me: 1, Pseudo: "alice"})
	h.lines(world...)
	h.events(client.Ready{})
	h.screen()
	h.fake.takeLines()
	h.fake.takeCalls()
	return h, dir
}

// expectNote fails unless an item of the conversation on screen holds
// want (for texts longer than a line).
func (h *harness) expectNote(want string) {
	h.t.Helper()
	var found bool
	h.inspect(func(m *model) {
		for _, it := range m.st.Convs[m.st.Active].Items {
			found = found || strings.Contains(it.Text, want)
		}
	})
	if !found {
		h.t.Fatalf("no note %q", want)
	}
}

// noTyping drops the TYPING lines typing sends.
func noTyping(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "TYPING ") {
			out = append(out, l)
		}
	}
	return out
}

// An edited private message and a reply to one read decrypted too.
func TestPrivateEditAndQuote(t *testing.T) {
	h, dir := privateHarness(t)
	alice := newKey(t, h, dir, "pw")
	bob, _ := pgp.Generate("bob")
	h.open("@bob")
	h.lines(keyLine("2", bob))
	first, _ := pgp.Encrypt([]byte("first try"), alice.PublicKey(), bob)
	fixed, _ := pgp.Encrypt([]byte("second try"), alice.PublicKey(), bob)
	answer, _ := pgp.Encrypt([]byte("an answer"), alice.PublicKey(), bob)
	h.lines("@id=20;time=1767348000000 MSG 0 2 0 1 "+first, "EDIT 0 2 0 1 20 "+fixed,
		"@id=21;time=1767348060000;reply=20 MSG 0 2 0 1 "+answer)
	h.expectScreen("🔒 second try", "(edited)", "↱ bob: 🔒 second try", "🔒 an answer")
	h.expectNotScreen("pgp:", "damaged")
}
