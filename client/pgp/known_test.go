package pgp

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestKnownKeys(t *testing.T) {
	k := KnownKeys{}
	p := Pin{"127.0.0.1:7777", 42}
	if k.Check(p, fill(1)) != PinNew || k.Check(p, fill(1)) != PinSame || k.Check(p, fill(2)) != PinChanged {
		t.Fatal("pin states")
	}
	if k[p] != fill(1) {
		t.Fatal("a change replaced the pin")
	}
	k[Pin{"chat.example:7000", 7}] = fill(0xab)
	path := filepath.Join(t.TempDir(), "sub", "known_keys")
	if err := k.Save(path); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	back, err := LoadKnownKeys(path)
	if err != nil || !reflect.DeepEqual(back, k) {
		t.Fatalf("%v %v", back, err)
	}
	if none, err := LoadKnownKeys(filepath.Join(t.TempDir(), "none")); err != nil || len(none) != 0 {
		t.Fatal(none, err)
	}
	for _, bad := range []string{"x 1", "s 0 " + strings.Repeat("00", 20), "s 1 zz", "s 1 " + strings.Repeat("00", 19)} {
		if _, err := ParseKnownKeys([]byte(bad)); err == nil || !strings.Contains(err.Error(), "known_keys:1:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// FuzzParseKnownKeys: a damaged known_keys file is an error, never a
// panic, and what parses writes back to the same pins.
func FuzzParseKnownKeys(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKnownKeys(b)
		if err != nil {
			return
		}
		back, err := ParseKnownKeys(k.Marshal())
		if err != nil || !reflect.DeepEqual(back, k) {
			t.Fatalf("round trip: %v %v", back, err)
		}
	})
}
