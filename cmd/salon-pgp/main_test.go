package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salon-chat/salon/client/pgp"
)

func TestGenEncryptDecrypt(t *testing.T) {
	d := t.TempDir()
	f := func(n string) string { return filepath.Join(d, n) }
	for _, u := range []string{"alice", "bob"} {
		if err := run([]string{"gen", "-pseudo", u, "-pass", u + "-pw", "-out", f(u + ".asc"), "-pub", f(u + ".pub")}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if st, err := os.Stat(f("alice.asc")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st, err)
	}
	var msg bytes.Buffer
	if err := run([]string{"encrypt", "-key", f("alice.asc"), "-pass", "alice-pw", "-to", f("bob.pub")}, strings.NewReader("salut"), &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.String(), "pgp:") {
		t.Fatalf("%q", msg.String())
	}
	var out bytes.Buffer
	if err := run([]string{"decrypt", "-key", f("bob.asc"), "-pass", "bob-pw", "-from", f("alice.pub")}, &msg, &out); err != nil {
		t.Fatal(err)
	}
	var got struct{ Text, Verdict, Signer string }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(f("alice.pub"))
	ap, err := pgp.ParsePublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	fp := ap.Fingerprint()
	if got.Text != "salut" || got.Verdict != "verified" || got.Signer != hex.EncodeToString(fp[:]) {
		t.Fatalf("%+v", got)
	}
	if err := run([]string{"decrypt", "-key", f("bob.asc"), "-pass", "nope"}, strings.NewReader("pgp:"), &out); err == nil {
		t.Fatal("wrong passphrase accepted")
	}
}
