// Package pgp makes and reads the keys and messages of private conversations
// exactly as docs/privacy.md fixes them, so that what the terminal client
// writes the web client (openpgp.js) reads, and the other way around.
package pgp

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"

	"github.com/salon-chat/salon/core/wire"
)

// Prefix starts the text of every private message on the wire.
const Prefix = "pgp:"

// MaxPublic is the largest public key KEY carries (docs/privacy.md).
const MaxPublic = 3048

var (
	// ErrDamaged: the message was for this key but its integrity check
	// (the MDC) or its structure failed: "damaged, cannot be read".
	ErrDamaged = errors.New("pgp: message damaged, cannot be read")
	// ErrNotForMe: none of the message's recipients is this key:
	// "encrypted for a key you do not have".
	ErrNotForMe = errors.New("pgp: encrypted for a key you do not have")
	// ErrPassphrase: the passphrase does not open the private key.
	ErrPassphrase = errors.New("pgp: wrong passphrase")
	// ErrTooLong: the encoded message would not fit in one MSG.
	ErrTooLong = errors.New("pgp: message too long once encrypted")
)

// config is the one set of choices every key and message here is made
// with: Ed25519/Curve25519 v4 keys, AES-256, SHA-256, no compression, no
// AEAD (so messages are SEIPD v1 with an MDC, as the contract says).
func config() *packet.Config {
	return &packet.Config{
		Algorithm:              packet.PubKeyAlgoEdDSA,
		Curve:                  packet.Curve25519,
		DefaultHash:            crypto.SHA256,
		DefaultCipher:          packet.CipherAES256,
		DefaultCompressionAlgo: packet.CompressionNone,
		S2KConfig: &s2k.Config{
			S2KMode:  s2k.IteratedSaltedS2K,
			Hash:     crypto.SHA256,
			S2KCount: 65011712,
		},
	}
}

// Public is someone's published key.
type Public struct {
	entity *openpgp.Entity
}

// Key is this user's key pair, its private parts decrypted in memory.
type Key struct {
	entity *openpgp.Entity
}

// Generate makes a new key pair for pseudo: a v4 Ed25519 primary key for
// signing and a Curve25519 ECDH subkey for encryption, user id the pseudo.
func Generate(pseudo string) (*Key, error) {
	e, err := openpgp.NewEntity(pseudo, "", "", config())
	if err != nil {
		return nil, fmt.Errorf("pgp: generate: %w", err)
	}
	return &Key{entity: e}, nil
}

func fingerprint(e *openpgp.Entity) (fp [20]byte) {
	copy(fp[:], e.PrimaryKey.Fingerprint)
	return fp
}

// Fingerprint is the key's v4 fingerprint.
func (k *Key) Fingerprint() [20]byte { return fingerprint(k.entity) }

// Fingerprint is the key's v4 fingerprint.
func (p *Public) Fingerprint() [20]byte { return fingerprint(p.entity) }

// Name is the user id's name the key was made with.
func (p *Public) Name() string {
	if id := p.entity.PrimaryIdentity(); id != nil {
		return id.UserId.Name
	}
	return ""
}

// Public is the binary transferable public key KEY publishes: primary key,
// user id, self-signature, subkey and binding, no private material.
func (k *Key) Public() []byte {
	var b bytes.Buffer
	if err := k.entity.Serialize(&b); err != nil {
		// Serialize only fails on a writer's error; a bytes.Buffer has none.
		panic(err)
	}
	return b.Bytes()
}

// PublicKey is this key's public half, as others see it.
func (k *Key) PublicKey() *Public {
	p, err := ParsePublic(k.Public())
	if err != nil {
		panic(err)
	}
	return p
}

// ParsePublic reads a binary transferable public key as KEY carries it.
func ParsePublic(b []byte) (*Public, error) {
	if len(b) == 0 {
		return nil, errors.New("pgp: empty public key")
	}
	if len(b) > MaxPublic {
		return nil, fmt.Errorf("pgp: public key of %d bytes, more than %d", len(b), MaxPublic)
	}
	el, err := openpgp.ReadKeyRing(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("pgp: not a public key: %w", err)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("pgp: %d keys where one was expected", len(el))
	}
	e := el[0]
	if e.PrivateKey != nil {
		return nil, errors.New("pgp: a private key where a public one was expected")
	}
	if e.PrimaryKey.Version != 4 {
		return nil, fmt.Errorf("pgp: version %d key, only version 4 is used", e.PrimaryKey.Version)
	}
	if _, ok := e.EncryptionKey(config().Now()); !ok {
		return nil, errors.New("pgp: the key has no usable encryption subkey")
	}
	return &Public{entity: e}, nil
}

