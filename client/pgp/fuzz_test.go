package pgp

import (
	"sync"
	"testing"
)

var fuzzKeys = sync.OnceValues(func() (*Key, *Key) {
	a, err := Generate("alice")
	if err != nil {
		panic(err)
	}
	b, err := Generate("bob")
	if err != nil {
		panic(err)
	}
	return a, b
})

// FuzzDecrypt: whatever arrives as a pgp: text, Decrypt returns an error or
// a Plain, never panics. The seeds are in testdata/fuzz/FuzzDecrypt.
func FuzzDecrypt(f *testing.F) {
	f.Add("pgp:")
	f.Add("pgp:wcBMA0d1")
	f.Fuzz(func(t *testing.T, msg string) {
		a, b := fuzzKeys()
		p, err := Decrypt(msg, b, a.PublicKey())
		if err == nil && p.Verdict == Verified && p.Signer != a.Fingerprint() {
			t.Fatal("verified by a key that is not the sender's")
		}
	})
}

// FuzzParsePublic: KEY's payload, as any peer may send it.
func FuzzParsePublic(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePublic(b)
		if err == nil && p.entity.PrivateKey != nil {
			t.Fatal("private key accepted as public")
		}
	})
}
