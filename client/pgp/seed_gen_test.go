package pgp

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteSeeds regenerates the fuzz seed corpus from real keys and
// messages: SALON_WRITE_SEEDS=1 go test -run TestWriteSeeds ./client/pgp.
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("SALON_WRITE_SEEDS") == "" {
		t.Skip("set SALON_WRITE_SEEDS=1 to rewrite testdata/fuzz")
	}
	a, b := fuzzKeys()
	msg, err := Encrypt([]byte("hello"), b.PublicKey(), a)
	if err != nil {
		t.Fatal(err)
	}
	write := func(target, name, val string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+val+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzDecrypt", "message", fmt.Sprintf("string(%q)", msg))
	write("FuzzDecrypt", "truncated", fmt.Sprintf("string(%q)", msg[:len(msg)/2]))
	write("FuzzDecrypt", "no_prefix", fmt.Sprintf("string(%q)", msg[4:]))
	write("FuzzParsePublic", "key", fmt.Sprintf("[]byte(%q)", a.Public()))
	write("FuzzParsePublic", "truncated", fmt.Sprintf("[]byte(%q)", a.Public()[:100]))
}