// ExportArmored is the private key armored and encrypted with passphrase
// (AES-256, iterated-salted SHA-256 S2K): what key.asc and export hold.
func (k *Key) ExportArmored(passphrase string) (string, error) {
	if passphrase == "" {
		return "", errors.New("pgp: empty passphrase")
	}
	// Encrypt a copy: k keeps its decrypted private key for this run.
	var raw bytes.Buffer
	if err := k.entity.SerializePrivateWithoutSigning(&raw, nil); err != nil {
		return "", fmt.Errorf("pgp: export: %w", err)
	}
	el, err := openpgp.ReadKeyRing(&raw)
	if err != nil || len(el) != 1 {
		return "", fmt.Errorf("pgp: export: re-reading the key: %v", err)
	}
	c := el[0]
	if err := c.EncryptPrivateKeys([]byte(passphrase), config()); err != nil {
		return "", fmt.Errorf("pgp: export: %w", err)
	}
	var out bytes.Buffer
	w, err := armor.Encode(&out, openpgp.PrivateKeyType, nil)
	if err != nil {
		return "", fmt.Errorf("pgp: export: %w", err)
	}
	if err := c.SerializePrivateWithoutSigning(w, nil); err != nil {
		return "", fmt.Errorf("pgp: export: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("pgp: export: %w", err)
	}
	out.WriteByte('\n')
	return out.String(), nil
}

// ImportArmored reads an armored private key and opens it with passphrase.
func ImportArmored(text, passphrase string) (*Key, error) {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("pgp: not an armored private key: %w", err)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("pgp: %d keys where one was expected", len(el))
	}
	e := el[0]
	if e.PrivateKey == nil {
		return nil, errors.New("pgp: a public key where a private one was expected")
	}
	if e.PrimaryKey.Version != 4 {
		return nil, fmt.Errorf("pgp: version %d key, only version 4 is used", e.PrimaryKey.Version)
	}
	if err := e.DecryptPrivateKeys([]byte(passphrase)); err != nil {
		var ke pgperrors.KeyInvalidError
		if errors.As(err, &ke) || errors.Is(err, pgperrors.ErrKeyIncorrect) {
			return nil, ErrPassphrase
		}
		return nil, fmt.Errorf("%w: %v", ErrPassphrase, err)
	}
	if _, ok := e.EncryptionKey(config().Now()); !ok {
		return nil, errors.New("pgp: the key has no usable encryption subkey")
	}
	return &Key{entity: e}, nil
}

// Encrypt makes the text of a private MSG: "pgp:" and base64 of text as a
// binary literal packet, signed by me, encrypted to to and to me.
func Encrypt(text []byte, to *Public, me *Key) (string, error) {
	b, err := EncryptBytes(text, to, me)
	if err != nil {
		return "", err
	}
	s := Prefix + base64.StdEncoding.EncodeToString(b)
	if len(s) > wire.MaxText {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(s), wire.MaxText)
	}
	return s, nil
}

