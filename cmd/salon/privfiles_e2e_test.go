package main

import (
	"bytes"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/wire"
)

// TestPrivateFilesEndToEnd: the terminal (alice) and a client.Client (bob)
// against a real salond. alice uploads a file in their private
// conversation: salond's data folder never holds its bytes, and bob
// decrypts it signed by her. bob sends her one encrypted for her: the
// terminal saves the original bytes under the original name.
func TestPrivateFilesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.Config(dir))
	addr := srv.Addr

	c := client.New(client.Options{Addr: addr, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	cfg := testConfig()
	cfg.Downloads = t.TempDir()
	cfg.Dir = filepath.Join(t.TempDir(), "salon")
	m := newModel(c, cfg)
	h := &harness{t: t, m: m, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 32))}
	t.Cleanup(func() {
		m.cancel()
		h.tm.Quit()
		h.tm.WaitFinished(t, finalTimeout)
	})

	h.waitScreen("Log in")
	h.press("ctrl+r")
	h.tm.Type("alice")
	h.press("tab")
	h.tm.Type("password-alice")
	h.press("tab")
	h.tm.Type("password-alice")
	h.press("enter")
	h.waitScreen("account created: welcome, alice")

	// A server they share, so that they may write to each other.
	h.typeLine("/new server club")
	h.waitScreen(" club/#general ")
	var club wire.Addr
	var aliceTag int64
	h.inspect(func(m *model) { club, aliceTag = m.st.Active, m.st.Me })
	bob := newPeer(t, addr, "bob")
	h.typeLine("/invite bob")
	bob.until("invitation", func(e client.Event) bool { i, ok := e.(client.Invite); return ok && i.Place == club })
	bob.send(wire.Head("JOIN", club))
	h.waitScreen("bob joined")

	bobKey, err := pgp.Generate("bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.c.PublishKey(bobKey.Public()); err != nil {
		t.Fatal(err)
	}
	h.typeLine("/key new")
	h.typeLine("pw-alice")
	h.typeLine("pw-alice")
	h.waitScreen("saved in")
	armored, err := os.ReadFile(filepath.Join(cfg.Dir, "key.asc"))
	if err != nil {
		t.Fatal(err)
	}
	aliceKey, err := pgp.ImportArmored(string(armored), "pw-alice")
	if err != nil {
		t.Fatal(err)
	}

	h.typeLine("/msg bob files follow")
	h.waitScreen(" @bob ")
	h.typeLine("/private")
	h.waitScreen("private messages on with bob")

	// alice's file travels as ciphertext.
	data := make([]byte, 150_000)
	rand.Read(data)
	src := filepath.Join(t.TempDir(), "secret.bin")
	os.WriteFile(src, data, 0o600)
	h.typeLine("/upload " + src)
	h.waitScreen("uploaded secret.bin.pgp")
	bob.until("file", func(e client.Event) bool { f, ok := e.(client.FileSent); return ok && f.Name == "secret.bin.pgp" })
	bobDir := t.TempDir()
	bob.c.Download(wire.User(aliceTag), "secret.bin.pgp", bobDir)
	bob.until("download", func(e client.Event) bool { _, ok := e.(client.DownloadDone); return ok })
	sealed, err := os.ReadFile(filepath.Join(bobDir, "secret.bin.pgp"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pgp.DecryptBytes(sealed, bobKey, aliceKey.PublicKey())
	if err != nil || !bytes.Equal(p.Text, data) || p.Verdict != pgp.Verified {
		t.Fatalf("bob reads %d bytes, %v, %v", len(p.Text), p.Verdict, err)
	}
	var stored bool
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("reading %s: %v", path, err)
			return nil
		}
		if bytes.Contains(b, data[:64]) || bytes.Contains(b, data[len(data)/2:len(data)/2+64]) {
			t.Errorf("the plaintext is in %s", path)
		}
		stored = stored || bytes.Contains(b, sealed[len(sealed)/2:len(sealed)/2+64])
		return nil
	})
	if !stored {
		t.Error("the ciphertext is nowhere in the data folder: the walk found nothing to check")
	}

	// bob's file, encrypted for alice, is saved by the terminal decrypted.
	theirs := make([]byte, 20_000)
	rand.Read(theirs)
	sealedTheirs, err := pgp.EncryptBytes(theirs, aliceKey.PublicKey(), bobKey)
	if err != nil {
		t.Fatal(err)
	}
	bobFile := filepath.Join(t.TempDir(), "from-bob.txt.pgp")
	os.WriteFile(bobFile, sealedTheirs, 0o600)
	if _, _, err := bob.c.Upload(wire.User(aliceTag), bobFile); err != nil {
		t.Fatal(err)
	}
	h.waitScreen("[file] from-bob.txt.pgp")
	h.typeLine("/download from-bob.txt.pgp")
	h.waitScreen("🔒 saved from-bob.txt.pgp to", "signed by bob")
	if got, _ := os.ReadFile(filepath.Join(cfg.Downloads, "from-bob.txt")); !bytes.Equal(got, theirs) {
		t.Fatal("alice's copy differs from bob's file")
	}
	if _, err := os.Stat(filepath.Join(cfg.Downloads, "from-bob.txt.pgp")); err == nil {
		t.Error("the ciphertext was saved beside the file")
	}
}
