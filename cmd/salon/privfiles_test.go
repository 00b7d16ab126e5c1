package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
	"github.com/salon-chat/salon/core/wire"
)

// privateWithBob is a private conversation between alice (this client)
// and bob, downloads going to the returned folder.
func privateWithBob(t *testing.T) (h *harness, alice, bob *pgp.Key, downloads string) {
	t.Helper()
	h, dir := privateHarness(t)
	alice = newKey(t, h, dir, "pw")
	bob, err := pgp.Generate("bob")
	if err != nil {
		t.Fatal(err)
	}
	downloads = t.TempDir()
	h.inspect(func(m *model) { m.cfg.Downloads = downloads })
	h.open("@bob")
	h.typeLine("/private")
	h.sent()
	h.lines(keyLine("2", bob))
	h.expectScreen("private messages on with bob")
	h.fake.takeCalls()
	return h, alice, bob, downloads
}

// In a private conversation /upload sends the file encrypted and signed,
// as name.pgp; the clear bytes reach nothing the upload reads.
func TestPrivateUpload(t *testing.T) {
	h, alice, bob, _ := privateWithBob(t)
	plain := []byte("the secret plans, line one\n")
	path := filepath.Join(t.TempDir(), "plans.txt")
	if err := os.WriteFile(path, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	h.typeLine("/upload " + path)
	calls := h.calls()
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "Upload 0 2 ") || !strings.HasSuffix(calls[0], "/plans.txt.pgp") {
		t.Fatalf("calls %q", calls)
	}
	sealedPath := strings.TrimPrefix(calls[0], "Upload 0 2 ")
	h.fake.mu.Lock()
	sealed := h.fake.uploaded[sealedPath]
	h.fake.mu.Unlock()
	if len(sealed) == 0 || bytes.Contains(sealed, plain) || bytes.Contains(sealed, []byte("secret plans")) {
		t.Fatalf("uploaded %q", sealed)
	}
	if _, err := os.Stat(sealedPath); err == nil {
		t.Error("the temporary ciphertext is left on disk")
	}
	p, err := pgp.DecryptBytes(sealed, bob, alice.PublicKey())
	if err != nil || !bytes.Equal(p.Text, plain) || p.Verdict != pgp.Verified {
		t.Fatalf("bob reads %q %v %v", p.Text, p.Verdict, err)
	}
	// alice can read her own upload too (encrypted to both keys).
	if p, err := pgp.DecryptBytes(sealed, alice, alice.PublicKey()); err != nil || !bytes.Equal(p.Text, plain) {
		t.Fatalf("alice reads %v", err)
	}
	h.expectScreen("uploading plans.txt encrypted as")

	// Outside a private conversation the file goes as it is.
	h.typeLine("/private")
	h.typeLine("/upload " + path)
	if calls := h.calls(); len(calls) != 1 || calls[0] != "Upload 0 2 "+path {
		t.Fatalf("calls %q", calls)
	}

	// A changed key blocks private uploads until /trust.
	h.typeLine("/private")
	h.sent()
	bob2, _ := pgp.Generate("bob")
	h.lines(keyLine("2", bob2))
	h.expectScreen("bob's key changed")
	h.typeLine("/upload " + path)
	if calls := h.calls(); len(calls) != 0 {
		t.Fatalf("uploaded to a changed key: %q", calls)
	}
	h.expectScreen("nothing sent")
}

// deliver answers a Download call the way client.Download does: the file
// lands in the folder asked for, then DownloadDone.
func deliver(t *testing.T, h *harness, name string, content []byte) {
	t.Helper()
	calls := h.calls()
	prefix := "Download 0 2 " + name + " "
	if len(calls) != 1 || !strings.HasPrefix(calls[0], prefix) {
		t.Fatalf("calls %q", calls)
	}
	dir := strings.TrimPrefix(calls[0], prefix)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	h.events(client.DownloadDone{Addr: wire.User(2), Name: name, Path: path, Size: int64(len(content))})
	h.screen()
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("the temporary folder %s is left", dir)
	}
}

