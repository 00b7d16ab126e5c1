// Package auth hashes and checks passwords (argon2id) and slows down
// repeated failed logins.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sync/semaphore"
)

// Params are argon2id's cost parameters.
type Params struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

const (
	saltLen = 16
	keyLen  = 32
)

// Hasher computes password hashes with at most a fixed number at once, so
// that a login storm costs waiting time, not memory.
type Hasher struct {
	params Params
	slots  *semaphore.Weighted
	dummy  string // checked against when an account does not exist
}

// NewHasher returns a Hasher computing at most concurrent hashes at once.
func NewHasher(p Params, concurrent int) *Hasher {
	if concurrent < 1 {
		concurrent = 1
	}
	h := &Hasher{params: p, slots: semaphore.NewWeighted(int64(concurrent))}
	h.dummy = h.encode(make([]byte, saltLen), []byte("salon-dummy-password"))
	return h
}

// Hash returns the encoded hash of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, []byte(password)), nil
}

func (h *Hasher) encode(salt, password []byte) string {
	p := h.params
	key := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ErrMalformedHash is returned for a stored hash this package did not write.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Verify reports whether password matches encoded. An empty encoded (no such
// account, or a bot) costs the same time as a real check and never matches,
// so response times do not tell which pseudos exist.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	real := encoded != ""
	if !real {
		encoded = h.dummy
	}
	var p Params
	var version int
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.Threads == 0 || p.Time == 0 {
		return false, ErrMalformedHash
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return real && subtle.ConstantTimeCompare(got, want) == 1, nil
}

func (h *Hasher) acquire(ctx context.Context) error { return h.slots.Acquire(ctx, 1) }

func (h *Hasher) release() { h.slots.Release(1) }
