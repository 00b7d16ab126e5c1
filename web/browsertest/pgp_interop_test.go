package browsertest_test

// Private messages between the two clients (docs/privacy.md): what the web
// client's lib/pgp.ts (openpgp.js, run by Node through
// web/test/interop/pgp-cli.mjs) encrypts, the terminal client's
// client/pgp (ProtonMail/go-crypto) decrypts and verifies, and the other
// way around; keys move between them as the armored, passphrase-locked
// files both export; both compute the same safety number.

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/salon-chat/salon/client/pgp"
)

// webPGP runs one command of the web client's pgp CLI with req as its
// JSON input, and decodes its JSON output into out.
func webPGP(t *testing.T, cmd string, req, out any) {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("node", filepath.Join("..", "test", "interop", "pgp-cli.mjs"), cmd)
	c.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("pgp-cli %s: %v\nstdout: %s\nstderr: %s", cmd, err, stdout.String(), stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("pgp-cli %s answered %q: %v", cmd, stdout.String(), err)
	}
}

type webKey struct {
	Private     string `json:"private"`
	Public      string `json:"public"`
	Fingerprint string `json:"fingerprint"`
}

type webPlain struct {
	Verdict string `json:"verdict"`
	Text    string `json:"text"`
	Data    string `json:"data"`
	Signer  string `json:"signer"`
}

