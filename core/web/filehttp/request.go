package filehttp

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/salon-chat/salon/core/chat"
	"github.com/salon-chat/salon/core/wire"
)

// The two things a request brings that are parsed here: the token (in
// POST /auth's Authorization header, then in the cookie) and the file's
// path. Both are checked whole before anything is asked of the hub.

// authScheme is the scheme of the Authorization header of POST /auth.
const authScheme = "Salon"

// maxNameBytes bounds the file name of a path. Names the server makes are
// at most 64 bytes (files.SafeName); the bound leaves room for older ones
// and keeps a hostile path from costing anything.
const maxNameBytes = 1024

// validToken reports whether s has the shape of a WEBTOKEN: 43 characters
// of base64url without padding that decode to 32 bytes, in the one
// spelling that encodes them.
func validToken(s string) bool {
	if len(s) != chat.WebTokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32
}

// parseAuthorization reads "Salon <token>". The scheme is matched without
// regard to case, as HTTP's schemes are; exactly one space separates it
// from the token, and nothing follows.
func parseAuthorization(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, authScheme) || !validToken(token) {
		return "", false
	}
	return token, true
}

// parseFilePath reads the escaped path /files/{S}/{C}/{name}: S C an
// address of section 2 of the protocol (0 U for a direct conversation),
// name one percent-encoded path segment that decodes to valid UTF-8
// without control characters or slashes. It is given the escaped form so
// that a slash encoded inside the name stays in the name (and is refused)
// instead of splitting the path.
func parseFilePath(escaped string) (wire.Addr, string, bool) {
	rest, ok := strings.CutPrefix(escaped, "/files/")
	if !ok {
		return wire.Addr{}, "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || len(parts[2]) > 3*maxNameBytes {
		return wire.Addr{}, "", false
	}
	a, ok := wire.ParseAddr(parts[0], parts[1])
	if !ok {
		return wire.Addr{}, "", false
	}
	name, err := url.PathUnescape(parts[2])
	if err != nil || !validName(name) {
		return wire.Addr{}, "", false
	}
	return a, name, true
}

// validName reports whether name can be a file's name: what a GET line
// could carry as its last field (one token of valid text), and no path.
func validName(name string) bool {
	if name == "" || len(name) > maxNameBytes || !utf8.ValidString(name) || !wire.ValidText(name) {
		return false
	}
	return !strings.ContainsAny(name, " \t/\\")
}
