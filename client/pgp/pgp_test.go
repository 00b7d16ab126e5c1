package pgp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/salon-chat/salon/core/wire"
)

func gen(t testing.TB, pseudo string) *Key {
	t.Helper()
	k, err := Generate(pseudo)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTripBothRecipients(t *testing.T) {
	alice, bob := gen(t, "alice"), gen(t, "bob")
	msg, err := Encrypt([]byte("hello bob, é"), bob.PublicKey(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg, "pgp:") {
		t.Fatalf("no prefix: %q", msg)
	}
	p, err := Decrypt(msg, bob, alice.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Text) != "hello bob, é" || p.Verdict != Verified || p.Signer != alice.Fingerprint() {
		t.Fatalf("bob read %+v", p)
	}
	// The sender reads its own history.
	p, err = Decrypt(msg, alice, alice.PublicKey())
	if err != nil || string(p.Text) != "hello bob, é" || p.Verdict != Verified {
		t.Fatalf("alice read %+v, %v", p, err)
	}
	// A third party cannot.
	if _, err := Decrypt(msg, gen(t, "eve"), alice.PublicKey()); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("eve: %v", err)
	}
}

// TestMessageShape checks the packets against the contract: two PKESKs,
// SEIPD v1 with AES-256, a one-pass signature, a binary literal without name.
func TestMessageShape(t *testing.T) {
	alice, bob := gen(t, "alice"), gen(t, "bob")
	b, err := EncryptBytes([]byte("x"), bob.PublicKey(), alice)
	if err != nil {
		t.Fatal(err)
	}
	r := packet.NewReader(bytes.NewReader(b))
	var pkesk, opened int
	for {
		p, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch p := p.(type) {
		case *packet.EncryptedKey:
			pkesk++
			if p.KeyId == bob.entity.Subkeys[0].PublicKey.KeyId {
				if err := p.Decrypt(bob.entity.Subkeys[0].PrivateKey, config()); err != nil {
					t.Fatal(err)
				}
				opened++
				if p.CipherFunc != packet.CipherAES256 {
					t.Errorf("session cipher %v, want AES-256", p.CipherFunc)
				}
			}
			continue
		case *packet.SymmetricallyEncrypted:
			if p.Version != 1 {
				t.Errorf("SEIPD version %d", p.Version)
			}
		default:
			t.Fatalf("unexpected packet %T", p)
		}
		break
	}
	if pkesk != 2 || opened != 1 {
		t.Errorf("%d recipients, %d for bob", pkesk, opened)
	}
	// Inside: decrypt and look at the literal packet's hints.
	md, err := Decrypt(Prefix+base64.StdEncoding.EncodeToString(b), bob, alice.PublicKey())
	if err != nil || !md.Signed {
		t.Fatalf("%+v %v", md, err)
	}
}

func TestTamperedIsDamaged(t *testing.T) {
	alice, bob := gen(t, "alice"), gen(t, "bob")
	b, err := EncryptBytes([]byte("do not touch"), bob.PublicKey(), alice)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{len(b) - 1, len(b) - 10, len(b) - 40} {
		c := bytes.Clone(b)
		c[at] ^= 0x01
		if _, err := DecryptBytes(c, bob, alice.PublicKey()); !errors.Is(err, ErrDamaged) {
			t.Errorf("flip at %d: %v", at, err)
		}
	}
	if _, err := Decrypt("pgp:!!!", bob, nil); !errors.Is(err, ErrDamaged) {
		t.Errorf("bad base64: %v", err)
	}
}

func TestOtherSignerUnverified(t *testing.T) {
	alice, bob, mallory := gen(t, "alice"), gen(t, "bob"), gen(t, "mallory")
	// Mallory writes to bob; bob expects alice.
	msg, err := Encrypt([]byte("it's me, alice"), bob.PublicKey(), mallory)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decrypt(msg, bob, alice.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if p.Verdict != Unverified || string(p.Text) != "it's me, alice" {
		t.Fatalf("%+v", p)
	}
	// With no pinned key at all it reads, unverified.
	p, err = Decrypt(msg, bob, nil)
	if err != nil || p.Verdict != Unverified {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestExportImport(t *testing.T) {
	k := gen(t, "alice")
	text, err := k.ExportArmored("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "-----BEGIN PGP PRIVATE KEY BLOCK-----") {
		t.Fatalf("%q", text[:40])
	}
	if _, err := ImportArmored(text, "wrong"); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	k2, err := ImportArmored(text, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if k2.Fingerprint() != k.Fingerprint() {
		t.Fatal("fingerprint changed")
	}
	// k itself still works after export (it exported a copy).
	bob := gen(t, "bob")
	msg, err := Encrypt([]byte("hi"), bob.PublicKey(), k)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := Decrypt(msg, k2, k.PublicKey()); err != nil || p.Verdict != Verified {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := ImportArmored(text, ""); err == nil {
		t.Fatal("empty passphrase opened the key")
	}
}

func TestPublic(t *testing.T) {
	k := gen(t, "alice")
	pub := k.Public()
	if len(pub) > MaxPublic {
		t.Fatalf("%d bytes", len(pub))
	}
	p, err := ParsePublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	if p.Fingerprint() != k.Fingerprint() || p.Name() != "alice" {
		t.Fatalf("%x %q", p.Fingerprint(), p.Name())
	}
	if p.entity.PrivateKey != nil {
		t.Fatal("private material in the public key")
	}
	for _, bad := range [][]byte{nil, []byte("hello"), pub[:len(pub)/2], make([]byte, MaxPublic+1)} {
		if _, err := ParsePublic(bad); err == nil {
			t.Errorf("parsed %d bytes", len(bad))
		}
	}
}

func TestTooLong(t *testing.T) {
	alice, bob := gen(t, "alice"), gen(t, "bob")
	if _, err := Encrypt(bytes.Repeat([]byte("a"), 2400), bob.PublicKey(), alice); err != nil {
		t.Fatalf("2400 bytes refused: %v", err)
	}
	_, err := Encrypt(bytes.Repeat([]byte("a"), wire.MaxText), bob.PublicKey(), alice)
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("%v", err)
	}
}

// safetyByHand recomputes the number from the contract's words alone.
func safetyByHand(lo, hi [20]byte) string {
	sum := sha256.Sum256(append(lo[:], hi[:]...))
	var parts []string
	for i := 0; i < 12; i++ {
		parts = append(parts, fmt.Sprintf("%05d", binary.BigEndian.Uint16(sum[i*2:i*2+2])))
	}
	return strings.Join(parts, " ")
}

func fill(b byte) (f [20]byte) {
	for i := range f {
		f[i] = b
	}
	return f
}

func TestSafetyNumber(t *testing.T) {
	a, b := fill(0x00), fill(0x01)
	if SafetyNumber(a, b) != SafetyNumber(b, a) {
		t.Fatal("not symmetric")
	}
	if got, want := SafetyNumber(b, a), safetyByHand(a, b); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	// The golden vector the web client tests against too.
	golden, err := os.ReadFile("testdata/safety.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, l := range strings.Split(string(golden), "\n") {
		if v, ok := strings.CutPrefix(l, "number: "); ok {
			want = v
		}
	}
	x, y := fill(0x11), fill(0x22)
	if got := SafetyNumber(y, x); got != want || safetyByHand(x, y) != want {
		t.Fatalf("got %q, golden %q", got, want)
	}
	if len(strings.ReplaceAll(want, " ", "")) != 60 {
		t.Fatalf("%q is not 60 digits", want)
	}
}

// TestKeyShape checks the key against the contract: v4, EdDSA primary
// with the user id "pseudo", a Curve25519 ECDH subkey, AES-256 preferred,
// and no SEIPDv2 advertised (so openpgp.js writes SEIPD v1 to it too).
func TestKeyShape(t *testing.T) {
	k := gen(t, "alice")
	e := k.PublicKey().entity
	if e.PrimaryKey.Version != 4 || e.PrimaryKey.PubKeyAlgo != packet.PubKeyAlgoEdDSA {
		t.Fatalf("primary v%d algo %v", e.PrimaryKey.Version, e.PrimaryKey.PubKeyAlgo)
	}
	if len(e.Identities) != 1 {
		t.Fatalf("%d identities", len(e.Identities))
	}
	for id, ident := range e.Identities {
		if id != "alice" {
			t.Errorf("user id %q", id)
		}
		sig := ident.SelfSignature
		if sig.SEIPDv2 || len(sig.PreferredSymmetric) == 0 || sig.PreferredSymmetric[0] != uint8(packet.CipherAES256) {
			t.Errorf("self-signature: SEIPDv2 %v, ciphers %v", sig.SEIPDv2, sig.PreferredSymmetric)
		}
	}
	if len(e.Subkeys) != 1 || e.Subkeys[0].PublicKey.PubKeyAlgo != packet.PubKeyAlgoECDH {
		t.Fatalf("subkeys %+v", e.Subkeys)
	}
	if c, err := e.Subkeys[0].PublicKey.Curve(); err != nil || c != packet.Curve25519 {
		t.Fatalf("subkey curve %v %v", c, err)
	}
}

// TestLiteralShape: the literal data is binary and has no file name.
func TestLiteralShape(t *testing.T) {
	alice, bob := gen(t, "alice"), gen(t, "bob")
	b, err := EncryptBytes([]byte("x"), bob.PublicKey(), alice)
	if err != nil {
		t.Fatal(err)
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(b), openpgp.EntityList{bob.entity}, nil, config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(md.UnverifiedBody); err != nil {
		t.Fatal(err)
	}
	if !md.LiteralData.IsBinary || md.LiteralData.FileName != "" || !md.IsSigned {
		t.Fatalf("literal %+v signed %v", md.LiteralData, md.IsSigned)
	}
}
