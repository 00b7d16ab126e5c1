package pgp

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Pin names whose key a fingerprint is: a user tag on one server (tags are
// per server, so the server's address is part of the name).
type Pin struct {
	Server string
	User   int64
}

// KnownKeys are the fingerprints pinned on first use (docs/privacy.md,
// "Trust"). Its file, known_keys, is text: '#' starts a comment line, and
// every other line is
//
//	SERVER USER FINGERPRINT
//
// SERVER the address the client connects to (no spaces), USER the user's
// tag (a positive decimal), FINGERPRINT the 40 hex digits of the v4
// fingerprint, fields separated by one space.
type KnownKeys map[Pin][20]byte

// ParseKnownKeys reads known_keys; an error names the line.
func ParseKnownKeys(b []byte) (KnownKeys, error) {
	k := KnownKeys{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) != 3 || f[0] == "" {
			return nil, fmt.Errorf("known_keys:%d: want SERVER USER FINGERPRINT", n)
		}
		u, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || u <= 0 {
			return nil, fmt.Errorf("known_keys:%d: invalid user tag %q", n, f[1])
		}
		var fp [20]byte
		if h, err := hex.DecodeString(f[2]); err != nil || len(h) != 20 {
			return nil, fmt.Errorf("known_keys:%d: invalid fingerprint %q", n, f[2])
		} else {
			copy(fp[:], h)
		}
		k[Pin{f[0], u}] = fp
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("known_keys: %w", err)
	}
	return k, nil
}

// Marshal writes the file's text, sorted, with a header saying its form.
func (k KnownKeys) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("# salon known_keys: SERVER USER FINGERPRINT, one pinned key a line\n")
	pins := make([]Pin, 0, len(k))
	for p := range k {
		pins = append(pins, p)
	}
	slices.SortFunc(pins, func(a, b Pin) int {
		if c := strings.Compare(a.Server, b.Server); c != 0 {
			return c
		}
		return int(a.User - b.User)
	})
	for _, p := range pins {
		fp := k[p]
		fmt.Fprintf(&b, "%s %d %s\n", p.Server, p.User, strings.ToUpper(hex.EncodeToString(fp[:])))
	}
	return b.Bytes()
}

// PinState is what a key seen for a user is, against the pins.
type PinState int

const (
	// PinNew: nothing was pinned for the user; Check pinned this key.
	PinNew PinState = iota
	// PinSame: the key is the pinned one.
	PinSame
	// PinChanged: another key is pinned; the user must accept the change.
	PinChanged
)

// Check compares fp with the pin for p, pinning it if there was none.
func (k KnownKeys) Check(p Pin, fp [20]byte) PinState {
	old, ok := k[p]
	switch {
	case !ok:
		k[p] = fp
		return PinNew
	case old == fp:
		return PinSame
	}
	return PinChanged
}

// LoadKnownKeys reads the file at path; a missing file is an empty set.
func LoadKnownKeys(path string) (KnownKeys, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return KnownKeys{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseKnownKeys(b)
}

// Save writes the pins to path, mode 0600.
func (k KnownKeys) Save(path string) error { return WritePrivate(path, k.Marshal()) }

// WritePrivate writes b to path with mode 0600, through a temporary file
// renamed over it (a crash leaves the old file or the new, never half),
// creating the folder (0700) if needed.
func WritePrivate(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