func TestPrivateMessagesBetweenClients(t *testing.T) {
	const webPass, goPass = "web passphrase", "terminal passphrase"

	// bob uses the web client, alice the terminal one.
	var bob webKey
	webPGP(t, "gen", map[string]string{"pseudo": "bob", "passphrase": webPass}, &bob)
	bobPubBytes, err := base64.StdEncoding.DecodeString(bob.Public)
	if err != nil {
		t.Fatal(err)
	}
	bobPub, err := pgp.ParsePublic(bobPubBytes)
	if err != nil {
		t.Fatalf("the terminal client cannot read the web client's public key: %v", err)
	}
	if got := hexFP(bobPub.Fingerprint()); got != bob.Fingerprint || bobPub.Name() != "bob" {
		t.Errorf("the web key reads as %s %q in Go, its fingerprint there is %s", got, bobPub.Name(), bob.Fingerprint)
	}
	alice, err := pgp.Generate("alice")
	if err != nil {
		t.Fatal(err)
	}
	alicePub := base64.StdEncoding.EncodeToString(alice.Public())
	var fp struct{ Fingerprint string }
	webPGP(t, "fingerprint", map[string]string{"public": alicePub}, &fp)
	if want := hexFP(alice.PublicKey().Fingerprint()); fp.Fingerprint != want {
		t.Errorf("the web client reads the Go key's fingerprint as %s, want %s", fp.Fingerprint, want)
	}

	// Terminal → web.
	const toBob = "the door code is 4712 — don't tell the server"
	msg, err := pgp.Encrypt([]byte(toBob), bobPub, alice)
	if err != nil {
		t.Fatal(err)
	}
	var read webPlain
	webPGP(t, "decrypt", map[string]string{"private": bob.Private, "passphrase": webPass, "from": alicePub, "message": msg}, &read)
	if read.Verdict != "verified" || read.Text != toBob || read.Signer != hexFP(alice.Fingerprint()) {
		t.Errorf("the web client reads the terminal's message as %+v", read)
	}
	// alice reads her own message back, on any device.
	if p, err := pgp.Decrypt(msg, alice, alice.PublicKey()); err != nil || string(p.Text) != toBob {
		t.Errorf("alice cannot read her own message: %q, %v", p.Text, err)
	}

	// Web → terminal.
	const toAlice = "got it: 4712 ✓"
	var sent struct{ Message string }
	webPGP(t, "encrypt", map[string]string{"private": bob.Private, "passphrase": webPass, "to": alicePub, "text": toAlice}, &sent)
	p, err := pgp.Decrypt(sent.Message, alice, bobPub)
	if err != nil || p.Verdict != pgp.Verified || string(p.Text) != toAlice || p.Signer != bobPub.Fingerprint() {
		t.Errorf("the terminal client reads the web's message as %q, %v, %v", p.Text, p.Verdict, err)
	}

	// A file, both ways.
	file := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3}, 3000)
	var sentFile struct{ Data string }
	webPGP(t, "encrypt", map[string]string{"private": bob.Private, "passphrase": webPass, "to": alicePub, "data": base64.StdEncoding.EncodeToString(file)}, &sentFile)
	ct, _ := base64.StdEncoding.DecodeString(sentFile.Data)
	if p, err := pgp.DecryptBytes(ct, alice, bobPub); err != nil || p.Verdict != pgp.Verified || !bytes.Equal(p.Text, file) {
		t.Errorf("the terminal client reads the web's file as %d bytes, %v, %v", len(p.Text), p.Verdict, err)
	}
	goFile, err := pgp.EncryptBytes(file, bobPub, alice)
	if err != nil {
		t.Fatal(err)
	}
	webPGP(t, "decrypt", map[string]string{"private": bob.Private, "passphrase": webPass, "from": alicePub, "data": base64.StdEncoding.EncodeToString(goFile)}, &read)
	if got, _ := base64.StdEncoding.DecodeString(read.Data); read.Verdict != "verified" || !bytes.Equal(got, file) {
		t.Errorf("the web client reads the terminal's file as %d bytes, %s", len(got), read.Verdict)
	}

	// Tampering is seen on both sides.
	raw, _ := base64.StdEncoding.DecodeString(sent.Message[len("pgp:"):])
	raw[len(raw)-30] ^= 0x40
	if _, err := pgp.Decrypt("pgp:"+base64.StdEncoding.EncodeToString(raw), alice, bobPub); !errors.Is(err, pgp.ErrDamaged) {
		t.Errorf("a tampered web message reads in the terminal with %v, want damaged", err)
	}
	raw, _ = base64.StdEncoding.DecodeString(msg[len("pgp:"):])
	raw[len(raw)-30] ^= 0x40
	webPGP(t, "decrypt", map[string]string{"private": bob.Private, "passphrase": webPass, "from": alicePub, "message": "pgp:" + base64.StdEncoding.EncodeToString(raw)}, &read)
	if read.Verdict != "damaged" {
		t.Errorf("a tampered terminal message reads in the web client as %+v, want damaged", read)
	}

	// Keys move between the clients as their armored exports.
	armored, err := alice.ExportArmored(goPass)
	if err != nil {
		t.Fatal(err)
	}
	webPGP(t, "decrypt", map[string]string{"private": armored, "passphrase": goPass, "from": bob.Public, "message": sent.Message}, &read)
	if read.Verdict != "verified" || read.Text != toAlice {
		t.Errorf("alice's terminal key, imported in the web client, reads %+v", read)
	}
	moved, err := pgp.ImportArmored(bob.Private, webPass)
	if err != nil {
		t.Fatalf("bob's web key does not import in the terminal client: %v", err)
	}
	if p, err := pgp.Decrypt(msg, moved, alice.PublicKey()); err != nil || p.Verdict != pgp.Verified || string(p.Text) != toBob {
		t.Errorf("bob's web key, imported in the terminal, reads %q, %v, %v", p.Text, p.Verdict, err)
	}

	// The same safety number on both sides.
	var sn struct{ Safety string }
	webPGP(t, "safety", map[string]string{"a": hexFP(alice.Fingerprint()), "b": bob.Fingerprint}, &sn)
	if want := pgp.SafetyNumber(alice.Fingerprint(), bobPub.Fingerprint()); sn.Safety != want {
		t.Errorf("safety numbers differ: web %q, terminal %q", sn.Safety, want)
	}
}

// hexFP writes a fingerprint as the web client's CLI does: lower-case hex.
func hexFP(fp [20]byte) string { return hex.EncodeToString(fp[:]) }