// A .pgp file of a private conversation is decrypted after download,
// verified, and saved under its original name; a damaged one is not.
func TestPrivateDownload(t *testing.T) {
	h, alice, bob, downloads := privateWithBob(t)
	plain := []byte("bob's photo bytes \x00\x01\x02")
	sealed, err := pgp.EncryptBytes(plain, alice.PublicKey(), bob)
	if err != nil {
		t.Fatal(err)
	}
	h.lines("FILESENT 0 2 photo.jpg.pgp")
	h.typeLine("/download photo.jpg.pgp")
	deliver(t, h, "photo.jpg.pgp", sealed)
	got, err := os.ReadFile(filepath.Join(downloads, "photo.jpg"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("saved %q %v", got, err)
	}
	h.expectScreen("🔒 saved photo.jpg.pgp to", "signed by bob")
	if _, err := os.Stat(filepath.Join(downloads, "photo.jpg.pgp")); err == nil {
		t.Error("the ciphertext was saved too")
	}

	// Again: a free name beside the first.
	h.typeLine("/download photo.jpg.pgp")
	deliver(t, h, "photo.jpg.pgp", sealed)
	if got, err := os.ReadFile(filepath.Join(downloads, "photo-2.jpg")); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("second save %q %v", got, err)
	}

	// Damaged: nothing saved, and said so.
	bad := bytes.Clone(sealed)
	bad[len(bad)-3] ^= 1
	h.lines("FILESENT 0 2 broken.bin.pgp")
	h.typeLine("/download broken.bin.pgp")
	deliver(t, h, "broken.bin.pgp", bad)
	h.expectScreen("broken.bin.pgp is damaged, cannot be read: not saved")
	if _, err := os.Stat(filepath.Join(downloads, "broken.bin")); err == nil {
		t.Error("a damaged file was saved")
	}

	// Signed by a key other than bob's pinned one: saved, with the warning.
	mallory, _ := pgp.Generate("mallory")
	forged, _ := pgp.EncryptBytes([]byte("forged"), alice.PublicKey(), mallory)
	h.lines("FILESENT 0 2 forged.txt.pgp")
	h.typeLine("/download forged.txt.pgp")
	deliver(t, h, "forged.txt.pgp", forged)
	h.expectScreen("could not be verified: saved forged.txt.pgp")

	// A failed download says so, and leaves no temporary folder.
	h.lines("FILESENT 0 2 lost.txt.pgp")
	h.typeLine("/download lost.txt.pgp")
	calls := h.calls()
	if len(calls) != 1 {
		t.Fatalf("calls %q", calls)
	}
	dir := strings.TrimPrefix(calls[0], "Download 0 2 lost.txt.pgp ")
	h.events(client.DownloadFailed{Addr: wire.User(2), Name: "lost.txt.pgp", Reason: "connection lost"})
	h.expectScreen("download of lost.txt.pgp failed")
	if _, err := os.Stat(dir); err == nil {
		t.Error("the temporary folder is left")
	}

	// A .pgp file in a channel is an ordinary file.
	h.open("club/#games")
	h.fake.takeCalls()
	h.typeLine("/download x.pgp")
	if calls := h.calls(); len(calls) != 1 || calls[0] != "Download 5 2 x.pgp "+downloads {
		t.Fatalf("calls %q", calls)
	}
}

// With the key locked, /download of a .pgp file asks the passphrase
// first, and fetches the sharer's key so that the file verifies.
func TestPrivateDownloadLocked(t *testing.T) {
	h, dir := privateHarness(t)
	alice := newKey(t, h, dir, "pw")
	bob, _ := pgp.Generate("bob")
	h2, _ := privateHarnessIn(t, dir)
	downloads := t.TempDir()
	h2.inspect(func(m *model) { m.cfg.Downloads = downloads })
	h2.open("@bob")
	h2.lines("FILESENT 0 2 notes.txt.pgp")
	h2.sent()
	h2.fake.takeCalls()
	h2.typeLine("/download notes.txt.pgp")
	if calls := h2.calls(); len(calls) != 0 {
		t.Fatalf("downloaded before the key was unlocked: %q", calls)
	}
	var asked bool
	for _, l := range h2.sent() {
		asked = asked || l == "KEY 0 2"
	}
	if !asked {
		t.Fatal("bob's key was not fetched")
	}
	h2.lines(keyLine("2", bob))
	h2.typeLine("pw")
	sealed, _ := pgp.EncryptBytes([]byte("notes"), alice.PublicKey(), bob)
	deliver(t, h2, "notes.txt.pgp", sealed)
	h2.expectScreen("🔒 saved notes.txt.pgp to", "signed by bob")
	if got, _ := os.ReadFile(filepath.Join(downloads, "notes.txt")); string(got) != "notes" {
		t.Fatalf("saved %q", got)
	}
}