// EncryptBytes is Encrypt's binary message without the prefix: a private
// file's content.
func EncryptBytes(data []byte, to *Public, me *Key) ([]byte, error) {
	if to == nil || me == nil {
		return nil, errors.New("pgp: encrypt needs both keys")
	}
	var b bytes.Buffer
	w, err := openpgp.Encrypt(&b, []*openpgp.Entity{to.entity, me.entity}, me.entity,
		&openpgp.FileHints{IsBinary: true}, config())
	if err != nil {
		return nil, fmt.Errorf("pgp: encrypt: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("pgp: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("pgp: encrypt: %w", err)
	}
	return b.Bytes(), nil
}

// Verdict says what the signature of a decrypted message proves.
type Verdict int

const (
	// Unverified: no signature, a bad one, or one by a key other than the
	// expected sender's: "could not be verified".
	Unverified Verdict = iota
	// Verified: signed by the expected sender's (pinned) key.
	Verified
)

func (v Verdict) String() string {
	if v == Verified {
		return "verified"
	}
	return "unverified"
}

// Plain is a decrypted message.
type Plain struct {
	Text    []byte
	Verdict Verdict
	// Signer is the signing key's primary fingerprint when the signer is
	// one of the keys given to Decrypt; zero otherwise.
	Signer [20]byte
	// SignerID is the signature's issuer key id (0 if unsigned).
	SignerID uint64
	// Signed says the message carried a signature at all.
	Signed bool
}

// Decrypt reads a private MSG's text ("pgp:..."); from is the sender's
// pinned key (nil if none: the message then reads but is Unverified).
func Decrypt(msg string, me *Key, from *Public) (Plain, error) {
	rest, ok := strings.CutPrefix(msg, Prefix)
	if !ok {
		return Plain{}, errors.New("pgp: not a private message (no pgp: prefix)")
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return Plain{}, fmt.Errorf("%w: bad base64", ErrDamaged)
	}
	return DecryptBytes(b, me, from)
}

// maxPlain bounds what a message may decrypt to: a private file can be as
// large as an upload, a text far less; this only stops decompression bombs.
const maxPlain = 1 << 30

// DecryptBytes reads a binary message (a private file's content).
func DecryptBytes(b []byte, me *Key, from *Public) (Plain, error) {
	if me == nil {
		return Plain{}, ErrNotForMe
	}
	ring := openpgp.EntityList{me.entity}
	if from != nil {
		ring = append(ring, from.entity)
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(b), ring, nil, config())
	if err != nil {
		return Plain{}, classify(err)
	}
	if !md.IsEncrypted {
		return Plain{}, fmt.Errorf("%w: not encrypted", ErrDamaged)
	}
	if md.DecryptedWith.Entity == nil {
		return Plain{}, ErrNotForMe
	}
	text, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, maxPlain))
	if err != nil {
		return Plain{}, classify(err)
	}
	p := Plain{Text: text, Signed: md.IsSigned, SignerID: md.SignedByKeyId}
	if md.SignedBy != nil && md.SignedBy.Entity != nil {
		p.Signer = fingerprint(md.SignedBy.Entity)
	}
	if md.IsSigned && md.SignatureError == nil && md.SignedBy != nil && from != nil &&
		p.Signer == from.Fingerprint() {
		p.Verdict = Verified
	}
	return p, nil
}

// classify turns the library's errors into the two the reader tells apart.
func classify(err error) error {
	if errors.Is(err, pgperrors.ErrKeyIncorrect) {
		return ErrNotForMe
	}
	return fmt.Errorf("%w: %v", ErrDamaged, err)
}

// SafetyNumber is the number two users compare (docs/privacy.md): SHA-256
// of the smaller fingerprint then the larger; the hash's first 24 bytes as
// 12 big-endian uint16, each as 5 zero-padded digits, spaces between.
func SafetyNumber(a, b [20]byte) string {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	h := sha256.New()
	h.Write(a[:])
	h.Write(b[:])
	sum := h.Sum(nil)
	groups := make([]string, 12)
	for i := range groups {
		groups[i] = fmt.Sprintf("%05d", binary.BigEndian.Uint16(sum[2*i:]))
	}
	return strings.Join(groups, " ")
}

// FingerprintHex writes a fingerprint as upper-case hex in groups of four,
// as people read them.
func FingerprintHex(fp [20]byte) string {
	var b strings.Builder
	for i := 0; i < 20; i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02X%02X", fp[i], fp[i+1])
	}
	return b.String()
}

// PeekArmored reads the fingerprint of an armored private key without its
// passphrase (the public parts are not encrypted).
func PeekArmored(text string) ([20]byte, error) {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(text))
	if err != nil {
		return [20]byte{}, fmt.Errorf("pgp: not an armored key: %w", err)
	}
	if len(el) != 1 {
		return [20]byte{}, fmt.Errorf("pgp: %d keys where one was expected", len(el))
	}
	return fingerprint(el[0]), nil
}

// ArmoredPublic is the binary public key of an armored private key, read
// without its passphrase: what KEY publishes for it.
func ArmoredPublic(text string) ([]byte, error) {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("pgp: not an armored key: %w", err)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("pgp: %d keys where one was expected", len(el))
	}
	var b bytes.Buffer
	if err := el[0].Serialize(&b); err != nil {
		return nil, fmt.Errorf("pgp: %w", err)
	}
	return b.Bytes(), nil
}
